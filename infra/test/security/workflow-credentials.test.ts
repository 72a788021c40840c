import { PLACEHOLDER_ACCOUNT } from '../../src/app';
import { account } from '../../src/config/environments';
import { buildApp, type Json } from '../support/app';
import {
  actionMatches,
  globMatches,
  type IamModel,
  iamModelOf,
  type RoleModel,
  trustAdmits,
} from '../support/iam-model';
import {
  CONFIGURE_AWS,
  contextFor,
  jobEnvironment,
  loadWorkflows,
  render,
  runContextsOf,
  subjectOf,
} from '../support/workflows';

/**
 * Every job that assumes an AWS role, in every way it can run, against the roles the app
 * synthesizes. configure-aws-credentials asks STS for `role-duration-seconds` (1 hour when unset
 * for OIDC) and never refreshes the credentials during the job; STS refuses more than the role's
 * MaxSessionDuration (IAM default 3600 s) (configure-aws-credentials README, "Session duration";
 * IAM User Guide, "Update the maximum session duration for a role"). A job's post steps and its
 * stop-with-rollback steps run after its timeout, so the session must outlive timeout-minutes by
 * a margin.
 */
const CLEANUP_HEADROOM_SECONDS = 10 * 60;
const DEFAULT_OIDC_SESSION_SECONDS = 3600;

const { app, stacks } = buildApp({ pr: '42' });
const sharedStack = stacks.shared.stackName;
const model: IamModel = iamModelOf(app, PLACEHOLDER_ACCOUNT, account.region);
const repository = `${account.github.owner}/${account.github.repo}`;

/** Repository variables as the operator sets them: `AWS_<OUTPUT>` from the shared stack's `<Output>RoleArn` outputs. */
function roleVariables(): Record<string, string> {
  const outputs = model.templates[sharedStack]?.Outputs as Json;
  const vars: Record<string, string> = { AWS_REGION: account.region };
  for (const [name, output] of Object.entries(outputs ?? {})) {
    if (!name.endsWith('RoleArn')) continue;
    const variable = `AWS_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
    const logicalId = (output as Json).Value?.['Fn::GetAtt']?.[0];
    const role = model.roles.find((r) => r.stack === sharedStack && r.logicalId === logicalId);
    if (role) vars[variable] = role.arn;
  }
  return vars;
}
const vars = roleVariables();

interface CredentialUse {
  readonly where: string;
  readonly job: Json;
  readonly subject: string;
  readonly roleArn: string;
  readonly durationSeconds: number;
  readonly steps: readonly Json[];
  readonly context: Readonly<Record<string, string | undefined>>;
}

function credentialUses(): CredentialUse[] {
  const workflows = loadWorkflows();
  return workflows.flatMap((workflow) =>
    Object.entries((workflow.doc.jobs ?? {}) as Json).flatMap(([jobId, rawJob]) => {
      const job = rawJob as Json;
      const steps = (job.steps ?? []) as Json[];
      const configure = steps.filter((step) => String(step.uses ?? '').split('@')[0] === CONFIGURE_AWS);
      return runContextsOf(workflows, workflow).flatMap((run) => {
        // The job conditions only need the trigger to be decided; other terms are left open.
        const onlyOn = /github\.event_name == '(\w+)'/.exec(String(job.if ?? ''))?.[1];
        if (onlyOn !== undefined && onlyOn !== run.event) return [];
        const context = contextFor(run, vars);
        const environment = jobEnvironment(job, context);
        return configure.map((step) => {
          const duration = render(step.with?.['role-duration-seconds'], context);
          return {
            where: `${run.via} (${run.event}) job ${jobId}${environment ? ` (environment ${environment})` : ''}`,
            job,
            subject: subjectOf(repository, run, environment),
            roleArn: render(step.with?.['role-to-assume'], context) ?? '',
            durationSeconds:
              duration === undefined || duration === '' ? DEFAULT_OIDC_SESSION_SECONDS : Number(duration),
            steps,
            context,
          };
        });
      });
    }),
  );
}
const uses = [
  ...new Map(
    credentialUses().map((use) => [`${use.where}|${use.roleArn}|${use.durationSeconds}`, use] as const),
  ).values(),
];

function claimsOf(use: CredentialUse) {
  const [, , kind, ...rest] = use.subject.split(':');
  return {
    aud: 'sts.amazonaws.com',
    sub: use.subject,
    ...(kind === 'environment' ? { environment: rest.join(':') } : {}),
  };
}

function roleOf(use: CredentialUse): RoleModel | undefined {
  return model.roles.find((role) => role.arn === use.roleArn);
}

function allows(role: RoleModel, action: string, resource: string): boolean {
  return role.statements.some(
    (s) =>
      s.effect === 'Allow' &&
      s.actions.some((a) => actionMatches(a, action)) &&
      s.resources.some((r) => globMatches(r, resource)),
  );
}

it('finds the jobs that assume roles', () => {
  expect(uses.length).toBeGreaterThan(5);
});

describe.each(uses.map((use) => [use.where, use] as const))('%s', (_where, use) => {
  it('assumes a role of the app that trusts its OIDC subject', () => {
    const role = roleOf(use);
    expect({ roleArn: use.roleArn, found: role !== undefined }).toEqual({
      roleArn: use.roleArn,
      found: true,
    });
    expect({ subject: use.subject, trusted: trustAdmits(model, role as RoleModel, claimsOf(use)) }).toEqual({
      subject: use.subject,
      trusted: true,
    });
  });

  it('asks for a session that outlives the job and its cleanup, and that the role allows', () => {
    const timeoutSeconds = Number(use.job['timeout-minutes']) * 60;
    const role = roleOf(use);
    expect({
      requested: use.durationSeconds,
      atLeast: timeoutSeconds + CLEANUP_HEADROOM_SECONDS,
      roleMaximum: role?.maxSessionDuration,
    }).toEqual({
      requested: expect.any(Number),
      atLeast: expect.any(Number),
      roleMaximum: expect.any(Number),
    });
    expect(use.durationSeconds).toBeGreaterThanOrEqual(timeoutSeconds + CLEANUP_HEADROOM_SECONDS);
    expect(use.durationSeconds).toBeLessThanOrEqual(role?.maxSessionDuration ?? 0);
  });

  const scanGates = use.steps.filter((step) => step.uses === './actions/wait-for-ecr-scan');
  const pushes = use.steps.filter((step) => step.uses === './actions/build-push-image');
  if (scanGates.length > 0) {
    // Enhanced (Inspector) scanning serves findings through Amazon Inspector (Amazon ECR User
    // Guide, "Scan images for OS and programming language package vulnerabilities"; IAM for
    // Inspector: ListFindings and ListCoverage take no resource other than "*").
    it('may read scan results under basic and enhanced scanning', () => {
      const role = roleOf(use) as RoleModel;
      for (const action of ['inspector2:ListFindings', 'inspector2:ListCoverage']) {
        expect({ action, allowed: allows(role, action, '*') }).toEqual({ action, allowed: true });
      }
    });
  }
  if (pushes.length > 0) {
    it('may push to and scan the repositories it builds into', () => {
      const role = roleOf(use) as RoleModel;
      for (const step of pushes) {
        const name = render(step.with?.repository, use.context) ?? '';
        const arn = `arn:aws:ecr:${account.region}:${PLACEHOLDER_ACCOUNT}:repository/${name}`;
        for (const action of ['ecr:PutImage', 'ecr:DescribeImageScanFindings']) {
          expect({ arn, action, allowed: allows(role, action, arn) }).toEqual({ arn, action, allowed: true });
        }
      }
    });
  }
});
