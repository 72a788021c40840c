import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import { Construct } from 'constructs';

export interface GuardrailProps {
  /** Deployment name; names the guardrail. */
  readonly deployment: string;
  /** Topics the assistant refuses. */
  readonly deniedTopics: readonly { readonly name: string; readonly definition: string }[];
}

const BLOCKED_MESSAGE = 'The content filter blocked this question.';
const FILTERED_ANSWER_MESSAGE = 'The content filter stopped this answer.';

/**
 * The Bedrock guardrail every question and answer passes: content filters, PII handling (credentials
 * and payment data blocked, contact details anonymised in answers) and the configured denied topics.
 * `version` is a published version, so a guardrail edit reaches the backend only with a deploy.
 */
export class Guardrail extends Construct {
  public readonly guardrail: bedrock.CfnGuardrail;
  public readonly version: bedrock.CfnGuardrailVersion;
  public readonly guardrailId: string;
  public readonly guardrailArn: string;

  constructor(scope: Construct, id: string, props: GuardrailProps) {
    super(scope, id);
    const filter = (type: string, strength: string) => ({
      type,
      inputStrength: strength,
      // Prompt attacks are judged on the input only (Bedrock requires NONE on the output).
      outputStrength: type === 'PROMPT_ATTACK' ? 'NONE' : strength,
    });
    this.guardrail = new bedrock.CfnGuardrail(this, 'Guardrail', {
      name: `ragchat-${props.deployment}`,
      description: `ragchat ${props.deployment}: content filters, PII, denied topics`,
      blockedInputMessaging: BLOCKED_MESSAGE,
      blockedOutputsMessaging: FILTERED_ANSWER_MESSAGE,
      contentPolicyConfig: {
        filtersConfig: [
          filter('HATE', 'HIGH'),
          filter('INSULTS', 'HIGH'),
          filter('SEXUAL', 'HIGH'),
          filter('VIOLENCE', 'HIGH'),
          filter('MISCONDUCT', 'HIGH'),
          filter('PROMPT_ATTACK', 'HIGH'),
        ],
      },
      sensitiveInformationPolicyConfig: {
        piiEntitiesConfig: [
          ...[
            'AWS_ACCESS_KEY',
            'AWS_SECRET_KEY',
            'PASSWORD',
            'CREDIT_DEBIT_CARD_NUMBER',
            'US_SOCIAL_SECURITY_NUMBER',
          ].map((type) => ({ type, action: 'BLOCK' })),
          ...['EMAIL', 'PHONE'].map((type) => ({ type, action: 'ANONYMIZE' })),
        ],
      },
      ...(props.deniedTopics.length > 0
        ? {
            topicPolicyConfig: {
              topicsConfig: props.deniedTopics.map((topic) => ({
                name: topic.name,
                definition: topic.definition,
                type: 'DENY',
              })),
            },
          }
        : {}),
    });
    this.version = new bedrock.CfnGuardrailVersion(this, 'Version', {
      guardrailIdentifier: this.guardrail.attrGuardrailId,
      description: 'Published by the environment stack',
    });
    this.guardrailId = this.guardrail.attrGuardrailId;
    this.guardrailArn = this.guardrail.attrGuardrailArn;
  }
}
