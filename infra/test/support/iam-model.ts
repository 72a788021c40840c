import type { App } from 'aws-cdk-lib';
import type { Json } from './app';

/**
 * The IAM side of a synthesized CDK app as data: every role with its trust policy, permission
 * statements (inline, `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`), permissions boundary and
 * MaxSessionDuration, with CloudFormation intrinsics resolved to ARN strings where the template
 * says enough (names, account, region) and to `{{stack.logicalId}}` tokens where it does not.
 */

export type Conditions = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: Conditions;
  /** Principal mappings of a trust statement (`Federated`, `Service`, `AWS`), resolved. */
  readonly principals: Readonly<Record<string, readonly string[]>>;
  /** NotAction / NotResource / NotPrincipal: the model refuses to reason about them. */
  readonly negated: boolean;
}

export interface ManagedPolicyModel {
  readonly stack: string;
  readonly arn: string;
  readonly statements: readonly PolicyStatement[];
}

export interface RoleModel {
  readonly stack: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly trust: readonly PolicyStatement[];
  /** Statements of inline policies, attached `AWS::IAM::Policy` and managed policies of the app. */
  readonly statements: readonly PolicyStatement[];
  /** Managed policies attached by ARN that no template of the app defines (AWS managed, ...). */
  readonly foreignPolicyArns: readonly string[];
  readonly boundaryArn?: string;
  /** Seconds; IAM's default of 3600 when the template sets none. */
  readonly maxSessionDuration: number;
}

export interface IamModel {
  readonly account: string;
  readonly region: string;
  /** Synthesized templates by stack name. */
  readonly templates: Readonly<Record<string, Json>>;
  readonly roles: readonly RoleModel[];
  readonly managedPolicies: readonly ManagedPolicyModel[];
  /** ARNs of the GitHub OIDC providers (created by the app or imported). */
  readonly githubProviderArns: readonly string[];
  /** Resource type of `{{stack.logicalId}}` tokens, for callers that classify them. */
  readonly resourceTypeOf: (token: string) => string | undefined;
}

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

interface StackView {
  readonly name: string;
  readonly template: Json;
}

/** Resolves the intrinsics CDK emits for IAM documents. */
class Resolver {
  constructor(
    private readonly stack: StackView,
    private readonly account: string,
    private readonly region: string,
  ) {}

  private resource(logicalId: string): Json | undefined {
    return this.stack.template.Resources?.[logicalId];
  }

  private token(logicalId: string, attribute?: string): string {
    return `{{${this.stack.name}.${logicalId}${attribute ? `.${attribute}` : ''}}}`;
  }

  /** The ARN (Ref/GetAtt Arn) of a resource whose physical name the template fixes. */
  private namedArn(logicalId: string): string | undefined {
    const resource = this.resource(logicalId);
    if (resource === undefined) return undefined;
    const p = resource.Properties ?? {};
    const name = (key: string) => (p[key] === undefined ? undefined : this.string(p[key]));
    const iam = `arn:aws:iam::${this.account}`;
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return p.RoleName ? `${iam}:role/${name('RoleName')}` : undefined;
      case 'AWS::IAM::ManagedPolicy':
        return p.ManagedPolicyName ? `${iam}:policy/${name('ManagedPolicyName')}` : undefined;
      case 'AWS::ECR::Repository':
        return p.RepositoryName
          ? `arn:aws:ecr:${this.region}:${this.account}:repository/${name('RepositoryName')}`
          : undefined;
      case 'AWS::S3::Bucket':
        return p.BucketName ? `arn:aws:s3:::${name('BucketName')}` : undefined;
      default:
        return undefined;
    }
  }

  string(value: unknown): string {
    if (typeof value === 'string') return value.replace(/\$\{AWS::Partition\}/g, 'aws');
    if (typeof value !== 'object' || value === null) return String(value);
    const v = value as Json;
    if ('Ref' in v) {
      const ref = v.Ref as string;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::AccountId') return this.account;
      if (ref === 'AWS::Region') return this.region;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      const resource = this.resource(ref);
      if (resource?.Type === 'AWS::IAM::Role' && resource.Properties?.RoleName) {
        return this.string(resource.Properties.RoleName);
      }
      return this.namedArn(ref) ?? this.token(ref);
    }
    if ('Fn::GetAtt' in v) {
      const [logicalId, attribute] = v['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn') return this.namedArn(logicalId) ?? this.token(logicalId, attribute);
      return this.token(logicalId, attribute);
    }
    if ('Fn::Join' in v) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => this.string(part)).join(separator);
    }
    if ('Fn::Sub' in v) {
      const template = list(v['Fn::Sub'])[0] as string;
      return template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => this.string({ Ref: name }));
    }
    return `{{${this.stack.name}.<expression>}}`;
  }

  strings(value: unknown): string[] {
    return list(value).map((item) => this.string(item));
  }

  statements(document: Json): PolicyStatement[] {
    return list(document?.Statement).map((raw) => {
      const s = raw as Json;
      const conditions: Record<string, Record<string, string[]>> = {};
      for (const [operator, entries] of Object.entries((s.Condition ?? {}) as Json)) {
        conditions[operator] = {};
        for (const [key, values] of Object.entries(entries as Json)) {
          (conditions[operator] as Record<string, string[]>)[key] = this.strings(values);
        }
      }
      const principals: Record<string, string[]> = {};
      const principal = s.Principal;
      if (principal === '*') principals.AWS = ['*'];
      else
        for (const [kind, values] of Object.entries((principal ?? {}) as Json)) {
          principals[kind] = this.strings(values);
        }
      return {
        effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
        actions: this.strings(s.Action),
        resources: s.Resource === undefined ? [] : this.strings(s.Resource),
        conditions,
        principals,
        negated: s.NotAction !== undefined || s.NotResource !== undefined || s.NotPrincipal !== undefined,
      } satisfies PolicyStatement;
    });
  }

  /**
   * How a role is referred to in `Roles` lists: its RoleName, or its `{{stack.logicalId}}` token
   * (unique across stacks), so a policy in one stack finds a role of another by name.
   */
  roleKey(value: unknown): string {
    return this.string(value);
  }
}

/** Reads every stack of a synthesized app into one IAM model. */
export function iamModelOf(app: App, account: string, region: string): IamModel {
  const assembly = app.synth();
  const stacks: StackView[] = assembly.stacks.map((s) => ({ name: s.stackName, template: s.template }));
  const types = new Map<string, string>();
  for (const stack of stacks) {
    for (const [id, resource] of Object.entries((stack.template.Resources ?? {}) as Json)) {
      types.set(`{{${stack.name}.${id}}}`, (resource as Json).Type);
    }
  }

  const managedPolicies: (ManagedPolicyModel & { roleKeys: string[] })[] = [];
  const inlineByRole = new Map<string, PolicyStatement[]>();
  const githubProviderArns: string[] = [];
  const roleSpecs: { stack: StackView; id: string; resource: Json; resolver: Resolver }[] = [];

  for (const stack of stacks) {
    const resolver = new Resolver(stack, account, region);
    for (const [id, raw] of Object.entries((stack.template.Resources ?? {}) as Json)) {
      const resource = raw as Json;
      const p = resource.Properties ?? {};
      switch (resource.Type) {
        case 'AWS::IAM::OIDCProvider':
          if (String(p.Url).includes(GITHUB_ISSUER)) githubProviderArns.push(resolver.string({ Ref: id }));
          break;
        case 'AWS::IAM::Policy':
          for (const role of list(p.Roles)) {
            const key = resolver.roleKey(role);
            inlineByRole.set(key, [
              ...(inlineByRole.get(key) ?? []),
              ...resolver.statements(p.PolicyDocument),
            ]);
          }
          break;
        case 'AWS::IAM::ManagedPolicy':
          managedPolicies.push({
            stack: stack.name,
            arn: resolver.string({ Ref: id }),
            statements: resolver.statements(p.PolicyDocument),
            roleKeys: list(p.Roles).map((role) => resolver.roleKey(role)),
          });
          break;
        case 'AWS::IAM::Role':
          roleSpecs.push({ stack, id, resource, resolver });
          break;
      }
    }
  }

  const roles: RoleModel[] = roleSpecs.map(({ stack, id, resource, resolver }) => {
    const p = resource.Properties ?? {};
    const name = resolver.roleKey({ Ref: id });
    const arn = resolver.string({ 'Fn::GetAtt': [id, 'Arn'] });
    const attachedArns = resolver.strings(p.ManagedPolicyArns);
    const known = managedPolicies.filter(
      (policy) => attachedArns.includes(policy.arn) || policy.roleKeys.includes(name),
    );
    return {
      stack: stack.name,
      logicalId: id,
      name,
      arn,
      trust: resolver.statements(p.AssumeRolePolicyDocument),
      statements: [
        ...list(p.Policies).flatMap((policy) => resolver.statements((policy as Json).PolicyDocument)),
        ...(inlineByRole.get(name) ?? []),
        ...known.flatMap((policy) => policy.statements),
      ],
      foreignPolicyArns: attachedArns.filter((a) => !managedPolicies.some((policy) => policy.arn === a)),
      ...(p.PermissionsBoundary === undefined ? {} : { boundaryArn: resolver.string(p.PermissionsBoundary) }),
      maxSessionDuration: typeof p.MaxSessionDuration === 'number' ? p.MaxSessionDuration : 3600,
    };
  });

  return {
    account,
    region,
    templates: Object.fromEntries(stacks.map((s) => [s.name, s.template])),
    roles,
    managedPolicies,
    githubProviderArns,
    resourceTypeOf: (token) => types.get(token.replace(/\.Arn\}\}$/, '}}')),
  };
}

/** IAM's wildcard match (`*` any run, `?` one character), case-insensitive as for actions. */
export function globMatches(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

export function actionMatches(pattern: string, action: string): boolean {
  return globMatches(pattern, action, true);
}

/** Claims of a GitHub Actions OIDC token, as the trust conditions see them. */
export type GithubClaims = Readonly<Record<string, string | undefined>>;

/**
 * Whether an IAM condition block is satisfied by these claims. Only GitHub's claims are known;
 * a condition on any other key, or an operator the model does not implement, counts as satisfied
 * (the model errs towards "the token gets in").
 */
function conditionsAdmit(conditions: Conditions, claims: GithubClaims): boolean {
  return Object.entries(conditions).every(([operator, entries]) =>
    Object.entries(entries).every(([key, values]) => {
      if (!key.startsWith(`${GITHUB_ISSUER}:`)) return true;
      const claim = claims[key.slice(GITHUB_ISSUER.length + 1)];
      const base = operator.replace(/^ForAnyValue:|^ForAllValues:/, '').replace(/IfExists$/, '');
      if (claim === undefined) return operator.endsWith('IfExists') || base.startsWith('StringNot');
      const equals = values.includes(claim);
      const like = values.some((value) => globMatches(value, claim));
      switch (base) {
        case 'StringEquals':
          return equals;
        case 'StringLike':
          return like;
        case 'StringNotEquals':
          return !equals;
        case 'StringNotLike':
          return !like;
        default:
          return true;
      }
    }),
  );
}

/** Whether the role's trust policy lets a GitHub OIDC token with these claims assume it. */
export function trustAdmits(model: IamModel, role: RoleModel, claims: GithubClaims): boolean {
  return role.trust.some(
    (statement) =>
      statement.effect === 'Allow' &&
      !statement.negated &&
      statement.actions.some((action) => actionMatches(action, 'sts:AssumeRoleWithWebIdentity')) &&
      (statement.principals.Federated ?? []).some(
        (federated) =>
          model.githubProviderArns.includes(federated) ||
          federated.endsWith(`oidc-provider/${GITHUB_ISSUER}`),
      ) &&
      conditionsAdmit(statement.conditions, claims),
  );
}
