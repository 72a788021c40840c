import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { exec } from '@actions/exec';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { awsCall } from '../../shared/src/aws-error';
import {
  booleanInput,
  InputError,
  keyValueInput,
  listInput,
  optionalInput,
  requiredInput,
} from '../../shared/src/inputs';
import { buildxArguments, digestFromMetadata } from './buildx-arguments';
import { reuseExistingImage } from './existing-image';

const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const COMMIT_SHA = /^[0-9a-f]{7,40}$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readInputs() {
  const repository = requiredInput('repository');
  if (!REPOSITORY.test(repository))
    throw new InputError('repository', `is not an ECR repository name (got '${repository}')`);
  const commitSha = optionalInput('commit-sha') ?? process.env.GITHUB_SHA ?? '';
  if (!COMMIT_SHA.test(commitSha))
    throw new InputError('commit-sha', `must be a lowercase hex commit SHA (got '${commitSha}')`);
  const extraTags = listInput('tags');
  for (const tag of extraTags) {
    if (!TAG.test(tag)) throw new InputError('tags', `'${tag}' is not a valid image tag`);
  }
  const platforms = listInput('platforms');
  if (platforms.length === 0) platforms.push('linux/amd64');
  for (const platform of platforms) {
    if (!PLATFORM.test(platform)) throw new InputError('platforms', `'${platform}' is not os/arch[/variant]`);
  }
  const buildArgs = keyValueInput('build-args');
  for (const { key } of buildArgs) {
    if (!BUILD_ARG.test(key))
      throw new InputError('build-args', `'${key}' is not a valid build argument name`);
  }
  const context = optionalInput('context') ?? '.';
  return {
    repository,
    context,
    dockerfile: optionalInput('dockerfile'),
    commitSha,
    tags: [...new Set([commitSha, ...extraTags])],
    platforms,
    buildArgs,
    cache: booleanInput('cache', true),
  };
}

/** ECR's token is base64 `user:password`; the registry host is the proxy endpoint's host. */
export function decodeAuthorization(
  token: string,
  proxyEndpoint: string,
): { user: string; password: string; registry: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 1) throw new Error('ECR GetAuthorizationToken returned a token that is not user:password');
  return {
    user: decoded.slice(0, separator),
    password: decoded.slice(separator + 1),
    registry: new URL(proxyEndpoint.includes('://') ? proxyEndpoint : `https://${proxyEndpoint}`).host,
  };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const ecr = new ECRClient({});
    const existing = await reuseExistingImage(ecr, inputs.repository, inputs.commitSha, inputs.tags);
    const response = await awsCall('ECR GetAuthorizationToken', () =>
      ecr.send(new GetAuthorizationTokenCommand({})),
    );
    const data = response.authorizationData?.[0];
    if (!data?.authorizationToken || !data.proxyEndpoint) {
      throw new Error('ECR GetAuthorizationToken returned no authorization data');
    }
    const login = decodeAuthorization(data.authorizationToken, data.proxyEndpoint);
    const imageName = `${login.registry}/${inputs.repository}`;
    let digest: string;
    if (existing !== undefined) {
      digest = existing;
      core.info(
        `${inputs.repository}:${inputs.commitSha} is already in the repository as ${digest}; not rebuilding`,
      );
    } else {
      core.setSecret(login.password);
      await exec('docker', ['login', '--username', login.user, '--password-stdin', login.registry], {
        input: Buffer.from(login.password),
      });
      const workDir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'build-push-image-'));
      try {
        const metadataFile = join(workDir, 'metadata.json');
        await exec('docker', buildxArguments({ ...inputs, imageName, metadataFile }));
        digest = digestFromMetadata(await readFile(metadataFile, 'utf8'));
      } finally {
        await rm(workDir, { recursive: true, force: true });
        // The runner may be shared by later jobs; do not leave registry credentials behind.
        await exec('docker', ['logout', login.registry], { ignoreReturnCode: true });
      }
    }

    const imageUri = `${imageName}@${digest}`;
    const references = inputs.tags.map((tag) => `${imageName}:${tag}`);
    core.setOutput('image-uri', imageUri);
    core.setOutput('digest', digest);
    core.setOutput('tags', references.join('\n'));
    core.info(`Pushed ${imageUri}`);
    await core.summary
      .addHeading(`Pushed ${inputs.repository}`, 2)
      .addTable([
        [
          { data: 'Image', header: true },
          { data: `<code>${imageUri}</code>`, header: false },
        ],
        [
          { data: 'Tags', header: true },
          { data: inputs.tags.join(', '), header: false },
        ],
        [
          { data: 'Platforms', header: true },
          { data: inputs.platforms.join(', '), header: false },
        ],
        [
          { data: 'Layer cache', header: true },
          { data: inputs.cache ? `${imageName}:buildcache` : 'off', header: false },
        ],
        [
          { data: 'Build', header: true },
          {
            data:
              existing === undefined
                ? 'built and pushed'
                : 'reused: the commit tag was already in the repository',
            header: false,
          },
        ],
      ])
      .write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
