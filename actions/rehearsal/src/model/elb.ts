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

export interface Rule {
  readonly arn: string;
  readonly priority: number;
  readonly pathPatterns: readonly string[];
  action: Forward;
}

export interface Listener {
  readonly arn: string;
  readonly loadBalancerArn: string;
  readonly port: number;
  defaultAction: Forward;
  readonly rules: Rule[];
  /** The listener's tags (condition keys aws:ResourceTag/* of actions on it). */
  readonly tags: Readonly<Record<string, string>>;
  /** Loopback port of the HTTP front that answers for this listener. */
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

/** Reads CloudFormation's action shape (TargetGroupArn or ForwardConfig.TargetGroups). */
export function forwardOf(actions: unknown): Forward {
  const action = (Array.isArray(actions) ? actions[0] : actions) as Record<string, any> | undefined;
  if (!action || action.Type !== 'forward')
    throw new Error(`unmodelled listener action ${JSON.stringify(actions)}`);
  if (action.TargetGroupArn)
    return { targets: [{ targetGroupArn: String(action.TargetGroupArn), weight: 1 }] };
  return {
    targets: (action.ForwardConfig?.TargetGroups ?? []).map((group: Record<string, unknown>) => ({
      targetGroupArn: String(group.TargetGroupArn),
      weight: Number(group.Weight ?? 1),
    })),
  };
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

  /** The rule whose conditions match (lowest priority first), else the default action. */
  route(listener: Listener, path: string): Forward {
    const rules = [...listener.rules].sort((a, b) => a.priority - b.priority);
    return (
      rules.find((rule) => rule.pathPatterns.some((pattern) => pathMatches(pattern, path)))?.action ??
      listener.defaultAction
    );
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
          Protocol: 'HTTP',
          DefaultActions: this.describeForward(listener.defaultAction),
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
            Conditions: [{ Field: 'path-pattern', Values: rule.pathPatterns }],
            Actions: this.describeForward(rule.action),
          })),
          {
            RuleArn: `${listener.arn}/default`,
            Priority: 'default',
            IsDefault: true,
            Conditions: [],
            Actions: this.describeForward(listener.defaultAction),
          },
        ],
      };
    },
  };
}
