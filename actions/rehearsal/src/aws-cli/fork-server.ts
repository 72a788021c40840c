import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPath } from '../vendor/load';

/** Debian's awscli, as the brief asks (the pyenv one on this machine's PATH is not it). */
const AWS_CLI = '/usr/bin/aws';

/** How long the server may take to import the CLI on a loaded machine. */
const START_TIMEOUT_MS = 120_000;

/**
 * Debian's aws CLI behind a fork server (server.py): the server imports the CLI once and forks one
 * child per `aws` a step runs, which runs the CLI's own entry point with the step's arguments,
 * environment, working directory and stdio. Each invocation so skips the ~0.8 CPU-s of imports that
 * dominated the rehearsal's runtime; what the CLI then does (parsing, signing, calls) is unchanged.
 */
export class AwsCliServer {
  private constructor(
    private readonly process: ChildProcess,
    private readonly exited: Promise<void>,
    /** The command line a step's `aws` shim runs (its arguments follow). */
    readonly command: string,
  ) {}

  static async start(dir: string): Promise<AwsCliServer> {
    if (!existsSync(AWS_CLI))
      throw new Error(
        'the rehearsal runs the real AWS CLI: apt-get install awscli (bash .ci/provision.sh does)',
      );
    // The interpreter /usr/bin/aws names, so the CLI runs on the Python it was packaged for.
    const interpreter = /^#!(\S+)/.exec(readFileSync(AWS_CLI, 'utf8'))?.[1];
    if (!interpreter) throw new Error(`${AWS_CLI} does not start with a #! line`);
    const socket = join(dir, 'aws-cli.sock');
    const child = spawn(interpreter, [buildPath('aws-cli-server.py'), socket], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: dir },
      // stdin stays open while this process lives: the server exits when it reaches end of file.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the aws CLI server did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the aws CLI server exited: ${stderr}`));
      });
    });
    const client = buildPath('aws-cli-client.py');
    return new AwsCliServer(child, exited, `"${interpreter}" -I -S "${client}" "${socket}"`);
  }

  async stop(): Promise<void> {
    this.process.kill('SIGTERM');
    await this.exited;
  }
}
