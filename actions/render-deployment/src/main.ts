import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { SSMClient } from '@aws-sdk/client-ssm';
import { renderPlaceholders } from '@ragchat/infra/deploy-contract';
import {
  APPSPEC_FORMATS,
  HOOK_NAMES,
  renderAppSpec,
  TASK_DEFINITION_PLACEHOLDER,
} from '../../shared/src/appspec';
import {
  deployOutputsSourceInput,
  loadDeployOutputs,
  serviceInput,
  serviceOutputs,
} from '../../shared/src/deploy-outputs';
import { parsePinnedImage } from '../../shared/src/image-uri';
import { enumInput, InputError, keyValueInput, optionalInput } from '../../shared/src/inputs';
import {
  assertTaskDefinition,
  findContainer,
  setEnvironment,
  setSecrets,
} from '../../shared/src/task-definition';

/** `CONTAINER.NAME=value` entries grouped by container. */
type PerContainer = Map<string, Record<string, string>>;

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function perContainerInput(name: string): PerContainer {
  const grouped: PerContainer = new Map();
  for (const { key, value } of keyValueInput(name)) {
    const dot = key.indexOf('.');
    const container = key.slice(0, dot);
    const variable = key.slice(dot + 1);
    if (dot < 1 || !VARIABLE_NAME.test(variable)) {
      throw new InputError(name, `entry '${key}' must look like CONTAINER.NAME=value`);
    }
    grouped.set(container, { ...grouped.get(container), [variable]: value });
  }
  return grouped;
}

function readInputs() {
  const service = serviceInput();
  const images = new Map<string, string>();
  for (const { key, value } of keyValueInput('images')) {
    if (parsePinnedImage(value) === undefined) {
      throw new InputError(
        'images',
        `image for ${key} must be pinned by digest (…@sha256:<digest>), got '${value}'`,
      );
    }
    images.set(key, value);
  }
  if (images.size === 0)
    throw new InputError('images', 'is required (one container=image-uri@sha256:… per line)');
  const hooks = keyValueInput('hooks').map(({ key, value }) => {
    const hook = HOOK_NAMES.find((name) => name === key);
    if (hook === undefined) throw new InputError('hooks', `'${key}' is not one of ${HOOK_NAMES.join(', ')}`);
    return { hook, lambda: value };
  });
  const outputDir =
    optionalInput('output-dir') ?? join(process.env.RUNNER_TEMP || tmpdir(), 'render-deployment', service);
  return {
    source: deployOutputsSourceInput(),
    service,
    template: optionalInput('template') ?? join('infra', 'taskdefs', `${service}.json`),
    images,
    environment: perContainerInput('environment-variables'),
    secrets: perContainerInput('secrets'),
    hooks,
    appSpecFormat: enumInput('appspec-format', APPSPEC_FORMATS, 'yaml'),
    outputDir,
  };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const outputs = await loadDeployOutputs(inputs.source, new SSMClient({}));
    const service = serviceOutputs(outputs, inputs.service);

    const templateText = await readFile(inputs.template, 'utf8').catch((error: unknown) => {
      throw new Error(`Cannot read template ${inputs.template}: ${(error as Error).message}`);
    });
    let template: unknown;
    try {
      template = JSON.parse(templateText);
    } catch (error) {
      throw new Error(`Template ${inputs.template} is not valid JSON: ${(error as Error).message}`);
    }
    const context = { outputs, service, image: Object.fromEntries(inputs.images) };
    const taskDefinition = renderPlaceholders(template, context);
    assertTaskDefinition(taskDefinition);

    // Each listed container gets its own image, whether the template has a placeholder there or not.
    for (const [name, image] of inputs.images) {
      findContainerFor('images', taskDefinition, name).image = image;
    }
    setEnvironment(findContainer(taskDefinition, service.containerName), service.environment);
    for (const [name, variables] of inputs.environment) {
      setEnvironment(findContainerFor('environment-variables', taskDefinition, name), variables);
    }
    for (const [name, secrets] of inputs.secrets) {
      setSecrets(findContainerFor('secrets', taskDefinition, name), secrets);
    }
    const trafficContainer = findContainer(taskDefinition, service.containerName);
    if (!trafficContainer.portMappings?.some((mapping) => mapping.containerPort === service.containerPort)) {
      throw new Error(
        `Container ${service.containerName} has no port mapping for containerPort ${service.containerPort} from the deploy outputs`,
      );
    }

    await mkdir(inputs.outputDir, { recursive: true });
    const taskDefinitionPath = join(inputs.outputDir, 'taskdef.json');
    const appSpecPath = join(inputs.outputDir, `appspec.${inputs.appSpecFormat}`);
    await writeFile(taskDefinitionPath, `${JSON.stringify(taskDefinition, null, 2)}\n`);
    const appSpec = renderAppSpec(
      {
        taskDefinition: TASK_DEFINITION_PLACEHOLDER,
        containerName: service.containerName,
        containerPort: service.containerPort,
        capacityProviderStrategy: service.capacityProviderStrategy,
        hooks: inputs.hooks,
      },
      inputs.appSpecFormat,
    );
    await writeFile(appSpecPath, appSpec);

    core.setOutput('task-definition-path', taskDefinitionPath);
    core.setOutput('appspec-path', appSpecPath);
    core.setOutput('container-name', service.containerName);
    core.setOutput('container-port', service.containerPort);
    core.info(`Rendered ${taskDefinitionPath} (family ${taskDefinition.family}) and ${appSpecPath}`);

    await core.summary
      .addHeading(`Rendered ${inputs.service} for ${outputs.environment}`, 2)
      .addTable([
        ['Container', 'Image', 'Environment variables', 'Secrets'].map((data) => ({ data, header: true })),
        ...(taskDefinition.containerDefinitions ?? []).map((container) => [
          container.name ?? '',
          container.image ?? '',
          String(container.environment?.length ?? 0),
          String(container.secrets?.length ?? 0),
        ]),
      ])
      .addRaw(
        `<p>Family <code>${taskDefinition.family}</code>; traffic to ${service.containerName}:${service.containerPort}` +
          `${inputs.hooks.length > 0 ? `; hooks ${inputs.hooks.map((entry) => entry.hook).join(', ')}` : ''}</p>`,
      )
      .write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

function findContainerFor(
  input: string,
  taskDefinition: Parameters<typeof findContainer>[0],
  name: string,
): ReturnType<typeof findContainer> {
  try {
    return findContainer(taskDefinition, name);
  } catch (error) {
    throw new InputError(input, (error as Error).message);
  }
}
