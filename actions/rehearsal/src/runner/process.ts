import { spawn } from 'node:child_process';

/** Grace periods of the hosted runner when it cancels a step: SIGINT, then SIGTERM, then SIGKILL. */
export const SIGINT_GRACE_MS = 7_500;
export const SIGTERM_GRACE_MS = 2_500;

export interface StepProcess {
  readonly exit: Promise<number>;
  /** Cancels as the runner does; resolves when the process is gone. */
  cancel(): Promise<void>;
}

export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

export function spawnStep(options: SpawnOptions): StepProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    let buffer = '';
    child[stream].on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        options.onLine(buffer.slice(0, newline), stream);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    });
    child[stream].on('end', () => {
      if (buffer) options.onLine(buffer, stream);
      buffer = '';
    });
  }
  const exit = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      options.onLine(`failed to start ${options.command}: ${error.message}`, 'stderr');
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)));
  });
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  const wait = (ms: number) => Promise.race([exit, new Promise((resolve) => setTimeout(resolve, ms))]);
  return {
    exit,
    async cancel() {
      if (exited) return;
      signal('SIGINT');
      await wait(SIGINT_GRACE_MS);
      if (exited) return;
      signal('SIGTERM');
      await wait(SIGTERM_GRACE_MS);
      if (!exited) signal('SIGKILL');
      await exit;
    },
  };
}
