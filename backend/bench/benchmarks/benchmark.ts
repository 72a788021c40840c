import type { BenchContext } from '../lib/context';
import type { Section } from '../lib/report';

export interface BenchmarkOutcome {
  readonly section: Section;
  /** The database/engine versions and settings the figures were measured on. */
  readonly environment: string;
}

/** One entry of the suite, selectable by name on the command line. */
export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(context: BenchContext): Promise<BenchmarkOutcome>;
}
