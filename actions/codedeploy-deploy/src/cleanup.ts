import * as core from '@actions/core';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { getDeployment, isFinal, stopWithRollback } from './deployment';
import { STATE } from './state';

/**
 * Post step: when the main step ended without dealing with its deployment (runner killed it, or it
 * crashed), stop the deployment with rollback so nothing keeps shifting traffic unattended.
 */
export async function cleanup(): Promise<void> {
  try {
    const deploymentId = core.getState(STATE.deploymentId);
    if (core.getState(STATE.inFlight) !== 'true' || deploymentId === '') return;
    const codedeploy = new CodeDeployClient({ region: core.getState(STATE.region) });
    const status = (await getDeployment(codedeploy, deploymentId)).status;
    if (isFinal(status)) {
      core.info(`Deployment ${deploymentId} already ended (${status})`);
      return;
    }
    const result = await stopWithRollback(codedeploy, deploymentId);
    core.warning(`Deployment ${deploymentId} was left ${status} by the main step; ${result}`);
    await core.summary
      .addHeading('CodeDeploy cleanup', 2)
      .addRaw(`<p>Deployment ${deploymentId} was still ${status}; ${result}.</p>`)
      .write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
