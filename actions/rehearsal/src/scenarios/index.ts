import { GitHubError } from '../model/errors';
import { healthyBehaviour } from '../model/model';
import { type BrowserVisit, commitSha, REPOSITORY, type Rehearsal } from '../rehearsal';
import {
  dispatchEvent,
  type PullRequestAction,
  pullRequestEvent,
  pushEvent,
  type TriggerEvent,
} from '../runner/github-context';
import type { Job } from '../runner/job';
import type { RunResult } from '../runner/runner';
import { allJobs, check, expectConclusion, job } from './check';

/** A rehearsal prepared once and shared by the scenarios that assert on it. */
export interface Fixture {
  readonly name: string;
  readonly overrides?: Readonly<Record<string, string>>;
  /**
   * Goes on from where another fixture left its rehearsal (saving its runs), once that fixture's
   * scenarios have been checked.
   */
  readonly continues?: Fixture;
  readonly prepare: (rehearsal: Rehearsal) => Promise<Record<string, RunResult>>;
}

export interface Scenario {
  readonly name: string;
  /** The scenario proves the rehearsal has teeth: its checks must fail. */
  readonly mustFail?: boolean;
  readonly fixture: Fixture;
  readonly check: (rehearsal: Rehearsal, runs: Record<string, RunResult>) => Promise<void> | void;
}

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const SERVICES = ['backend', 'frontend'] as const;
const PR = { number: 7, headSha: commitSha('pr-7-head-1'), baseSha: commitSha('merge-0') };

/** The image each service of an environment serves production from (the listener's target task set). */
function productionImage(r: Rehearsal, environment: string, service: string): string | undefined {
  const group = r.model.codedeploy.group(`ragchat-${environment}`, `ragchat-${environment}-${service}`);
  r.model.codedeploy.advanceAll();
  const primary = group.service.taskSets.find((t) => t.status === 'PRIMARY');
  return primary?.image;
}

function commitOf(r: Rehearsal, image: string | undefined): string | undefined {
  return image ? r.model.ecr.findByUri(image)?.image.commit : undefined;
}

export const FIRST_MERGE: Fixture = {
  name: 'fresh account, first merge to main',
  prepare: async (r) => ({ merge: await r.push(commitSha('merge-1')) }),
};

export const OPERATOR_STACKS: Fixture = {
  name: 'stacks deployed by the operator, serving the bootstrap images',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev', 'ragchat-staging', 'ragchat-prod');
    r.wait(2);
    return {};
  },
};

export const FAILING_QUERY: Fixture = {
  name: 'a release whose backend answers 500 on /api/query',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev', 'ragchat-staging', 'ragchat-prod');
    r.wait(2);
    const broken = commitSha('merge-broken-query');
    r.model.behaviour = (request) =>
      request.commit === broken && request.service === 'backend' && request.path.endsWith('/api/query')
        ? 500
        : healthyBehaviour(request);
    return { merge: await r.push(broken) };
  },
};

/** The smoke test made a no-op: the rehearsal must then fail (a release with a broken /api/query ships). */
export const NO_OP_SMOKE: Fixture = {
  name: 'a release whose backend answers 500 on /api/query, with the smoke test made a no-op',
  overrides: { '.github/scripts/smoke-test.sh': '#!/usr/bin/env bash\n# no-op\nexit 0\n' },
  prepare: (r) => {
    // What must fail is staging letting the broken release through; prod is left unapproved, which
    // spares the rehearsal an hour-long prod deploy that proves nothing more.
    r.runner.options.approve = (environment) => environment !== 'prod';
    return FAILING_QUERY.prepare(r);
  },
};

const PREVIEW_WHILE_OPEN = 'preview while open';

interface PreviewWhileOpen {
  readonly url: string | undefined;
  readonly comment: string | undefined;
  readonly browser: BrowserVisit | undefined;
}

export const PREVIEW: Fixture = {
  name: 'a pull request opened, pushed again and closed',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev');
    r.wait(2);
    const opened = await r.pullRequest('opened', PR);
    const url = r.model.ssm.parameters.get('/ragchat/pr-7/preview-url')?.value;
    r.observations.set(PREVIEW_WHILE_OPEN, {
      url,
      comment: r.model.github.comments.find((c) => c.issue === 7)?.body,
      browser: url ? await r.browse(url) : undefined,
    } satisfies PreviewWhileOpen);
    const second = { ...PR, headSha: commitSha('pr-7-head-2') };
    const synchronized = await r.pullRequest('synchronize', second);
    const openStack = r.model.cloudformation.stacks.has('ragchat-pr-7');
    const closed = await r.pullRequest('closed', second);
    return { opened, synchronized, closed, ...(openStack ? { stackWhileOpen: opened } : {}) };
  },
};

/**
 * Takes `action` out of every Allow statement of the role's policies that grants it on a resource
 * whose ARN contains `on`, as if the synthesized policy lacked it; returns what puts it back.
 */
function revoke(r: Rehearsal, roleName: string, action: string, on: string): () => void {
  const role = r.model.world.roles.get(roleName);
  check(role, `no role ${roleName} in the account`);
  const original = [...role.policies];
  let revoked = 0;
  const without = original.map((document) => ({
    Statement: [document.Statement].flat().map((statement) => {
      const actions = [statement.Action ?? []].flat();
      const resources = [statement.Resource ?? []].flat();
      if (
        statement.Effect !== 'Allow' ||
        !actions.includes(action) ||
        !resources.some((arn) => arn.includes(on))
      )
        return statement;
      revoked += 1;
      return { ...statement, Action: actions.filter((a) => a !== action) };
    }),
  }));
  check(revoked > 0, `${roleName} has no statement allowing ${action} on *${on}*`);
  role.policies.splice(0, role.policies.length, ...without);
  r.log(`scenario: ${action} on *${on}* taken out of ${roleName}'s policies (${revoked} statement(s))`);
  return () => role.policies.splice(0, role.policies.length, ...original);
}

const PREVIEW_DEPLOYER = 'ragchat-preview-deployer';
const PREVIEW_ROLE = 'ragchat-github-preview';

/**
 * Two pull requests, each opened after one permission to read its preview's automation secret was
 * taken out: CloudFormation's (the preview deployer resolves the listener rule's header value), then
 * the smoke test's (the preview role reads the secret to send the header).
 */
export const SECRET_ACCESS: Fixture = {
  name: 'pull requests opened without the preview deployer, then the preview role, able to read the automation secret',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev');
    r.wait(2);
    const restore = revoke(r, PREVIEW_DEPLOYER, 'secretsmanager:GetSecretValue', ':secret:ragchat-pr-');
    const deployerDenied = await r.pullRequest('opened', {
      ...PR,
      number: 11,
      headSha: commitSha('pr-11-head'),
    });
    restore();
    revoke(r, PREVIEW_ROLE, 'secretsmanager:GetSecretValue', '-automation');
    const smokeDenied = await r.pullRequest('opened', {
      ...PR,
      number: 12,
      headSha: commitSha('pr-12-head'),
    });
    return { deployerDenied, smokeDenied };
  },
};

/** The job's log lines that say `role` may not read the secret named `secret`. */
function secretDenials(r: Rehearsal, role: string, secret: string): string[] {
  return r.lines.filter(
    (line) =>
      line.includes('secretsmanager:GetSecretValue') &&
      /not authorized|AccessDenied/.test(line) &&
      line.includes(`role/${role}/`) &&
      line.includes(`:secret:${secret}-`),
  );
}

/** Calls `act` once, on the first log line of a prod job showing production traffic split. */
function whenProdTrafficSplits(r: Rehearsal, act: (job: Job) => void): void {
  let done = false;
  r.runner.options.onLine = (jobHandle, line) => {
    if (!done && jobHandle.name.includes('prod') && /Traffic: .*Green (?:[1-9]\d?)%/.test(line)) {
      done = true;
      act(jobHandle);
    }
  };
}

/** After the first merge (a clean release): one whose prod canary raises an alarm, one cancelled mid-shift. */
export const RELEASE_TRAIN: Fixture = {
  name: 'two more releases: one whose prod canary raises an alarm, one cancelled mid-shift',
  continues: FIRST_MERGE,
  prepare: async (r) => {
    const group = r.model.codedeploy.group('ragchat-prod', 'ragchat-prod-backend');
    whenProdTrafficSplits(r, () => {
      r.log(`scenario: alarm ${group.alarms[0]} goes to ALARM during the prod canary`);
      for (const alarm of group.alarms) r.model.codedeploy.alarms.set(alarm, 'ALARM');
    });
    const alarmed = await r.push(commitSha('merge-2'));
    for (const alarm of group.alarms) r.model.codedeploy.alarms.set(alarm, 'OK');
    whenProdTrafficSplits(r, (jobHandle) => {
      r.log('scenario: cancelling the run while production traffic is split');
      jobHandle.workflowRun.cancel();
    });
    const cancelled = await r.push(commitSha('merge-3'));
    r.runner.options.onLine = undefined;
    return { alarmed, cancelled };
  },
};

/**
 * Two merges pushed one right after the other, the older one's images taking longer to scan, so its
 * Images job ends after the newer one's: without ordering, the older release reaches each
 * environment last.
 */
export const TWO_MERGES: Fixture = {
  name: 'two merges pushed one right after the other, the older one scanned for 8 minutes',
  prepare: async (r) => {
    const older = commitSha('merge-slow-scan');
    r.model.ecr.scanPlan = (_repository, commit) => ({
      kind: 'basic',
      findings: [],
      ...(commit === older ? { durationMs: 8 * 60_000 } : {}),
    });
    const [first, second] = await Promise.all([r.push(older), r.push(commitSha('merge-quick-scan'))]);
    return { first, second };
  },
};

/**
 * After the release train (prod still on the first merge), while the next release's prod backend
 * canary is shifting (its frontend not deployed yet), the operator dispatches a rollback of prod
 * (both services) to the previous release and one of staging (both services) to the first release
 * by its commit.
 */
const IN_FLIGHT = commitSha('merge-4');

export const ROLLBACKS: Fixture = {
  name: 'rollback dispatches while a fourth release is deploying to prod',
  continues: RELEASE_TRAIN,
  prepare: async (r) => {
    const dispatched: Promise<RunResult>[] = [];
    whenProdTrafficSplits(r, (deploy) => {
      r.log('scenario: rollback dispatches while the prod backend canary is shifting');
      deploy.hold(true);
      const toPrevious = r.rollback({
        environment: 'prod',
        service: 'both',
        reason: 'canary looks wrong',
      });
      dispatched.push(
        toPrevious,
        r.rollback({
          environment: 'staging',
          service: 'both',
          target: commitSha('merge-1'),
          reason: 'back to the first release',
        }),
      );
      void toPrevious.finally(() => deploy.hold(false));
    });
    const inFlight = await r.push(IN_FLIGHT);
    r.runner.options.onLine = undefined;
    check(dispatched.length === 2, 'the prod canary of the second release never shifted traffic');
    const [toPrevious, toNamed] = await Promise.all(dispatched);
    return { inFlight, toPrevious: toPrevious!, toNamed: toNamed! };
  },
};

const ROLLBACK_WORKFLOW = '.github/workflows/rollback.yml';
const VALIDATE_TOKEN = 'validate job token';
const REFUSED_DISPATCHES = 'refused rollback dispatches';
const DISPATCHES_FROM = 'rollback dispatches start at line';

interface ValidateToken {
  readonly permissions: Readonly<Record<string, string>>;
  /** What the GitHub model answered the token's attempt to create a Deployment. */
  readonly createDeployment: string;
}

/** The validate job's GITHUB_TOKEN, once it exists, and whether the GitHub model lets it write a Deployment. */
function probeValidateToken(r: Rehearsal): void {
  r.runner.options.onLine = (jobHandle) => {
    if (r.observations.has(VALIDATE_TOKEN) || jobHandle.name !== 'Validate inputs') return;
    const token = [...r.model.github.tokens.values()].find((t) => t.job === jobHandle.name);
    if (!token) return;
    let createDeployment = 'created';
    try {
      r.model.github.handle(
        'POST',
        `/repos/${REPOSITORY}/deployments`,
        new URLSearchParams(),
        { ref: 'main', environment: 'staging' },
        `token ${token.value}`,
      );
    } catch (error) {
      createDeployment = error instanceof GitHubError ? `${error.status} ${error.message}` : String(error);
    }
    r.observations.set(VALIDATE_TOKEN, {
      permissions: token.permissions,
      createDeployment,
    } satisfies ValidateToken);
  };
}

/**
 * Three rollback dispatches with a malformed target, at once: two for staging, one for prod; then
 * dispatches GitHub refuses (no reason, an environment outside the choices, a service outside them).
 */
export const ROLLBACK_DISPATCHES: Fixture = {
  name: 'rollback dispatches with a malformed target, two for one environment, and dispatches GitHub refuses',
  prepare: async (r) => {
    probeValidateToken(r);
    r.observations.set(DISPATCHES_FROM, r.lines.length);
    const dispatch = (environment: string, label: string) =>
      r.rollback(
        { environment, service: 'both', target: 'not-a-release', reason: label },
        commitSha(`rollback-${label}`),
      );
    const [first, second, otherEnvironment] = await Promise.all([
      dispatch('staging', 'first'),
      dispatch('staging', 'second'),
      dispatch('prod', 'other'),
    ]);
    r.runner.options.onLine = undefined;
    const refused: string[] = [];
    for (const inputs of [
      { environment: 'staging', service: 'both', target: '' },
      { environment: 'dev', service: 'both', target: '', reason: 'not a rollback environment' },
      { environment: 'staging', service: 'all', target: '', reason: 'not a service choice' },
    ]) {
      try {
        await r.runner.run(
          ROLLBACK_WORKFLOW,
          dispatchEvent(REPOSITORY, commitSha('refused'), inputs),
          inputs,
        );
        refused.push(`created a run for ${JSON.stringify(inputs)}`);
      } catch (error) {
        refused.push(error instanceof Error ? error.message : String(error));
      }
    }
    r.observations.set(REFUSED_DISPATCHES, refused);
    return { first: first!, second: second!, otherEnvironment: otherEnvironment! };
  },
};

/** The run number the runner gave the dispatch of `label`, from its log line. */
function dispatchedRun(r: Rehearsal, label: string): { number: string; created: number } {
  const sha = commitSha(`rollback-${label}`).slice(0, 7);
  const from = r.observations.get(DISPATCHES_FROM) as number;
  const created = r.lines.findIndex(
    (line, index) => index >= from && line.includes(`(workflow_dispatch refs/heads/main ${sha})`),
  );
  const number = /#(\d+) \(workflow_dispatch/.exec(r.lines[created] ?? '')?.[1];
  check(number, `no rollback run was created for the ${label} dispatch`);
  return { number, created };
}

function lineIndex(r: Rehearsal, from: number, pattern: RegExp): number {
  return r.lines.findIndex((line, index) => index >= from && pattern.test(line));
}

/**
 * Pull request 30 is pushed again, and fork pull request 31 opened, as soon as 30's preview deploy
 * job has started: the push must queue behind the running deploy, the other pull request must not.
 */
export const PREVIEW_PUSHED_WHILE_DEPLOYING: Fixture = {
  name: 'a pull request pushed again while its preview deploys, and another opened meanwhile',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev');
    r.wait(2);
    const pr = { ...PR, number: 30, headSha: commitSha('pr-30-head-1') };
    const during: Promise<RunResult>[] = [];
    r.runner.options.onLine = (jobHandle) => {
      if (during.length > 0 || jobHandle.name !== 'Deploy preview') return;
      r.log('scenario: pull request 30 pushed again, and fork pull request 31 opened, while 30 deploys');
      during.push(
        r.pullRequest('synchronize', { ...pr, headSha: commitSha('pr-30-head-2') }),
        r.pullRequest('opened', {
          ...PR,
          number: 31,
          headSha: commitSha('pr-31-head'),
          headRepository: 'stranger/ragchat',
        }),
      );
    };
    const first = await r.pullRequest('opened', pr);
    r.runner.options.onLine = undefined;
    check(during.length === 2, 'the preview deploy of pull request 30 never started');
    const [pushedAgain, otherPullRequest] = await Promise.all(during);
    return { first, pushedAgain: pushedAgain!, otherPullRequest: otherPullRequest! };
  },
};

/** The pull request changes its own workflow (a pull_request run executes the PR's files) to probe AWS. */
const PROBE = `
      - name: Probe what this token may change
        env:
          ROLES: \${{ vars.AWS_DEPLOY_ROLE_ARN }} \${{ vars.AWS_RELEASE_ROLE_ARN }} \${{ vars.AWS_PROD_ROLE_ARN }}
        run: |
          set +e
          # Authorized is escaped, whether or not the call then fails for another reason.
          probe() {
            if out=$("$@" 2>&1); then echo "ESCAPED: $*"
            elif grep -qiE 'AccessDenied|not authorized|UnauthorizedOperation' <<<"$out"; then echo "denied: $*"
            else echo "ESCAPED (authorized, then: $(tail -1 <<<"$out")): $*"; fi
          }
          probe aws ecs register-task-definition --family ragchat-prod-backend --container-definitions '[{"name":"backend","image":"evil"}]' --execution-role-arn arn:aws:iam::111122223333:role/ragchat-prod-execution
          probe aws deploy create-deployment --application-name ragchat-prod --deployment-group-name ragchat-prod-backend --revision '{"revisionType":"AppSpecContent","appSpecContent":{"content":"version: 0.0"}}'
          probe aws ecr batch-delete-image --repository-name ragchat/backend --image-ids imageTag=bootstrap
          cd infra && probe npx cdk deploy ragchat-prod --exclusively --require-approval never
`;

export const PR_TOKEN_PROBE: Fixture = {
  name: 'a pull request whose workflow probes AWS beyond its preview',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev', 'ragchat-staging', 'ragchat-prod');
    const preview = r.runner.readFile('.github/workflows/preview.yml');
    const probed = preview.replace(/(\n {6}- name: cdk deploy\n)/, `${PROBE}$1`);
    check(probed !== preview, 'could not insert the probe before the preview deploy step');
    r.runner.setOverride('.github/workflows/preview.yml', probed);
    return { opened: await r.pullRequest('opened', { ...PR, number: 8 }) };
  },
};

export const FORK_PR: Fixture = {
  name: 'a pull request from a fork',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev');
    return {
      opened: await r.pullRequest('opened', { ...PR, number: 9, headRepository: 'stranger/ragchat' }),
    };
  },
};

export const CRITICAL_FINDING: Fixture = {
  name: 'a merge whose backend image has a CRITICAL finding',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev', 'ragchat-staging', 'ragchat-prod');
    const sha = commitSha('merge-critical');
    r.model.ecr.scanPlan = (repository, commit) =>
      commit === sha && repository === 'ragchat/backend'
        ? { kind: 'basic', findings: [{ name: 'CVE-2026-0001', severity: 'CRITICAL' }] }
        : { kind: 'basic', findings: [] };
    return { merge: await r.push(sha) };
  },
};

function userDeployments(r: Rehearsal, group: string) {
  return [...r.model.codedeploy.deployments.values()].filter(
    (d) => d.group.name === group && d.creator === 'user',
  );
}

function imageOfTaskDefinition(r: Rehearsal, arn: string): string | undefined {
  try {
    return r.model.ecs.taskDefinition(arn).containerDefinitions[0]?.image;
  } catch {
    return undefined;
  }
}

/** The commits of a deployment group's user deployments, oldest first, checked not to overlap. */
function deployedCommits(r: Rehearsal, group: string): string[] {
  const deployments = userDeployments(r, group).sort((a, b) => a.createTime - b.createTime);
  for (const [index, deployment] of deployments.entries()) {
    const next = deployments[index + 1];
    check(
      !next || (deployment.completeTime ?? Number.POSITIVE_INFINITY) <= next.createTime,
      `${group}: ${next?.id} started while ${deployment.id} was still running`,
    );
  }
  return deployments.map((d) => String(commitOf(r, imageOfTaskDefinition(r, d.taskDefinitionArn))));
}

/** Every environment serves the images the newest merge's Images job built, by digest. */
function newestMergeLive(r: Rehearsal, newest: RunResult): void {
  expectConclusion(newest, 'success');
  const images = job(newest, 'Images');
  for (const environment of ENVIRONMENTS) {
    for (const service of SERVICES) {
      const digest = images.outputs[`${service}-digest`];
      const image = productionImage(r, environment, service) ?? '';
      check(
        digest && image.endsWith(`@${digest}`),
        `${environment} ${service} ends on ${image} (commit ${commitOf(r, image)}), not the newest merge's ${digest}`,
      );
    }
  }
}

/** The task definition a service serves, after checking every listener sends all its traffic there. */
function liveTaskDefinition(r: Rehearsal, environment: string, service: string): string {
  const group = r.model.codedeploy.group(`ragchat-${environment}`, `ragchat-${environment}-${service}`);
  r.model.codedeploy.advanceAll();
  const primary = group.service.taskSets.find((t) => t.status === 'PRIMARY');
  check(primary, `${environment} ${service} has no primary task set`);
  for (const arn of [...group.prodListenerArns, ...group.testListenerArns]) {
    const listener = r.model.elb.listener(arn);
    for (const action of [listener.defaultAction, ...listener.rules.map((rule) => rule.action)]) {
      const weighted = action.targets.filter((t) => t.weight > 0).map((t) => t.targetGroupArn);
      if (!action.targets.some((t) => group.targetGroupArns.includes(t.targetGroupArn))) continue;
      check(
        weighted.length === 1 && weighted[0] === primary.targetGroupArn,
        `${environment} ${service}: listener :${listener.port} forwards to ${weighted.join(', ')}, not only to the primary task set's ${primary.targetGroupArn}`,
      );
    }
  }
  return primary.taskDefinitionArn;
}

/** The task definition the group's last successful user deployment of `commit` deployed. */
function deployedTaskDefinition(r: Rehearsal, group: string, commit: string): string | undefined {
  return userDeployments(r, group)
    .filter((d) => d.status === 'Succeeded')
    .find((d) => commitOf(r, imageOfTaskDefinition(r, d.taskDefinitionArn)) === commit)?.taskDefinitionArn;
}

/** The newest GitHub Deployment record of a service in an environment (codedeploy-deploy's payload). */
function latestRecord(r: Rehearsal, environment: string, service: string) {
  return r.model.github.deployments
    .filter((d) => d.environment === environment && JSON.stringify(d.payload).includes(`"${service}"`))
    .sort((a, b) => b.id - a.id)[0];
}

function deployJobs(run: RunResult) {
  return allJobs(run).filter((j) => /Deploy to /.test(j.name));
}

function expiredCalls(r: Rehearsal) {
  return r.model.world.calls.filter((c) => c.outcome.startsWith('ExpiredToken'));
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'fresh account first deploy of every environment',
    fixture: FIRST_MERGE,
    check: (r, { merge }) => {
      expectConclusion(merge!, 'success');
      for (const environment of ENVIRONMENTS) {
        for (const service of SERVICES) {
          const group = r.model.codedeploy.group(
            `ragchat-${environment}`,
            `ragchat-${environment}-${service}`,
          );
          check(group.lastSuccessful, `${environment} ${service}: no successful CodeDeploy deployment`);
          check(
            commitOf(r, productionImage(r, environment, service)) === commitSha('merge-1'),
            `${environment} ${service} does not serve the merged commit`,
          );
        }
      }
    },
  },
  {
    name: 'merge: images built once, dev and staging, prod after approval, same digests everywhere',
    fixture: FIRST_MERGE,
    check: (r, { merge }) => {
      expectConclusion(merge!, 'success');
      const images = job(merge!, 'Images');
      for (const service of SERVICES) {
        const repository = r.model.ecr.repository(`ragchat/${service}`);
        const built = [...repository.images.values()].filter((i) => i.commit === commitSha('merge-1'));
        check(
          built.length === 1,
          `${service}: ${built.length} images built for the merge, expected exactly one`,
        );
        const digest = images.outputs[`${service}-digest`];
        for (const environment of ENVIRONMENTS) {
          const image = productionImage(r, environment, service) ?? '';
          check(
            image.endsWith(`@${digest}`),
            `${environment} ${service} runs ${image}, not the built digest ${digest}`,
          );
        }
      }
      const prod = job(merge!, 'Deploy to prod');
      check(prod.result === 'success', 'prod was not deployed after approval');
    },
  },
  {
    name: 'prod deploy longer than an hour',
    fixture: FIRST_MERGE,
    check: (r, { merge }) => {
      const prod = job(merge!, 'Deploy to prod');
      const started = r.model.world.calls.find(
        (c) => c.service === 'sts' && c.principal.endsWith('environment:prod'),
      );
      check(started, 'prod never assumed a role');
      const deployments = [...r.model.codedeploy.deployments.values()].filter(
        (d) => d.group.application === 'ragchat-prod' && d.creator === 'user',
      );
      const end = Math.max(...deployments.map((d) => d.completeTime ?? 0));
      check(
        end - started.time > 60 * 60_000,
        `the prod deploy took ${Math.round((end - started.time) / 60_000)} min, the scenario needs over an hour`,
      );
      check(prod.result === 'success', `prod ended ${prod.result}: ${prod.annotations.join(' | ')}`);
      const expired = expiredCalls(r);
      check(
        expired.length === 0,
        `calls failed with expired credentials: ${expired.map((c) => `${c.service}:${c.operation}`).join(', ')}`,
      );
    },
  },
  {
    name: 'PR opened/closed preview',
    fixture: PREVIEW,
    check: (r, runs) => {
      expectConclusion(runs.opened!, 'success');
      check(runs.stackWhileOpen, 'no ragchat-pr-7 stack while the pull request was open');
      const scan = job(runs.opened!, 'Build, push and scan images');
      check(
        scan.steps.some((s) => s.name.startsWith('Scan gate') && s.conclusion === 'success'),
        'the scan gate did not pass for the preview images',
      );
      const deploy = job(runs.opened!, 'Deploy preview');
      check(
        deploy.steps.some((s) => s.name === 'Smoke test' && s.conclusion === 'success'),
        'the preview smoke test did not pass',
      );
      expectConclusion(runs.synchronized!, 'success');
      const comments = r.model.github.comments.filter((c) => c.issue === 7);
      check(comments.length === 1, `${comments.length} preview comments on #7, expected one edited in place`);
      expectConclusion(runs.closed!, 'success');
      check(
        !r.model.cloudformation.stacks.has('ragchat-pr-7'),
        'ragchat-pr-7 still exists after the pull request closed',
      );
      for (const service of SERVICES) {
        const left = [...r.model.ecr.repository(`ragchat/${service}`).images.values()].filter((i) =>
          [...i.tags].some((t) => t.startsWith('pr-7-')),
        );
        check(left.length === 0, `${service}: ${left.length} pr-7 images left after close`);
      }
      check(comments[0]?.body.includes('Preview destroyed'), 'the comment does not say the preview is gone');
      const previews = r.model.github.deployments.filter((d) => d.environment === 'preview/pr-7');
      check(
        previews.length >= 2 && previews.every((d) => r.model.github.latestState(d) === 'inactive'),
        'preview deployments are not all inactive',
      );
    },
  },
  {
    name: "preview's public URL sends an unsigned browser to sign-in, and the pull request comment carries that URL",
    fixture: PREVIEW,
    check: (r) => {
      const seen = r.observations.get(PREVIEW_WHILE_OPEN) as PreviewWhileOpen | undefined;
      check(seen?.url, 'the preview published no URL (/ragchat/pr-7/preview-url)');
      check(
        seen.comment?.includes(`**URL:** ${seen.url}`),
        `the pull request comment does not carry the preview URL ${seen.url}:\n${seen.comment}`,
      );
      const { status, location } = seen.browser ?? { status: 0, location: '' };
      const host = new URL(seen.url).host;
      check(
        status === 302,
        `an unsigned browser got ${status} from the preview URL ${seen.url}, not the sign-in redirect`,
      );
      const redirect = new URL(location);
      check(
        redirect.host !== host &&
          redirect.pathname.endsWith('/authorize') &&
          redirect.searchParams.get('redirect_uri') === `https://${host}/oauth2/idpresponse` &&
          redirect.searchParams.get('response_type') === 'code',
        `the preview URL redirected to ${location}, not to the identity provider's authorization endpoint`,
      );
    },
  },
  {
    name: "a preview whose listener rule resolves its automation secret deploys only if CloudFormation's role may read the secret",
    fixture: SECRET_ACCESS,
    check: (r, { deployerDenied }) => {
      const deploy = job(deployerDenied!, 'Deploy preview');
      const cdk = deploy.steps.find((s) => s.name === 'cdk deploy');
      check(
        cdk?.conclusion === 'failure',
        `cdk deploy of ragchat-pr-11 ended ${cdk?.conclusion} although ${PREVIEW_DEPLOYER} may not read its automation secret`,
      );
      check(
        secretDenials(r, PREVIEW_DEPLOYER, 'ragchat-pr-11-automation').length > 0,
        `cdk deploy of ragchat-pr-11 failed, but not on ${PREVIEW_DEPLOYER} reading the automation secret`,
      );
    },
  },
  {
    name: "the preview smoke test needs secretsmanager:GetSecretValue on its preview's automation secret",
    fixture: SECRET_ACCESS,
    check: (r, { smokeDenied }) => {
      const deploy = job(smokeDenied!, 'Deploy preview');
      const step = (name: string) => deploy.steps.find((s) => s.name === name)?.conclusion;
      check(step('cdk deploy') === 'success', `cdk deploy of ragchat-pr-12 ended ${step('cdk deploy')}`);
      check(
        step('Smoke test') === 'failure',
        `the smoke test ended ${step('Smoke test')} although ${PREVIEW_ROLE} may not read the automation secret`,
      );
      check(
        secretDenials(r, PREVIEW_ROLE, 'ragchat-pr-12-automation').length > 0,
        `the smoke test failed, but not on ${PREVIEW_ROLE} reading the automation secret`,
      );
    },
  },
  {
    name: 'release whose /api/query fails is stopped at the test listener',
    fixture: FAILING_QUERY,
    check: (r, { merge }) => {
      const broken = commitSha('merge-broken-query');
      const staging = job(merge!, 'Deploy to staging');
      check(staging.result === 'failure', `staging ended ${staging.result}`);
      check(
        staging.annotations.some((a) => a.includes('/api/query')),
        `staging failed, but not on /api/query: ${staging.annotations.join(' | ')}`,
      );
      const stopped = [...r.model.codedeploy.deployments.values()].filter(
        (d) => d.group.name === 'ragchat-staging-backend' && d.creator === 'user',
      );
      check(
        stopped.length === 1 &&
          stopped[0]?.status === 'Stopped' &&
          stopped[0].rollbackInfo?.rollbackDeploymentId,
        'the staging backend deployment was not stopped with rollback',
      );
      check(
        commitOf(r, productionImage(r, 'staging', 'backend')) === 'bootstrap',
        'staging production traffic does not reach the previous release',
      );
      check(job(merge!, 'Prod').result === 'skipped', 'prod ran after staging failed');
      for (const service of SERVICES) {
        check(
          commitOf(r, productionImage(r, 'prod', service)) !== broken,
          `prod ${service} serves the broken release`,
        );
      }
    },
  },
  {
    name: 'alarm during the prod canary rolls back, the job is red and the GitHub Deployment failed',
    fixture: RELEASE_TRAIN,
    check: (r, { merge, alarmed }) => {
      expectConclusion(merge!, 'success');
      const prod = job(alarmed!, 'Deploy to prod');
      check(prod.result === 'failure', `prod ended ${prod.result} despite the alarm`);
      const deployment = userDeployments(r, 'ragchat-prod-backend').find(
        (d) => commitOf(r, imageOfTaskDefinition(r, d.taskDefinitionArn)) === commitSha('merge-2'),
      );
      check(
        deployment?.status === 'Stopped' &&
          deployment.errorInformation?.code === 'ALARM_ACTIVE' &&
          deployment.rollbackInfo?.rollbackDeploymentId,
        `the alarmed deployment is ${deployment?.status} (${deployment?.errorInformation?.code}), not stopped on the alarm with rollback`,
      );
      const record = r.model.github.deployments.find(
        (d) => d.environment === 'prod' && JSON.stringify(d.payload).includes(deployment.taskDefinitionArn),
      );
      check(record, 'no GitHub Deployment records the alarmed prod release');
      check(
        r.model.github.latestState(record) === 'failure',
        `the alarmed prod release's GitHub Deployment is ${r.model.github.latestState(record)}, not failure`,
      );
      check(
        commitOf(r, productionImage(r, 'prod', 'backend')) === commitSha('merge-1'),
        'prod backend does not serve the first release after the alarm',
      );
    },
  },
  {
    name: 'job cancelled mid-shift stops and rolls back',
    fixture: RELEASE_TRAIN,
    check: (r, { cancelled }) => {
      check(
        cancelled!.conclusion === 'cancelled',
        `the run ended ${cancelled!.conclusion}, expected cancelled`,
      );
      const deployment = userDeployments(r, 'ragchat-prod-backend').at(-1);
      check(
        commitOf(r, imageOfTaskDefinition(r, deployment?.taskDefinitionArn ?? '')) === commitSha('merge-3'),
        'the cancelled run never deployed to prod',
      );
      check(
        deployment?.status === 'Stopped' && deployment.rollbackInfo?.rollbackDeploymentId,
        `the interrupted prod deployment is ${deployment?.status}, not stopped with rollback`,
      );
      r.wait(5);
      for (const service of SERVICES) {
        check(
          commitOf(r, productionImage(r, 'prod', service)) === commitSha('merge-1'),
          `prod ${service} does not serve the first release after the rollback`,
        );
      }
      const inFlight = [...r.model.codedeploy.deployments.values()].filter(
        (d) => !['Succeeded', 'Failed', 'Stopped'].includes(d.status),
      );
      check(
        inFlight.length === 0,
        `deployments left in flight: ${inFlight.map((d) => `${d.group.name} ${d.status}`).join(', ')}`,
      );
    },
  },
  {
    name: 'two merges in a row are serialized',
    fixture: TWO_MERGES,
    check: (r, { first, second }) => {
      expectConclusion(first!, 'success');
      for (const environment of ENVIRONMENTS) {
        for (const service of SERVICES) {
          const group = `ragchat-${environment}-${service}`;
          const commits = deployedCommits(r, group);
          check(
            commits.join(' ') === [commitSha('merge-slow-scan'), commitSha('merge-quick-scan')].join(' '),
            `${group} deployed ${commits.join(', ')}: expected the first merge, then the second`,
          );
        }
      }
      newestMergeLive(r, second!);
      for (const environment of ENVIRONMENTS) {
        const cdkDeploy = (run: RunResult) =>
          job(run, `Deploy to ${environment}`).steps.find((s) => s.name === 'cdk deploy')?.conclusion;
        check(
          cdkDeploy(first!) === 'success' && cdkDeploy(second!) === 'skipped',
          `${environment}: cdk deploy ${cdkDeploy(first!)} for the first merge and ${cdkDeploy(second!)} for the second, expected only when the stack differs`,
        );
      }
      const refused = r.model.world.calls.filter((c) => c.outcome.startsWith('DeploymentLimitExceeded'));
      check(refused.length === 0, `CodeDeploy refused ${refused.length} overlapping deployment(s)`);
    },
  },
  {
    name: 'two merges in a row whose older images finish last still end on the newer one',
    fixture: TWO_MERGES,
    check: (r, { second }) => {
      newestMergeLive(r, second!);
      for (const environment of ENVIRONMENTS) {
        for (const service of SERVICES) {
          const group = `ragchat-${environment}-${service}`;
          const commits = deployedCommits(r, group);
          check(
            commits.at(-1) === commitSha('merge-quick-scan'),
            `${group} deployed ${commits.join(', ')}: the newer merge was not deployed last`,
          );
        }
      }
    },
  },
  {
    name: 'rollback dispatch to the previous release with a deploy in flight ends on the previous task definitions',
    fixture: ROLLBACKS,
    check: (r, { inFlight, toPrevious }) => {
      expectConclusion(toPrevious!, 'success');
      check(
        job(inFlight!, 'Deploy to prod').result === 'failure',
        `the prod deploy the rollback stopped ended ${job(inFlight!, 'Deploy to prod').result}`,
      );
      const stopped = userDeployments(r, 'ragchat-prod-backend').find(
        (d) => commitOf(r, imageOfTaskDefinition(r, d.taskDefinitionArn)) === IN_FLIGHT,
      );
      check(
        stopped?.status === 'Stopped' && stopped.rollbackInfo?.rollbackDeploymentId,
        `the in-flight prod backend deployment is ${stopped?.status}, not stopped with rollback`,
      );
      for (const service of SERVICES) {
        const expected = deployedTaskDefinition(r, `ragchat-prod-${service}`, commitSha('merge-1'));
        const live = liveTaskDefinition(r, 'prod', service);
        check(
          expected && live === expected,
          `prod ${service} serves ${live}, not the first release's ${expected}`,
        );
        const record = latestRecord(r, 'prod', service);
        check(record, `no GitHub Deployment records prod ${service}`);
        const recorded = JSON.stringify(record.payload);
        const state = r.model.github.outcome(record);
        if (service === 'backend') {
          check(
            recorded.includes(stopped.taskDefinitionArn) && state === 'failure',
            `the stopped prod backend release's GitHub Deployment is ${state}, not failure`,
          );
        } else {
          check(
            recorded.includes(live) && state === 'success',
            `prod frontend's newest GitHub Deployment is ${state} for ${recorded}, not the live release's success`,
          );
        }
      }
      // One job per service, each under the prod environment: the newest two environment deployments.
      // A later success marks an earlier one inactive (auto_inactive), so their outcome is what counts.
      const rollbackEnvironment = r.model.github.deployments
        .filter((d) => d.environment === 'prod' && d.payload === '')
        .slice(-SERVICES.length);
      check(
        rollbackEnvironment.every((d) => r.model.github.outcome(d) === 'success'),
        `the rollback jobs' prod environment deployments ended ${rollbackEnvironment.map((d) => r.model.github.outcome(d)).join(', ')}, not success`,
      );
    },
  },
  {
    name: 'rollback of both services to the previous release leaves a service the in-flight release never reached on its release',
    fixture: ROLLBACKS,
    check: (r, { inFlight, toPrevious }) => {
      expectConclusion(toPrevious!, 'success');
      const frontend = job(inFlight!, 'Deploy to prod').steps.find((s) => s.id === 'frontend');
      check(
        frontend?.conclusion === 'skipped',
        `the in-flight release's prod frontend step ${frontend?.conclusion}: the scenario needs it never deployed`,
      );
      const released = deployedTaskDefinition(r, 'ragchat-prod-frontend', commitSha('merge-1'));
      const live = liveTaskDefinition(r, 'prod', 'frontend');
      check(
        released && live === released,
        `prod frontend serves ${live}, not the release it ran before the rollback (${released})`,
      );
      const redeployed = userDeployments(r, 'ragchat-prod-frontend').filter(
        (d) => d.taskDefinitionArn !== released,
      );
      check(
        redeployed.length === 0,
        `the rollback deployed prod frontend ${redeployed.map((d) => d.taskDefinitionArn).join(', ')}, which the in-flight release never touched`,
      );
      const rollbackJob = job(toPrevious!, 'Roll back frontend');
      check(
        rollbackJob.summary.includes('not part of the last release'),
        `the frontend rollback summary does not say it was left alone:\n${rollbackJob.summary}`,
      );
    },
  },
  {
    name: "rollback dispatch to a named release with a deploy in flight ends on that release's images",
    fixture: ROLLBACKS,
    check: (r, { toNamed }) => {
      expectConclusion(toNamed!, 'success');
      for (const service of SERVICES) {
        const live = liveTaskDefinition(r, 'staging', service);
        const image = imageOfTaskDefinition(r, live);
        check(
          commitOf(r, image) === commitSha('merge-1'),
          `staging ${service} serves ${live} (${image}), not the first release's image`,
        );
        const built = [...r.model.ecr.repository(`ragchat/${service}`).images.values()].find(
          (i) => i.commit === commitSha('merge-1'),
        );
        check(image?.endsWith(`@${built?.digest}`), `staging ${service} runs ${image}, not ${built?.digest}`);
        const record = latestRecord(r, 'staging', service);
        check(
          record && JSON.stringify(record.payload).includes(live),
          `staging ${service}'s newest GitHub Deployment does not record ${live}`,
        );
        check(
          r.model.github.outcome(record) === 'success',
          `staging ${service}'s rollback GitHub Deployment is ${r.model.github.outcome(record)}, not success`,
        );
      }
    },
  },
  {
    name: 'two rollback dispatches for one environment run one after the other, neither cancelled; the other environment is not held',
    fixture: ROLLBACK_DISPATCHES,
    check: (r, { first, second, otherEnvironment }) => {
      for (const [what, run] of [
        ['first staging', first],
        ['second staging', second],
        ['prod', otherEnvironment],
      ] as const) {
        check(
          run!.conclusion === 'failure' && job(run!, 'validate').result === 'failure',
          `the ${what} rollback ended ${run!.conclusion} (validate ${job(run!, 'validate').result}), expected its validation to fail, not a cancellation`,
        );
      }
      const a = dispatchedRun(r, 'first');
      const b = dispatchedRun(r, 'second');
      const c = dispatchedRun(r, 'other');
      const firstEnded = lineIndex(r, a.created, new RegExp(`workflow rollback #${a.number}: `));
      const secondStarted = lineIndex(r, b.created, new RegExp(`job started \\(run #${b.number}\\)`));
      const otherStarted = lineIndex(r, c.created, new RegExp(`job started \\(run #${c.number}\\)`));
      const waited = (group: string) =>
        r.lines.filter((line, index) => index > a.created && line.includes(`concurrency ${group}: waiting`));
      check(
        waited('rollback-staging').length === 1 && secondStarted > firstEnded,
        `the second staging rollback did not wait for the first (waiting lines: ${waited('rollback-staging').length}; started at line ${secondStarted}, the first ended at ${firstEnded})`,
      );
      check(
        waited('rollback-prod').length === 0 && otherStarted >= 0 && otherStarted < firstEnded,
        `the prod rollback was held by the staging one (started at line ${otherStarted}, the first staging ended at ${firstEnded})`,
      );
    },
  },
  {
    name: 'a rollback dispatch with a malformed target fails in validation, before any AWS call, with a read-only token',
    fixture: ROLLBACK_DISPATCHES,
    check: (r, { first }) => {
      const validate = job(first!, 'validate');
      check(
        validate.result === 'failure' && validate.annotations.some((a) => a.includes('not-a-release')),
        `validate ended ${validate.result} without naming the malformed target: ${validate.annotations.join(' | ')}`,
      );
      check(
        job(first!, 'rollback').result === 'skipped',
        `the rollback job ${job(first!, 'rollback').result} after its inputs failed validation`,
      );
      const assumed = r.model.world.calls.filter((c) => c.operation === 'AssumeRoleWithWebIdentity');
      check(
        assumed.length === 0,
        `rollbacks with invalid inputs asked for AWS credentials ${assumed.length} time(s)`,
      );
      const token = r.observations.get(VALIDATE_TOKEN) as ValidateToken | undefined;
      check(token, 'the validate job never had a GITHUB_TOKEN to probe');
      const granted = Object.entries(token.permissions).filter(([, level]) => level !== 'none');
      check(
        JSON.stringify(granted) === JSON.stringify([['contents', 'read']]),
        `the validate job's token grants ${JSON.stringify(granted)}, expected only contents: read`,
      );
      check(
        token.createDeployment.startsWith('403'),
        `the validate job's token creating a Deployment: ${token.createDeployment}`,
      );
    },
  },
  {
    name: 'rollback starts only by hand, and GitHub refuses a dispatch without a reason or outside the choices',
    fixture: ROLLBACK_DISPATCHES,
    check: async (r) => {
      const sha = commitSha('rollback-trigger-probe');
      for (const [what, event] of [
        ['push to main', pushEvent(REPOSITORY, sha)],
        ['pull request opened', pullRequestEvent(REPOSITORY, 'opened', PR)],
        ['workflow_dispatch', dispatchEvent(REPOSITORY, sha, {})],
      ] as const) {
        const starts = (await r.runner.startedBy(event)).includes(ROLLBACK_WORKFLOW);
        check(
          starts === (what === 'workflow_dispatch'),
          `${what} ${starts ? 'starts' : 'does not start'} rollback.yml`,
        );
      }
      const refused = r.observations.get(REFUSED_DISPATCHES) as string[];
      const expected = [
        "Required input 'reason' not provided",
        "Provided value 'dev' for input 'environment' not in the list of allowed values",
        "Provided value 'all' for input 'service' not in the list of allowed values",
      ];
      for (const [index, message] of expected.entries()) {
        check(
          refused[index]?.endsWith(message),
          `dispatch ${index + 1}: ${refused[index]}, expected GitHub to refuse it: ${message}`,
        );
      }
    },
  },
  {
    name: 'a pull request pushed again while its preview deploys waits for that deploy, which is not cancelled; another pull request is not held',
    fixture: PREVIEW_PUSHED_WHILE_DEPLOYING,
    check: (r, { first, pushedAgain, otherPullRequest }) => {
      expectConclusion(first!, 'success');
      expectConclusion(pushedAgain!, 'success');
      expectConclusion(otherPullRequest!, 'success');
      check(
        job(first!, 'Deploy preview').result === 'success' &&
          job(pushedAgain!, 'Deploy preview').result === 'success',
        `the preview deploys ended ${job(first!, 'Deploy preview').result} and ${job(pushedAgain!, 'Deploy preview').result}`,
      );
      const created = (sha: string) => {
        const index = r.lines.findIndex((line) =>
          new RegExp(`workflow preview #\\d+ \\(pull_request \\S+ ${sha.slice(0, 7)}\\)`).test(line),
        );
        const number = /#(\d+) \(pull_request/.exec(r.lines[index] ?? '')?.[1];
        check(number, `no preview run was created for ${sha}`);
        return { index, number };
      };
      const a = created(commitSha('pr-30-head-1'));
      const b = created(commitSha('pr-30-head-2'));
      const c = created(commitSha('pr-31-head'));
      const from = (start: number, pattern: RegExp) =>
        r.lines.findIndex((line, index) => index >= start && pattern.test(line));
      const firstEnded = from(a.index, new RegExp(`workflow preview #${a.number}: `));
      const secondStarted = from(b.index, new RegExp(`job started \\(run #${b.number}\\)`));
      const otherStarted = from(c.index, new RegExp(`job started \\(run #${c.number}\\)`));
      const waited = (group: string) =>
        r.lines.filter((line, index) => index > a.index && line.includes(`concurrency ${group}: waiting`));
      check(
        waited('preview-pr-30').length === 1 && secondStarted > firstEnded,
        `the second push did not wait for the running preview deploy (waiting lines: ${waited('preview-pr-30').length}; its first job started at line ${secondStarted}, the first run ended at ${firstEnded})`,
      );
      check(
        waited('preview-pr-31').length === 0 && otherStarted >= 0 && otherStarted < firstEnded,
        `pull request 31 was held by pull request 30's deploy (started at line ${otherStarted}, 30's first run ended at ${firstEnded})`,
      );
      const commits = r.model.github.deployments
        .filter((d) => d.environment === 'preview/pr-30')
        .map((d) => d.sha);
      check(
        commits.join(' ') === [commitSha('pr-30-head-1'), commitSha('pr-30-head-2')].join(' '),
        `pull request 30's GitHub Deployments are for ${commits.join(', ')}: expected the first push, then the second`,
      );
    },
  },
  {
    name: 'pull_request token cannot change anything outside its preview',
    fixture: PR_TOKEN_PROBE,
    check: (r, { opened }) => {
      const deploy = job(opened!, 'Deploy preview');
      const probeLines = r.lines.filter(
        (l) => l.includes('[Deploy preview]') && /(ESCAPED|denied): /.test(l),
      );
      check(
        probeLines.length > 0,
        `the probe step did not run (${deploy.steps.map((s) => `${s.name}: ${s.conclusion}`).join(', ')})`,
      );
      const escaped = probeLines.filter((l) => l.includes('ESCAPED'));
      check(
        escaped.length === 0,
        `a pull_request token changed things outside its preview:\n${escaped.join('\n')}`,
      );
      const prAssumed = r.model.world.calls.filter(
        (c) =>
          c.operation === 'AssumeRoleWithWebIdentity' &&
          c.principal.endsWith(':pull_request') &&
          c.outcome.startsWith('ok'),
      );
      const roles = new Set(prAssumed.map((c) => c.resource));
      check(
        [...roles].every((role) => role?.endsWith('role/ragchat-github-preview')),
        `a pull_request token assumed ${[...roles].join(', ')}`,
      );
    },
  },
  {
    name: 'fork PR never asks for AWS credentials',
    fixture: FORK_PR,
    check: (r, { opened }) => {
      expectConclusion(opened!, 'success');
      const assumed = r.model.world.calls.filter((c) => c.operation === 'AssumeRoleWithWebIdentity');
      check(assumed.length === 0, `a fork pull request asked for AWS credentials ${assumed.length} time(s)`);
      check(job(opened!, 'Deploy preview').result === 'skipped', 'the fork preview was not skipped');
    },
  },
  {
    name: 'each event starts exactly the workflows whose triggers GitHub matches it against',
    fixture: FORK_PR,
    check: async (r) => {
      const sha = commitSha('trigger-probe');
      const pr = (action: PullRequestAction) => pullRequestEvent(REPOSITORY, action, PR);
      const expected: [string, TriggerEvent, string[]][] = [
        ['push to main', pushEvent(REPOSITORY, sha), ['ci.yml', 'deploy.yml']],
        ['push to another branch', pushEvent(REPOSITORY, sha, undefined, 'refs/heads/feature-1'), []],
        ['pull request opened', pr('opened'), ['ci.yml', 'preview.yml']],
        ['pull request synchronize', pr('synchronize'), ['ci.yml', 'preview.yml']],
        ['pull request reopened', pr('reopened'), ['ci.yml', 'preview.yml']],
        ['pull request closed', pr('closed'), ['preview.yml']],
        ['pull request edited', pr('edited'), []],
        ['pull request labeled', pr('labeled'), []],
        ['workflow_dispatch', dispatchEvent(REPOSITORY, sha, {}), ['rollback.yml']],
      ];
      for (const [what, event, workflows] of expected) {
        const started = (await r.runner.startedBy(event)).map((path) =>
          path.replace('.github/workflows/', ''),
        );
        check(
          started.join(' ') === workflows.join(' '),
          `${what} starts ${started.join(', ') || 'nothing'}, expected ${workflows.join(', ') || 'nothing'}`,
        );
      }
    },
  },
  {
    name: 'a CRITICAL finding blocks the release',
    fixture: CRITICAL_FINDING,
    check: (r, { merge }) => {
      check(merge!.conclusion === 'failure', `the merge ended ${merge!.conclusion}`);
      const images = job(merge!, 'Build, push and scan images');
      check(
        images.annotations.some((a) => a.includes('CVE-2026-0001')),
        'the scan gate did not name the CRITICAL finding',
      );
      check(deployJobs(merge!).length === 0, 'an environment was deployed despite the finding');
      check(
        r.model.world.calls.every((c) => c.operation !== 'CreateDeployment'),
        'CodeDeploy was called despite the finding',
      );
    },
  },
];

/** The proof that the rehearsal catches a useless smoke test: this scenario must fail. */
export const NO_OP_SMOKE_SCENARIO: Scenario = {
  name: 'rehearsal fails when the smoke test is made a no-op',
  mustFail: true,
  fixture: NO_OP_SMOKE,
  check: (r, runs) => {
    const scenario = SCENARIOS.find((s) => s.fixture === FAILING_QUERY);
    if (!scenario) throw new Error('no failing-query scenario');
    return scenario.check(r, runs);
  },
};

export const ALL_SCENARIOS: Scenario[] = [...SCENARIOS, NO_OP_SMOKE_SCENARIO];
