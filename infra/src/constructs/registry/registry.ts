import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct, type IConstruct } from 'constructs';
import { REPOSITORY_NAMES, type ServiceName } from '../../naming';

export interface RegistryProps {
  /** Tag every new environment starts from; never expired. */
  readonly bootstrapImageTag: string;
  /**
   * Days without a pull after which a release image expires. Counting pulls, not pushes or a number
   * of newer images, keeps what an environment runs (every task start pulls) and recent rollback
   * targets however many images were pushed since.
   * @default 365
   */
  readonly releaseImageDays?: number;
  /**
   * Days after which untagged images expire.
   * @default 7
   */
  readonly untaggedImageDays?: number;
}

/** Tag the image build's registry layer cache is pushed under; the only mutable tag. */
export const BUILD_CACHE_TAG = 'buildcache';
/** Repository prefix of the ECR pull-through cache for public.ecr.aws. */
export const PUBLIC_ECR_MIRROR_PREFIX = 'ecr-public';

/**
 * The account's ECR repositories, shared by every environment so one image digest is promoted
 * from staging to prod, plus a pull-through cache so tasks without internet access can run
 * public.ecr.aws sidecar images.
 */
export class Registry extends Construct {
  public readonly repositories: Readonly<Record<ServiceName, ecr.Repository>>;
  public readonly publicEcrCache: ecr.CfnPullThroughCacheRule;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    const create = (service: ServiceName) =>
      imageRepository(this, `${service}Repository`, REPOSITORY_NAMES[service], {
        keepTags: [props.bootstrapImageTag, BUILD_CACHE_TAG],
        imageDays: props.releaseImageDays ?? 365,
        untaggedImageDays: props.untaggedImageDays ?? 7,
      });
    this.repositories = { backend: create('backend'), frontend: create('frontend') };
    this.publicEcrCache = new ecr.CfnPullThroughCacheRule(this, 'PublicEcrCache', {
      ecrRepositoryPrefix: PUBLIC_ECR_MIRROR_PREFIX,
      upstreamRegistryUrl: 'public.ecr.aws',
    });
  }
}

/**
 * An image repository as releases and previews both need it: scanned on push, AES-256, kept when its
 * stack goes (images deployed to prod live here; losing them would strand rollbacks), every tag
 * immutable except the layer cache, which each build overwrites, and images expired by pulls.
 */
export function imageRepository(
  scope: Construct,
  id: string,
  repositoryName: string,
  lifecycle: PullCountedLifecycle,
): ecr.Repository {
  const repository = new ecr.Repository(scope, id, {
    repositoryName,
    imageScanOnPush: true,
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    encryption: ecr.RepositoryEncryption.AES_256,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  applyPullCountedLifecycle(repository, lifecycle);
  const cfn = repository.node.defaultChild as ecr.CfnRepository;
  cfn.imageTagMutability = 'IMMUTABLE_WITH_EXCLUSION';
  cfn.imageTagMutabilityExclusionFilters = [
    {
      imageTagMutabilityExclusionFilterType: 'WILDCARD',
      imageTagMutabilityExclusionFilterValue: BUILD_CACHE_TAG,
    },
  ];
  return repository;
}

/** What a repository's lifecycle policy keeps and for how long. */
export interface PullCountedLifecycle {
  /** Tags whose image never expires (the bootstrap image, the build cache). */
  readonly keepTags: readonly string[];
  /** Days without a pull after which any other tagged image expires. */
  readonly imageDays: number;
  /** Days after push after which untagged images expire. */
  readonly untaggedImageDays: number;
}

/**
 * A lifecycle policy that counts days since the last pull, not pushes or a number of newer images:
 * every task start pulls, so whatever an environment or a preview runs, and recent rollback targets,
 * never expire however many images are pushed. Written as policy text: CDK's lifecycle rules cannot
 * count sinceImagePulled.
 */
function applyPullCountedLifecycle(repository: ecr.Repository, lifecycle: PullCountedLifecycle): void {
  const expire = (rulePriority: number, description: string, selection: Record<string, unknown>) => ({
    rulePriority,
    description,
    selection,
    action: { type: 'expire' },
  });
  const rules = [
    // ECR never lets a lower-priority rule expire an image a higher-priority rule selected, so each
    // kept tag's rule protects its image.
    ...lifecycle.keepTags.map((tag, index) =>
      expire(index + 1, `Keep ${tag}`, {
        tagStatus: 'tagged',
        tagPatternList: [tag],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ),
    expire(lifecycle.keepTags.length + 1, 'Expire untagged images', {
      tagStatus: 'untagged',
      countType: 'sinceImagePushed',
      countUnit: 'days',
      countNumber: lifecycle.untaggedImageDays,
    }),
    expire(lifecycle.keepTags.length + 2, 'Expire images no task has pulled for a while', {
      tagStatus: 'any',
      countType: 'sinceImagePulled',
      countUnit: 'days',
      countNumber: lifecycle.imageDays,
    }),
  ];
  const cfn = repository.node.defaultChild as ecr.CfnRepository;
  cfn.lifecyclePolicy = { lifecyclePolicyText: JSON.stringify({ rules }) };
}

/** Registry host of the account's public.ecr.aws mirror, e.g. `<acct>.dkr.ecr.<region>.amazonaws.com/ecr-public`. */
export function publicEcrMirror(stack: Stack): string {
  return `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${PUBLIC_ECR_MIRROR_PREFIX}`;
}

/** The shared stack's repositories, as the environment and preview stacks that pull from them see them. */
export function importRepositories(scope: IConstruct): Readonly<Record<ServiceName, ecr.IRepository>> {
  return {
    backend: ecr.Repository.fromRepositoryName(scope, 'BackendRepository', REPOSITORY_NAMES.backend),
    frontend: ecr.Repository.fromRepositoryName(scope, 'FrontendRepository', REPOSITORY_NAMES.frontend),
  };
}
