export const DEFAULT_EMBEDDING_MODEL_ID = 'amazon.titan-embed-text-v2:0';
export const DEFAULT_GENERATION_MODEL_ID = 'meta.llama3-8b-instruct-v1:0';

export interface GuardrailSettings {
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

/**
 * What a deployment chooses about Bedrock. Defined once here; config.ts reads and validates it from
 * the environment (bounds there), so nothing below re-checks it.
 */
export interface BedrockSettings {
  readonly region: string;
  /** Overrides the regional endpoint (tests point it at a local fake). */
  readonly endpoint?: string | undefined;
  readonly embeddingModelId: string;
  readonly generationModelId: string;
  /** Total attempts per call, first one included; only this module's policy retries. */
  readonly maxAttempts: number;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP?: number | undefined;
  readonly guardrail?: GuardrailSettings | undefined;
}

export interface BedrockOptions extends BedrockSettings {
  /** Time budget for one embedding call or one whole answer stream, retries and backoff included. */
  readonly requestTimeoutMs: number;
  /** Static credentials; omitted means the SDK's default chain (the ECS task role in AWS). */
  readonly credentials?: StaticCredentials | undefined;
  /** Injected in tests so backoff runs without waiting. */
  readonly sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  /** Injected in tests so jitter is predictable; returns a number in [0, 1). */
  readonly random?: (() => number) | undefined;
  /** Injected in tests; milliseconds on a monotonic clock. */
  readonly now?: (() => number) | undefined;
}
