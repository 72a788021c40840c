import { AwsError } from './errors';
import { wildcardMatch } from './iam';
import type { Caller, World } from './world';

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';

export interface ScanPlan {
  /** basic: IN_PROGRESS then COMPLETE; enhanced: PENDING then ACTIVE; or a terminal failure status. */
  readonly kind: 'basic' | 'enhanced';
  readonly findings: readonly { readonly name: string; readonly severity: Severity }[];
  /** COMPLETE/ACTIVE unless the scenario makes it FAILED or UNSUPPORTED_IMAGE. */
  readonly outcome?: 'FAILED' | 'UNSUPPORTED_IMAGE';
}

export interface Image {
  readonly digest: string;
  readonly tags: Set<string>;
  readonly pushedAt: number;
  lastPulledAt?: number;
  readonly scan: ScanPlan;
  /** Commit the image was built from (its behaviour as a task is looked up by this). */
  readonly commit: string;
}

export interface Repository {
  readonly name: string;
  readonly arn: string;
  readonly uri: string;
  readonly immutable: boolean;
  /** Tag patterns exempt from immutability (IMMUTABLE_WITH_EXCLUSION). */
  readonly mutableTags: readonly string[];
  readonly scanOnPush: boolean;
  readonly images: Map<string, Image>;
}

/** How long after a push a scan is unknown (ScanNotFoundException), then in progress. */
const SCAN_REGISTERED_AFTER_MS = 20_000;
const SCAN_DONE_AFTER_MS = 90_000;

export class Ecr {
  readonly repositories = new Map<string, Repository>();
  /** Findings per repository and commit, set by scenarios; the default is a clean image. */
  scanPlan: (repository: string, commit: string) => ScanPlan = () => ({ kind: 'basic', findings: [] });

  constructor(private readonly world: World) {}

  registry(): string {
    return `${this.world.account}.dkr.ecr.${this.world.region}.amazonaws.com`;
  }

  createRepository(
    name: string,
    immutable: boolean,
    scanOnPush: boolean,
    mutableTags: readonly string[] = [],
  ): Repository {
    const repository: Repository = {
      name,
      arn: this.world.arn('ecr', `repository/${name}`),
      uri: `${this.registry()}/${name}`,
      immutable,
      mutableTags,
      scanOnPush,
      images: new Map(),
    };
    this.repositories.set(name, repository);
    return repository;
  }

  repository(name: string | undefined): Repository {
    const repository = this.repositories.get(name ?? '');
    if (!repository) {
      throw new AwsError(
        'RepositoryNotFoundException',
        `The repository with name '${name}' does not exist in the registry with id '${this.world.account}'`,
      );
    }
    return repository;
  }

  findByUri(uri: string): { repository: Repository; image: Image } | undefined {
    const match = /^[^/]+\/(.+?)(?:@(sha256:[0-9a-f]{64})|:([\w.-]+))$/.exec(uri);
    if (!match) return undefined;
    const repository = this.repositories.get(match[1] ?? '');
    if (!repository) return undefined;
    const image = match[2]
      ? repository.images.get(match[2])
      : [...repository.images.values()].find((candidate) => candidate.tags.has(match[3] ?? ''));
    return image ? { repository, image } : undefined;
  }

  /** A `docker push` of one build: the manifest under every tag, as PutImage does it. */
  push(caller: Caller, name: string, tags: readonly string[], digest: string, commit: string): Image {
    const repository = this.repository(name);
    for (const action of [
      'ecr:InitiateLayerUpload',
      'ecr:UploadLayerPart',
      'ecr:CompleteLayerUpload',
      'ecr:PutImage',
    ]) {
      this.world.authorize(caller, action, repository.arn);
    }
    for (const tag of tags) {
      const holder = [...repository.images.values()].find((image) => image.tags.has(tag));
      if (holder && holder.digest !== digest) {
        if (repository.immutable && !repository.mutableTags.some((pattern) => wildcardMatch(pattern, tag))) {
          throw new AwsError(
            'ImageTagAlreadyExistsException',
            `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the tag is immutable.`,
          );
        }
        holder.tags.delete(tag);
      }
    }
    const image = repository.images.get(digest) ?? {
      digest,
      tags: new Set<string>(),
      pushedAt: this.world.now(),
      scan: this.scanPlan(name, commit),
      commit,
    };
    for (const tag of tags) image.tags.add(tag);
    repository.images.set(digest, image);
    return image;
  }

  private imageOf(repository: Repository, id: { imageDigest?: string; imageTag?: string } | undefined) {
    const image = id?.imageDigest
      ? repository.images.get(id.imageDigest)
      : [...repository.images.values()].find((candidate) => candidate.tags.has(id?.imageTag ?? ''));
    if (!image) {
      throw new AwsError(
        'ImageNotFoundException',
        `The image with imageId {imageDigest:'${id?.imageDigest ?? 'null'}', imageTag:'${id?.imageTag ?? 'null'}'} does not exist within the repository with name '${repository.name}' in the registry with id '${this.world.account}'`,
      );
    }
    return image;
  }

  private scanStatus(image: Image): { status: string; description: string } | undefined {
    const age = this.world.now() - image.pushedAt;
    if (age < SCAN_REGISTERED_AFTER_MS) return undefined;
    if (age < SCAN_DONE_AFTER_MS) {
      return image.scan.kind === 'basic'
        ? { status: 'IN_PROGRESS', description: 'Scan in progress' }
        : { status: 'PENDING', description: 'Scan pending' };
    }
    if (image.scan.outcome) return { status: image.scan.outcome, description: `Scan ${image.scan.outcome}` };
    return image.scan.kind === 'basic'
      ? { status: 'COMPLETE', description: 'The scan was completed successfully.' }
      : { status: 'ACTIVE', description: 'Continuous scan is selected for image.' };
  }

  private detail(repository: Repository, image: Image) {
    const scan = this.scanStatus(image);
    return {
      registryId: this.world.account,
      repositoryName: repository.name,
      imageDigest: image.digest,
      imageTags: [...image.tags],
      imagePushedAt: image.pushedAt / 1000,
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      imageSizeInBytes: 123_456_789,
      ...(image.lastPulledAt ? { lastRecordedPullTime: image.lastPulledAt / 1000 } : {}),
      ...(scan ? { imageScanStatus: scan } : {}),
    };
  }

  readonly operations: Record<string, (caller: Caller, input: any) => unknown> = {
    GetAuthorizationToken: (caller) => {
      this.world.authorize(caller, 'ecr:GetAuthorizationToken', '*');
      return {
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${caller.session.accessKeyId}`).toString('base64'),
            expiresAt: Math.min(caller.session.expiration, this.world.now() + 12 * 3600_000) / 1000,
            proxyEndpoint: `https://${this.registry()}`,
          },
        ],
      };
    },
    DescribeImages: (caller, input) => {
      const repository = this.repository(input.repositoryName);
      this.world.authorize(caller, 'ecr:DescribeImages', repository.arn);
      let images = input.imageIds
        ? (input.imageIds as { imageDigest?: string; imageTag?: string }[]).map((id) =>
            this.imageOf(repository, id),
          )
        : [...repository.images.values()];
      if (input.filter?.tagStatus === 'TAGGED') images = images.filter((image) => image.tags.size > 0);
      if (input.filter?.tagStatus === 'UNTAGGED') images = images.filter((image) => image.tags.size === 0);
      return { imageDetails: images.map((image) => this.detail(repository, image)) };
    },
    BatchDeleteImage: (caller, input) => {
      const repository = this.repository(input.repositoryName);
      this.world.authorize(caller, 'ecr:BatchDeleteImage', repository.arn);
      const imageIds: unknown[] = [];
      const failures: unknown[] = [];
      for (const id of input.imageIds as { imageDigest?: string; imageTag?: string }[]) {
        try {
          const image = this.imageOf(repository, id);
          repository.images.delete(image.digest);
          imageIds.push({ imageDigest: image.digest });
        } catch {
          failures.push({
            imageId: id,
            failureCode: 'ImageNotFound',
            failureReason: 'Requested image not found',
          });
        }
      }
      return { imageIds, failures };
    },
    DescribeImageScanFindings: (caller, input) => {
      const repository = this.repository(input.repositoryName);
      this.world.authorize(caller, 'ecr:DescribeImageScanFindings', repository.arn);
      const image = this.imageOf(repository, input.imageId);
      const scan = this.scanStatus(image);
      if (!scan) {
        throw new AwsError(
          'ScanNotFoundException',
          `Image scan does not exist for the image with '{imageDigest:'${image.digest}', imageTag:'null'}' in the repository with name '${repository.name}' in the registry with id '${this.world.account}'`,
        );
      }
      const done = scan.status === 'COMPLETE' || scan.status === 'ACTIVE';
      const counts: Record<string, number> = {};
      for (const finding of image.scan.findings)
        counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
      const findings = done
        ? image.scan.kind === 'basic'
          ? {
              imageScanFindings: {
                imageScanCompletedAt: (image.pushedAt + SCAN_DONE_AFTER_MS) / 1000,
                findingSeverityCounts: counts,
                findings: image.scan.findings.map((finding) => ({
                  name: finding.name,
                  severity: finding.severity,
                  uri: `https://nvd.nist.gov/vuln/detail/${finding.name}`,
                  attributes: [{ key: 'package_name', value: 'openssl' }],
                })),
              },
            }
          : {
              imageScanFindings: {
                findingSeverityCounts: counts,
                enhancedFindings: image.scan.findings.map((finding) => ({
                  title: finding.name,
                  severity: finding.severity,
                  fixAvailable: 'YES',
                  exploitAvailable: 'NO',
                  score: 9.8,
                  packageVulnerabilityDetails: {
                    vulnerabilityId: finding.name,
                    vulnerablePackages: [{ name: 'openssl', version: '3.0.0' }],
                  },
                })),
              },
            }
        : {};
      return {
        registryId: this.world.account,
        repositoryName: repository.name,
        imageId: { imageDigest: image.digest },
        imageScanStatus: scan,
        ...findings,
      };
    },
    BatchGetImage: (caller, input) => {
      const repository = this.repository(input.repositoryName);
      this.world.authorize(caller, 'ecr:BatchGetImage', repository.arn);
      const images = (input.imageIds as { imageDigest?: string; imageTag?: string }[]).map((id) =>
        this.imageOf(repository, id),
      );
      return {
        images: images.map((image) => ({
          registryId: this.world.account,
          repositoryName: repository.name,
          imageId: { imageDigest: image.digest },
          imageManifest: '{}',
        })),
        failures: [],
      };
    },
  };
}
