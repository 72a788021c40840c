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
   * Days without a pull after which a `pr-*` image expires; a running preview pulls on every task
   * start (a Spot replacement too), and a closed pull request's images are deleted when it closes.
   * @default 30
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
      });
      const cfn = repository.node.defaultChild as ecr.CfnRepository;
      // Written as policy text: CDK's lifecycle rules cannot count sinceImagePulled.
      cfn.lifecyclePolicy = { lifecyclePolicyText: JSON.stringify(lifecyclePolicy(props)) };
      // Every tag is immutable except the layer cache, which each build overwrites.
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

function lifecyclePolicy(props: RegistryProps) {
  const rule = (
    rulePriority: number,
    description: string,
    tags: { tagStatus: 'tagged'; tagPatternList: string[] } | { tagStatus: 'untagged' | 'any' },
    count:
      | { countType: 'imageCountMoreThan'; countNumber: number }
      | { countType: 'sinceImagePushed' | 'sinceImagePulled'; countUnit: 'days'; countNumber: number },
  ) => ({ rulePriority, description, selection: { ...tags, ...count }, action: { type: 'expire' } });
  const days = (countType: 'sinceImagePushed' | 'sinceImagePulled', countNumber: number) =>
    ({ countType, countUnit: 'days', countNumber }) as const;
  return {
    rules: [
      // ECR never lets a lower-priority rule expire an image a higher-priority rule selected,
      // so these two rules protect the bootstrap image and the build cache.
      rule(
        1,
        'Keep the bootstrap image',
        { tagStatus: 'tagged', tagPatternList: [props.bootstrapImageTag] },
        { countType: 'imageCountMoreThan', countNumber: 1 },
      ),
      rule(
        2,
        'Keep the build cache',
        { tagStatus: 'tagged', tagPatternList: [BUILD_CACHE_TAG] },
        { countType: 'imageCountMoreThan', countNumber: 1 },
      ),
      rule(
        3,
        'Expire preview images no task has pulled for a while',
        { tagStatus: 'tagged', tagPatternList: ['pr-*'] },
        days('sinceImagePulled', props.previewImageDays ?? 30),
      ),
      rule(
        4,
        'Expire untagged images',
        { tagStatus: 'untagged' },
        days('sinceImagePushed', props.untaggedImageDays ?? 7),
      ),
      rule(
        5,
        'Expire release images no environment has pulled for a long time',
        { tagStatus: 'any' },
        days('sinceImagePulled', props.releaseImageDays ?? 365),
      ),
    ],
  };
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
