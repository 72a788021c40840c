// `npm run rehearse -- [scenario...]`: runs the named scenarios (all when none is named), printing
// every job, step and AWS call as it happens, and exits non-zero when a scenario fails.
import { join } from 'node:path';
import { Rehearsal } from './rehearsal';
import { SCENARIOS } from './scenarios';

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const repoRoot = process.env.REHEARSAL_REPO_ROOT ?? join(__dirname, '..', '..', '..');
  const chosen =
    names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.some((n) => s.name.includes(n)));
  if (chosen.length === 0) {
    process.stderr.write(
      `no scenario matches ${names.join(' ')}; scenarios:\n${SCENARIOS.map((s) => `  ${s.name}`).join('\n')}\n`,
    );
    process.exit(2);
  }
  let failed = 0;
  for (const scenario of chosen) {
    process.stdout.write(`\n=== ${scenario.name}\n`);
    const rehearsal = await Rehearsal.create({
      repoRoot,
      log: (line) => process.stdout.write(`${line}\n`),
      ...(scenario.overrides ? { overrides: scenario.overrides } : {}),
    });
    try {
      await scenario.run(rehearsal);
      process.stdout.write(`=== PASS ${scenario.name}\n`);
    } catch (error) {
      failed += 1;
      process.stdout.write(
        `=== FAIL ${scenario.name}\n${error instanceof Error ? error.message : String(error)}\n`,
      );
    } finally {
      await rehearsal.close();
    }
  }
  process.stdout.write(`\n${chosen.length - failed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

void main();
