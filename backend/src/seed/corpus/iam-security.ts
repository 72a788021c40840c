export const iamSecurity = {
  slug: 'iam-security',
  title: 'Security basics for container workloads: IAM roles and secrets',
  topic: 'security',
  content: `# IAM roles and secrets for ECS tasks

An ECS task has two roles, and mixing them up is a common mistake. The **execution role** is used by
the ECS agent before your code starts: it pulls the image from ECR, writes logs and fetches the secrets
named in the task definition. The **task role** is what your application code uses when it calls AWS,
for example Bedrock or S3. Give each the least privilege it needs, scoped to specific resource ARNs.

Never bake credentials into an image or an environment file. Store database passwords and API tokens in
**AWS Secrets Manager** and reference them from the task definition; ECS injects the value as an
environment variable when the task starts, and only the execution role needs permission to read it.
Rotation then happens in one place.

Inside the application, treat secrets as toxic data: do not log them, do not echo them in error messages,
and compare tokens in constant time. Keep request bodies out of logs too; they may contain personal data.

At the network layer, run tasks in private subnets, allow inbound traffic only from the load balancer's
security group, and prefer VPC endpoints over open internet egress. Turn on image scanning in ECR and
fail the pipeline when a critical vulnerability appears.
`,
};
