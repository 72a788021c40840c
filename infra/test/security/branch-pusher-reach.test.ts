import { account } from '../../src/config/environments';
import { PLACEHOLDER_ACCOUNT } from '../../src/app';
import { buildApp } from '../support/app';
import { branchPusherReach, type ReachOptions } from '../support/branch-pusher-reach';
import { type IamModel, iamModelOf } from '../support/iam-model';

// Every stack of the app, the preview stack included, as `cdk synth -c pr=42` writes them.
const { app } = buildApp({ pr: '42' });
const model: IamModel = iamModelOf(app, PLACEHOLDER_ACCOUNT, account.region);
const options: ReachOptions = {
  owner: account.github.owner,
  repo: account.github.repo,
  defaultBranch: account.github.branch,
  protectedEnvironments: account.github.environments,
  previewHost: account.previewHost,
};

describe('what a pull request (anyone who can push a branch) can reach in AWS', () => {
  const report = branchPusherReach(model, options);

  it('reaches at least one role, or previews could not deploy', () => {
    expect(report.entryRoles.length).toBeGreaterThan(0);
  });

  it('can change nothing outside previews, through any role it can assume, pass or have CloudFormation use', () => {
    expect(report.findings).toEqual([]);
  });
});
