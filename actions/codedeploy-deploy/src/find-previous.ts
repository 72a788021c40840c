import * as core from '@actions/core';
import { environmentInput, serviceInput } from '../../shared/src/deploy-outputs';
import { findPreviousSuccessful } from '../../shared/src/deployment-records';
import { InputError, requiredInput } from '../../shared/src/inputs';
import type { Dependencies } from './dependencies';

export async function findPrevious(dependencies: Dependencies): Promise<void> {
  const environment = environmentInput();
  if (environment === undefined) throw new InputError('environment', 'is required for find-previous');
  const service = serviceInput();
  const api = dependencies.deploymentsApi(requiredInput('github-token'));
  const { current, previous } = await findPreviousSuccessful(api, environment, service);
  await core.summary
    .addHeading(`Previous ${service} deployment in ${environment}`, 2)
    .addTable([
      ['', 'GitHub deployment', 'Task definition', 'Image'].map((data) => ({ data, header: true })),
      [
        'Current',
        String(current?.deploymentId ?? '-'),
        current?.taskDefinitionArn ?? '-',
        current?.image ?? '-',
      ],
      [
        'Previous',
        String(previous?.deploymentId ?? '-'),
        previous?.taskDefinitionArn ?? '-',
        previous?.image ?? '-',
      ],
    ])
    .write();
  if (previous === undefined) {
    throw new Error(
      `No earlier successful deployment of ${service} in ${environment} with a different task definition`,
    );
  }
  core.setOutput('previous-task-definition-arn', previous.taskDefinitionArn);
  core.info(
    `Previous successful ${service} task definition in ${environment}: ${previous.taskDefinitionArn}`,
  );
}
