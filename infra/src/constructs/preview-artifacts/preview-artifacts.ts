import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PREVIEW_REPOSITORY_NAMES, previewAssetsBucketName, type ServiceName } from '../../naming';
import { BUILD_CACHE_TAG, imageRepository } from '../registry/registry';

export interface PreviewArtifactsProps {
  /**
   * Days without a pull after which a preview image expires; a running preview pulls on every task
   * start (a Spot replacement too), and teardown deletes a closed pull request's images first.
   * @default 30
   */
  readonly imageDays?: number;
  /**
   * Days after push after which untagged images expire.
   * @default 7
   */
  readonly untaggedImageDays?: number;
  /**
   * Days after which published preview templates and file assets expire.
   * @default 30
   */
  readonly assetDays?: number;
}

/**
 * Where pull request previews put what they build: their own image repositories and a bucket for
 * the preview stacks' templates and file assets. Both are apart from what releases use (the
 * release repositories, the CDK bootstrap bucket), so the preview role can write here and nowhere
 * a release reads from.
 */
export class PreviewArtifacts extends Construct {
  public readonly repositories: Readonly<Record<ServiceName, ecr.Repository>>;
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PreviewArtifactsProps = {}) {
    super(scope, id);
    const create = (service: ServiceName) =>
      imageRepository(this, `${service}Repository`, PREVIEW_REPOSITORY_NAMES[service], {
        keepTags: [BUILD_CACHE_TAG],
        imageDays: props.imageDays ?? 30,
        untaggedImageDays: props.untaggedImageDays ?? 7,
      });
    this.repositories = { backend: create('backend'), frontend: create('frontend') };

    const stack = Stack.of(this);
    this.bucket = new s3.Bucket(this, 'Assets', {
      bucketName: previewAssetsBucketName(stack.account, stack.region),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.assetDays ?? 30) }],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Holds only preview templates and file assets, rebuilt from git on every push; CloudTrail records who wrote them.',
    });
  }
}
