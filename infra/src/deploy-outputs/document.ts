import type { EnvironmentName } from '../config/environment-config';

/** `services.<name>` of the deploy outputs document (docs/deploy-contract.md). */
export interface ServiceOutputs {
  readonly serviceName: string;
  readonly deploymentGroup: string;
  readonly taskFamily: string;
  readonly containerName: string;
  readonly containerPort: number;
  readonly cpu: string;
  readonly memory: string;
  readonly taskRoleArn: string;
  readonly logGroup: string;
  readonly repositoryUri: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** The JSON document stored at `/ragchat/<env>/deploy-outputs`; values may be CDK tokens until synthesis. */
export interface DeployOutputsDocument {
  readonly schemaVersion: 1;
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly clusterName: string;
  readonly publicUrl: string;
  readonly testListenerUrl: string;
  readonly codeDeployApplication: string;
  readonly executionRoleArn: string;
  readonly publicEcrMirror: string;
  readonly secrets: { readonly databaseSecretArn: string; readonly adminTokenSecretArn: string };
  readonly services: { readonly backend: ServiceOutputs; readonly frontend: ServiceOutputs };
}
