// Stand-ins for the third-party actions and the tools (docker, npm, npx) a rehearsal job calls. Each
// implements the documented inputs and outputs it is given by the runner (see
// runner/stand-in-contracts.ts) against the model; anything else fails loudly.
// Usage: stand-in.cjs action <owner/repo> | stand-in.cjs tool <docker|npm|npx> args...
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const env = process.env;
const input = (name: string) => env[`INPUT_${name.toUpperCase()}`] ?? '';

function fail(message: string): never {
  process.stdout.write(`::error::${message}\n`);
  process.exit(1);
}

function appendFile(variable: string, name: string, value: string): void {
  const path = env[variable];
  if (!path) fail(`${variable} is not set`);
  const delimiter = `ghadelimiter_${Math.random().toString(36).slice(2)}`;
  appendFileSync(path, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

async function control(
  name: string,
  body: Record<string, unknown>,
): Promise<{ exitCode: number; output: string; data?: any }> {
  const response = await fetch(`${env.REHEARSAL_CONTROL_URL}/${name}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return (await response.json()) as { exitCode: number; output: string; data?: any };
}

const ACTIONS: Record<string, () => Promise<void>> = {
  'actions/checkout': async () => {
    // The runner materializes the files (it knows the scenario's overrides); this checks the inputs.
    if (input('persist-credentials') !== 'false') {
      process.stdout.write(
        '::warning::persist-credentials is not false: the token would stay in .git/config\n',
      );
    }
    appendFile('GITHUB_OUTPUT', 'commit', env.GITHUB_SHA ?? '');
    appendFile('GITHUB_OUTPUT', 'ref', input('ref') || (env.GITHUB_REF ?? ''));
  },
  'actions/setup-node': async () => {
    const wanted = input('node-version');
    const major = process.versions.node.split('.')[0];
    if (wanted && wanted.split('.')[0] !== major) {
      // Said loudly, not failed: the rehearsal runs every step on one Node (docs/rehearsal-model.md).
      process.stdout.write(
        `::warning::setup-node: node-version ${wanted} requested; the rehearsal runs every step on Node ${process.versions.node}\n`,
      );
    }
    if (input('cache') && input('cache') !== 'npm')
      fail(`setup-node: cache ${input('cache')} is not modelled`);
    appendFile('GITHUB_OUTPUT', 'node-version', `v${process.versions.node}`);
  },
  'aws-actions/configure-aws-credentials': async () => {
    const role = input('role-to-assume');
    const region = input('aws-region');
    if (!role) fail('Input required and not supplied: role-to-assume (the rehearsal models only OIDC)');
    if (!region) fail('Input required and not supplied: aws-region');
    const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!requestUrl || !requestToken) {
      fail(
        'Could not get ID token: the job has no ACTIONS_ID_TOKEN_REQUEST_URL (does it have permissions: id-token: write?)',
      );
    }
    const tokenResponse = await fetch(
      `${requestUrl}&audience=${encodeURIComponent(input('audience') || 'sts.amazonaws.com')}`,
      {
        headers: { authorization: `bearer ${requestToken}` },
      },
    );
    if (!tokenResponse.ok) fail(`Could not get ID token: ${tokenResponse.status}`);
    const { value: webIdentityToken } = (await tokenResponse.json()) as { value: string };
    const duration = input('role-duration-seconds') || '3600';
    const response = await fetch(env.REHEARSAL_AWS_ENDPOINT ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'AssumeRoleWithWebIdentity',
        Version: '2011-06-15',
        RoleArn: role,
        RoleSessionName: input('role-session-name') || 'GitHubActions',
        WebIdentityToken: webIdentityToken,
        DurationSeconds: duration,
      }),
    });
    const xml = await response.text();
    const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
    if (!response.ok) fail(`Could not assume role with OIDC: ${field('Code')}: ${field('Message')}`);
    for (const secret of [field('SecretAccessKey'), field('SessionToken')])
      process.stdout.write(`::add-mask::${secret}\n`);
    appendFile('GITHUB_ENV', 'AWS_ACCESS_KEY_ID', field('AccessKeyId'));
    appendFile('GITHUB_ENV', 'AWS_SECRET_ACCESS_KEY', field('SecretAccessKey'));
    appendFile('GITHUB_ENV', 'AWS_SESSION_TOKEN', field('SessionToken'));
    appendFile('GITHUB_ENV', 'AWS_REGION', region);
    appendFile('GITHUB_ENV', 'AWS_DEFAULT_REGION', region);
    appendFile('GITHUB_OUTPUT', 'aws-account-id', /::(\d{12}):/.exec(role)?.[1] ?? '');
    process.stdout.write(`Assumed ${field('Arn')} until ${field('Expiration')}\n`);
  },
  'actions/github-script': async () => {
    const { getOctokit, context } = await import('@actions/github');
    const core = await import('@actions/core');
    const github = getOctokit(input('github-token'), {
      baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    });
    const workspaceRequire = createRequire(join(process.cwd(), 'github-script.js'));
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<unknown>;
    const script = new AsyncFunction('require', 'github', 'context', 'core', 'process', input('script'));
    try {
      const result = await script(workspaceRequire, github, context, core, process);
      appendFile(
        'GITHUB_OUTPUT',
        'result',
        input('result-encoding') === 'string' ? String(result ?? '') : JSON.stringify(result ?? null),
      );
    } catch (error) {
      fail(`Unhandled error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  },
  'docker/setup-buildx-action': async () => {
    appendFile('GITHUB_OUTPUT', 'name', 'rehearsal-builder');
    appendFile('GITHUB_OUTPUT', 'driver', 'docker-container');
  },
};

function dockerConfig(): { path: string; auths: Record<string, { auth: string }> } {
  const path = join(env.HOME ?? '.', '.docker', 'config.json');
  const auths = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')).auths as Record<string, { auth: string }>)
    : {};
  return { path, auths };
}

async function docker(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'login') {
    const user = rest[rest.indexOf('--username') + 1] ?? '';
    const registry = rest.at(-1) ?? '';
    if (!rest.includes('--password-stdin')) fail('docker login: the rehearsal models only --password-stdin');
    const password = readFileSync(0, 'utf8').trim();
    const config = dockerConfig();
    config.auths[registry] = { auth: Buffer.from(`${user}:${password}`).toString('base64') };
    mkdirSync(dirname(config.path), { recursive: true });
    writeFileSync(config.path, JSON.stringify({ auths: config.auths }));
    process.stdout.write('Login Succeeded\n');
    return 0;
  }
  if (command === 'logout') {
    const config = dockerConfig();
    delete config.auths[rest[0] ?? ''];
    if (existsSync(config.path)) writeFileSync(config.path, JSON.stringify({ auths: config.auths }));
    process.stdout.write(`Removing login credentials for ${rest[0]}\n`);
    return 0;
  }
  if (command === 'buildx' && rest[0] === 'build') {
    const options = rest.slice(1);
    const values = (flag: string) => options.flatMap((value, i) => (options[i - 1] === flag ? [value] : []));
    const tags = values('--tag');
    const metadataFile = values('--metadata-file')[0];
    if (!options.includes('--push') || !metadataFile || tags.length === 0)
      fail('docker buildx build: the rehearsal models only --tag ... --push --metadata-file');
    const registry = (tags[0] ?? '').split('/')[0] ?? '';
    const auth = dockerConfig().auths[registry]?.auth;
    if (!auth) fail(`docker buildx build: no credentials for ${registry} (docker login first)`);
    const password = Buffer.from(auth, 'base64').toString('utf8').split(':').slice(1).join(':');
    const response = await control('docker-push', {
      password,
      tags,
      dockerfile: values('--file')[0] ?? 'Dockerfile',
      cacheTo: values('--cache-to')[0] ?? '',
      workspace: process.cwd(),
    });
    process.stdout.write(response.output);
    if (response.exitCode !== 0) return response.exitCode;
    writeFileSync(
      metadataFile,
      JSON.stringify({ 'containerimage.digest': response.data.digest, 'image.name': tags.join(',') }),
    );
    return 0;
  }
  fail(`docker ${args.join(' ')}: not modelled by the rehearsal's docker stand-in`);
}

async function tool(name: string, args: string[]): Promise<number> {
  if (name === 'docker') return docker(args);
  if (name === 'npm') {
    if (args[0] === 'ci') {
      process.stdout.write('npm ci (stand-in): the rehearsal workspace links the installed node_modules\n');
      return 0;
    }
    fail(`npm ${args.join(' ')}: not modelled by the rehearsal's npm stand-in`);
  }
  if (name === 'npx' && args[0] === 'cdk') {
    const response = await control('cdk', {
      args: args.slice(1),
      cwd: process.cwd(),
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
    });
    process.stdout.write(response.output);
    return response.exitCode;
  }
  fail(`${name} ${args.join(' ')}: not modelled by the rehearsal's stand-ins`);
}

async function main(): Promise<void> {
  const [kind, name = '', ...args] = process.argv.slice(2);
  if (kind === 'action') {
    const action = ACTIONS[name];
    if (!action) fail(`no stand-in for ${name}`);
    await action();
    return;
  }
  if (kind === 'tool') {
    process.exitCode = await tool(name, args);
    return;
  }
  fail(`usage: stand-in.cjs action <owner/repo> | tool <name> args...`);
}

void main();
