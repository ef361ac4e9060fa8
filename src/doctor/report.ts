// The checklist people read: one line per finding, and for anything that did not pass, the fix underneath.
import type { Finding, Status } from './finding.js';

const MARK: Record<Status, string> = { pass: '✔', fail: '✖', warn: '!', skip: '-' };

export function formatFindings(mcpUrl: string, findings: Finding[]): string {
  const lines = [`Checking ${mcpUrl} the way Claude connects to it`, ''];
  for (const finding of findings) {
    lines.push(`${MARK[finding.status]} ${finding.title}${finding.detail ? ` — ${finding.detail}` : ''}`);
    if (finding.fix && finding.status !== 'pass') lines.push(`    fix: ${finding.fix}`);
  }
  const count = (status: Status) => findings.filter((finding) => finding.status === status).length;
  lines.push('', `${count('pass')} passed, ${count('fail')} failed, ${count('warn')} warnings, ${count('skip')} skipped`);
  return lines.join('\n') + '\n';
}
