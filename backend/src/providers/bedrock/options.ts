export const DEFAULT_EMBEDDING_MODEL_ID = 'amazon.titan-embed-text-v2:0';
export const DEFAULT_GENERATION_MODEL_ID = 'meta.llama3-8b-instruct-v1:0';

export interface GuardrailOptions {
  /** Guardrail id or ARN. */
  readonly identifier: string;
  /** A version number, or `DRAFT`. */
  readonly version: string;
  /** `async` streams tokens before the guardrail has checked them; `sync` (Bedrock's default) holds them back. */
  readonly streamProcessingMode?: 'sync' | 'async' | undefined;
}

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface BedrockOptions {
  readonly region: string;
  /** Overrides the regional endpoint (tests point it at a local fake). */
  readonly endpoint?: string | undefined;
  readonly embeddingModelId: string;
  readonly generationModelId: string;
  /** Total attempts per call, first one included; only this module's policy retries. */
  readonly maxAttempts: number;
  /** Time budget for one embedding call or one whole answer stream, retries and backoff included. */
  readonly requestTimeoutMs: number;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP?: number | undefined;
  readonly guardrail?: GuardrailOptions | undefined;
  /** Static credentials; omitted means the SDK's default chain (the ECS task role in AWS). */
  readonly credentials?: StaticCredentials | undefined;
  /** Injected in tests so backoff runs without waiting. */
  readonly sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  /** Injected in tests so jitter is predictable; returns a number in [0, 1). */
  readonly random?: (() => number) | undefined;
  /** Injected in tests; milliseconds on a monotonic clock. */
  readonly now?: (() => number) | undefined;
}

/** Rejects settings Bedrock would refuse on every call, so a bad deployment fails at start. */
export function assertValidOptions(options: BedrockOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1 || options.maxAttempts > 10)
    problems.push(`maxAttempts must be an integer from 1 to 10, got ${options.maxAttempts}`);
  if (!Number.isFinite(options.requestTimeoutMs) || options.requestTimeoutMs <= 0)
    problems.push(`requestTimeoutMs must be positive, got ${options.requestTimeoutMs}`);
  if (!Number.isInteger(options.maxTokens) || options.maxTokens < 1)
    problems.push(`maxTokens must be a positive integer, got ${options.maxTokens}`);
  if (!(options.temperature >= 0 && options.temperature <= 1))
    problems.push(`temperature must be within [0, 1], got ${options.temperature}`);
  if (options.topP !== undefined && !(options.topP > 0 && options.topP <= 1))
    problems.push(`topP must be within (0, 1], got ${options.topP}`);
  if (options.region.trim() === '') problems.push('region must not be empty');
  if (options.embeddingModelId.trim() === '') problems.push('embeddingModelId must not be empty');
  if (options.generationModelId.trim() === '') problems.push('generationModelId must not be empty');
  if (problems.length > 0) throw new Error(`Invalid Bedrock provider options: ${problems.join('; ')}`);
}
