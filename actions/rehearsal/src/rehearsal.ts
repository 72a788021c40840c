import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { environments } from '@ragchat/infra/environments';
import { AwsCliServer } from './aws-cli/fork-server';
import { VirtualClock } from './clock/clock';
import { BOOTSTRAP_QUALIFIER, cdkHandler, dockerPushHandler } from './infra/cdk';
import { synthesize } from './infra/synth';
import type { Role } from './model/iam';
import { Internet } from './model/internet';
import { Model } from './model/model';
import {
  dispatchEvent,
  type PullRequest,
  type PullRequestAction,
  pullRequestEvent,
  pushEvent,
} from './runner/github-context';
import { Runner, type RunnerOptions, type RunResult } from './runner/runner';

export const REPOSITORY = 'ragchat/ragchat';

export interface RehearsalOptions {
  readonly repoRoot: string;
  readonly log?: (line: string) => void;
  /** Files of the checkout to replace (path → content), e.g. a no-op smoke test. */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** The repository's commit at HEAD, used as the pushed commit when a scenario does not name one. */
export function commitSha(label: string): string {
  return execFileSync('sha1sum', { input: label }).toString().slice(0, 40);
}

/**
 * A fresh account and repository: the shared stack deployed and CDK bootstrapped as the operator
 * guide says, bootstrap images pushed, repository variables and environments set; then workflows
 * run against it through a Runner.
 */
/** What an unsigned browser got for a URL (a first visit: no load-balancer session cookie). */
export interface BrowserVisit {
  readonly url: string;
  readonly status: number;
  readonly location: string;
}

/** A recent desktop browser's navigation request headers. */
const BROWSER_HEADERS = [
  'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
];

export class Rehearsal {
  readonly lines: string[] = [];
  /** What a fixture saw at a moment its scenarios cannot go back to (e.g. a preview since destroyed). */
  readonly observations = new Map<string, unknown>();
  readonly runner: Runner;

  private constructor(
    readonly model: Model,
    readonly clock: VirtualClock,
    readonly stateDir: string,
    private readonly awsCli: AwsCliServer,
    options: RehearsalOptions,
  ) {
    this.repoRoot = options.repoRoot;
    const vars = rolesVars(model);
    this.runner = new Runner({
      repoRoot: options.repoRoot,
      repository: REPOSITORY,
      model,
      clock,
      stateDir: join(stateDir, 'runs'),
      log: (line) => this.log(line),
      vars,
      environments: {
        dev: { branches: ['main'] },
        staging: { branches: ['main'] },
        prod: { branches: ['main'], reviewers: true },
      },
      awsCli: awsCli.command,
      ...(options.overrides ? { overrides: { ...options.overrides } } : {}),
      approve: () => true,
    } satisfies RunnerOptions);
    this.sink = options.log;
  }

  private readonly sink: ((line: string) => void) | undefined;
  readonly repoRoot: string;

  log(line: string): void {
    const minutes = ((this.clock.now() - Date.parse('2026-06-01T08:00:00Z')) / 60_000).toFixed(1).padStart(6);
    const stamped = `[+${minutes}m] ${line}`;
    this.lines.push(stamped);
    this.sink?.(stamped);
  }

  static async create(options: RehearsalOptions): Promise<Rehearsal> {
    const stateDir = mkdtempSync(join(tmpdir(), 'rehearsal-'));
    const clock = VirtualClock.start(join(stateDir, 'clock'));
    let rehearsal: Rehearsal | undefined;
    const model = new Model(clock, (line) => rehearsal?.log(line), REPOSITORY, options.repoRoot);
    model.control.set('cdk', cdkHandler(model, options.repoRoot));
    model.control.set('docker-push', dockerPushHandler(model));
    await model.start();
    model.issueCertificates(stateDir, operatorCertificates());
    model.internet = new Internet(stateDir, [RDS_CA_HOST]);
    await model.internet.start();
    const overrides = { ...pinnedDownloads(options.repoRoot, model.internet), ...options.overrides };
    const awsCli = await AwsCliServer.start(stateDir);
    rehearsal = new Rehearsal(model, clock, stateDir, awsCli, { ...options, overrides });
    await rehearsal.freshAccount(options.repoRoot);
    return rehearsal;
  }

  /** What an operator does once per account before the first workflow run (docs/operations.md). */
  private async freshAccount(repoRoot: string): Promise<void> {
    const { world } = this.model;
    const admin = this.adminRole('operator');
    bootstrap(this.model);
    const shared = synthesize(repoRoot, {}).get('ragchat-shared');
    if (!shared) throw new Error('the CDK app has no ragchat-shared stack');
    await this.model.cloudformation.deploy('ragchat-shared', shared.template, admin);
    const session = world.createSession(admin, 'operator', 3600);
    for (const repository of ['ragchat/backend', 'ragchat/frontend']) {
      this.model.ecr.push(
        { session },
        repository,
        ['bootstrap'],
        world.digestOf('bootstrap', repository),
        'bootstrap',
      );
    }
    this.log('fresh account: ragchat-shared deployed, CDK bootstrapped, bootstrap images pushed');
  }

  /** The operator deploys stacks from a workstation (cdk deploy with administrator credentials). */
  async deployStacks(...names: string[]): Promise<void> {
    const stacks = synthesize(this.repoRoot, {});
    for (const name of names) {
      const stack = stacks.get(name);
      if (!stack) throw new Error(`the CDK app has no stack ${name}`);
      await this.model.cloudformation.deploy(name, stack.template, this.adminRole('operator'));
      this.log(`operator: cdk deploy ${name}`);
    }
  }

  adminRole(name: string): Role {
    const role: Role = {
      name,
      arn: `arn:aws:iam::${this.model.world.account}:role/${name}`,
      trust: { Statement: [] },
      policies: [],
      maxSessionDuration: 3600,
      tags: {},
      managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    };
    this.model.world.roles.set(name, role);
    return role;
  }

  push(sha: string): Promise<RunResult> {
    return this.runner.run('.github/workflows/deploy.yml', pushEvent(REPOSITORY, sha));
  }

  pullRequest(action: PullRequestAction, pr: PullRequest): Promise<RunResult> {
    return this.runner.run('.github/workflows/preview.yml', pullRequestEvent(REPOSITORY, action, pr));
  }

  rollback(
    inputs: { environment: string; service: string; target?: string; reason: string },
    sha = commitSha('rollback'),
  ): Promise<RunResult> {
    const all = { target: '', ...inputs };
    return this.runner.run('.github/workflows/rollback.yml', dispatchEvent(REPOSITORY, sha, all), all);
  }

  /**
   * A browser's first visit to a URL, by curl with the browser's headers, resolved and trusted as a
   * job's curl is (the ALB fronts and the operator's certificates); redirects are not followed.
   */
  async browse(url: string): Promise<BrowserVisit> {
    const config = join(this.stateDir, 'browser.curlrc');
    writeFileSync(config, `${this.model.curlConnectTo().join('\n')}\n`);
    const headers = BROWSER_HEADERS.flatMap((header) => ['--header', header]);
    // Asynchronous: the load balancer fronts that answer it run in this process.
    const { stdout } = await promisify(execFile)(
      'curl',
      [
        '--config',
        config,
        '--silent',
        '--max-time',
        '60',
        '--output',
        '/dev/null',
        '--write-out',
        '%{http_code} %{redirect_url}',
        ...headers,
        url,
      ],
      { encoding: 'utf8' },
    );
    const [status = '0', location = ''] = stdout.split(' ');
    const visit = { url, status: Number(status), location };
    this.log(`browser: GET ${url} -> ${visit.status}${location ? ` ${location}` : ''}`);
    return visit;
  }

  /** Moves virtual time forward, as if the operator waited. */
  wait(minutes: number): void {
    this.clock.advanceBy(minutes * 60_000);
  }

  async close(): Promise<void> {
    await this.awsCli.stop();
    await this.model.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

const RDS_CA_HOST = 'truststore.pki.rds.amazonaws.com';

/** The ACM certificate of each environment's domain, which the operator issues before the first deploy. */
function operatorCertificates(): Map<string, string> {
  const certificates = new Map<string, string>();
  for (const { loadBalancer } of Object.values(environments)) {
    if (loadBalancer.certificateArn && loadBalancer.domainName)
      certificates.set(loadBalancer.certificateArn, loadBalancer.domainName);
  }
  return certificates;
}

/**
 * The RDS CA bundle build-images.yml downloads cannot be fetched offline: the internet stand-in
 * serves a placeholder bundle and the workflow's pinned checksum is set to the placeholder's, so
 * the step's download and checksum verification still run for real.
 */
function pinnedDownloads(repoRoot: string, internet: Internet): Record<string, string> {
  const path = '.github/workflows/build-images.yml';
  const workflow = readFileSync(join(repoRoot, path), 'utf8');
  const url = /RDS_CA_BUNDLE_URL: (\S+)/.exec(workflow)?.[1];
  if (!url) return {};
  const checksum = internet.serve(url, readFileSync(internet.caFile, 'utf8'));
  return {
    [path]: workflow.replace(/RDS_CA_BUNDLE_SHA256: [0-9a-f]{64}/, `RDS_CA_BUNDLE_SHA256: ${checksum}`),
  };
}

function rolesVars(model: Model): Record<string, string> {
  const arn = (name: string) => `arn:aws:iam::${model.world.account}:role/${name}`;
  return {
    AWS_REGION: model.world.region,
    AWS_DEPLOY_ROLE_ARN: arn('ragchat-github-deploy'),
    AWS_PREVIEW_ROLE_ARN: arn('ragchat-github-preview'),
    AWS_RELEASE_ROLE_ARN: arn('ragchat-github-release'),
    AWS_PROD_ROLE_ARN: arn('ragchat-github-prod'),
  };
}

/** `cdk bootstrap`: the four roles of the modern bootstrap stack and its version parameter. */
function bootstrap(model: Model): void {
  const { world } = model;
  const suffix = `${world.account}-${world.region}`;
  const trustAccount = {
    Statement: [
      {
        Effect: 'Allow' as const,
        Action: 'sts:AssumeRole',
        Principal: { AWS: `arn:aws:iam::${world.account}:root` },
      },
    ],
  };
  const role = (kind: string, policies: Role['policies'], managed: string[] = []): void => {
    const name = `cdk-${BOOTSTRAP_QUALIFIER}-${kind}-role-${suffix}`;
    world.roles.set(name, {
      name,
      arn: `arn:aws:iam::${world.account}:role/${name}`,
      trust: trustAccount,
      policies,
      maxSessionDuration: 3600,
      tags: { 'aws-cdk:bootstrap-role': kind },
      managedPolicyArns: managed,
    });
  };
  role('deploy', [
    {
      Statement: [
        {
          Effect: 'Allow',
          Action: ['cloudformation:*', 'ssm:GetParameter', 'iam:PassRole', 's3:*'],
          Resource: '*',
        },
      ],
    },
  ]);
  role('file-publishing', [{ Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: '*' }] }]);
  role('lookup', [
    { Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameter', 'ec2:Describe*'], Resource: '*' }] },
  ]);
  role('cfn-exec', [], ['arn:aws:iam::aws:policy/AdministratorAccess']);
  model.ssm.put(`/cdk-bootstrap/${BOOTSTRAP_QUALIFIER}/version`, '21');
}
