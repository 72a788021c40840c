export const blueGreen = {
  slug: 'blue-green',
  title: 'Blue/green deployments for ECS with CodeDeploy',
  topic: 'delivery',
  content: `# Blue/green deployments

A blue/green deployment starts the new version (green) next to the running one (blue) and moves traffic
only after green proves itself. For ECS services, AWS CodeDeploy drives the process with two target
groups behind one Application Load Balancer.

The load balancer has a **production listener** and a **test listener**. CodeDeploy registers the green
tasks with the spare target group and points the test listener at it first. Smoke tests call the test
listener and exercise the new version while customers still reach blue. Lifecycle hooks such as
AfterAllowTestTraffic can run those checks automatically and fail the deployment.

When the checks pass, CodeDeploy shifts production traffic to green, either all at once, linearly, or
as a canary (a small percentage first, the rest after a wait). Blue stays around for a configured
termination wait so that a rollback is just another traffic shift.

Rollbacks happen automatically when a deployment fails or a CloudWatch alarm fires. After a deployment
has completed, rolling back means deploying the previous task definition again. A deploy pipeline should
wait for the outcome and report a rollback as a failure, never as a success.
`,
};
