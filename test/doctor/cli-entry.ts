// `gatehouse doctor` as a process of its own, for tests of real exit codes, without going through
// src/cli/index.ts (which needs no change to run the command in tests).
import { doctorCommand } from '../../src/cli/doctor.js';

await doctorCommand().parseAsync(process.argv.slice(2), { from: 'user' });
