import { Rehearsal } from '../rehearsal';
import type { RunResult } from '../runner/runner';
import type { Fixture, Scenario } from './index';

/** Prepares fixtures once per process and runs scenario checks against them. */
export class ScenarioRunner {
  private readonly prepared = new Map<
    Fixture,
    Promise<{ rehearsal: Rehearsal; runs: Record<string, RunResult> }>
  >();

  constructor(
    private readonly repoRoot: string,
    private readonly log?: (line: string) => void,
  ) {}

  prepare(fixture: Fixture) {
    let prepared = this.prepared.get(fixture);
    if (!prepared) {
      prepared = (async () => {
        const rehearsal = await Rehearsal.create({
          repoRoot: this.repoRoot,
          ...(this.log ? { log: this.log } : {}),
          ...(fixture.overrides ? { overrides: fixture.overrides } : {}),
        });
        this.log?.(`--- fixture: ${fixture.name}`);
        const runs = await fixture.prepare(rehearsal);
        return { rehearsal, runs };
      })();
      this.prepared.set(fixture, prepared);
    }
    return prepared;
  }

  async check(scenario: Scenario): Promise<void> {
    const { rehearsal, runs } = await this.prepare(scenario.fixture);
    await scenario.check(rehearsal, runs);
  }

  /** The log of a fixture's rehearsal, for a failing test's message. */
  async transcript(fixture: Fixture): Promise<string[]> {
    return (await this.prepare(fixture)).rehearsal.lines;
  }

  async close(): Promise<void> {
    for (const prepared of this.prepared.values()) {
      // A fixture whose preparation failed has reported that already; close what it left.
      const settled = await prepared.catch(() => undefined);
      await settled?.rehearsal.close();
    }
    this.prepared.clear();
  }
}
