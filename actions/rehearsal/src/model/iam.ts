import { AwsError } from './errors';

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  readonly Statement: Statement | Statement[];
}

export interface Role {
  readonly name: string;
  readonly arn: string;
  readonly trust: PolicyDocument;
  readonly policies: PolicyDocument[];
  /** Seconds; IAM's default is 3600. */
  readonly maxSessionDuration: number;
  readonly tags: Readonly<Record<string, string>>;
  /** Managed policies by ARN; only AdministratorAccess is modelled (it allows everything). */
  readonly managedPolicyArns: string[];
}

/** Values of condition keys for one request (aws:*, iam:PassedToService, the OIDC claims...). */
export type ConditionContext = Readonly<Record<string, string | readonly string[] | undefined>>;

const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

/** IAM's wildcard match: `*` any run of characters, `?` one; actions are case-insensitive. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

type Operator = (pattern: string, value: string) => boolean;
const OPERATORS: Record<string, Operator> = {
  StringEquals: (p, v) => p === v,
  StringNotEquals: (p, v) => p !== v,
  StringEqualsIgnoreCase: (p, v) => p.toLowerCase() === v.toLowerCase(),
  StringLike: (p, v) => wildcardMatch(p, v),
  StringNotLike: (p, v) => !wildcardMatch(p, v),
  ArnEquals: (p, v) => p === v,
  ArnLike: (p, v) => wildcardMatch(p, v),
  ArnNotLike: (p, v) => !wildcardMatch(p, v),
  Bool: (p, v) => p.toLowerCase() === v.toLowerCase(),
};

/** Evaluates one condition block the way IAM documents it (AND across keys, OR across values). */
export function conditionsHold(
  conditions: Statement['Condition'],
  context: ConditionContext,
): { holds: boolean; unmodelled?: string } {
  for (const [rawOperator, keys] of Object.entries(conditions ?? {})) {
    let operator = rawOperator;
    let quantifier: 'ForAnyValue' | 'ForAllValues' | undefined;
    const colon = operator.indexOf(':');
    if (colon !== -1) {
      quantifier = operator.slice(0, colon) as 'ForAnyValue' | 'ForAllValues';
      operator = operator.slice(colon + 1);
    }
    const ifExists = operator.endsWith('IfExists');
    if (ifExists) operator = operator.slice(0, -'IfExists'.length);
    for (const [key, expected] of Object.entries(keys)) {
      const raw = context[key] ?? context[key.toLowerCase()];
      if (operator === 'Null') {
        const isNull = raw === undefined;
        if (list(expected)[0]?.toLowerCase() === 'true' ? !isNull : isNull) return { holds: false };
        continue;
      }
      const compare = OPERATORS[operator];
      if (!compare) return { holds: false, unmodelled: `condition operator ${rawOperator}` };
      if (raw === undefined) {
        if (ifExists || operator.includes('Not')) continue;
        return { holds: false };
      }
      const values = list(raw);
      const patterns = list(expected);
      const negated = operator.includes('Not');
      const matchOne = (value: string) =>
        negated ? patterns.every((p) => compare(p, value)) : patterns.some((p) => compare(p, value));
      const holds = quantifier === 'ForAllValues' ? values.every(matchOne) : values.some(matchOne);
      if (!holds) return { holds: false };
    }
  }
  return { holds: true };
}

function statements(document: PolicyDocument): Statement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

function statementApplies(statement: Statement, action: string, resource: string, context: ConditionContext) {
  const actionMatches =
    statement.NotAction !== undefined
      ? !list(statement.NotAction).some((p) => wildcardMatch(p, action, true))
      : list(statement.Action).some((p) => wildcardMatch(p, action, true));
  if (!actionMatches) return { applies: false };
  const resourceMatches =
    statement.NotResource !== undefined
      ? !list(statement.NotResource).some((p) => wildcardMatch(p, resource))
      : statement.Resource === undefined || list(statement.Resource).some((p) => wildcardMatch(p, resource));
  if (!resourceMatches) return { applies: false };
  const { holds, unmodelled } = conditionsHold(statement.Condition, context);
  return { applies: holds, unmodelled };
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

/**
 * Identity-policy evaluation for one role: an explicit Deny wins, otherwise an Allow is needed
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 */
export function evaluate(
  role: Role,
  action: string,
  resource: string,
  context: ConditionContext,
  managedPolicies: ReadonlyMap<string, PolicyDocument> = new Map(),
): Decision {
  if (role.managedPolicyArns.some((arn) => arn.endsWith(':policy/AdministratorAccess'))) {
    return { allowed: true, reason: 'AdministratorAccess' };
  }
  let allowed = false;
  const unmodelled: string[] = [];
  const attached = role.managedPolicyArns.flatMap((arn) => managedPolicies.get(arn) ?? []);
  for (const policy of [...role.policies, ...attached]) {
    for (const statement of statements(policy)) {
      const result = statementApplies(statement, action, resource, context);
      if (result.unmodelled) unmodelled.push(result.unmodelled);
      if (!result.applies) continue;
      if (statement.Effect === 'Deny') return { allowed: false, reason: 'explicit deny' };
      allowed = true;
    }
  }
  return {
    allowed,
    reason: allowed
      ? 'allowed'
      : `no identity-based policy allows the ${action} action${unmodelled.length ? ` (unmodelled: ${unmodelled.join(', ')})` : ''}`,
  };
}

/** Trust-policy evaluation for AssumeRoleWithWebIdentity / AssumeRole. */
export function trustAllows(
  role: Role,
  action: string,
  principal: { readonly federated?: string; readonly aws?: string },
  context: ConditionContext,
): boolean {
  return statements(role.trust).some((statement) => {
    if (statement.Effect !== 'Allow') return false;
    if (!list(statement.Action).some((p) => wildcardMatch(p, action, true))) return false;
    const declared = (statement.Principal ?? {}) as Record<string, unknown>;
    const federated = list(declared.Federated);
    const aws = list(declared.AWS);
    const principalMatches =
      (principal.federated !== undefined && federated.includes(principal.federated)) ||
      (principal.aws !== undefined &&
        aws.some(
          (p) =>
            p === '*' ||
            p === principal.aws ||
            (p.endsWith(':root') && principal.aws?.startsWith(p.slice(0, -'root'.length))),
        ));
    return principalMatches && conditionsHold(statement.Condition, context).holds;
  });
}

export function accessDenied(callerArn: string, action: string, resource: string, reason: string): AwsError {
  return new AwsError(
    'AccessDeniedException',
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource} because ${reason}`,
  );
}
