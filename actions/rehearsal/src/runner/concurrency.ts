/**
 * GitHub's concurrency groups: at most one running and one pending run or job per group; a newer
 * pending one replaces (cancels) the older pending one, and cancel-in-progress cancels the running one.
 */
export class Concurrency {
  private readonly groups = new Map<string, { running?: Waiter | undefined; pending?: Waiter | undefined }>();

  /** Resolves with a release function once the group is free, or with undefined if replaced while pending. */
  async acquire(
    group: string,
    cancelInProgress: boolean,
    onCancelRunning: () => void,
    log: (line: string) => void,
  ): Promise<(() => void) | undefined> {
    const slot = this.groups.get(group) ?? {};
    this.groups.set(group, slot);
    const waiter = new Waiter();
    waiter.cancelRunning = onCancelRunning;
    if (!slot.running) {
      slot.running = waiter;
      return () => this.release(group, waiter);
    }
    if (cancelInProgress) slot.running.cancelRunning?.();
    if (slot.pending) {
      log(`  concurrency ${group}: a newer run replaces the pending one, which is cancelled`);
      slot.pending.resolve(false);
    }
    slot.pending = waiter;
    log(`  concurrency ${group}: waiting for the running job to finish`);
    const admitted = await waiter.promise;
    if (!admitted) return undefined;
    return () => this.release(group, waiter);
  }

  private release(group: string, waiter: Waiter): void {
    const slot = this.groups.get(group);
    if (!slot || slot.running !== waiter) return;
    slot.running = slot.pending;
    slot.pending = undefined;
    slot.running?.resolve(true);
  }
}

class Waiter {
  cancelRunning: (() => void) | undefined;
  resolve: (admitted: boolean) => void = () => {};
  readonly promise = new Promise<boolean>((resolve) => {
    this.resolve = resolve;
  });
}
