// `gatehouse doctor` run in this process, for the tests that read what it prints and the exit code it sets.
import { doctorCommand } from '../../src/cli/doctor.js';

/** Runs the command in this process, capturing what it prints and the exit code it sets. */
export async function doctorInProcess(args: string[]) {
  let stdout = '';
  let stderr = '';
  try {
    await doctorCommand({ write: (text: string) => (stdout += text) }, { write: (text: string) => (stderr += text) }).parseAsync(args, { from: 'user' });
    return { stdout, stderr, exitCode: process.exitCode };
  } finally {
    process.exitCode = undefined;
  }
}
