// `npm run rehearse -- [scenario...]`: runs the named scenarios (all when none is named; a name
// matches by substring), printing every job, step and AWS call as it happens. Exits non-zero when a
// scenario fails.
import { join } from 'node:path';
import { ALL_SCENARIOS } from './scenarios';
import { ScenarioFailure } from './scenarios/check';
import { ScenarioRunner } from './scenarios/run';

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const repoRoot = process.env.REHEARSAL_REPO_ROOT ?? join(__dirname, '..', '..', '..');
  const chosen =
    names.length === 0 ? ALL_SCENARIOS : ALL_SCENARIOS.filter((s) => names.some((n) => s.name.includes(n)));
  if (chosen.length === 0) {
    process.stderr.write(
      `no scenario matches '${names.join(' ')}'; scenarios:\n${ALL_SCENARIOS.map((s) => `  ${s.name}`).join('\n')}\n`,
    );
    process.exit(2);
  }
  const runner = new ScenarioRunner(repoRoot, (line) => process.stdout.write(`${line}\n`));
  const results: string[] = [];
  let failed = 0;
  for (const scenario of chosen) {
    let outcome: string;
    try {
      await runner.check(scenario);
      outcome = scenario.mustFail ? 'FAIL (its checks passed, they must not)' : 'PASS';
    } catch (error) {
      const expected = scenario.mustFail && error instanceof ScenarioFailure;
      outcome = expected
        ? `PASS (failed as it must: ${error.message.split('\n')[0]})`
        : `FAIL\n${error instanceof Error ? error.message : String(error)}`;
    }
    if (outcome.startsWith('FAIL')) failed += 1;
    results.push(
      `${outcome.startsWith('PASS') ? 'PASS' : 'FAIL'} ${scenario.name}${outcome.startsWith('PASS') ? outcome.slice(4) : `: ${outcome.slice(5)}`}`,
    );
  }
  await runner.close();
  process.stdout.write(`\n${results.join('\n')}\n\n${chosen.length - failed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

void main();
