import type { Podman } from './podman';

/**
 * The environment variables a service's configuration module reads, found by running that module
 * (as shipped in the image) on `environment` behind a proxy that records every name looked up.
 * Whatever the task definition sets and this does not return is read by nothing: a typo, or a
 * variable some refactoring stopped reading, which would otherwise fall back to a default unseen.
 */
export async function variablesRead(
  podman: Podman,
  image: string,
  configModule: { readonly path: string; readonly parse: string },
  environment: Readonly<Record<string, string>>,
): Promise<{ readonly read: ReadonlySet<string>; readonly error: string | undefined }> {
  const probe = [
    'const [path, parse, json] = process.argv.slice(1);',
    'const read = new Set();',
    'const env = new Proxy(JSON.parse(json), {',
    '  get: (target, key) => { if (typeof key === "string") read.add(key); return target[key]; },',
    '  has: (target, key) => { if (typeof key === "string") read.add(key); return key in target; },',
    '});',
    'let error;',
    'try { require(path)[parse](env); } catch (e) { error = String(e && e.message); }',
    'console.log(JSON.stringify({ read: [...read], error }));',
  ].join('\n');
  const output = await podman.run([
    'run',
    '--rm',
    '--network=none',
    '--read-only',
    '--entrypoint',
    'node',
    image,
    '-e',
    probe,
    configModule.path,
    configModule.parse,
    JSON.stringify(environment),
  ]);
  const result = JSON.parse(output.split('\n').pop() ?? '') as { read: string[]; error?: string };
  return { read: new Set(result.read), error: result.error };
}

/** Names set in `environment` that the service's configuration never looks at. */
export async function unreadVariables(
  podman: Podman,
  image: string,
  configModule: { readonly path: string; readonly parse: string },
  environment: Readonly<Record<string, string>>,
): Promise<string[]> {
  const { read, error } = await variablesRead(podman, image, configModule, environment);
  if (error !== undefined) throw new Error(`${configModule.path} rejects the task definition: ${error}`);
  return Object.keys(environment).filter((name) => !read.has(name));
}
