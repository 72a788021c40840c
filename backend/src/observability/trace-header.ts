/**
 * The trace id of an `X-Amzn-Trace-Id` header (`Root=1-…;Parent=…;Sampled=1`, set by the ALB), or
 * undefined when the header is missing or malformed.
 */
export function traceRootOf(header: string | undefined): string | undefined {
  const root = header
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith('Root='))
    ?.slice('Root='.length);
  return root !== undefined && /^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(root) ? root : undefined;
}
