/**
 * The path a request has inside the service once the base path is removed, or undefined when the
 * request lies outside the base path. `/pr-42` itself maps to '' so callers can redirect it to `/pr-42/`.
 */
export function pathWithinBase(requestPath: string, basePath: string): string | undefined {
  if (basePath === '') return requestPath;
  if (requestPath === basePath) return '';
  return requestPath.startsWith(`${basePath}/`) ? requestPath.slice(basePath.length) : undefined;
}
