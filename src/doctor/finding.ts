// What the doctor reports: one finding per step of Claude's path, each with a verdict and, unless it passed, what
// to change. Kept as plain data so `--json` prints it as is.

export type Status = 'pass' | 'fail' | 'warn' | 'skip';

export interface Finding {
  /** Stable, for scripts and tests: `prm.root`, `as.issuer`, `cors.expose`… */
  id: string;
  title: string;
  status: Status;
  detail: string;
  /** What to change; given for every fail and warn. */
  fix?: string;
}

export const pass = (id: string, title: string, detail: string): Finding => ({ id, title, status: 'pass', detail });
export const skip = (id: string, title: string, detail: string): Finding => ({ id, title, status: 'skip', detail });
export const warn = (id: string, title: string, detail: string, fix: string): Finding => ({ id, title, status: 'warn', detail, fix });
export const fail = (id: string, title: string, detail: string, fix: string): Finding => ({ id, title, status: 'fail', detail, fix });

/** 0 when nothing failed, 1 when something did; warnings alone do not fail the run. */
export const exitCodeFor = (findings: Finding[]): 0 | 1 => (findings.some((finding) => finding.status === 'fail') ? 1 : 0);
