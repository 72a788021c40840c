/** An image reference pinned by digest: `<registry>/<repository>@sha256:<64 hex>`. */
export interface PinnedImage {
  readonly uri: string;
  readonly registry: string;
  readonly repository: string;
  readonly digest: string;
  /** Account id and region when the registry is an ECR private registry host. */
  readonly ecr: { readonly accountId: string; readonly region: string } | undefined;
}

const PINNED = /^([^/@\s]+)\/([a-z0-9][a-z0-9._\-/]*)@(sha256:[a-f0-9]{64})$/;
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** Parses a pinned image URI, or returns undefined when it is not pinned by a sha256 digest. */
export function parsePinnedImage(uri: string): PinnedImage | undefined {
  const match = PINNED.exec(uri);
  if (!match) return undefined;
  const [, registry = '', repository = '', digest = ''] = match;
  const host = ECR_HOST.exec(registry);
  return {
    uri,
    registry,
    repository,
    digest,
    ecr: host ? { accountId: host[1] ?? '', region: host[2] ?? '' } : undefined,
  };
}
