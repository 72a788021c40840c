import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { DeployOutputsDocument } from '../../deploy-contract';

export interface DeployOutputsProps {
  /** SSM parameter name, `/ragchat/<env>/deploy-outputs`. */
  readonly parameterName: string;
  readonly document: DeployOutputsDocument;
}

/**
 * Publishes the deploy outputs document (docs/deploy-contract.md) as one SSM String parameter, the
 * only place the deploy actions read environment facts from.
 */
export class DeployOutputs extends Construct {
  public readonly parameter: ssm.StringParameter;
  public readonly document: DeployOutputsDocument;

  constructor(scope: Construct, id: string, props: DeployOutputsProps) {
    super(scope, id);
    this.document = props.document;
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: props.parameterName,
      description: 'ragchat deploy outputs (docs/deploy-contract.md)',
      // toJsonString keeps the document valid JSON once CloudFormation resolves the tokens inside it.
      stringValue: Stack.of(this).toJsonString(props.document),
      tier: ssm.ParameterTier.STANDARD,
    });
  }
}
