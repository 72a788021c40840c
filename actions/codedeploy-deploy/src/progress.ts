import type { DeploymentTarget, LifecycleEvent } from '@aws-sdk/client-codedeploy';

/** Remembers what was last logged for a deployment's targets so that only changes are printed. */
export class ProgressLog {
  private readonly lifecycle = new Map<string, string>();
  private traffic = '';
  private lastTargets: DeploymentTarget[] = [];

  constructor(private readonly log: (line: string) => void) {}

  update(targets: readonly DeploymentTarget[]): void {
    this.lastTargets = [...targets];
    for (const target of targets) {
      const ecs = target.ecsTarget;
      if (ecs === undefined) continue;
      for (const event of ecs.lifecycleEvents ?? []) {
        const key = `${ecs.targetId}/${event.lifecycleEventName}`;
        const status = event.status ?? 'Unknown';
        if (this.lifecycle.get(key) === status) continue;
        this.lifecycle.set(key, status);
        this.log(`Lifecycle ${event.lifecycleEventName}: ${status}`);
      }
      const traffic = (ecs.taskSetsInfo ?? [])
        .map(
          (set) =>
            `${set.taskSetLabel ?? set.identifer ?? 'task set'} ${set.trafficWeight ?? 0}% (${set.runningCount ?? 0}/${set.desiredCount ?? 0} running)`,
        )
        .join(', ');
      if (traffic !== '' && traffic !== this.traffic) {
        this.traffic = traffic;
        this.log(`Traffic: ${traffic}`);
      }
    }
  }

  /** The first lifecycle event that failed in the latest snapshot, if any. */
  failedHook(): LifecycleEvent | undefined {
    for (const target of this.lastTargets) {
      const failed = target.ecsTarget?.lifecycleEvents?.find((event) => event.status === 'Failed');
      if (failed) return failed;
    }
    return undefined;
  }
}
