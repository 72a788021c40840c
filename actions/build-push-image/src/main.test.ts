import { delimiter } from 'node:path';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  InvalidParameterException,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { ActionEnvironment } from '../../shared/src/testing/action-env';
import { installFakeDocker } from '../../shared/src/testing/fake-docker';
import { digest } from '../../shared/src/testing/fixtures';
import { decodeAuthorization, run } from './main';

const ecr = mockClient(ECRClient);
const action = new ActionEnvironment();
const docker = installFakeDocker();
const REGISTRY = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';
const SHA = 'ab12cd34'.padEnd(40, 'e');
const DIGEST = digest('d');

beforeEach(() => {
  ecr.reset();
  action.setUp();
  process.env.PATH = `${docker.dir}${delimiter}${process.env.PATH}`;
  process.env.RUNNER_TEMP = action.dir;
  docker.reset({ digest: DIGEST });
  action.inputs({ repository: 'ragchat/backend', context: 'backend', 'commit-sha': SHA });
  ecr
    .on(DescribeImagesCommand)
    .rejects(new ImageNotFoundException({ message: 'not found', $metadata: { requestId: 'r-1' } }));
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      {
        authorizationToken: Buffer.from('AWS:pa:ss').toString('base64'),
        proxyEndpoint: `https://${REGISTRY}`,
      },
    ],
  });
});
afterEach(() => action.tearDown());

describe('build-push-image', () => {
  // A re-run of the Images job: the commit tag is already in the immutable repository, and a
  // rebuild that is not byte-identical would be refused (ImageTagAlreadyExistsException).
  it('reuses the digest of a commit tag that already exists instead of building and pushing again', async () => {
    const existing = digest('e');
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: existing, imageTags: [SHA] }] });
    await run();
    expect(action.errors()).toEqual([]);
    expect(docker.calls().filter((call) => call.args[0] === 'buildx')).toEqual([]);
    expect(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'ragchat/backend',
      imageIds: [{ imageTag: SHA }],
    });
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
    expect(action.outputs()).toMatchObject({
      'image-uri': `${REGISTRY}/ragchat/backend@${existing}`,
      digest: existing,
      tags: `${REGISTRY}/ragchat/backend:${SHA}`,
    });
    expect(action.summary()).toContain('already in the repository');
  });

  it('adds an extra tag the existing image lacks, from its own manifest', async () => {
    const existing = digest('e');
    action.inputs({ tags: 'pr-42-abc' });
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: existing, imageTags: [SHA] }] });
    ecr.on(BatchGetImageCommand).resolves({
      images: [
        {
          imageManifest: '{"schemaVersion":2}',
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        },
      ],
    });
    ecr.on(PutImageCommand).resolves({});
    await run();
    expect(action.errors()).toEqual([]);
    expect(docker.calls().filter((call) => call.args[0] === 'buildx')).toEqual([]);
    expect(ecr.commandCalls(PutImageCommand).map((call) => call.args[0].input)).toEqual([
      {
        repositoryName: 'ragchat/backend',
        imageManifest: '{"schemaVersion":2}',
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        imageDigest: existing,
        imageTag: 'pr-42-abc',
      },
    ]);
    expect(action.outputs()['image-uri']).toBe(`${REGISTRY}/ragchat/backend@${existing}`);
  });

  it('logs in, builds with cache, tags with the commit and extra tags, pushes and outputs the digest URI', async () => {
    action.inputs({
      tags: 'pr-42, latest-preview\n',
      dockerfile: 'backend/Dockerfile',
      platforms: 'linux/amd64,linux/arm64',
      'build-args': 'NODE_VERSION=20\nEXTRA=a=b',
    });
    await run();

    expect(action.errors()).toEqual([]);
    const [login, build, logout] = docker.calls();
    expect(login).toEqual({
      args: ['login', '--username', 'AWS', '--password-stdin', REGISTRY],
      stdin: 'pa:ss',
    });
    const metadataFile = build?.args[build.args.indexOf('--metadata-file') + 1];
    expect(build?.args).toEqual([
      'buildx',
      'build',
      '--platform',
      'linux/amd64,linux/arm64',
      '--file',
      'backend/Dockerfile',
      '--tag',
      `${REGISTRY}/ragchat/backend:${SHA}`,
      '--tag',
      `${REGISTRY}/ragchat/backend:pr-42`,
      '--tag',
      `${REGISTRY}/ragchat/backend:latest-preview`,
      '--build-arg',
      'NODE_VERSION=20',
      '--build-arg',
      'EXTRA=a=b',
      '--cache-from',
      `type=registry,ref=${REGISTRY}/ragchat/backend:buildcache`,
      '--cache-to',
      `type=registry,ref=${REGISTRY}/ragchat/backend:buildcache,mode=max,image-manifest=true,oci-mediatypes=true`,
      '--provenance=false',
      '--sbom=false',
      '--metadata-file',
      metadataFile,
      '--push',
      'backend',
    ]);
    expect(logout).toEqual({ args: ['logout', REGISTRY], stdin: '' });
    expect(action.outputs()).toEqual({
      'image-uri': `${REGISTRY}/ragchat/backend@${DIGEST}`,
      digest: DIGEST,
      tags: [SHA, 'pr-42', 'latest-preview'].map((tag) => `${REGISTRY}/ragchat/backend:${tag}`).join('\n'),
    });
    expect(action.stdout()).toContain('::add-mask::pa:ss');
    expect(action.summary()).toContain(`${REGISTRY}/ragchat/backend@${DIGEST}`);
  });

  it('builds without the registry cache when cache is false', async () => {
    action.inputs({ cache: 'false' });
    await run();
    const build = docker.calls()[1]?.args ?? [];
    expect(build).not.toContain('--cache-from');
    expect(build).not.toContain('--cache-to');
    expect(action.summary()).toContain('off');
  });

  it('fails when the build fails, still logging out, with no outputs', async () => {
    docker.reset({ digest: DIGEST, buildExit: 1 });
    await run();
    expect(action.errors()[0]).toContain('docker');
    expect(action.errors()[0]).toContain('exit code 1');
    expect(docker.calls().map((call) => call.args[0])).toEqual(['login', 'buildx', 'logout']);
    expect(action.outputs()).toEqual({});
  });

  it('fails when buildx reports no pushed digest', async () => {
    docker.reset({});
    await run();
    expect(action.errors()).toEqual([
      'docker buildx metadata has no containerimage.digest; was the image pushed?',
    ]);
  });

  it('reports ECR errors with the operation and request id, without running docker', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejects(new InvalidParameterException({ message: 'bad', $metadata: { requestId: 'req-auth' } }));
    await run();
    expect(action.errors()).toEqual([
      'ECR GetAuthorizationToken failed: InvalidParameterException: bad (request id req-auth)',
    ]);
    expect(docker.calls()).toEqual([]);
  });

  it.each([
    [{ repository: '' }, "Input 'repository' is required"],
    [{ repository: 'Ragchat/Backend' }, "Input 'repository' is not an ECR repository name"],
    [{ 'commit-sha': 'main' }, "Input 'commit-sha' must be a lowercase hex commit SHA"],
    [{ tags: 'pr 42' }, "Input 'tags' 'pr 42' is not a valid image tag"],
    [{ platforms: 'amd64' }, "Input 'platforms' 'amd64' is not os/arch[/variant]"],
    [
      { 'build-args': 'NODE-VERSION=20' },
      "Input 'build-args' 'NODE-VERSION' is not a valid build argument name",
    ],
    [{ 'build-args': 'NODE_VERSION' }, "Input 'build-args' line 1 must look like KEY=value"],
    [{ cache: 'on' }, "Input 'cache' must be true or false"],
  ])('rejects bad input %j before calling ECR or docker', async (inputs, message) => {
    action.inputs(inputs);
    await run();
    expect(action.errors()[0]).toContain(message);
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(0);
    expect(docker.calls()).toEqual([]);
  });

  it('uses GITHUB_SHA when commit-sha is empty', async () => {
    action.inputs({ 'commit-sha': '' });
    process.env.GITHUB_SHA = SHA.replace('ab', 'ff');
    await run();
    expect(action.outputs().tags).toBe(`${REGISTRY}/ragchat/backend:${SHA.replace('ab', 'ff')}`);
  });
});

describe('decodeAuthorization', () => {
  it('splits the token at the first colon and takes the host of the proxy endpoint', () => {
    expect(decodeAuthorization(Buffer.from('AWS:a:b').toString('base64'), `https://${REGISTRY}`)).toEqual({
      user: 'AWS',
      password: 'a:b',
      registry: REGISTRY,
    });
  });

  it('rejects a token without a user', () => {
    expect(() => decodeAuthorization(Buffer.from('nouser').toString('base64'), REGISTRY)).toThrow(
      'not user:password',
    );
  });
});
