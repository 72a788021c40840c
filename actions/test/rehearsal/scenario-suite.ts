import { join } from 'node:path';
import type { Fixture, Scenario } from '../../rehearsal/src/scenarios';
import { ScenarioFailure } from '../../rehearsal/src/scenarios/check';
import { ScenarioRunner } from '../../rehearsal/src/scenarios/run';

/** A fixture prepares a whole rehearsal (minutes of virtual time, tens of seconds of real time). */
const TIMEOUT_MS = 600_000;

const NOISE = /GetDeploymentTarget|ListDeploymentTargets|DescribeImageScanFindings|Lifecycle /;

/**
 * Declares one jest test per scenario; the scenarios sharing a fixture share one rehearsal. A
 * failing test's message carries the end of the rehearsal's transcript.
 */
export function describeScenarios(title: string, scenarios: readonly Scenario[]): void {
  describe(title, () => {
    const runner = new ScenarioRunner(join(__dirname, '..', '..', '..'));
    afterAll(() => runner.close(), TIMEOUT_MS);

    const transcript = async (fixture: Fixture) =>
      (await runner.transcript(fixture))
        .filter((line) => !NOISE.test(line))
        .slice(-80)
        .join('\n');

    for (const scenario of scenarios) {
      it(
        scenario.name,
        async () => {
          let failure: unknown;
          try {
            await runner.check(scenario);
          } catch (error) {
            failure = error;
          }
          if (scenario.mustFail) {
            if (!(failure instanceof ScenarioFailure)) {
              throw new Error(
                `the rehearsal did not catch it: ${failure instanceof Error ? failure.message : 'every check passed'}`,
              );
            }
            return;
          }
          if (failure instanceof Error) {
            failure.message = `${failure.message}\n--- rehearsal transcript (end) ---\n${await transcript(scenario.fixture)}`;
            throw failure;
          }
          if (failure !== undefined) throw failure;
        },
        TIMEOUT_MS,
      );
    }
  });
}
