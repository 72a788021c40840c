/** An AWS call that failed, with the operation name, the service's error code and the request id. */
export class AwsCallError extends Error {
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    const code = cause instanceof Error ? cause.name : 'Error';
    const detail = cause instanceof Error ? cause.message : String(cause);
    const requestId = requestIdOf(cause);
    super(`${operation} failed: ${code}: ${detail} (request id ${requestId ?? 'unknown'})`, { cause });
    this.name = 'AwsCallError';
    this.code = code;
    this.requestId = requestId;
  }
}

function requestIdOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('requestId' in metadata)) return undefined;
  return typeof metadata.requestId === 'string' ? metadata.requestId : undefined;
}

/** Runs one AWS call and turns any failure into an AwsCallError naming the operation. */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AwsCallError(operation, error);
  }
}

export function isAwsError(error: unknown, code: string): error is AwsCallError {
  return error instanceof AwsCallError && error.code === code;
}
