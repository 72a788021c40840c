import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct, type IConstruct } from 'constructs';
import { REPOSITORY_NAMES, type ServiceName } from '../../naming';

export interface RegistryProps {
  /** Tag every new environment starts from; never expired. */
  readonly bootstrapImageTag: string;
  /**
   * Newest images kept per repository once the pr-, cache and bootstrap rules have run.
   * @default 100
   */
  readonly keepImages?: number;
  /**
   * Days after which `pr-*` images expire.
   * @default 14
   */
  readonly previewImageDays?: number;
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
    const create = (service: ServiceName) => {
      const repository = new ecr.Repository(this, `${service}Repository`, {
        repositoryName: REPOSITORY_NAMES[service],
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.AES_256,
        // Images deployed to prod live here; losing them with the stack would strand rollbacks.
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [
          // ECR never lets a lower-priority rule expire an image a higher-priority rule selected,
          // so these two rules protect the bootstrap image and the build cache.
          { rulePriority: 1, tagPatternList: [props.bootstrapImageTag], maxImageCount: 1 },
          { rulePriority: 2, tagPatternList: [BUILD_CACHE_TAG], maxImageCount: 1 },
          {
            rulePriority: 3,
            tagPatternList: ['pr-*'],
            maxImageAge: Duration.days(props.previewImageDays ?? 14),
          },
          {
            rulePriority: 4,
            tagStatus: ecr.TagStatus.UNTAGGED,
            maxImageAge: Duration.days(props.untaggedImageDays ?? 7),
          },
          { rulePriority: 5, tagStatus: ecr.TagStatus.ANY, maxImageCount: props.keepImages ?? 100 },
        ],
      });
      // Every tag is immutable except the layer cache, which each build overwrites.
      const cfn = repository.node.defaultChild as ecr.CfnRepository;
      cfn.imageTagMutability = 'IMMUTABLE_WITH_EXCLUSION';
      cfn.imageTagMutabilityExclusionFilters = [
        {
          imageTagMutabilityExclusionFilterType: 'WILDCARD',
          imageTagMutabilityExclusionFilterValue: BUILD_CACHE_TAG,
        },
      ];
      return repository;
    };
    this.repositories = { backend: create('backend'), frontend: create('frontend') };
    this.publicEcrCache = new ecr.CfnPullThroughCacheRule(this, 'PublicEcrCache', {
      ecrRepositoryPrefix: PUBLIC_ECR_MIRROR_PREFIX,
      upstreamRegistryUrl: 'public.ecr.aws',
    });
  }
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
