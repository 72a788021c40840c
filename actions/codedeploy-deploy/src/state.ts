/** Keys saved with core.saveState by the main step and read by the post step. */
export const STATE = {
  deploymentId: 'deployment-id',
  region: 'region',
  /** 'true' from CreateDeployment/ContinueDeployment until the main step has dealt with the outcome. */
  inFlight: 'in-flight',
} as const;
