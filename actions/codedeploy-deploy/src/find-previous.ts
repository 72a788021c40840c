import * as core from '@actions/core';
import { environmentInput, serviceInput } from '../../shared/src/deploy-outputs';
import { findPreviousSuccessful, lastReleaseCommit } from '../../shared/src/deployment-records';
import { InputError, requiredInput } from '../../shared/src/inputs';
import type { Dependencies } from './dependencies';

/**
 * What "the previous release" is for a service: the version it ran before the environment's last
 * release. A service the last release did not (successfully) deploy still runs that version, so
 * there is nothing to go back to: `in-last-release` is false and no target is output.
 */
export async function findPrevious(dependencies: Dependencies): Promise<void> {
  const environment = environmentInput();
  if (environment === undefined) throw new InputError('environment', 'is required for find-previous');
  const service = serviceInput();
  const api = dependencies.deploymentsApi(requiredInput('github-token'));
  const { current, previous } = await findPreviousSuccessful(api, environment, service);
  const release = await lastReleaseCommit(api, environment, process.env.GITHUB_RUN_ID ?? '');
  const inLastRelease = current?.commit === undefined || release === undefined || current.commit === release;
  await core.summary
    .addHeading(`Previous ${service} deployment in ${environment}`, 2)
    .addTable([
      ['', 'GitHub deployment', 'Task definition', 'Image', 'Commit'].map((data) => ({ data, header: true })),
      [
        'Current',
        String(current?.deploymentId ?? '-'),
        current?.taskDefinitionArn ?? '-',
        current?.image ?? '-',
        current?.commit ?? '-',
      ],
      [
        'Previous',
        String(previous?.deploymentId ?? '-'),
        previous?.taskDefinitionArn ?? '-',
        previous?.image ?? '-',
        previous?.commit ?? '-',
      ],
    ])
    .addRaw(
      inLastRelease
        ? ''
        : `<p>${service} is not part of the last release (${release}): it still runs what it ran before it.</p>`,
    )
    .write();
  core.setOutput('in-last-release', String(inLastRelease));
  if (!inLastRelease) {
    core.info(
      `${service} in ${environment} is not part of the last release (commit ${release}): it still runs ${current?.taskDefinitionArn} (commit ${current?.commit}), the version from before that release`,
    );
    return;
  }
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
