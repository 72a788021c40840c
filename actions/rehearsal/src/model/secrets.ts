import { randomBytes } from 'node:crypto';
import { AwsError } from './errors';
import type { Caller, World } from './world';

export interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly value: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}` */
const DYNAMIC_REFERENCE = /\{\{resolve:secretsmanager:(.+?):SecretString:([^:}]*):([^:}]*):([^:}]*)\}\}/g;

/** Secrets Manager: secrets from the templates, GetSecretValue, and CloudFormation's dynamic references. */
export class SecretsManager {
  readonly secrets = new Map<string, Secret>();

  constructor(private readonly world: World) {}

  /** AWS::SecretsManager::Secret: SecretString, or a value GenerateSecretString describes. */
  create(name: string, properties: Record<string, any>): Secret {
    const secret: Secret = {
      arn: this.world.arn('secretsmanager', `secret:${name}-${randomString(6)}`),
      name,
      value: properties.SecretString ?? generate(properties.GenerateSecretString ?? {}),
    };
    this.secrets.set(secret.arn, secret);
    return secret;
  }

  /** By ARN or by name, as every Secrets Manager API accepts. */
  find(id: string): Secret {
    const secret =
      this.secrets.get(id) ?? [...this.secrets.values()].find((candidate) => candidate.name === id);
    if (!secret)
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** The secrets the secretsmanager dynamic references in `text` name. */
  referencedBy(text: string): Secret[] {
    return [...text.matchAll(DYNAMIC_REFERENCE)].map(([, id]) => this.find(String(id)));
  }

  /** Replaces the secretsmanager dynamic references in a resolved property value. */
  resolveReferences(text: string): string {
    return text.replace(DYNAMIC_REFERENCE, (_match, id: string, jsonKey: string) => {
      const { value } = this.find(id);
      return jsonKey ? String(JSON.parse(value)[jsonKey]) : value;
    });
  }

  readonly operations: Record<string, (caller: Caller, input: any) => unknown> = {
    GetSecretValue: (caller, input) => {
      const secret = this.find(String(input.SecretId));
      this.world.authorize(caller, 'secretsmanager:GetSecretValue', secret.arn);
      return {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: 'v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: this.world.now() / 1000,
      };
    },
  };
}

function randomString(length: number): string {
  return [...randomBytes(length)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}

/** The generated value: letters and digits (the templates exclude punctuation), maybe inside a JSON template. */
function generate(options: Record<string, any>): string {
  const password = randomString(Number(options.PasswordLength ?? 32));
  if (options.SecretStringTemplate && options.GenerateStringKey) {
    return JSON.stringify({
      ...JSON.parse(options.SecretStringTemplate),
      [options.GenerateStringKey]: password,
    });
  }
  return password;
}
