import { TASK_START_MS } from './ecs';
import { AwsError } from './errors';
import type { Role } from './iam';
import type { Model } from './model';

type Json = any;

export interface StackResource {
  readonly type: string;
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
  readonly properties: Json;
}

export interface Stack {
  readonly name: string;
  readonly arn: string;
  template: Json;
  status: string;
  readonly resources: Map<string, StackResource>;
  readonly parameters: Map<string, string>;
}

const PSEUDO = (model: Model, stack: string): Record<string, string> => ({
  'AWS::Region': model.world.region,
  'AWS::AccountId': model.world.account,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': stack,
  'AWS::StackId': model.world.arn('cloudformation', `stack/${stack}/rehearsal`),
});

/** Checks that the identity CloudFormation acts as may create, update or delete one resource. */
export type ResourceAuthorizer = (
  change: 'create' | 'update' | 'delete',
  type: string,
  properties: Json,
  stack: Stack,
  logicalId: string,
) => void;

/** Unresolved reference marker: the resource it names is not created yet. */
class Pending extends Error {}

/**
 * Applies synthesized templates to the model as CloudFormation would: resources in dependency
 * order, intrinsic functions resolved, only changed resources updated, removed ones deleted.
 * Resource types the rehearsal does not model get a physical id and no behaviour.
 */
export class CloudFormation {
  readonly stacks = new Map<string, Stack>();

  constructor(private readonly model: Model) {}

  private resolve(value: Json, stack: Stack, pending: boolean): Json {
    if (Array.isArray(value))
      return value.map((item) => this.resolve(item, stack, pending)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = value[key];
      switch (key) {
        case 'Ref': {
          if (arg === 'AWS::NoValue') return NO_VALUE;
          const pseudo = PSEUDO(this.model, stack.name)[arg];
          if (pseudo !== undefined) return pseudo;
          if (stack.parameters.has(arg)) return stack.parameters.get(arg);
          const resource = stack.resources.get(arg);
          if (!resource) throw new Pending(arg);
          return resource.physicalId;
        }
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          const resource = stack.resources.get(logicalId);
          if (!resource) throw new Pending(logicalId);
          return resource.attributes[attribute] ?? `${resource.physicalId}/${attribute}`;
        }
        case 'Fn::Join': {
          const [separator, parts] = arg;
          return this.resolve(parts, stack, pending).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = this.resolve(arg, stack, pending);
          return list[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, text] = this.resolve(arg, stack, pending);
          return String(text).split(separator);
        }
        case 'Fn::Sub': {
          const [template, variables] = Array.isArray(arg) ? arg : [arg, {}];
          const vars = this.resolve(variables, stack, pending);
          return String(template).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            if (vars[name] !== undefined) return vars[name];
            const [id, attribute] = name.split('.');
            return this.resolve(attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id }, stack, pending);
          });
        }
        case 'Fn::GetAZs':
          return ['us-east-1a', 'us-east-1b', 'us-east-1c'];
        case 'Fn::Base64':
          return Buffer.from(String(this.resolve(arg, stack, pending))).toString('base64');
        case 'Fn::If': {
          const [condition, then, otherwise] = arg;
          return this.resolve(this.condition(condition, stack) ? then : otherwise, stack, pending);
        }
        case 'Fn::Equals': {
          const [a, b] = this.resolve(arg, stack, pending);
          return a === b;
        }
        case 'Fn::ImportValue':
          throw new AwsError(
            'ValidationError',
            `No export named ${JSON.stringify(arg)} found (the rehearsal models no exports)`,
          );
      }
    }
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, this.resolve(v, stack, pending)])
        .filter(([, v]) => v !== NO_VALUE),
    );
  }

  private condition(name: string, stack: Stack): boolean {
    const definition = stack.template.Conditions?.[name];
    const evaluate = (node: Json): boolean => {
      if (node['Fn::Equals']) {
        const [a, b] = this.resolve(node['Fn::Equals'], stack, false);
        return a === b;
      }
      if (node['Fn::Not']) return !evaluate(node['Fn::Not'][0]);
      if (node['Fn::And']) return node['Fn::And'].every(evaluate);
      if (node['Fn::Or']) return node['Fn::Or'].some(evaluate);
      if (node.Condition) return this.condition(node.Condition, stack);
      throw new Error(`unmodelled condition ${JSON.stringify(node)}`);
    };
    return definition ? evaluate(definition) : false;
  }

  /** Creates or updates a stack from a template; returns the logical ids created, updated and deleted. */
  async deploy(
    name: string,
    template: Json,
    as: Role,
    authorize: ResourceAuthorizer = () => {},
  ): Promise<{ created: string[]; updated: string[]; deleted: string[] }> {
    let stack = this.stacks.get(name);
    const isNew = stack === undefined;
    if (!stack) {
      stack = {
        name,
        arn: this.model.world.arn('cloudformation', `stack/${name}/${this.model.world.nextId()}`),
        template,
        status: 'CREATE_IN_PROGRESS',
        resources: new Map(),
        parameters: new Map(),
      };
      this.stacks.set(name, stack);
    }
    const previous = stack.template;
    stack.template = template;
    for (const [parameter, definition] of Object.entries<Json>(template.Parameters ?? {})) {
      const value = String(definition.Type).startsWith('AWS::SSM::Parameter::Value')
        ? this.model.ssm.value(String(definition.Default))
        : String(definition.Default ?? '');
      stack.parameters.set(parameter, value);
    }
    const result = { created: [] as string[], updated: [] as string[], deleted: [] as string[] };
    const resources: [string, Json][] = Object.entries<Json>(template.Resources ?? {}).filter(
      ([, r]) => !r.Condition || this.condition(r.Condition, stack),
    );
    const todo = new Map(resources);
    const done = new Set<string>();
    while (todo.size > 0) {
      let progressed = false;
      for (const [logicalId, resource] of todo) {
        const dependsOn: string[] = [].concat(resource.DependsOn ?? []);
        if (dependsOn.some((d) => todo.has(d))) continue;
        let properties: Json;
        try {
          properties = this.resolve(resource.Properties ?? {}, stack, true);
        } catch (error) {
          if (error instanceof Pending && todo.has(error.message)) continue;
          throw error;
        }
        const existing = stack.resources.get(logicalId);
        const before = previous?.Resources?.[logicalId];
        if (!existing || JSON.stringify(existing.properties) !== JSON.stringify(properties)) {
          authorize(existing ? 'update' : 'create', resource.Type, properties, stack, logicalId);
        }
        if (!existing) {
          stack.resources.set(
            logicalId,
            await this.model.resources.create(stack, logicalId, resource.Type, properties, as),
          );
          result.created.push(logicalId);
        } else if (
          JSON.stringify(existing.properties) !== JSON.stringify(properties) ||
          before?.Type !== resource.Type
        ) {
          stack.resources.set(
            logicalId,
            await this.model.resources.update(stack, logicalId, existing, properties),
          );
          result.updated.push(logicalId);
        }
        todo.delete(logicalId);
        done.add(logicalId);
        progressed = true;
      }
      if (!progressed)
        throw new AwsError(
          'ValidationError',
          `Circular or unresolvable references among ${[...todo.keys()].join(', ')}`,
        );
    }
    for (const [logicalId, resource] of [...stack.resources]) {
      if (done.has(logicalId)) continue;
      authorize('delete', resource.type, resource.properties, stack, logicalId);
      this.model.resources.delete(resource);
      stack.resources.delete(logicalId);
      result.deleted.push(logicalId);
    }
    stack.status = isNew ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
    // CloudFormation reports an ECS service complete only once its tasks are running (stable).
    const touched = [...result.created, ...result.updated].some(
      (id) => stack.resources.get(id)?.type === 'AWS::ECS::Service',
    );
    if (touched) this.model.world.clock.advanceBy(TASK_START_MS + 10_000);
    return result;
  }

  destroy(name: string, authorize: ResourceAuthorizer = () => {}): void {
    const stack = this.stacks.get(name);
    if (!stack) return;
    for (const [logicalId, resource] of stack.resources) {
      authorize('delete', resource.type, resource.properties, stack, logicalId);
    }
    for (const resource of [...stack.resources.values()].reverse()) this.model.resources.delete(resource);
    this.stacks.delete(name);
  }

  /** The resolved template as deployed (for `cdk diff`). */
  deployedTemplate(name: string): Json | undefined {
    return this.stacks.get(name)?.template;
  }
}

const NO_VALUE = Symbol('AWS::NoValue');
