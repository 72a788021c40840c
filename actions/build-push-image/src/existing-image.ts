import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  type ECRClient,
  type ImageDetail,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { awsCall, isAwsError } from '../../shared/src/aws-error';

/**
 * The digest already pushed under `commitTag`, with every tag in `tags` on it, or undefined when
 * the commit has no image yet. The repository is immutable: pushing a rebuild (rarely
 * byte-identical) under an existing tag fails, so a re-run must reuse what the first run pushed.
 * Tags the image lacks are added from its own manifest (PutImage), never by rebuilding.
 */
export async function reuseExistingImage(
  ecr: ECRClient,
  repository: string,
  commitTag: string,
  tags: readonly string[],
): Promise<string | undefined> {
  let detail: ImageDetail | undefined;
  try {
    const response = await awsCall(`ECR DescribeImages ${repository}:${commitTag}`, () =>
      ecr.send(
        new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: commitTag }] }),
      ),
    );
    detail = response.imageDetails?.[0];
  } catch (error) {
    if (isAwsError(error, 'ImageNotFoundException')) return undefined;
    throw error;
  }
  const digest = detail?.imageDigest;
  if (digest === undefined) return undefined;
  const missing = tags.filter((tag) => !(detail?.imageTags ?? []).includes(tag));
  if (missing.length === 0) return digest;
  const images = await awsCall(`ECR BatchGetImage ${repository}@${digest}`, () =>
    ecr.send(new BatchGetImageCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] })),
  );
  const image = images.images?.[0];
  if (image?.imageManifest === undefined) {
    throw new Error(`ECR BatchGetImage returned no manifest for ${repository}@${digest}`);
  }
  for (const tag of missing) {
    await awsCall(`ECR PutImage ${repository}:${tag}`, () =>
      ecr.send(
        new PutImageCommand({
          repositoryName: repository,
          imageManifest: image.imageManifest,
          imageManifestMediaType: image.imageManifestMediaType,
          imageDigest: digest,
          imageTag: tag,
        }),
      ),
    );
  }
  return digest;
}
