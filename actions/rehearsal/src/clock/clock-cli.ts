// The `sleep` stand-in on a rehearsal job's PATH: `sleep N[smhd]...` moves the virtual clock instead
// of waiting, as GNU sleep would wait (sum of the arguments).
import { CLOCK_DIR_VARIABLE, VirtualClock } from './clock';

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

function seconds(argument: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(argument);
  if (!match) {
    process.stderr.write(`sleep: invalid time interval '${argument}'\n`);
    process.exit(1);
  }
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1);
}

const dir = process.env[CLOCK_DIR_VARIABLE];
if (!dir) {
  process.stderr.write(`sleep stand-in: ${CLOCK_DIR_VARIABLE} is not set\n`);
  process.exit(1);
}
const total = process.argv.slice(2).reduce((sum, argument) => sum + seconds(argument), 0);
new VirtualClock(dir, `sleep-${process.pid}`).advanceBy(total * 1000);
