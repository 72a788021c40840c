import { delimiter, join } from 'node:path';
import { FakeAws } from '../../shared/src/testing/fake-aws';
import { installFakeDocker } from '../../shared/src/testing/fake-docker';
import { digest } from '../../shared/src/testing/fixtures';
import { runDist } from '../../shared/src/testing/run-dist';

const DIST = join(__dirname, '..', 'dist', 'index.js');
const REGISTRY = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';
const docker = installFakeDocker();
jest.setTimeout(60_000);

const NOT_PUSHED_YET = () => ({ error: 'ImageNotFoundException', message: 'The image does not exist' });

describe('build-push-image dist/index.js', () => {
  let aws: FakeAws;
  afterEach(() => aws.stop());

  it('logs in with the ECR token, builds and pushes through docker, and outputs the pinned URI', async () => {
    docker.reset({ digest: digest('9') });
    aws = new FakeAws({
      DescribeImages: NOT_PUSHED_YET,
      GetAuthorizationToken: () => ({
        body: {
          authorizationData: [
            {
              authorizationToken: Buffer.from('AWS:secret-password').toString('base64'),
              proxyEndpoint: `https://${REGISTRY}`,
              expiresAt: 1_900_000_000,
            },
          ],
        },
      }),
    });
    const endpoint = await aws.start();
    const result = await runDist(DIST, {
      inputs: { repository: 'ragchat/frontend', context: 'frontend', tags: 'pr-7', 'commit-sha': 'abcdef1' },
      env: { AWS_ENDPOINT_URL_ECR: endpoint, PATH: `${docker.dir}${delimiter}${process.env.PATH}` },
    });

    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({
      'image-uri': `${REGISTRY}/ragchat/frontend@${digest('9')}`,
      digest: digest('9'),
      tags: `${REGISTRY}/ragchat/frontend:abcdef1\n${REGISTRY}/ragchat/frontend:pr-7`,
    });
    expect(result.stdout).toContain('::add-mask::secret-password');
    expect(docker.calls().map((call) => call.args[0])).toEqual(['login', 'buildx', 'logout']);
    expect(docker.calls()[0]?.stdin).toBe('secret-password');
    expect(result.summary).toContain('Pushed ragchat/frontend');
  });

  it('on a re-run, outputs the digest the first run pushed and runs no docker build', async () => {
    docker.reset({ digest: digest('9') });
    aws = new FakeAws({
      DescribeImages: () => ({
        body: { imageDetails: [{ imageDigest: digest('1'), imageTags: ['abcdef1'] }] },
      }),
      GetAuthorizationToken: () => ({
        body: {
          authorizationData: [
            {
              authorizationToken: Buffer.from('AWS:secret-password').toString('base64'),
              proxyEndpoint: `https://${REGISTRY}`,
            },
          ],
        },
      }),
    });
    const endpoint = await aws.start();
    const result = await runDist(DIST, {
      inputs: { repository: 'ragchat/frontend', context: 'frontend', 'commit-sha': 'abcdef1' },
      env: { AWS_ENDPOINT_URL_ECR: endpoint, PATH: `${docker.dir}${delimiter}${process.env.PATH}` },
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs['image-uri']).toBe(`${REGISTRY}/ragchat/frontend@${digest('1')}`);
    expect(docker.calls()).toEqual([]);
  });

  it('exits 1 with the docker failure and no outputs', async () => {
    docker.reset({ buildExit: 2 });
    aws = new FakeAws({
      DescribeImages: NOT_PUSHED_YET,
      GetAuthorizationToken: () => ({
        body: {
          authorizationData: [
            {
              authorizationToken: Buffer.from('AWS:p').toString('base64'),
              proxyEndpoint: `https://${REGISTRY}`,
            },
          ],
        },
      }),
    });
    const endpoint = await aws.start();
    const result = await runDist(DIST, {
      inputs: { repository: 'ragchat/frontend', 'commit-sha': 'abcdef1' },
      env: { AWS_ENDPOINT_URL_ECR: endpoint, PATH: `${docker.dir}${delimiter}${process.env.PATH}` },
    });
    expect(result.code).toBe(1);
    expect(result.errors[0]).toContain('failed with exit code 2');
    expect(result.outputs).toEqual({});
  });
});
