import { join } from 'node:path';
import type { Stack, StackResource } from './cloudformation';
import type { DeploymentGroup } from './codedeploy';
import type { Service } from './ecs';
import { actionsOf, forwardOf, type HeaderCondition } from './elb';
import { AwsError } from './errors';
import type { PolicyDocument, Role } from './iam';
import type { Model } from './model';

type Json = any;

const tagsOf = (tags: Json): Record<string, string> =>
  Array.isArray(tags)
    ? Object.fromEntries(tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]))
    : { ...(tags ?? {}) };

/** The create/update/delete behaviour of each modelled CloudFormation resource type. */
export class Resources {
  constructor(private readonly model: Model) {}

  private resource(
    type: string,
    physicalId: string,
    properties: Json,
    attributes: Record<string, string> = {},
  ): StackResource {
    return { type, physicalId, properties, attributes };
  }

  async create(stack: Stack, logicalId: string, type: string, p: Json, _as: Role): Promise<StackResource> {
    const { world, ecr, elb, ecs, codedeploy, ssm } = this.model;
    const generated = `${stack.name}-${logicalId}-${world.nextId()}`.slice(0, 60);
    switch (type) {
      case 'AWS::IAM::Role': {
        const name = p.RoleName ?? generated;
        const role: Role = {
          name,
          arn: `arn:aws:iam::${world.account}:role/${name}`,
          trust: p.AssumeRolePolicyDocument,
          policies: (p.Policies ?? []).map(
            (policy: { PolicyDocument: PolicyDocument }) => policy.PolicyDocument,
          ),
          maxSessionDuration: Number(p.MaxSessionDuration ?? 3600),
          tags: tagsOf(p.Tags),
          managedPolicyArns: p.ManagedPolicyArns ?? [],
        };
        world.roles.set(name, role);
        return this.resource(type, name, p, { Arn: role.arn, RoleId: `AROA${world.nextId()}` });
      }
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy': {
        for (const roleName of p.Roles ?? []) world.roles.get(roleName)?.policies.push(p.PolicyDocument);
        const id = p.PolicyName ?? p.ManagedPolicyName ?? generated;
        const physicalId =
          type === 'AWS::IAM::ManagedPolicy' ? `arn:aws:iam::${world.account}:policy/${id}` : id;
        if (type === 'AWS::IAM::ManagedPolicy') world.managedPolicies.set(physicalId, p.PolicyDocument);
        return this.resource(type, physicalId, p);
      }
      case 'AWS::IAM::OIDCProvider': {
        const arn = `arn:aws:iam::${world.account}:oidc-provider/${String(p.Url).replace(/^https:\/\//, '')}`;
        world.oidcProviders.set(arn, { url: p.Url, clientIds: p.ClientIdList ?? [] });
        return this.resource(type, arn, p, { Arn: arn });
      }
      case 'AWS::ECR::Repository': {
        const name = p.RepositoryName ?? generated.toLowerCase();
        const repository = ecr.createRepository(
          name,
          String(p.ImageTagMutability ?? 'MUTABLE').startsWith('IMMUTABLE'),
          p.ImageScanningConfiguration?.ScanOnPush === true,
          (p.ImageTagMutabilityExclusionFilters ?? []).map(
            (f: { ImageTagMutabilityExclusionFilterValue: string }) =>
              f.ImageTagMutabilityExclusionFilterValue,
          ),
        );
        return this.resource(type, name, p, { Arn: repository.arn, RepositoryUri: repository.uri });
      }
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer': {
        const lb = elb.createLoadBalancer((p.Name ?? `${stack.name}-alb`).slice(0, 24));
        return this.resource(type, lb.arn, p, {
          DNSName: lb.dnsName,
          LoadBalancerFullName: lb.arn.split(':loadbalancer/')[1] ?? '',
          LoadBalancerName: lb.name,
          CanonicalHostedZoneID: 'Z35SXDOTRQ7X7K',
        });
      }
      case 'AWS::ElasticLoadBalancingV2::TargetGroup': {
        // CloudFormation generates a unique name when the template gives none.
        const group = elb.createTargetGroup(
          p.Name ?? `${stack.name.slice(0, 12)}-${logicalId.slice(0, 12)}-${world.nextId()}`,
          Number(p.Port ?? 80),
        );
        return this.resource(type, group.arn, p, {
          TargetGroupName: group.name,
          TargetGroupFullName: group.arn.split(':')[5] ?? '',
          TargetGroupArn: group.arn,
          LoadBalancerArns: '',
        });
      }
      case 'AWS::ElasticLoadBalancingV2::Listener': {
        const arn = `${String(p.LoadBalancerArn).replace(':loadbalancer/', ':listener/')}/${world.nextId()}`;
        elb.listeners.set(arn, {
          arn,
          loadBalancerArn: p.LoadBalancerArn,
          port: Number(p.Port),
          protocol: p.Protocol === 'HTTPS' ? 'HTTPS' : 'HTTP',
          certificateArns: (p.Certificates ?? []).map((c: { CertificateArn: string }) => c.CertificateArn),
          ...actionsOf(p.DefaultActions, world.region),
          defaultAction: forwardOf(p.DefaultActions),
          rules: [],
          tags: tagsOf(p.Tags),
        });
        this.model.onListenerCreated(arn);
        return this.resource(type, arn, p, { ListenerArn: arn });
      }
      case 'AWS::ElasticLoadBalancingV2::ListenerRule': {
        const listener = elb.listener(p.ListenerArn);
        if (listener.rules.some((rule) => rule.priority === Number(p.Priority))) {
          throw new AwsError('PriorityInUse', `Priority '${p.Priority}' is currently in use`);
        }
        const arn = `${listener.arn.replace(':listener/', ':listener-rule/')}/${world.nextId()}`;
        listener.rules.push({
          arn,
          priority: Number(p.Priority),
          pathPatterns: this.pathPatterns(p),
          headers: this.headerConditions(p),
          ...actionsOf(p.Actions, world.region),
          action: forwardOf(p.Actions),
        });
        return this.resource(type, arn, p, { RuleArn: arn });
      }
      case 'AWS::ECS::Cluster': {
        const name = p.ClusterName ?? generated;
        return this.resource(type, name, p, { Arn: world.arn('ecs', `cluster/${name}`) });
      }
      case 'AWS::ECS::TaskDefinition': {
        const definition = ecs.register(this.taskDefinitionInput(p));
        return this.resource(type, definition.arn, p, { TaskDefinitionArn: definition.arn });
      }
      case 'AWS::ECS::Service': {
        const name = p.ServiceName ?? generated;
        const cluster = String(p.Cluster).split('/').pop() ?? '';
        const balancer = p.LoadBalancers?.[0];
        const service: Service = {
          name,
          arn: world.arn('ecs', `service/${cluster}/${name}`),
          cluster,
          controller: p.DeploymentController?.Type ?? 'ECS',
          desiredCount: Number(p.DesiredCount ?? 1),
          capacityProvider: p.CapacityProviderStrategy?.[0]?.CapacityProvider ?? p.LaunchType ?? 'FARGATE',
          taskSets: [],
          containerName: balancer?.ContainerName,
        };
        ecs.services.set(service.arn, service);
        const taskSet = ecs.startTaskSet(
          service,
          p.TaskDefinition,
          balancer?.TargetGroupArn,
          balancer?.ContainerPort,
          service.capacityProvider,
        );
        taskSet.status = 'PRIMARY';
        return this.resource(type, service.arn, p, { Name: name, ServiceArn: service.arn });
      }
      case 'AWS::CodeDeploy::Application': {
        const name = p.ApplicationName ?? generated;
        return this.resource(type, name, p);
      }
      case 'AWS::CodeDeploy::DeploymentGroup': {
        const name = p.DeploymentGroupName ?? generated;
        const serviceName = p.ECSServices?.[0]?.ServiceName;
        const service = [...ecs.services.values()].find((s) => s.name === serviceName);
        if (!service)
          throw new AwsError('InvalidECSServiceException', `ECS service ${serviceName} not found`);
        const pair = p.LoadBalancerInfo?.TargetGroupPairInfoList?.[0];
        const byName = (tgName: string) =>
          [...elb.targetGroups.values()].find((g) => g.name === tgName)?.arn ?? tgName;
        const blueGreen = p.BlueGreenDeploymentConfiguration ?? {};
        const group: DeploymentGroup = {
          application: p.ApplicationName,
          name,
          arn: world.arn('codedeploy', `deploymentgroup:${p.ApplicationName}/${name}`),
          service,
          prodListenerArns: pair?.ProdTrafficRoute?.ListenerArns ?? [],
          testListenerArns: pair?.TestTrafficRoute?.ListenerArns ?? [],
          targetGroupArns: [byName(pair?.TargetGroups?.[0]?.Name), byName(pair?.TargetGroups?.[1]?.Name)],
          configName: p.DeploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce',
          readyAction: blueGreen.DeploymentReadyOption?.ActionOnTimeout ?? 'CONTINUE_DEPLOYMENT',
          readyWaitMinutes: Number(blueGreen.DeploymentReadyOption?.WaitTimeInMinutes ?? 0),
          terminationWaitMinutes: Number(
            blueGreen.TerminateBlueInstancesOnDeploymentSuccess?.TerminationWaitTimeInMinutes ?? 0,
          ),
          alarms: p.AlarmConfiguration?.Enabled
            ? (p.AlarmConfiguration.Alarms ?? []).map((a: { Name: string }) => a.Name)
            : [],
          autoRollbackEvents: p.AutoRollbackConfiguration?.Enabled
            ? (p.AutoRollbackConfiguration.Events ?? [])
            : [],
        };
        codedeploy.groups.set(`${group.application}/${name}`, group);
        return this.resource(type, name, p);
      }
      case 'AWS::SecretsManager::Secret': {
        const secret = this.model.secrets.create(p.Name ?? generated, p);
        return this.resource(type, secret.arn, p, { Id: secret.arn });
      }
      case 'AWS::Cognito::UserPoolDomain':
        // Ref returns the domain prefix, which the load balancer's sign-in redirects to.
        return this.resource(type, String(p.Domain), p, {
          CloudFrontDistribution: 'd111111abcdef8.cloudfront.net',
        });
      case 'AWS::SSM::Parameter': {
        const name = p.Name ?? `/${generated}`;
        ssm.put(name, String(p.Value));
        return this.resource(type, name, p, { Value: String(p.Value), Type: 'String' });
      }
      case 'AWS::CloudWatch::Alarm': {
        const name = p.AlarmName ?? generated;
        codedeploy.alarms.set(name, 'OK');
        return this.resource(type, name, p, { Arn: world.arn('cloudwatch', `alarm:${name}`) });
      }
      case 'Custom::LiveTargetGroups':
        return this.resource(type, generated, p, await this.liveTargetGroups(p));
      default:
        return this.resource(type, generated, p, { Arn: world.arn('unmodelled', generated) });
    }
  }

  /**
   * Custom::LiveTargetGroups runs the stack's own handler (infra/lambda/live-target-groups) against
   * the ELB model: the target group each service's production route forwards to now.
   */
  private liveTargetGroups(p: Json): Promise<Record<string, string>> {
    const handlerPath = join(this.model.repoRoot, 'infra', 'lambda', 'live-target-groups', 'index.js');
    const { liveTargetGroups } = require(handlerPath) as {
      liveTargetGroups: (elb: unknown, properties: Json) => Promise<Record<string, string>>;
    };
    const { elb } = this.model;
    const describeListeners = (loadBalancerArn: string) =>
      [...elb.listeners.values()]
        .filter((l) => l.loadBalancerArn === loadBalancerArn)
        .map((l) => ({
          ListenerArn: l.arn,
          Port: l.port,
          DefaultActions: elb.describeActions(l, l.defaultAction),
        }));
    const describeRules = (listenerArn: string) =>
      elb
        .listener(listenerArn)
        .rules.map((r) => ({ Priority: String(r.priority), Actions: elb.describeActions(r, r.action) }));
    return liveTargetGroups(
      {
        describeListeners: async (arn: string) => describeListeners(arn),
        describeRules: async (arn: string) => describeRules(arn),
      },
      p,
    );
  }

  async update(stack: Stack, logicalId: string, existing: StackResource, p: Json): Promise<StackResource> {
    const { world, elb, ssm, ecs } = this.model;
    switch (existing.type) {
      case 'AWS::ElasticLoadBalancingV2::Listener': {
        // CloudFormation sets the listener to what the template says, undoing CodeDeploy's rerouting.
        const listener = elb.listener(existing.physicalId);
        Object.assign(listener, {
          authenticate: undefined,
          redirect: undefined,
          ...actionsOf(p.DefaultActions, world.region),
          defaultAction: forwardOf(p.DefaultActions),
        });
        return { ...existing, properties: p };
      }
      case 'AWS::ElasticLoadBalancingV2::ListenerRule': {
        for (const listener of elb.listeners.values()) {
          const index = listener.rules.findIndex((r) => r.arn === existing.physicalId);
          const rule = listener.rules[index];
          if (rule) {
            listener.rules[index] = {
              arn: rule.arn,
              priority: Number(p.Priority),
              pathPatterns: this.pathPatterns(p),
              headers: this.headerConditions(p),
              ...actionsOf(p.Actions, world.region),
              action: forwardOf(p.Actions),
            };
          }
        }
        return { ...existing, properties: p };
      }
      case 'AWS::SSM::Parameter':
        ssm.put(existing.physicalId, String(p.Value));
        return { ...existing, properties: p, attributes: { ...existing.attributes, Value: String(p.Value) } };
      case 'AWS::IAM::Role': {
        const role = world.roles.get(existing.physicalId);
        if (role) {
          world.roles.set(role.name, {
            ...role,
            trust: p.AssumeRolePolicyDocument,
            maxSessionDuration: Number(p.MaxSessionDuration ?? 3600),
            policies: (p.Policies ?? []).map(
              (policy: { PolicyDocument: PolicyDocument }) => policy.PolicyDocument,
            ),
            managedPolicyArns: p.ManagedPolicyArns ?? [],
          });
        }
        return { ...existing, properties: p };
      }
      case 'AWS::ECS::TaskDefinition': {
        const definition = ecs.register(this.taskDefinitionInput(p));
        return {
          ...existing,
          physicalId: definition.arn,
          properties: p,
          attributes: { TaskDefinitionArn: definition.arn },
        };
      }
      case 'AWS::ECS::Service': {
        const service = ecs.services.get(existing.physicalId);
        if (
          service?.controller === 'CODE_DEPLOY' &&
          existing.properties.TaskDefinition !== p.TaskDefinition
        ) {
          throw new AwsError(
            'InvalidParameterException',
            'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
          );
        }
        if (
          service &&
          service.controller === 'ECS' &&
          existing.properties.TaskDefinition !== p.TaskDefinition
        ) {
          // The ECS controller replaces the tasks with the new revision (rolling update).
          const balancer = p.LoadBalancers?.[0];
          service.taskSets.splice(0, service.taskSets.length);
          ecs.startTaskSet(
            service,
            p.TaskDefinition,
            balancer?.TargetGroupArn,
            balancer?.ContainerPort,
            service.capacityProvider,
          ).status = 'PRIMARY';
        }
        return { ...existing, properties: p };
      }
      case 'Custom::LiveTargetGroups':
        return { ...existing, properties: p, attributes: await this.liveTargetGroups(p) };
      default:
        // Other types: replacing in place is what matters here (new properties, same identity).
        if (existing.type === 'AWS::IAM::Policy') {
          for (const role of world.roles.values()) {
            const index = role.policies.indexOf(existing.properties.PolicyDocument);
            if (index !== -1) role.policies.splice(index, 1);
          }
          for (const roleName of p.Roles ?? []) world.roles.get(roleName)?.policies.push(p.PolicyDocument);
        }
        void stack;
        void logicalId;
        return { ...existing, properties: p };
    }
  }

  delete(resource: StackResource): void {
    const { world, elb, ecs, ssm, ecr, codedeploy } = this.model;
    switch (resource.type) {
      case 'AWS::IAM::Role':
        world.roles.delete(resource.physicalId);
        break;
      case 'AWS::ECR::Repository': {
        const repository = ecr.repositories.get(resource.physicalId);
        if (repository && repository.images.size > 0 && !resource.properties.EmptyOnDelete) {
          throw new AwsError(
            'RepositoryNotEmptyException',
            `The repository ${resource.physicalId} cannot be deleted because it still contains images`,
          );
        }
        ecr.repositories.delete(resource.physicalId);
        break;
      }
      case 'AWS::ElasticLoadBalancingV2::ListenerRule':
        for (const listener of elb.listeners.values()) {
          const index = listener.rules.findIndex((r) => r.arn === resource.physicalId);
          if (index !== -1) listener.rules.splice(index, 1);
        }
        break;
      case 'AWS::ElasticLoadBalancingV2::Listener':
        elb.listeners.delete(resource.physicalId);
        this.model.onListenerDeleted(resource.physicalId);
        break;
      case 'AWS::ECS::Service':
        ecs.services.delete(resource.physicalId);
        break;
      case 'AWS::SSM::Parameter':
        ssm.parameters.delete(resource.physicalId);
        break;
      case 'AWS::SecretsManager::Secret':
        this.model.secrets.secrets.delete(resource.physicalId);
        break;
      case 'AWS::CodeDeploy::DeploymentGroup':
        for (const [key, group] of codedeploy.groups)
          if (group.name === resource.physicalId) codedeploy.groups.delete(key);
        break;
    }
  }

  /** http-header conditions; secretsmanager dynamic references in their values resolve now, as CloudFormation does. */
  private headerConditions(p: Json): HeaderCondition[] {
    return (p.Conditions ?? [])
      .filter((condition: Json) => condition.Field === 'http-header')
      .map((condition: Json) => ({
        name: String(condition.HttpHeaderConfig.HttpHeaderName),
        values: (condition.HttpHeaderConfig.Values ?? []).map((value: string) =>
          this.model.secrets.resolveReferences(String(value)),
        ),
      }));
  }

  private pathPatterns(p: Json): string[] {
    return (p.Conditions ?? []).flatMap((condition: Json) =>
      condition.Field === 'path-pattern'
        ? (condition.PathPatternConfig?.Values ?? condition.Values ?? [])
        : [],
    );
  }

  /** CloudFormation's TaskDefinition properties in the RegisterTaskDefinition shape the model keeps. */
  private taskDefinitionInput(p: Json): Json {
    const lower = (value: Json): Json => {
      if (Array.isArray(value)) return value.map(lower);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), lower(v)]),
      );
    };
    return lower(p);
  }
}
