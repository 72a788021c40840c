import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** podman with the private storage and machine settings that `npm run images` configured. */
export class Podman {
  constructor(private readonly env: Readonly<Record<string, string>>) {}

  /** Runs podman; `environment` is passed to the podman process (for `--env NAME` without a value). */
  async run(args: readonly string[], environment: Readonly<Record<string, string>> = {}): Promise<string> {
    try {
      const { stdout } = await run('podman', [...args], {
        env: { PATH: process.env.PATH, ...this.env, ...environment },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout.trim();
    } catch (error) {
      const stderr = String(Reflect.get(error as object, 'stderr') ?? '').trim();
      throw new Error(`podman ${args.slice(0, 2).join(' ')} failed: ${stderr || (error as Error).message}`);
    }
  }

  /** True when the command exits 0. */
  async succeeds(args: readonly string[]): Promise<boolean> {
    return this.run(args).then(
      () => true,
      () => false,
    );
  }

  async inspect<T>(name: string, format: string): Promise<T> {
    return JSON.parse(await this.run(['inspect', '--format', `{{json ${format}}}`, name])) as T;
  }

  /** The loopback host port that a container's TCP port is published on. */
  async hostPort(name: string, containerPort: number): Promise<number> {
    const line = await this.run(['port', name, `${containerPort}/tcp`]);
    const port = Number(line.split(':').pop());
    if (!Number.isInteger(port)) throw new Error(`podman port ${name} ${containerPort}: ${line}`);
    return port;
  }

  async logs(name: string): Promise<string> {
    return this.run(['logs', name]).catch((error: Error) => error.message);
  }
}
