import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES, parseEnvironmentConfig } from '../../src/config/environment-config';
import { environments } from '../../src/config/environments';
import { buildApp, flattenIntrinsics, type Json } from '../support/app';

/**
 * What stands between the internet and the services, proven on every synthesized stack (the
 * environments, the shared stack and a preview): sign-in on every forwarding route, HTTPS only,
 * the WAF, and a guardrail the backend alone may apply.
 */
const { stacks } = buildApp({ pr: '42', backendImageDigest: `sha256:${'c'.repeat(64)}` });
const allStacks: Stack[] = [
  stacks.shared,
  ...Object.values(stacks.environments),
  ...(stacks.preview ? [stacks.preview] : []),
];
const templates = new Map(allStacks.map((stack) => [stack.stackName, Template.fromStack(stack)]));
const AUTHENTICATE = new Set(['authenticate-cognito', 'authenticate-oidc']);
const AUTOMATION_HEADER = 'x-ragchat-automation';

interface Route {
  readonly stack: string;
  readonly where: string;
  readonly actions: Json[];
  readonly conditions: Json[];
  /** The listener's resource (undefined for a rule on an imported listener). */
  readonly listener?: Json;
  /** For a rule on an imported listener: the SSM parameter its ARN is read from. */
  readonly importedListener?: string;
  readonly template: Template;
}

function routes(): Route[] {
  const found: Route[] = [];
  for (const [stack, template] of templates) {
    const listeners = template.findResources('AWS::ElasticLoadBalancingV2::Listener');
    for (const [id, listener] of Object.entries(listeners)) {
      found.push({
        stack,
        where: `listener ${id}`,
        actions: listener.Properties.DefaultActions,
        conditions: [],
        listener,
        template,
      });
    }
    for (const [id, rule] of Object.entries(
      template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule'),
    )) {
      const listenerId = rule.Properties.ListenerArn?.Ref;
      const parameter = template.toJSON().Parameters?.[listenerId]?.Default;
      found.push({
        stack,
        where: `rule ${id}`,
        actions: rule.Properties.Actions,
        conditions: rule.Properties.Conditions,
        listener: listeners[listenerId],
        ...(typeof parameter === 'string' ? { importedListener: parameter } : {}),
        template,
      });
    }
  }
  return found;
}

const ordered = (actions: Json[]) => [...actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
const isHttpsRedirect = (actions: Json[]) =>
  actions.length === 1 && actions[0].Type === 'redirect' && actions[0].RedirectConfig.Protocol === 'HTTPS';
const isAuthenticatedForward = (actions: Json[]) => {
  const [first, ...rest] = ordered(actions);
  return AUTHENTICATE.has(first?.Type) && rest.length === 1 && rest[0].Type === 'forward';
};
/** The test listener of the preview host, as a preview stack imports it. */
const HOST_TEST_LISTENER = /^\/ragchat\/dev\/preview-host\/testListenerArn$/;
const onTestListener = (route: Route) =>
  route.listener !== undefined
    ? route.listener.Properties.Port !== 443 && route.listener.Properties.Protocol === 'HTTPS'
    : HOST_TEST_LISTENER.test(route.importedListener ?? '');
/**
 * A test listener's automation rule: a header whose value CloudFormation resolves from a secret of
 * the rule's own stack (an environment's, or a preview's own).
 */
const isAutomationRule = (route: Route) => {
  const header = route.conditions.find((c) => c.Field === 'http-header');
  if (header?.HttpHeaderConfig?.HttpHeaderName !== AUTOMATION_HEADER) return false;
  const values: Json[] = header.HttpHeaderConfig.Values;
  const secret = JSON.stringify(values).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
  return (
    values.length === 1 &&
    /^\{\{resolve:secretsmanager:<token>:SecretString:::\}\}$/.test(flattenIntrinsics(values[0])) &&
    route.template.toJSON().Resources[secret]?.Type === 'AWS::SecretsManager::Secret' &&
    onTestListener(route)
  );
};

describe('every listener path of every environment and preview', () => {
  const all = routes();

  it('covers listeners of all three environments and the preview rule', () => {
    for (const name of ENVIRONMENT_NAMES) {
      expect(
        all.filter((route) => route.stack === stacks.environments[name].stackName && route.listener).length,
      ).toBeGreaterThanOrEqual(3);
    }
    expect(all.some((route) => route.stack === stacks.preview?.stackName)).toBe(true);
  });

  it('is behind sign-in, except the HTTP to HTTPS redirect and the secret-header automation rule', () => {
    const unprotected = all
      .filter(
        (route) =>
          !isAuthenticatedForward(route.actions) &&
          !isHttpsRedirect(route.actions) &&
          !isAutomationRule(route),
      )
      .map((route) => `${route.stack} ${route.where}: ${route.actions.map((a) => a.Type).join(' + ')}`);
    expect(unprotected).toEqual([]);
  });

  it('lets the automation header in on the test listener only, and only to a forward', () => {
    const automation = all.filter(isAutomationRule);
    // Backend and frontend rule of each environment and of the preview.
    expect(automation.map((route) => route.stack).sort()).toEqual(
      [...ENVIRONMENT_NAMES.map((name) => stacks.environments[name].stackName), stacks.preview?.stackName]
        .flatMap((name) => [name, name])
        .sort(),
    );
    for (const route of automation) expect(route.actions.map((a) => a.Type)).toEqual(['forward']);
  });

  it('forwards only on HTTPS listeners', () => {
    const plain = all
      .filter((route) => route.listener?.Properties.Protocol === 'HTTP' && !isHttpsRedirect(route.actions))
      .map((route) => `${route.stack} ${route.where}`);
    expect(plain).toEqual([]);
  });
});

describe('HTTPS', () => {
  it.each(['staging', 'prod'] as const)(
    '%s refuses to synthesize without a certificate and domain',
    (name) => {
      const { certificateArn: _certificate, domainName: _domain, ...plain } = environments[name].loadBalancer;
      expect(() => parseEnvironmentConfig({ ...environments[name], loadBalancer: plain }, () => {})).toThrow(
        /certificateArn and loadBalancer.domainName are required/,
      );
    },
  );

  it.each(ENVIRONMENT_NAMES)('%s redirects port 80 to HTTPS and serves 443 with its certificate', (name) => {
    const template = templates.get(stacks.environments[name].stackName);
    template?.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443' } }],
    });
    template?.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: environments[name].loadBalancer.certificateArn }],
    });
  });
});

describe.each(ENVIRONMENT_NAMES)('%s edge', (name) => {
  const stack = () => stacks.environments[name];
  const template = () => templates.get(stack().stackName) as Template;

  it('associates a WAF web ACL with its load balancer', () => {
    const albs = Object.keys(template().findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const acls = Object.keys(template().findResources('AWS::WAFv2::WebACL'));
    const associations = Object.values(template().findResources('AWS::WAFv2::WebACLAssociation'));
    expect(
      associations.map((a) => [a.Properties.ResourceArn.Ref, a.Properties.WebACLArn['Fn::GetAtt'][0]]),
    ).toEqual([[albs[0], acls[0]]]);
  });

  it('runs the managed rule groups and a per-IP rate limit on /api/query, and logs', () => {
    const [acl] = Object.values(template().findResources('AWS::WAFv2::WebACL'));
    const rules: Json[] = acl?.Properties.Rules;
    const managed = rules.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).filter(Boolean);
    expect(managed).toEqual(
      expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']),
    );
    const rate = rules.find((r) => r.Statement.RateBasedStatement)?.Statement.RateBasedStatement;
    expect(rate).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: environments[name].limits.queryRequestsPer5MinutesPerIp,
      ScopeDownStatement: { ByteMatchStatement: { SearchString: '/api/query' } },
    });
    template().hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `aws-waf-logs-ragchat-${name}` });
    template().resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
  });

  it('lets only the backend apply exactly its own guardrail', () => {
    const [guardrailId] = Object.keys(template().findResources('AWS::Bedrock::Guardrail'));
    const statements = Object.entries(template().findResources('AWS::IAM::Policy')).flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Json[]).map((statement) => ({
        roles: policy.Properties.Roles,
        statement,
      })),
    );
    const applying = statements.filter(({ statement }) =>
      [statement.Action].flat().includes('bedrock:ApplyGuardrail'),
    );
    expect(applying).toHaveLength(1);
    expect(applying[0]?.statement.Resource).toEqual({ 'Fn::GetAtt': [guardrailId, 'GuardrailArn'] });
    const backendRole = stack().identity.taskRoles.backend.node.defaultChild as Json;
    expect(applying[0]?.roles).toEqual([{ Ref: Stack.of(backendRole).getLogicalId(backendRole) }]);
  });

  it('has a budget from config and alarms on Bedrock throttles and tokens', () => {
    template().hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetLimit: { Amount: environments[name].limits.monthlyBudgetUsd, Unit: 'USD' } },
    });
    const metrics = Object.values(template().findResources('AWS::CloudWatch::Alarm')).flatMap((alarm) =>
      (alarm.Properties.Metrics ?? []).map((m: Json) => m.MetricStat?.Metric?.MetricName).filter(Boolean),
    );
    expect(metrics).toEqual(expect.arrayContaining(['InvocationThrottles', 'OutputTokenCount']));
  });
});

describe('alarm subscribers', () => {
  it('warns, without failing, when prod has no alarm email', () => {
    const warnings: string[] = [];
    parseEnvironmentConfig({ ...environments.prod, alarmEmails: [] }, (message) => warnings.push(message));
    expect(warnings).toEqual([expect.stringMatching(/prod.*alarmEmails/)]);
  });

  it('subscribes every configured email and rejects what is not one', () => {
    const warnings: string[] = [];
    parseEnvironmentConfig({ ...environments.prod, alarmEmails: ['ops@example.com'] }, (m) =>
      warnings.push(m),
    );
    expect(warnings).toEqual([]);
    expect(() => parseEnvironmentConfig({ ...environments.prod, alarmEmails: ['ops'] })).toThrow(
      /alarmEmails/,
    );
  });
});

describe('signing keys without internet access', () => {
  const template = () => templates.get(stacks.environments.staging.stackName) as Template;

  it('proxies only the regional ALB key endpoint, for callers through this VPC endpoint only', () => {
    const [api] = Object.values(template().findResources('AWS::ApiGateway::RestApi'));
    expect(api?.Properties.EndpointConfiguration.Types).toEqual(['PRIVATE']);
    const [endpointId] = Object.keys(
      template().findResources('AWS::EC2::VPCEndpoint', {
        Properties: { ServiceName: 'com.amazonaws.us-east-1.execute-api' },
      }),
    );
    expect(api?.Properties.Policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Condition: { StringEquals: { 'aws:SourceVpce': { Ref: endpointId } } },
      }),
    ]);
    const methods = Object.values(template().findResources('AWS::ApiGateway::Method'));
    expect(methods.map((m) => [m.Properties.HttpMethod, m.Properties.Integration.Uri])).toEqual([
      ['GET', 'https://public-keys.auth.elb.us-east-1.amazonaws.com/{kid}'],
    ]);
  });

  it('hands both services the proxy, this load balancer and the Cognito client to verify tokens against', () => {
    const [parameter] = Object.values(template().findResources('AWS::SSM::Parameter')).filter((p) =>
      String(p.Properties.Name).endsWith('/deploy-outputs'),
    );
    const document = flattenIntrinsics(parameter?.Properties.Value);
    for (const name of [
      'SIGNIN_MODE',
      'SIGNIN_ALB_ARN',
      'SIGNIN_ISSUER',
      'SIGNIN_CLIENT_ID',
      'SIGNIN_KEY_ENDPOINT',
      'TRUST_PROXY',
    ]) {
      expect(document.split(`"${name}":`).length - 1).toBe(2);
    }
    expect(document).toContain('"SIGNIN_KEY_ENDPOINT":"https://<token>.execute-api.');
    expect(document).toContain('"HSTS_MAX_AGE":"31536000"');
  });
});
