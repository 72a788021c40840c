import type { ConverseStreamCommandInput, ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { Prompt } from '../../rag/prompt';
import type { GuardrailSettings } from './options';

export interface InferenceSettings {
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP?: number | undefined;
}

/** The ConverseStream request: one shape for every chat model Bedrock hosts. */
export function converseStreamInput(
  modelId: string,
  prompt: Prompt,
  inference: InferenceSettings,
  guardrail: GuardrailSettings | undefined,
): ConverseStreamCommandInput {
  return {
    modelId,
    ...(prompt.system === '' ? {} : { system: [{ text: prompt.system }] }),
    messages: prompt.messages.map((turn) => ({ role: turn.role, content: [{ text: turn.content }] })),
    inferenceConfig: {
      maxTokens: inference.maxTokens,
      temperature: inference.temperature,
      ...(inference.topP === undefined ? {} : { topP: inference.topP }),
    },
    ...(guardrail === undefined
      ? {}
      : {
          guardrailConfig: {
            guardrailIdentifier: guardrail.identifier,
            guardrailVersion: guardrail.version,
            // The trace names the policy that intervened, for the log.
            trace: 'enabled',
            ...(guardrail.streamProcessingMode === undefined
              ? {}
              : { streamProcessingMode: guardrail.streamProcessingMode }),
          },
        }),
  };
}

/** The answer text an event carries, if any (other deltas, e.g. reasoning or tool use, are not answer text). */
export function answerTextOf(event: ConverseStreamOutput): string | undefined {
  const text = event.contentBlockDelta?.delta?.text;
  return text === undefined || text === '' ? undefined : text;
}
