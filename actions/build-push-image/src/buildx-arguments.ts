export interface BuildOptions {
  readonly context: string;
  readonly dockerfile: string | undefined;
  readonly imageName: string;
  readonly tags: readonly string[];
  readonly platforms: readonly string[];
  readonly buildArgs: readonly { readonly key: string; readonly value: string }[];
  readonly cache: boolean;
  readonly metadataFile: string;
}

/** The `docker buildx build` command line that builds, tags and pushes in one go. */
export function buildxArguments(options: BuildOptions): string[] {
  const cacheRef = `${options.imageName}:buildcache`;
  return [
    'buildx',
    'build',
    '--platform',
    options.platforms.join(','),
    ...(options.dockerfile === undefined ? [] : ['--file', options.dockerfile]),
    ...options.tags.flatMap((tag) => ['--tag', `${options.imageName}:${tag}`]),
    ...options.buildArgs.flatMap(({ key, value }) => ['--build-arg', `${key}=${value}`]),
    ...(options.cache
      ? [
          '--cache-from',
          `type=registry,ref=${cacheRef}`,
          // ECR stores registry caches only as an OCI image manifest, hence image-manifest=true.
          '--cache-to',
          `type=registry,ref=${cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`,
        ]
      : []),
    // Attestations would turn the pushed digest into an image index, which ECR scanning does not scan.
    '--provenance=false',
    '--sbom=false',
    '--metadata-file',
    options.metadataFile,
    '--push',
    options.context,
  ];
}

/** The pushed manifest digest from buildx's --metadata-file. */
export function digestFromMetadata(text: string): string {
  let metadata: unknown;
  try {
    metadata = JSON.parse(text);
  } catch {
    throw new Error('docker buildx wrote a metadata file that is not JSON');
  }
  const digest = (metadata as Record<string, unknown> | null)?.['containerimage.digest'];
  if (typeof digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new Error('docker buildx metadata has no containerimage.digest; was the image pushed?');
  }
  return digest;
}
