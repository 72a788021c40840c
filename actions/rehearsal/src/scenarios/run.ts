import { Rehearsal } from '../rehearsal';
import type { RunResult } from '../runner/runner';
import type { Fixture, Scenario } from './index';

interface Prepared {
  readonly rehearsal: Rehearsal;
  readonly runs: Record<string, RunResult>;
}

/** Prepares fixtures once per process and runs scenario checks against them. */
export class ScenarioRunner {
  private readonly prepared = new Map<Fixture, Promise<Prepared>>();
  /** Fixtures whose rehearsal a continuing fixture has moved on: their state is no longer theirs. */
  private readonly continued = new Set<Fixture>();

  constructor(
    private readonly repoRoot: string,
    private readonly log?: (line: string) => void,
  ) {}

  prepare(fixture: Fixture): Promise<Prepared> {
    let prepared = this.prepared.get(fixture);
    if (!prepared) {
      prepared = (async () => {
        const rehearsal = fixture.continues
          ? await this.continueFrom(fixture.continues, fixture)
          : await Rehearsal.create({
              repoRoot: this.repoRoot,
              ...(this.log ? { log: this.log } : {}),
              ...(fixture.overrides ? { overrides: fixture.overrides } : {}),
            });
        this.log?.(`--- fixture: ${fixture.name}`);
        // A continuing fixture's scenarios see the runs of the fixtures it goes on from, too.
        const before = fixture.continues ? (await this.prepare(fixture.continues)).runs : {};
        const runs = { ...before, ...(await fixture.prepare(rehearsal)) };
        return { rehearsal, runs };
      })();
      this.prepared.set(fixture, prepared);
    }
    return prepared;
  }

  private async continueFrom(base: Fixture, fixture: Fixture): Promise<Rehearsal> {
    if (fixture.overrides)
      throw new Error(`fixture '${fixture.name}' continues another: it cannot override files`);
    const { rehearsal } = await this.prepare(base);
    this.continued.add(base);
    return rehearsal;
  }

  async check(scenario: Scenario): Promise<void> {
    if (this.continued.has(scenario.fixture)) {
      throw new Error(
        `fixture '${scenario.fixture.name}' was continued by another fixture: check its scenarios first`,
      );
    }
    const { rehearsal, runs } = await this.prepare(scenario.fixture);
    await scenario.check(rehearsal, runs);
  }

  /** The log of a fixture's rehearsal, for a failing test's message. */
  async transcript(fixture: Fixture): Promise<string[]> {
    return (await this.prepare(fixture)).rehearsal.lines;
  }

  async close(): Promise<void> {
    const rehearsals = new Set<Rehearsal>();
    for (const prepared of this.prepared.values()) {
      // A fixture whose preparation failed has reported that already; close what it left.
      const settled = await prepared.catch(() => undefined);
      if (settled) rehearsals.add(settled.rehearsal);
    }
    for (const rehearsal of rehearsals) await rehearsal.close();
    this.prepared.clear();
    this.continued.clear();
  }
}
