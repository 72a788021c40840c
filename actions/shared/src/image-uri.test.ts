import { parsePinnedImage } from './image-uri';

const DIGEST = `sha256:${'0'.repeat(64)}`;

describe('parsePinnedImage', () => {
  it('splits an ECR image pinned by digest and finds the account and region', () => {
    expect(
      parsePinnedImage(`111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend@${DIGEST}`),
    ).toEqual({
      uri: `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend@${DIGEST}`,
      registry: '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
      repository: 'ragchat/backend',
      digest: DIGEST,
      ecr: { accountId: '111122223333', region: 'eu-west-1' },
    });
  });

  it('accepts other registries without ECR details', () => {
    expect(parsePinnedImage(`public.ecr.aws/xray/aws-xray-daemon@${DIGEST}`)?.ecr).toBeUndefined();
  });

  it.each([
    'ragchat/backend:latest',
    `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend:1@${DIGEST}`,
    `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend@sha256:abc`,
    `backend@${DIGEST}`,
  ])('rejects %s', (uri) => {
    expect(parsePinnedImage(uri)).toBeUndefined();
  });
});
