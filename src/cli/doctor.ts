// `gatehouse doctor URL`: checks any remote MCP server the way Claude.ai connects to it, and says what to fix.
// Needs no configuration or storage: it only sends requests to the URL and to what that server advertises.
import { Command, InvalidArgumentError } from 'commander';
import { checkServerName, DoctorUsageError, exitCodeFor, parseTarget, runDoctor } from '../doctor/doctor.js';
import { formatFindings } from '../doctor/report.js';

/** Exit codes: 0 nothing failed, 1 something failed, 2 the command was used wrongly (a bad URL or option). */
export const USAGE_ERROR = 2;

export interface Output {
  write(text: string): unknown;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const seconds = (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 600) throw new InvalidArgumentError('give a number of seconds from 0 to 600');
  return parsed;
};

export function doctorCommand(stdout: Output = process.stdout, stderr: Output = process.stderr): Command {
  return (
    new Command('doctor')
      .description('check a remote MCP server the way Claude.ai connects to it, step by step, with a fix for each problem')
      .argument('<url>', 'the MCP endpoint URL, as you would give it to Claude (e.g. https://example.com/mcp)')
      .option('--token <token>', 'an access token for the server: also list tools in both protocol eras')
      .option('--server <name>', 'a Gatehouse gateway: also check /mcp/<name> for this upstream server (repeat for several)', collect)
      .option('--local', 'development: accept http and loopback or private addresses (skipped, not failed)')
      .option('--timeout <seconds>', 'time allowed for each request', seconds, 10)
      .option('--json', 'print the findings as JSON')
      .configureOutput({ writeOut: (text) => void stdout.write(text), writeErr: (text) => void stderr.write(text) })
      // Commander's own usage errors (unknown option, missing URL) exit 2 like a bad URL does, not 1 like a failed check.
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR))
      .action(async (url: string, options: { token?: string; server?: string[]; local?: boolean; timeout: number; json?: boolean }) => {
        const servers = options.server ?? [];
        try {
          parseTarget(url);
          servers.forEach(checkServerName);
        } catch (error) {
          if (!(error instanceof DoctorUsageError)) throw error;
          stderr.write(`gatehouse doctor: ${error.message}\n`);
          process.exitCode = USAGE_ERROR;
          return;
        }
        let findings;
        try {
          findings = await runDoctor(url, {
            local: Boolean(options.local),
            timeoutSeconds: options.timeout,
            servers,
            ...(options.token && { token: options.token }),
          });
        } catch (error) {
          // Every expected problem is a finding; anything else is a doctor bug, reported in one line all the same.
          stderr.write(`gatehouse doctor: ${(error as Error).message}\n`);
          process.exitCode = 1;
          return;
        }
        stdout.write(options.json ? JSON.stringify(findings, null, 2) + '\n' : formatFindings(url, findings));
        process.exitCode = exitCodeFor(findings);
      })
  );
}
