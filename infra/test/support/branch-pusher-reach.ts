import {
  actionMatches,
  type Conditions,
  type GithubClaims,
  type IamModel,
  type PolicyStatement,
  type RoleModel,
  trustAdmits,
} from './iam-model';

/**
 * What anyone who can push a branch of the repository can do in AWS, from the synthesized
 * templates alone. Such a person controls the workflow files of their branch and of their pull
 * request, so they obtain every OIDC token GitHub issues for it
 * (docs.github.com, "About security hardening with OpenID Connect", subject claim examples):
 * `repo:O/R:pull_request`, `repo:O/R:ref:refs/heads/<their branch>`, tags they push, and
 * `repo:O/R:environment:<name>` for every environment whose deployment branches admit their ref
 * (GitHub creates an environment a job names, unprotected). The environments listed as protected
 * are limited to `main` (docs/operations.md), so those are out of reach.
 *
 * From each role such a token can assume, the walk follows `sts:AssumeRole` targets,
 * `iam:PassRole` targets (and what those roles can do), the CloudFormation service role a stack
 * operation must name, and the permissions boundary any role it may create must carry. Every
 * action that is not a read must then be confined to preview resources.
 */

export interface ReachOptions {
  readonly owner: string;
  readonly repo: string;
  /** Environments whose deployment branches are limited to the default branch. */
  readonly protectedEnvironments: readonly string[];
  readonly defaultBranch: string;
  /** Environment whose cluster, listener and namespace previews attach to. */
  readonly previewHost: string;
}

/** Token claims a branch pusher can obtain (`aud` is configure-aws-credentials' default). */
export function branchPusherClaims(options: ReachOptions): GithubClaims[] {
  const repository = `repo:${options.owner}/${options.repo}`;
  const base = { aud: 'sts.amazonaws.com', repository: `${options.owner}/${options.repo}` };
  const unprotected = ['preview', 'pr-anything'].filter((e) => !options.protectedEnvironments.includes(e));
  return [
    { ...base, sub: `${repository}:pull_request`, ref: 'refs/pull/1/merge', event_name: 'pull_request' },
    ...['feature/x', `${options.defaultBranch}-not`].map((branch) => ({
      ...base,
      sub: `${repository}:ref:refs/heads/${branch}`,
      ref: `refs/heads/${branch}`,
      event_name: 'push',
    })),
    { ...base, sub: `${repository}:ref:refs/tags/v0.0.0-x`, ref: 'refs/tags/v0.0.0-x', event_name: 'push' },
    ...unprotected.map((environment) => ({
      ...base,
      sub: `${repository}:environment:${environment}`,
      environment,
      ref: 'refs/pull/1/merge',
      event_name: 'pull_request',
    })),
  ];
}

/** Resource ARNs (patterns) that name only preview resources: `ragchat-pr-*` and `/ragchat/pr-*`. */
function previewResourcePatterns(previewHost: string): RegExp[] {
  const arn = (service: string) => `^arn:aws:${service}:[^:]*:[^:]*:`;
  return [
    new RegExp(`${arn('cloudformation')}stack/ragchat-pr-`),
    new RegExp(`${arn('ecr')}repository/ragchat-pr/`),
    new RegExp(`${arn('ecs')}task-definition/ragchat-pr-`),
    // A preview's services run in its host's cluster, never in another environment's.
    new RegExp(`${arn('ecs')}service/ragchat-${previewHost}/ragchat-pr-`),
    new RegExp(`${arn('iam')}role/ragchat-pr-`),
    new RegExp(`${arn('secretsmanager')}secret:ragchat-pr-`),
    new RegExp(`${arn('ssm')}parameter/ragchat/pr-`),
    new RegExp(`${arn('logs')}log-group:(/ragchat/pr-|ragchat-pr-|/aws/lambda/ragchat-pr-)`),
    new RegExp(`${arn('lambda')}function:ragchat-pr-`),
    new RegExp(`${arn('elasticloadbalancing')}targetgroup/ragchat-pr-`),
    /^arn:aws:s3:::ragchat-pr-/,
  ];
}

const READ_PREFIXES = ['Get', 'Describe', 'List', 'BatchGet', 'BatchCheck'];

/**
 * Reads that grant access: a secret's value is a credential (the automation header passes a test
 * listener's sign-in, the admin token the backend's), so reading one counts like a write.
 */
const CREDENTIAL_READS = ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'];

/** Whether every action the pattern matches is a read (by IAM's naming of read actions). */
function isReadOnly(pattern: string): boolean {
  if (CREDENTIAL_READS.some((action) => actionMatches(pattern, action))) return false;
  const [, name = ''] = pattern.split(':');
  const literal = name.split(/[*?]/)[0] ?? '';
  return READ_PREFIXES.some((prefix) => literal.startsWith(prefix));
}

/**
 * Writes outside previews that a preview needs and that change nothing another environment runs.
 * Each is allowed on any resource the statement names.
 */
const SHARED_EFFECTS: readonly { readonly actions: readonly string[]; readonly resource?: RegExp }[] = [
  // Registering a revision runs nothing: a revision runs only when a service or deployment selects
  // it (ecs:UpdateService / CreateService / codedeploy:CreateDeployment, which are checked), and
  // ECS authorizes RegisterTaskDefinition on "*" only.
  { actions: ['ecs:RegisterTaskDefinition'] },
  // The ECR pull-through cache of public.ecr.aws fills itself on a task's first pull.
  {
    actions: ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'],
    resource: /^arn:aws:ecr:[^:]*:[^:]*:repository\/ecr-public\//,
  },
  // Telemetry and model invocations change no resource.
  { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] },
  { actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'] },
  // Applying a guardrail evaluates text against it; the guardrail itself is not changed.
  { actions: ['bedrock:ApplyGuardrail'], resource: /^arn:aws:bedrock:[^:]*:[^:]*:guardrail\// },
];

/** Conditions that confine a statement to resources tagged (or being tagged) as a preview. */
function tagValues(conditions: Conditions, key: string): string[] | undefined {
  for (const operator of ['StringEquals', 'StringLike']) {
    const values = conditions[operator]?.[key];
    if (values !== undefined) return [...values];
  }
  return undefined;
}

const PREVIEW_TAG = 'environment';
const isPreviewTagValue = (value: string) => /^pr-/.test(value);

function requiresPreviewTag(conditions: Conditions, kind: 'ResourceTag' | 'RequestTag'): boolean {
  const values = tagValues(conditions, `aws:${kind}/${PREVIEW_TAG}`);
  return values !== undefined && values.length > 0 && values.every(isPreviewTagValue);
}

const TAGGING = /:(AddTags|RemoveTags|TagResource|UntagResource|CreateTags|DeleteTags|TagRole|UntagRole)$/i;

/** Actions that give a role permissions; a role created under a boundary never exceeds it. */
const ROLE_PERMISSION_ACTIONS = [
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  'iam:PutRolePermissionsBoundary',
];

/** Stack operations after which CloudFormation acts with a role: the one named, else the stack's. */
const CLOUDFORMATION_ROLE_ACTIONS = [
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'cloudformation:DeleteStack',
  'cloudformation:CreateChangeSet',
  'cloudformation:ContinueUpdateRollback',
  'cloudformation:RollbackStack',
  'cloudformation:CancelUpdateStack',
  'cloudformation:SignalResource',
  'cloudformation:ImportStacksToStackSet',
];

interface Principal {
  readonly label: string;
  readonly statements: readonly PolicyStatement[];
}

export interface ReachReport {
  /** Roles a branch pusher's token can assume directly. */
  readonly entryRoles: readonly string[];
  /** Everything reached: roles, passed roles, boundaries. */
  readonly reached: readonly string[];
  /** What reaches outside previews, one line each; empty when the design holds. */
  readonly findings: readonly string[];
}

export function branchPusherReach(model: IamModel, options: ReachOptions): ReachReport {
  const previewPatterns = previewResourcePatterns(options.previewHost);
  const previewStack = (token: string) => /^\{\{ragchat-pr-\d+\./.test(token);
  const isPreview = (resource: string) =>
    previewStack(resource) || previewPatterns.some((pattern) => pattern.test(resource));
  const findings: string[] = [];
  const reached = new Map<string, Principal>();
  const queue: Principal[] = [];

  const boundaryPrincipal = (arn: string): Principal | undefined => {
    const policy = model.managedPolicies.find((p) => p.arn === arn);
    return policy && { label: `roles under boundary ${arn}`, statements: policy.statements };
  };

  const rolePrincipal = (role: RoleModel): Principal => {
    if (role.boundaryArn !== undefined) {
      const boundary = boundaryPrincipal(role.boundaryArn);
      if (boundary)
        return { label: `${role.name} (bounded by ${role.boundaryArn})`, statements: boundary.statements };
    }
    for (const arn of role.foreignPolicyArns) {
      findings.push(`${role.name}: attaches ${arn}, whose permissions no template of the app shows`);
    }
    return { label: role.name, statements: role.statements };
  };

  const visit = (principal: Principal) => {
    if (reached.has(principal.label)) return;
    reached.set(principal.label, principal);
    queue.push(principal);
  };

  /** Roles a resource pattern of sts:AssumeRole / iam:PassRole designates. */
  const followRoles = (from: string, verb: string, patterns: readonly string[]) => {
    for (const pattern of patterns) {
      const matching = model.roles.filter((role) => globMatch(pattern, role.arn));
      const wildcard = /[*?]/.test(pattern);
      if (wildcard && !isPreview(pattern)) {
        findings.push(`${from}: ${verb} ${pattern}, which matches roles outside previews`);
      } else if (!wildcard && matching.length === 0) {
        findings.push(`${from}: ${verb} ${pattern}, a role no template of the app defines`);
      }
      for (const role of matching) visit(rolePrincipal(role));
    }
  };

  const entryRoles = model.roles.filter((role) =>
    branchPusherClaims(options).some((claims) => trustAdmits(model, role, claims)),
  );
  for (const role of entryRoles) visit(rolePrincipal(role));

  for (let principal = queue.shift(); principal; principal = queue.shift()) {
    const from = principal.label;
    for (const statement of principal.statements) {
      if (statement.effect !== 'Allow') continue;
      if (statement.negated) {
        findings.push(`${from}: a NotAction/NotResource statement (${statement.actions.join(', ')})`);
        continue;
      }
      const grants = (action: string) => statement.actions.some((pattern) => actionMatches(pattern, action));

      if (grants('sts:AssumeRole')) followRoles(from, 'may assume', statement.resources);
      if (grants('iam:PassRole')) followRoles(from, 'may pass', statement.resources);
      if (grants('iam:DeleteRolePermissionsBoundary')) {
        findings.push(`${from}: may remove permissions boundaries (${statement.resources.join(', ')})`);
      }
      if (ROLE_PERMISSION_ACTIONS.some(grants)) {
        const boundaries =
          statement.conditions.StringEquals?.['iam:PermissionsBoundary'] ??
          statement.conditions.ArnEquals?.['iam:PermissionsBoundary'] ??
          [];
        const principals = boundaries.map(boundaryPrincipal);
        if (boundaries.length === 0 || principals.some((p) => p === undefined)) {
          findings.push(
            `${from}: may give roles permissions (${statement.actions.join(', ')}) without a boundary the app defines`,
          );
        }
        for (const p of principals) if (p) visit(p);
      }
      if (CLOUDFORMATION_ROLE_ACTIONS.some(grants)) {
        const serviceRoles =
          statement.conditions.StringEquals?.['cloudformation:RoleArn'] ??
          statement.conditions.ArnEquals?.['cloudformation:RoleArn'] ??
          [];
        if (serviceRoles.length === 0) {
          findings.push(
            `${from}: stack operations (${statement.actions.join(', ')}) without a cloudformation:RoleArn ` +
              'condition, so CloudFormation may act with any role a stack already has',
          );
        }
        followRoles(from, 'has CloudFormation act as', serviceRoles);
      }

      for (const action of statement.actions) {
        if (isReadOnly(action) || /^(sts:AssumeRole|iam:PassRole)$/i.test(action)) continue;
        for (const resource of statement.resources) {
          if (isPreview(resource)) continue;
          if (confinedByTags(action, statement.conditions)) continue;
          if (hostAttachment(action, resource, statement.conditions, options.previewHost)) continue;
          if (
            SHARED_EFFECTS.some(
              (effect) =>
                effect.actions.some((a) => a.toLowerCase() === action.toLowerCase()) &&
                (effect.resource === undefined || effect.resource.test(resource)),
            )
          )
            continue;
          findings.push(`${from}: ${action} on ${resource}`);
        }
      }
    }
  }
  return { entryRoles: entryRoles.map((role) => role.name), reached: [...reached.keys()], findings };
}

function globMatch(pattern: string, value: string): boolean {
  return actionMatches(pattern, value);
}

/**
 * A tag condition confines a write to previews when it requires the resource to be tagged as one
 * already, or (for a create) the new resource to be tagged as one. A tagging action is confined
 * only by the resource's existing tag or by being part of a create: a RequestTag condition alone
 * would let it tag another environment's resource as a preview and then change it.
 */
function confinedByTags(action: string, conditions: Conditions): boolean {
  if (requiresPreviewTag(conditions, 'ResourceTag')) return true;
  if (TAGGING.test(action)) {
    const createAction =
      tagValues(conditions, 'elasticloadbalancing:CreateAction') ??
      tagValues(conditions, 'ecs:CreateAction') ??
      tagValues(conditions, 'ec2:CreateAction');
    return createAction !== undefined && requiresPreviewTag(conditions, 'RequestTag');
  }
  return /:Create/i.test(action) && requiresPreviewTag(conditions, 'RequestTag');
}

/**
 * Previews attach to their host environment (dev): a listener rule on its listeners and a Cloud
 * Map service in its namespace, each tagged as a preview, and a call to its preview database
 * provider (which only creates and drops `ragchat_pr_<n>` databases). Nothing else of the host may
 * change.
 */
function hostAttachment(
  action: string,
  resource: string,
  conditions: Conditions,
  previewHost: string,
): boolean {
  const tagged = requiresPreviewTag(conditions, 'RequestTag');
  switch (action.toLowerCase()) {
    case 'lambda:invokefunction':
      return new RegExp(`^arn:aws:lambda:[^:]*:[^:]*:function:ragchat-${previewHost}-preview-database$`).test(
        resource,
      );
    case 'elasticloadbalancing:createrule': {
      const host = tagValues(conditions, `aws:ResourceTag/${PREVIEW_TAG}`);
      return tagged && host !== undefined && host.length > 0 && host.every((v) => v === previewHost);
    }
    case 'servicediscovery:createservice': {
      const namespace = tagValues(conditions, 'servicediscovery:NamespaceName');
      return (
        tagged &&
        namespace !== undefined &&
        namespace.length > 0 &&
        namespace.every((v) => v === `ragchat-${previewHost}.local`)
      );
    }
    default:
      return false;
  }
}
