export const ecsNetworking = {
  slug: 'ecs-networking',
  title: 'Networking for ECS services: awsvpc, load balancers and service discovery',
  topic: 'containers',
  content: `# Networking for ECS services

Fargate tasks always use the **awsvpc** network mode: every task receives its own elastic network
interface with a private IP address inside your VPC. Security groups therefore apply to individual
tasks, which lets you say precisely which service may talk to which.

Public traffic usually arrives through an **Application Load Balancer**. The load balancer lives in
public subnets, the tasks stay in private subnets, and a target group tracks the healthy task IPs.
The target group health check should call a cheap endpoint such as \`/health\` that answers without
touching the database, so a slow dependency does not cause healthy tasks to be killed.

Service-to-service calls do not need the public internet. ECS Service Connect or Cloud Map service
discovery gives each service a stable private name, for example \`backend.app.local\`, that resolves to
the current set of tasks.

Tasks in private subnets still need to reach AWS APIs and pull images. Either route them through a
NAT gateway or, cheaper and more private, add VPC endpoints for ECR, CloudWatch Logs, Secrets Manager
and any other service they call, plus an S3 gateway endpoint for image layers.
`,
};
