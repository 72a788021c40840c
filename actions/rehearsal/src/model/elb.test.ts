import { actionsOf, Elb, forwardOf, type Listener, redirectLocation } from './elb';
import type { World } from './world';

// CloudFormation's shapes of the actions and conditions infra synthesizes (infra/src/constructs/load-balancer).
const COGNITO = {
  Type: 'authenticate-cognito',
  Order: 1,
  AuthenticateCognitoConfig: {
    UserPoolArn: 'arn:pool',
    UserPoolClientId: 'client-1',
    UserPoolDomain: 'ragchat-dev-example',
  },
};
const forward = (targetGroupArn: string, order = 2) => ({
  Type: 'forward',
  Order: order,
  TargetGroupArn: targetGroupArn,
});

function listener(rules: Listener['rules'], defaultActions: unknown[]): Listener {
  return {
    arn: 'arn:listener',
    loadBalancerArn: 'arn:lb',
    port: 8443,
    protocol: 'HTTPS',
    certificateArns: ['arn:acm'],
    ...actionsOf(defaultActions, 'us-east-1'),
    defaultAction: forwardOf(defaultActions),
    rules,
    tags: {},
  };
}

describe('the ELB model', () => {
  const elb = new Elb({} as World);

  it('reads an authenticate-cognito action in front of its forward, redirecting to the hosted UI by default', () => {
    const actions = actionsOf([forward('tg-frontend'), COGNITO], 'us-east-1');
    expect(actions.authenticate).toEqual(
      expect.objectContaining({
        type: 'authenticate-cognito',
        authorizationEndpoint:
          'https://ragchat-dev-example.auth.us-east-1.amazoncognito.com/oauth2/authorize',
        onUnauthenticated: 'authenticate',
      }),
    );
    expect(forwardOf([COGNITO, forward('tg-frontend')])).toEqual({
      targets: [{ targetGroupArn: 'tg-frontend', weight: 1 }],
    });
  });

  it('refuses an action it does not model', () => {
    expect(() => actionsOf([{ Type: 'fixed-response', Order: 1 }], 'us-east-1')).toThrow(/unmodelled/);
  });

  it('routes on every condition of a rule: the secret header (any case) and the path', () => {
    const automation = {
      arn: 'arn:rule/5',
      priority: 5,
      pathPatterns: ['/api/*', '/health'],
      headers: [{ name: 'x-ragchat-automation', values: ['Secret42'] }],
      action: { targets: [{ targetGroupArn: 'tg-backend', weight: 1 }] },
    };
    const signedIn = {
      arn: 'arn:rule/50000',
      priority: 50_000,
      pathPatterns: ['/api/*', '/health'],
      headers: [],
      ...actionsOf([COGNITO, forward('tg-backend')], 'us-east-1'),
      action: { targets: [{ targetGroupArn: 'tg-backend', weight: 1 }] },
    };
    const test = listener([signedIn, automation], [COGNITO, forward('tg-frontend')]);
    const route = (path: string, headers: Record<string, string> = {}) => elb.route(test, { path, headers });

    expect(route('/api/query', { 'x-ragchat-automation': 'secret42' }).authenticate).toBeUndefined();
    expect(route('/api/query', { 'x-ragchat-automation': 'wrong' }).authenticate?.type).toBe(
      'authenticate-cognito',
    );
    expect(route('/api/query').authenticate?.type).toBe('authenticate-cognito');
    // The header alone is not enough where the rule also names paths: the default (signed in) applies.
    const page = route('/', { 'x-ragchat-automation': 'Secret42' });
    expect(page.authenticate?.type).toBe('authenticate-cognito');
    expect(page.forward.targets[0]?.targetGroupArn).toBe('tg-frontend');
  });

  it('redirects port 80 to HTTPS keeping host, path and query', () => {
    const { redirect } = actionsOf(
      [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
      'us-east-1',
    );
    expect(redirect).toBeDefined();
    expect(
      redirectLocation(redirect!, {
        protocol: 'HTTP',
        host: 'dev.chat.example.com',
        port: '80',
        path: '/pr-7/',
        query: 'a=1',
      }),
    ).toBe('https://dev.chat.example.com:443/pr-7/?a=1');
  });
});
