export const ecsFargate = {
  slug: 'ecs-fargate',
  title: 'Running containers on Amazon ECS with Fargate',
  topic: 'containers',
  content: `# Running containers on Amazon ECS with Fargate

Amazon Elastic Container Service (ECS) schedules containers for you. You describe a workload once as a
**task definition**: the images, CPU and memory, ports, environment variables, secrets and log settings.
A **service** then keeps a chosen number of copies of that task running and replaces any copy that stops.

Fargate is the launch type that removes servers from the picture. There are no EC2 instances to patch,
scale or right-size: each task gets its own isolated compute with exactly the CPU and memory the task
definition asks for, and you pay for those resources per second while the task runs.

A few habits make Fargate services pleasant to operate:

- Give every task a health check so ECS can tell a stuck process from a busy one.
- Send logs to CloudWatch Logs with the awslogs driver, one log group per service.
- Pin images by digest rather than by tag, so a task started next week runs the same bits as today.
- Size tasks from measurements: start small, watch CPU and memory, and let service auto scaling add
  tasks when load grows instead of making each task larger.

Because Fargate tasks are replaced rather than repaired, anything a task writes to its local disk is
lost when it stops. Keep state in a managed store such as Amazon RDS, S3 or DynamoDB.
`,
};
