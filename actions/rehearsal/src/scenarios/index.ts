import { healthyBehaviour } from '../model/model';
import { commitSha, type Rehearsal } from '../rehearsal';
import type { Job } from '../runner/job';
import type { RunResult } from '../runner/runner';
import { allJobs, check, expectConclusion, job } from './check';

/** A rehearsal prepared once and shared by the scenarios that assert on it. */
export interface Fixture {
  readonly name: string;
  readonly overrides?: Readonly<Record<string, string>>;
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
  ...FAILING_QUERY,
  name: 'a release whose backend answers 500 on /api/query, with the smoke test made a no-op',
  overrides: { '.github/scripts/smoke-test.sh': '#!/usr/bin/env bash\n# no-op\nexit 0\n' },
};

export const PREVIEW: Fixture = {
  name: 'a pull request opened, pushed again and closed',
  prepare: async (r) => {
    await r.deployStacks('ragchat-dev');
    r.wait(2);
    const opened = await r.pullRequest('opened', PR);
    const second = { ...PR, headSha: commitSha('pr-7-head-2') };
    const synchronized = await r.pullRequest('synchronize', second);
    const openStack = r.model.cloudformation.stacks.has('ragchat-pr-7');
    const closed = await r.pullRequest('closed', second);
    return { opened, synchronized, closed, ...(openStack ? { stackWhileOpen: opened } : {}) };
  },
};

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

export const RELEASE_TRAIN: Fixture = {
  name: 'three releases: a clean one, one whose prod canary raises an alarm, one cancelled mid-shift',
  prepare: async (r) => {
    const first = await r.push(commitSha('merge-1'));
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
    return { first, alarmed, cancelled };
  },
};

export const TWO_MERGES: Fixture = {
  name: 'two merges pushed one right after the other',
  prepare: async (r) => {
    const [first, second] = await Promise.all([r.push(commitSha('merge-a')), r.push(commitSha('merge-b'))]);
    return { first, second };
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
    check: (r, { first, alarmed }) => {
      expectConclusion(first!, 'success');
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
      expectConclusion(second!, 'success');
      // GitHub queues jobs per concurrency group in the order they reach it, not by commit: which merge
      // ends live depends on which images job finished last (the rehearsal log shows the order).
      const serving = new Set<string>();
      for (const environment of ENVIRONMENTS) {
        for (const service of SERVICES) {
          const name = `ragchat-${environment}-${service}`;
          const deployments = [...r.model.codedeploy.deployments.values()]
            .filter((d) => d.group.name === name)
            .sort((a, b) => a.createTime - b.createTime);
          for (const [index, deployment] of deployments.entries()) {
            const next = deployments[index + 1];
            check(
              !next || (deployment.completeTime ?? Number.POSITIVE_INFINITY) <= next.createTime,
              `${name}: ${next?.id} started while ${deployment.id} was still running`,
            );
          }
          serving.add(String(commitOf(r, productionImage(r, environment, service))));
        }
      }
      check(serving.size === 1, `the environments ended on different merges: ${[...serving].join(', ')}`);
      const refused = r.model.world.calls.filter((c) => c.outcome.startsWith('DeploymentLimitExceeded'));
      check(refused.length === 0, `CodeDeploy refused ${refused.length} overlapping deployment(s)`);
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
