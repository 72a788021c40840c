import { readFile } from 'node:fs/promises';
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { awsCall } from '../../shared/src/aws-error';
import { assertTaskDefinition } from '../../shared/src/task-definition';

export interface ResolvedTaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly containers: readonly { readonly name: string; readonly image: string }[];
}

function resolved(taskDefinition: TaskDefinition | undefined, operation: string): ResolvedTaskDefinition {
  if (!taskDefinition?.taskDefinitionArn || !taskDefinition.family) {
    throw new Error(`${operation} returned no task definition`);
  }
  return {
    arn: taskDefinition.taskDefinitionArn,
    family: taskDefinition.family,
    containers: (taskDefinition.containerDefinitions ?? []).map((container) => ({
      name: container.name ?? '',
      image: container.image ?? '',
    })),
  };
}

export async function registerTaskDefinition(ecs: ECSClient, path: string): Promise<ResolvedTaskDefinition> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new Error(`Cannot read task definition ${path}: ${(error as Error).message}`);
  });
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new Error(`Task definition ${path} is not valid JSON: ${(error as Error).message}`);
  }
  assertTaskDefinition(input);
  const response = await awsCall('ECS RegisterTaskDefinition', () =>
    ecs.send(new RegisterTaskDefinitionCommand(input)),
  );
  return resolved(response.taskDefinition, 'ECS RegisterTaskDefinition');
}

/** Reuses a registered revision (rollback): it must exist, and its containers give the record's image. */
export async function describeTaskDefinition(ecs: ECSClient, arn: string): Promise<ResolvedTaskDefinition> {
  const response = await awsCall(`ECS DescribeTaskDefinition ${arn}`, () =>
    ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })),
  );
  return resolved(response.taskDefinition, 'ECS DescribeTaskDefinition');
}
