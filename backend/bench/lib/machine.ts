import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** What a reader needs to compare figures across machines and runs. */
export interface MachineInfo {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly cpuModel: string;
  readonly node: string;
}

export function describeMachine(): MachineInfo {
  return {
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
  };
}

/**
 * The machine may be shared: the 1-minute load average at the start of a benchmark says how much
 * other work competed with it (on 2 cores, a load of 2 means the benchmark got about half the CPU).
 */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
}
