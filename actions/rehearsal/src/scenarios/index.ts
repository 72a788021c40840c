import type { Rehearsal } from '../rehearsal';
import { commitSha } from '../rehearsal';
import { check, expectConclusion } from './check';

export interface Scenario {
  readonly name: string;
  readonly run: (rehearsal: Rehearsal) => Promise<void>;
  /** Files of the checkout the scenario replaces. */
  readonly overrides?: Readonly<Record<string, string>>;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'fresh account first deploy of every environment',
    run: async (r) => {
      const sha = commitSha('merge-1');
      const run = await r.push(sha);
      expectConclusion(run, 'success');
      for (const environment of ['dev', 'staging', 'prod']) {
        for (const service of ['backend', 'frontend']) {
          const group = r.model.codedeploy.group(
            `ragchat-${environment}`,
            `ragchat-${environment}-${service}`,
          );
          check(group.lastSuccessful, `${environment} ${service}: no successful deployment`);
        }
      }
    },
  },
];
