import type { JobResult } from '../runner/job';
import type { RunResult } from '../runner/runner';

/** A scenario expectation that did not hold; the message says what the rehearsal saw instead. */
export class ScenarioFailure extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ScenarioFailure(message);
}

/** Every job of a run, reusable-workflow callees included. */
export function allJobs(run: RunResult): JobResult[] {
  const flat: JobResult[] = [];
  const visit = (job: JobResult) => {
    flat.push(job);
    for (const inner of job.inner ?? []) visit(inner);
  };
  for (const job of run.jobs) visit(job);
  return flat;
}

export function job(run: RunResult, name: string): JobResult {
  const found = allJobs(run).find(
    (candidate) => candidate.name === name || candidate.name.endsWith(` / ${name}`) || candidate.id === name,
  );
  check(
    found,
    `${run.workflow} has no job ${name} (jobs: ${allJobs(run)
      .map((j) => j.name)
      .join(', ')})`,
  );
  return found;
}

export function describeRun(run: RunResult): string {
  return allJobs(run)
    .map(
      (j) =>
        `${j.name}: ${j.result}${j.annotations.length ? ` [${j.annotations.slice(0, 3).join(' | ')}]` : ''}`,
    )
    .join('\n');
}

export function expectConclusion(run: RunResult, conclusion: RunResult['conclusion']): void {
  check(
    run.conclusion === conclusion,
    `${run.workflow} ended ${run.conclusion}, expected ${conclusion}:\n${describeRun(run)}`,
  );
}
