import { AwsError } from './errors';
import type { Caller, World } from './world';

export interface WeightedTarget {
  readonly targetGroupArn: string;
  readonly weight: number;
}

/** A forward action: one target group, or several with weights (ForwardConfig). */
export interface Forward {
  readonly targets: readonly WeightedTarget[];
}

/** authenticate-cognito / authenticate-oidc: what the load balancer does before forwarding. */
export interface Authenticate {
  readonly type: 'authenticate-cognito' | 'authenticate-oidc';
  /** Where a browser without a session is sent (the IdP's authorization endpoint). */
  readonly authorizationEndpoint: string;
  readonly clientId: string;
  /** OnUnauthenticatedRequest: `authenticate` (default) redirects to the IdP, `deny` answers 401, `allow` forwards. */
  readonly onUnauthenticated: 'authenticate' | 'deny' | 'allow';
  readonly raw: Record<string, unknown>;
}

/** A redirect action (RedirectConfig); unset components keep the request's (`#{...}` keywords). */
export interface Redirect {
  readonly protocol: string;
  readonly host: string;
  readonly port: string;
  readonly path: string;
  readonly query: string;
  readonly statusCode: 'HTTP_301' | 'HTTP_302';
}

/** An http-header condition: the header (any case) matches one of the values. */
export interface HeaderCondition {
  readonly name: string;
  readonly values: readonly string[];
}

/** A listener's or rule's actions: an optional sign-in, then a forward; or a redirect. */
export interface Actions {
  readonly authenticate?: Authenticate;
  readonly redirect?: Redirect;
}

export interface Rule extends Actions {
  readonly arn: string;
  readonly priority: number;
  /** Empty: any path. */
  readonly pathPatterns: readonly string[];
  readonly headers: readonly HeaderCondition[];
  action: Forward;
}

/** A request as the load balancer matches it. */
export interface IncomingRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Listener extends Actions {
  readonly arn: string;
  readonly loadBalancerArn: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** ACM certificates of an HTTPS listener. */
  readonly certificateArns: readonly string[];
  /** The forward of the default action (no targets when the default action redirects). */
  defaultAction: Forward;
  readonly rules: Rule[];
  /** The listener's tags (condition keys aws:ResourceTag/* of actions on it). */
  readonly tags: Readonly<Record<string, string>>;
  /** Loopback port of the front that answers for this listener (HTTPS for an HTTPS listener). */
  frontPort?: number;
}

export interface LoadBalancer {
  readonly arn: string;
  readonly name: string;
  readonly dnsName: string;
}

export interface TargetGroup {
  readonly arn: string;
  readonly name: string;
  readonly port: number;
}

/** Reads CloudFormation's forward action (TargetGroupArn or ForwardConfig.TargetGroups). */
function forwardOfAction(action: Record<string, any>): Forward {
  if (action.TargetGroupArn)
    return { targets: [{ targetGroupArn: String(action.TargetGroupArn), weight: 1 }] };
  return {
    targets: (action.ForwardConfig?.TargetGroups ?? []).map((group: Record<string, unknown>) => ({
      targetGroupArn: String(group.TargetGroupArn),
      weight: Number(group.Weight ?? 1),
    })),
  };
}

/** The forward among CloudFormation's actions (after any authenticate action). */
export function forwardOf(actions: unknown): Forward {
  const list = (Array.isArray(actions) ? actions : [actions]) as Record<string, any>[];
  const forward = list.find((action) => action?.Type === 'forward');
  if (!forward) {
    if (list.some((action) => action?.Type === 'redirect')) return { targets: [] };
    throw new Error(`unmodelled listener action ${JSON.stringify(actions)}`);
  }
  return forwardOfAction(forward);
}

/**
 * The actions besides the forward, in their Order: authenticate-cognito (the user pool domain's
 * hosted UI is the authorization endpoint), authenticate-oidc, redirect. Anything else is refused.
 */
export function actionsOf(actions: unknown, region: string): Actions {
  const list = [...((Array.isArray(actions) ? actions : [actions]) as Record<string, any>[])].sort(
    (a, b) => Number(a.Order ?? 0) - Number(b.Order ?? 0),
  );
  let result: Actions = {};
  for (const action of list) {
    switch (action.Type) {
      case 'forward':
        break;
      case 'authenticate-cognito': {
        const config = action.AuthenticateCognitoConfig ?? {};
        result = {
          ...result,
          authenticate: {
            type: 'authenticate-cognito',
            authorizationEndpoint: `https://${config.UserPoolDomain}.auth.${region}.amazoncognito.com/oauth2/authorize`,
            clientId: String(config.UserPoolClientId),
            onUnauthenticated: config.OnUnauthenticatedRequest ?? 'authenticate',
            raw: config,
          },
        };
        break;
      }
      case 'authenticate-oidc': {
        const config = action.AuthenticateOidcConfig ?? {};
        result = {
          ...result,
          authenticate: {
            type: 'authenticate-oidc',
            authorizationEndpoint: String(config.AuthorizationEndpoint),
            clientId: String(config.ClientId),
            onUnauthenticated: config.OnUnauthenticatedRequest ?? 'authenticate',
            raw: config,
          },
        };
        break;
      }
      case 'redirect': {
        const config = action.RedirectConfig ?? {};
        result = {
          ...result,
          redirect: {
            protocol: config.Protocol ?? '#{protocol}',
            host: config.Host ?? '#{host}',
            port: config.Port ?? '#{port}',
            path: config.Path ?? '/#{path}',
            query: config.Query ?? '#{query}',
            statusCode: config.StatusCode,
          },
        };
        break;
      }
      default:
        throw new Error(`unmodelled listener action ${JSON.stringify(action)}`);
    }
  }
  return result;
}

/** Where a redirect sends a request: each component replaced, or kept through its keyword. */
export function redirectLocation(
  redirect: Redirect,
  request: { protocol: string; host: string; port: string; path: string; query: string },
): string {
  const fill = (template: string) =>
    template
      .replace(/#\{protocol\}/g, request.protocol)
      .replace(/#\{host\}/g, request.host)
      .replace(/#\{port\}/g, request.port)
      .replace(/#\{path\}/g, request.path.replace(/^\//, ''))
      .replace(/#\{query\}/g, request.query);
  const query = fill(redirect.query);
  return `${fill(redirect.protocol).toLowerCase()}://${fill(redirect.host)}:${fill(redirect.port)}${fill(redirect.path)}${query ? `?${query}` : ''}`;
}

/** ALB's http-header value match: `*` any run, `?` one character, case-insensitive. */
function headerMatches(pattern: string, value: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i').test(value);
}

function ruleMatches(rule: Rule, request: IncomingRequest): boolean {
  const pathOk =
    rule.pathPatterns.length === 0 || rule.pathPatterns.some((pattern) => pathMatches(pattern, request.path));
  const headersOk = rule.headers.every((condition) => {
    const raw = request.headers[condition.name.toLowerCase()];
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return values.some((value) => condition.values.some((pattern) => headerMatches(pattern, value)));
  });
  return pathOk && headersOk;
}

/** IAM's and ALB's path-pattern match: `*` any run of characters, `?` one, case-sensitive. */
function pathMatches(pattern: string, path: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(path);
}

export class Elb {
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly listeners = new Map<string, Listener>();
  readonly targetGroups = new Map<string, TargetGroup>();
  private roundRobin = 0;

  constructor(private readonly world: World) {}

  createLoadBalancer(name: string): LoadBalancer {
    const id = this.world.nextId();
    const lb: LoadBalancer = {
      arn: this.world.arn('elasticloadbalancing', `loadbalancer/app/${name}/${id}`),
      name,
      dnsName: `${name}-${id}.${this.world.region}.elb.amazonaws.com`,
    };
    this.loadBalancers.set(lb.arn, lb);
    return lb;
  }

  createTargetGroup(name: string, port: number): TargetGroup {
    const group = {
      arn: this.world.arn('elasticloadbalancing', `targetgroup/${name}/${this.world.nextId()}`),
      name,
      port,
    };
    this.targetGroups.set(group.arn, group);
    return group;
  }

  listener(arn: string): Listener {
    const listener = this.listeners.get(arn);
    if (!listener) throw new AwsError('ListenerNotFoundException', `One or more listeners not found: ${arn}`);
    return listener;
  }

  /** The rule whose conditions all match (lowest priority first), else the listener's default. */
  route(listener: Listener, request: IncomingRequest): Actions & { readonly forward: Forward } {
    const rule = [...listener.rules]
      .sort((a, b) => a.priority - b.priority)
      .find((candidate) => ruleMatches(candidate, request));
    if (rule) return { ...rule, forward: rule.action };
    return {
      ...(listener.authenticate ? { authenticate: listener.authenticate } : {}),
      ...(listener.redirect ? { redirect: listener.redirect } : {}),
      forward: listener.defaultAction,
    };
  }

  /** Picks a target group of a forward by weight, deterministically spreading requests. */
  pick(forward: Forward): string | undefined {
    const total = forward.targets.reduce((sum, target) => sum + target.weight, 0);
    if (total === 0) return undefined;
    this.roundRobin = (this.roundRobin + 7) % 100;
    let mark = (this.roundRobin / 100) * total;
    for (const target of forward.targets) {
      if (mark < target.weight) return target.targetGroupArn;
      mark -= target.weight;
    }
    return forward.targets.at(-1)?.targetGroupArn;
  }

  /** Rewrites every action on the listener that forwards into `pair` to `to` (CodeDeploy's rerouting). */
  reroute(listener: Listener, pair: readonly string[], to: Forward): void {
    const touches = (forward: Forward) => forward.targets.some((t) => pair.includes(t.targetGroupArn));
    if (touches(listener.defaultAction)) listener.defaultAction = to;
    for (const rule of listener.rules) if (touches(rule.action)) rule.action = to;
  }

  /** Actions as DescribeListeners and DescribeRules return them: sign-in first, then the forward. */
  describeActions(actions: Actions, forward: Forward) {
    if (actions.redirect) {
      const r = actions.redirect;
      return [
        {
          Type: 'redirect',
          Order: 1,
          RedirectConfig: {
            Protocol: r.protocol,
            Host: r.host,
            Port: r.port,
            Path: r.path,
            Query: r.query,
            StatusCode: r.statusCode,
          },
        },
      ];
    }
    const sign = actions.authenticate;
    return [
      ...(sign
        ? [
            {
              Type: sign.type,
              Order: 1,
              [sign.type === 'authenticate-cognito' ? 'AuthenticateCognitoConfig' : 'AuthenticateOidcConfig']:
                sign.raw,
            },
          ]
        : []),
      { ...this.describeForward(forward)[0], Order: sign ? 2 : 1 },
    ];
  }

  /** A forward as DescribeListeners and DescribeRules return it. */
  describeForward(forward: Forward) {
    return [
      {
        Type: 'forward',
        ...(forward.targets.length === 1 ? { TargetGroupArn: forward.targets[0]?.targetGroupArn } : {}),
        ForwardConfig: {
          TargetGroups: forward.targets.map((t) => ({ TargetGroupArn: t.targetGroupArn, Weight: t.weight })),
        },
      },
    ];
  }

  readonly operations: Record<string, (caller: Caller, input: Record<string, string>) => unknown> = {
    DescribeListeners: (caller, input) => {
      this.world.authorize(caller, 'elasticloadbalancing:DescribeListeners', '*');
      const arns = Object.entries(input)
        .filter(([k]) => k.startsWith('ListenerArns.member.'))
        .map(([, v]) => v);
      const listeners = arns.length
        ? arns.map((arn) => this.listener(arn))
        : [...this.listeners.values()].filter((l) => l.loadBalancerArn === input.LoadBalancerArn);
      return {
        Listeners: listeners.map((listener) => ({
          ListenerArn: listener.arn,
          LoadBalancerArn: listener.loadBalancerArn,
          Port: listener.port,
          Protocol: listener.protocol,
          ...(listener.certificateArns.length
            ? { Certificates: listener.certificateArns.map((arn) => ({ CertificateArn: arn })) }
            : {}),
          DefaultActions: this.describeActions(listener, listener.defaultAction),
        })),
      };
    },
    DescribeRules: (caller, input) => {
      this.world.authorize(caller, 'elasticloadbalancing:DescribeRules', '*');
      const listener = this.listener(input.ListenerArn ?? '');
      return {
        Rules: [
          ...listener.rules.map((rule) => ({
            RuleArn: rule.arn,
            Priority: String(rule.priority),
            IsDefault: false,
            Conditions: [
              ...(rule.pathPatterns.length ? [{ Field: 'path-pattern', Values: rule.pathPatterns }] : []),
              ...rule.headers.map((h) => ({
                Field: 'http-header',
                HttpHeaderConfig: { HttpHeaderName: h.name, Values: h.values },
              })),
            ],
            Actions: this.describeActions(rule, rule.action),
          })),
          {
            RuleArn: `${listener.arn}/default`,
            Priority: 'default',
            IsDefault: true,
            Conditions: [],
            Actions: this.describeActions(listener, listener.defaultAction),
          },
        ],
      };
    },
  };
}
