import type { ResourceAuthorizer } from '../model/cloudformation';
import { AwsError } from '../model/errors';
import type { ControlHandler, Model } from '../model/model';
import { assumeRole } from '../model/sts';
import type { Caller, Session } from '../model/world';
import { synthesize } from './synth';

export const BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * The action CloudFormation needs, from the identity it acts as, to create each resource type whose
 * resource ARN the model can build from the resolved properties. Types whose authorization hangs on
 * condition keys the model does not compute (Cloud Map namespaces, target groups, task definitions)
 * are not checked: docs/rehearsal-model.md lists this simplification.
 */
const CREATE_ACTIONS: Record<string, string> = {
  'AWS::IAM::Role': 'iam:CreateRole',
  'AWS::Logs::LogGroup': 'logs:CreateLogGroup',
  'AWS::SecretsManager::Secret': 'secretsmanager:CreateSecret',
  'AWS::ECS::Service': 'ecs:CreateService',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'elasticloadbalancing:CreateRule',
  'AWS::SSM::Parameter': 'ssm:PutParameter',
};

interface CdkArguments {
  readonly command: string;
  readonly stacks: string[];
  readonly context: Record<string, string>;
  readonly flags: Set<string>;
  /** `--role-arn`: the role CloudFormation acts as (passed by the CLI's credentials). */
  readonly roleArn: string | undefined;
}

function parseArguments(args: readonly string[]): CdkArguments {
  const [command = '', ...rest] = args;
  const stacks: string[] = [];
  const context: Record<string, string> = {};
  const flags = new Set<string>();
  let roleArn: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '-c' || arg === '--context') {
      const [key = '', ...value] = (rest[++i] ?? '').split('=');
      context[key] = value.join('=');
    } else if (arg === '--require-approval' || arg === '--progress') {
      flags.add(`${arg}=${rest[++i]}`);
    } else if (arg === '--role-arn') {
      roleArn = rest[++i];
    } else if (arg.startsWith('-')) {
      flags.add(arg);
    } else {
      stacks.push(arg);
    }
  }
  return { command, stacks, context, flags, roleArn };
}

const KNOWN_FLAGS = [
  '--no-color',
  '--exclusively',
  '--fail',
  '--force',
  '--require-approval=never',
  '--progress=events',
  '--quiet',
];

/**
 * The `npx cdk` stand-in: synthesizes the real app and applies, diffs or removes the stack in the
 * model the way the CDK CLI does, through the bootstrap deploy role when the caller may assume it
 * (else with the caller's own credentials, as the CLI falls back).
 */
export function cdkHandler(model: Model, repoRoot: string): ControlHandler {
  return async (caller, body) => {
    const args = parseArguments(body.args as string[]);
    for (const flag of args.flags) {
      if (!KNOWN_FLAGS.includes(flag))
        return { exitCode: 1, output: `cdk stand-in: option ${flag} is not modelled\n` };
    }
    if (!String(body.cwd).endsWith('/infra')) {
      return {
        exitCode: 1,
        output: '--app is required either in command-line, in cdk.json or in ~/.cdk.json\n',
      };
    }
    if (!caller)
      return {
        exitCode: 1,
        output:
          'Unable to resolve AWS account to use. It must be either configured when you define your CDK Stack, or through the environment\n',
      };
    const lines: string[] = [];
    const session = deploySession(model, caller, lines);
    const as: Caller = { session };
    const stackArn = (name: string) =>
      model.cloudformation.stacks.get(name)?.arn ?? model.world.arn('cloudformation', `stack/${name}/new`);
    // CloudFormation's condition key for the service role a change names (--role-arn).
    const stackContext = args.roleArn ? { 'cloudformation:RoleArn': args.roleArn } : {};
    model.world.authorize(
      as,
      'ssm:GetParameter',
      model.ssm.arnOf(`/cdk-bootstrap/${BOOTSTRAP_QUALIFIER}/version`),
    );
    const execution = executionRole(model, as, session === caller.session, args.roleArn);
    if (args.command === 'destroy') {
      for (const name of args.stacks) {
        model.world.authorize(as, 'cloudformation:DeleteStack', stackArn(name), stackContext);
        model.cloudformation.destroy(name, resourceAuthorizer(model, execution));
        lines.push(`${name}: destroying... ✅  ${name}: destroyed`);
      }
      return { exitCode: 0, output: `${lines.join('\n')}\n` };
    }
    const synthesized = synthesize(repoRoot, args.context);
    let exitCode = 0;
    for (const name of args.stacks) {
      const stack = synthesized.get(name);
      if (!stack)
        return { exitCode: 1, output: `No stack found matching '${name}'. Use "list" to print manifest\n` };
      if (args.command === 'diff') {
        model.world.authorize(as, 'cloudformation:GetTemplate', stackArn(name));
        const deployed = model.cloudformation.deployedTemplate(name);
        const changed =
          deployed === undefined
            ? Object.keys(stack.template.Resources ?? {})
            : changedResources(deployed, stack.template);
        lines.push(`Stack ${name}`);
        if (changed.length === 0) lines.push('There were no differences');
        for (const id of changed.slice(0, 8))
          lines.push(
            `[${deployed?.Resources?.[id] ? '~' : '+'}] ${stack.template.Resources?.[id]?.Type ?? 'removed'} ${id}`,
          );
        if (changed.length > 8) lines.push(`... and ${changed.length - 8} more resource change(s)`);
        if (changed.length > 0 && args.flags.has('--fail')) exitCode = 1;
      } else if (args.command === 'deploy') {
        if (stack.hasFileAssets) publishAssets(model, caller.session, lines);
        for (const action of [
          'cloudformation:DescribeStacks',
          'cloudformation:CreateChangeSet',
          'cloudformation:ExecuteChangeSet',
        ]) {
          model.world.authorize(as, action, stackArn(name), stackContext);
        }
        const result = await model.cloudformation.deploy(
          name,
          stack.template,
          execution.session.role,
          resourceAuthorizer(model, execution),
        );
        lines.push(
          `${name} | ${result.created.length} created, ${result.updated.length} updated (${result.updated.join(', ') || 'none'}), ${result.deleted.length} deleted`,
        );
        lines.push(` ✅  ${name}`);
      } else {
        return { exitCode: 1, output: `cdk stand-in: command ${args.command} is not modelled\n` };
      }
    }
    return { exitCode, output: `${lines.join('\n')}\n` };
  };
}

const DELETE_ACTIONS: Record<string, string> = Object.fromEntries(
  Object.entries(CREATE_ACTIONS).map(([type, action]) => [
    type,
    action
      .replace(/:(Create|Put|Register)/, ':Delete')
      .replace('RegisterTaskDefinition', 'DeregisterTaskDefinition'),
  ]),
);

/**
 * Who CloudFormation acts as: the role given with --role-arn (which the CLI's identity must be allowed
 * to pass), else the bootstrap execution role when the deploy role was assumed, else the CLI's identity.
 */
function executionRole(model: Model, cli: Caller, fellBack: boolean, roleArn: string | undefined): Caller {
  const { world } = model;
  if (roleArn) {
    world.authorize(cli, 'iam:PassRole', roleArn, { 'iam:PassedToService': 'cloudformation.amazonaws.com' });
    const role = world.roles.get(roleArn.split('/').pop() ?? '');
    if (!role) throw new AwsError('ValidationError', `Role ${roleArn} is invalid or cannot be assumed`);
    return { session: world.createSession(role, 'AWSCloudFormation', 3600) };
  }
  if (fellBack) return cli;
  const exec = world.roles.get(`cdk-${BOOTSTRAP_QUALIFIER}-cfn-exec-role-${world.account}-${world.region}`);
  return exec ? { session: world.createSession(exec, 'AWSCloudFormation', 3600) } : cli;
}

/** The per-resource permission CloudFormation needs from the identity it acts as, with resolved properties. */
function resourceAuthorizer(model: Model, execution: Caller): ResourceAuthorizer {
  return (change, type, properties, stack, logicalId) => {
    // CloudFormation reads a secretsmanager dynamic reference's secret as the identity it acts as.
    if (change !== 'delete') {
      for (const secret of model.secrets.referencedBy(JSON.stringify(properties ?? {})))
        model.world.authorize(execution, 'secretsmanager:GetSecretValue', secret.arn);
    }
    const actions = change === 'delete' ? DELETE_ACTIONS : CREATE_ACTIONS;
    const action = actions[type];
    if (!action) return;
    const tags: Record<string, string> = Array.isArray(properties?.Tags)
      ? Object.fromEntries(properties.Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]))
      : { ...(properties?.Tags ?? {}) };
    const context: Record<string, string> = Object.fromEntries(
      Object.entries(tags).flatMap(([key, value]) => [
        [`aws:RequestTag/${key}`, value],
        [`aws:ResourceTag/${key}`, value],
      ]),
    );
    const existing = stack.resources.get(logicalId)?.physicalId;
    if (type === 'AWS::ElasticLoadBalancingV2::ListenerRule' && change !== 'create' && existing) {
      // Modify and delete are authorized on the rule itself, with its own tags.
      model.world.authorize(execution, action, existing, context);
      return;
    }
    if (type === 'AWS::ElasticLoadBalancingV2::ListenerRule') {
      // CreateRule is authorized on the listener: its own tags are the resource tags.
      const listener = model.elb.listeners.get(String(properties?.ListenerArn));
      for (const key of Object.keys(context)) if (key.startsWith('aws:ResourceTag/')) delete context[key];
      for (const [key, value] of Object.entries(listener?.tags ?? {}))
        context[`aws:ResourceTag/${key}`] = value;
    }
    if (type === 'AWS::IAM::Role' && properties?.PermissionsBoundary) {
      context['iam:PermissionsBoundary'] = String(properties.PermissionsBoundary);
    }
    // Unnamed resources get CloudFormation's generated <stack>-<logical id>-<suffix> name.
    const generated = `${stack.name}-${logicalId}-REHEARSAL`;
    model.world.authorize(
      execution,
      action,
      resourceArnFor(model, type, properties ?? {}, generated),
      context,
    );
  };
}

function resourceArnFor(model: Model, type: string, p: Record<string, any>, generated: string): string {
  const { world } = model;
  const clusterName = String(p.Cluster ?? '')
    .split('/')
    .pop();
  switch (type) {
    case 'AWS::SSM::Parameter':
      return model.ssm.arnOf(String(p.Name ?? ''));
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${world.account}:role/${p.RoleName ?? generated}`;
    case 'AWS::ECS::Service':
      return world.arn('ecs', `service/${clusterName}/${p.ServiceName ?? generated}`);
    case 'AWS::ElasticLoadBalancingV2::ListenerRule':
      return String(p.ListenerArn ?? '*');
    case 'AWS::Logs::LogGroup':
      return world.arn('logs', `log-group:${p.LogGroupName ?? generated}`);
    case 'AWS::SecretsManager::Secret':
      return world.arn('secretsmanager', `secret:${p.Name ?? generated}-AbCdEf`);
    default:
      return '*';
  }
}

function changedResources(deployed: Record<string, any>, template: Record<string, any>): string[] {
  const ids = new Set([...Object.keys(deployed.Resources ?? {}), ...Object.keys(template.Resources ?? {})]);
  return [...ids].filter(
    (id) => JSON.stringify(deployed.Resources?.[id]) !== JSON.stringify(template.Resources?.[id]),
  );
}

function deploySession(model: Model, caller: Caller, lines: string[]): Session {
  const role = `arn:aws:iam::${model.world.account}:role/cdk-${BOOTSTRAP_QUALIFIER}-deploy-role-${model.world.account}-${model.world.region}`;
  try {
    return assumeRole(model.world, caller.session, role, 'cdk-deploy');
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    lines.push(
      `current credentials could not be used to assume '${role}', but are for the right account. Proceeding anyway. (${error.message})`,
    );
    return caller.session;
  }
}

function publishAssets(model: Model, session: Session, lines: string[]): void {
  const role = `arn:aws:iam::${model.world.account}:role/cdk-${BOOTSTRAP_QUALIFIER}-file-publishing-role-${model.world.account}-${model.world.region}`;
  let publisher = session;
  try {
    publisher = assumeRole(model.world, session, role, 'cdk-file-publishing');
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    lines.push(`could not assume ${role}; publishing assets with the current credentials`);
  }
  model.world.authorize(
    { session: publisher },
    's3:PutObject',
    `arn:aws:s3:::cdk-${BOOTSTRAP_QUALIFIER}-assets-${model.world.account}-${model.world.region}/*`,
  );
  lines.push('assets published');
}

/** The docker stand-in's `buildx build --push`: one new (not reproducible) manifest under every tag. */
export function dockerPushHandler(model: Model): ControlHandler {
  let builds = 0;
  return async (_caller, body) => {
    const caller = model.world.caller(String(body.password));
    const tags = body.tags as string[];
    const [name] = (tags[0] ?? '').split('/').slice(1).join('/').split(':');
    const tagNames = tags.map((tag) => tag.split(':').pop() ?? '');
    const commit = tagNames.find((tag) => /^[0-9a-f]{40}$/.test(tag)) ?? tagNames[0] ?? '';
    builds += 1;
    const digest = model.world.digestOf(String(name), String(body.dockerfile), commit, String(builds));
    const image = model.ecr.push(caller, String(name), tagNames, digest, commit);
    const lines = [
      `#1 building ${body.dockerfile} for ${commit.slice(0, 12)}`,
      `#2 pushing ${tags.join(', ')}`,
      `#2 ${image.digest} done`,
    ];
    if (body.cacheTo) {
      model.ecr.push(
        caller,
        String(name),
        ['buildcache'],
        model.world.digestOf('cache', String(name), String(builds)),
        'buildcache',
      );
      lines.push('#3 exporting cache to registry done');
    }
    return { exitCode: 0, output: `${lines.join('\n')}\n`, data: { digest: image.digest } };
  };
}

export { AwsError };
