/** Keys saved with core.saveState by the main step and read by the post step. */
export const STATE = {
  deploymentId: 'deployment-id',
  region: 'region',
  /**
   * 'true' from CreateDeployment/ContinueDeployment until the main step has dealt with the outcome;
   * stays 'true' when the step returns at Ready, since only a later step finishes that deployment.
   */
  inFlight: 'in-flight',
} as const;
