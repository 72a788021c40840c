// Custom resource handler: reports which target group of each service the production listener
// forwards to right now. CodeDeploy blue/green rewrites the listener's default action and rules on
// every deployment and CloudFormation never learns of it, so after an odd number of deployments the
// template's "blue" is the idle (or empty) group. The listeners and rules take their forward targets
// from this resource, which CloudFormation runs whenever their layout changes: a stack update then
// keeps production (and the test listener) where CodeDeploy left it. Inline code: Node.js built-ins
// and the AWS SDK the Lambda runtime ships only.

/**
 * @param {{ describeListeners(loadBalancerArn: string): Promise<any[]>, describeRules(listenerArn: string): Promise<any[]> }} elb
 * @param {{ LoadBalancerArn: string, ProductionPorts: string[], Services: { Name: string, RulePriority: string, Blue: string, Green: string }[] }} properties
 * @returns {Promise<Record<string, string>>} service name -> live target group ARN
 */
async function liveTargetGroups(elb, properties) {
  const listeners = await elb.describeListeners(properties.LoadBalancerArn);
  // The production listener is the one on a production port that forwards (HTTP redirects once HTTPS is on).
  const production = properties.ProductionPorts.map((port) =>
    listeners.find(
      (listener) => String(listener.Port) === String(port) && forwardTarget(listener.DefaultActions),
    ),
  ).find((listener) => listener !== undefined);
  const rules = production === undefined ? [] : await elb.describeRules(production.ListenerArn);
  const live = {};
  for (const service of properties.Services) {
    const actions =
      service.RulePriority === 'default'
        ? production?.DefaultActions
        : rules.find((rule) => rule.Priority === service.RulePriority)?.Actions;
    const target = forwardTarget(actions);
    // First deployment of the stack (no listener yet), or a target that is not one of the pair: blue.
    live[service.Name] = target === service.Green ? service.Green : service.Blue;
  }
  return live;
}

/** Target group a forward action sends (most of) the traffic to; mid-canary that is the heavier one. */
function forwardTarget(actions) {
  const forward = (actions ?? []).find((action) => action.Type === 'forward');
  if (forward === undefined) return undefined;
  const groups = forward.ForwardConfig?.TargetGroups ?? [];
  if (groups.length > 0) {
    return [...groups].sort((a, b) => (b.Weight ?? 1) - (a.Weight ?? 1))[0].TargetGroupArn;
  }
  return forward.TargetGroupArn;
}

function sdkElb() {
  const sdk = require('@aws-sdk/client-elastic-load-balancing-v2');
  const client = new sdk.ElasticLoadBalancingV2Client({});
  return {
    async describeListeners(loadBalancerArn) {
      const listeners = [];
      let Marker;
      do {
        const page = await client.send(
          new sdk.DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, Marker }),
        );
        listeners.push(...(page.Listeners ?? []));
        Marker = page.NextMarker;
      } while (Marker);
      return listeners;
    },
    async describeRules(listenerArn) {
      const rules = [];
      let Marker;
      do {
        const page = await client.send(new sdk.DescribeRulesCommand({ ListenerArn: listenerArn, Marker }));
        rules.push(...(page.Rules ?? []));
        Marker = page.NextMarker;
      } while (Marker);
      return rules;
    },
  };
}

async function handler(event) {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const data = await liveTargetGroups(sdkElb(), event.ResourceProperties);
  console.log(JSON.stringify({ requestType: event.RequestType, live: data }));
  return { PhysicalResourceId: 'live-target-groups', Data: data };
}

module.exports = { handler, liveTargetGroups };
