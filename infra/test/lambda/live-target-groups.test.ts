import { infraPath } from '../../src/paths';

interface Action {
  Type: string;
  TargetGroupArn?: string;
  ForwardConfig?: { TargetGroups: { TargetGroupArn: string; Weight?: number }[] };
}
interface Listener {
  ListenerArn: string;
  Port: number;
  DefaultActions: Action[];
}
interface Rule {
  Priority: string;
  Actions: Action[];
}
interface Handler {
  liveTargetGroups(
    elb: {
      describeListeners(arn: string): Promise<Listener[]>;
      describeRules(arn: string): Promise<Rule[]>;
    },
    properties: unknown,
  ): Promise<Record<string, string>>;
}

const handler = require(infraPath('lambda', 'live-target-groups', 'index.js')) as Handler;

const TG = {
  frontendBlue: 'arn:tg/frontend-blue',
  frontendGreen: 'arn:tg/frontend-green',
  backendBlue: 'arn:tg/backend-blue',
  backendGreen: 'arn:tg/backend-green',
};
const PROPERTIES = {
  LoadBalancerArn: 'arn:alb',
  ProductionPorts: ['443', '80'],
  Services: [
    { Name: 'backend', RulePriority: '10', Blue: TG.backendBlue, Green: TG.backendGreen },
    { Name: 'frontend', RulePriority: 'default', Blue: TG.frontendBlue, Green: TG.frontendGreen },
  ],
};
const forward = (arn: string): Action[] => [{ Type: 'forward', TargetGroupArn: arn }];

/**
 * A load balancer as CodeDeploy leaves it: a deployment of a service rewrites whatever forwards to
 * its original target group to the replacement, on the production and the test listener alike,
 * and CloudFormation is not told.
 */
class FakeLoadBalancer {
  readonly listeners: Listener[] = [];
  readonly rules = new Map<string, Rule[]>();

  listen(port: number, defaultActions: Action[], backend?: string): void {
    const arn = `arn:listener/${port}`;
    this.listeners.push({ ListenerArn: arn, Port: port, DefaultActions: defaultActions });
    this.rules.set(
      arn,
      backend
        ? [
            { Priority: '10', Actions: forward(backend) },
            { Priority: 'default', Actions: defaultActions },
          ]
        : [],
    );
  }

  codeDeploy(from: string, to: string): void {
    const swap = (actions: Action[]) => {
      for (const action of actions) if (action.TargetGroupArn === from) action.TargetGroupArn = to;
    };
    for (const listener of this.listeners) {
      swap(listener.DefaultActions);
      for (const rule of this.rules.get(listener.ListenerArn) ?? []) swap(rule.Actions);
    }
  }

  api() {
    return {
      describeListeners: async () => this.listeners,
      describeRules: async (arn: string) => this.rules.get(arn) ?? [],
    };
  }
}

describe('live target groups handler', () => {
  it('answers blue for every service before any listener exists (first deployment of the stack)', async () => {
    expect(await handler.liveTargetGroups(new FakeLoadBalancer().api(), PROPERTIES)).toEqual({
      backend: TG.backendBlue,
      frontend: TG.frontendBlue,
    });
  });

  it('follows CodeDeploy: after an odd number of deployments of a service, green is live', async () => {
    const alb = new FakeLoadBalancer();
    alb.listen(80, forward(TG.frontendBlue), TG.backendBlue);
    alb.listen(8443, forward(TG.frontendBlue), TG.backendBlue);
    alb.codeDeploy(TG.backendBlue, TG.backendGreen);
    expect(await handler.liveTargetGroups(alb.api(), PROPERTIES)).toEqual({
      backend: TG.backendGreen,
      frontend: TG.frontendBlue,
    });
    alb.codeDeploy(TG.frontendBlue, TG.frontendGreen);
    alb.codeDeploy(TG.backendGreen, TG.backendBlue);
    expect(await handler.liveTargetGroups(alb.api(), PROPERTIES)).toEqual({
      backend: TG.backendBlue,
      frontend: TG.frontendGreen,
    });
  });

  it('reads the forwarding listener: port 80 before HTTPS exists, 443 once port 80 redirects', async () => {
    const alb = new FakeLoadBalancer();
    alb.listen(80, forward(TG.frontendGreen), TG.backendGreen);
    expect((await handler.liveTargetGroups(alb.api(), PROPERTIES)).frontend).toBe(TG.frontendGreen);
    alb.listeners[0]!.DefaultActions = [{ Type: 'redirect' }];
    alb.listen(443, forward(TG.frontendGreen), TG.backendBlue);
    expect(await handler.liveTargetGroups(alb.api(), PROPERTIES)).toEqual({
      backend: TG.backendBlue,
      frontend: TG.frontendGreen,
    });
  });

  it('takes the heavier group of a weighted forward (mid-canary)', async () => {
    const alb = new FakeLoadBalancer();
    alb.listen(
      80,
      [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: TG.frontendBlue, Weight: 90 },
              { TargetGroupArn: TG.frontendGreen, Weight: 10 },
            ],
          },
        },
      ],
      TG.backendBlue,
    );
    expect((await handler.liveTargetGroups(alb.api(), PROPERTIES)).frontend).toBe(TG.frontendBlue);
  });
});
