import { readFile } from 'node:fs/promises';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  type DeployOutputsDocument,
  deployOutputsParameter,
  parseDeployOutputs,
  type ServiceOutputs,
} from '@ragchat/infra/deploy-contract';
import { awsCall } from './aws-error';
import { InputError, optionalInput, requiredInput } from './inputs';

/** The services this product deploys; the keys of `services` in the deploy outputs. */
export const SERVICES = ['backend', 'frontend'] as const;

/** The required `service` input, one of SERVICES. */
export function serviceInput(): string {
  const service = requiredInput('service');
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new InputError('service', `must be one of ${SERVICES.join(', ')} (got '${service}')`);
  }
  return service;
}

export type DeployOutputsSource =
  | { readonly kind: 'ssm'; readonly environment: string; readonly parameter: string }
  | { readonly kind: 'file'; readonly path: string };

const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Reads the `environment` / `deploy-outputs-file` inputs; the file wins when both are given. */
export function deployOutputsSourceInput(): DeployOutputsSource {
  const path = optionalInput('deploy-outputs-file');
  if (path !== undefined) return { kind: 'file', path };
  const environment = environmentInput();
  if (environment === undefined) {
    throw new InputError('environment', 'is required (or set deploy-outputs-file)');
  }
  return { kind: 'ssm', environment, parameter: deployOutputsParameter(environment) };
}

export function environmentInput(): string | undefined {
  const environment = optionalInput('environment');
  if (environment !== undefined && !ENVIRONMENT_NAME.test(environment)) {
    throw new InputError(
      'environment',
      `must be a lowercase name like staging or pr-42 (got '${environment}')`,
    );
  }
  return environment;
}

export async function loadDeployOutputs(
  source: DeployOutputsSource,
  ssm: SSMClient,
): Promise<DeployOutputsDocument> {
  if (source.kind === 'file') {
    const text = await readFile(source.path, 'utf8').catch((error: unknown) => {
      throw new Error(`Cannot read deploy outputs file ${source.path}: ${(error as Error).message}`);
    });
    return parseDeployOutputs(text, source.path);
  }
  const response = await awsCall(`SSM GetParameter ${source.parameter}`, () =>
    ssm.send(new GetParameterCommand({ Name: source.parameter })),
  );
  const value = response.Parameter?.Value;
  if (value === undefined) throw new Error(`SSM parameter ${source.parameter} has no value`);
  return parseDeployOutputs(value, source.parameter);
}

/** The entry of `service`, or an error naming the service and the services that exist. */
export function serviceOutputs(outputs: DeployOutputsDocument, service: string): ServiceOutputs {
  const entry = outputs.services[service];
  if (entry === undefined) {
    const known = Object.keys(outputs.services).join(', ') || 'none';
    throw new Error(
      `Deploy outputs of ${outputs.environment} have no service '${service}' (services: ${known})`,
    );
  }
  return entry;
}
