import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import { Construct } from 'constructs';

/**
 * GuardDuty detector with ECS Fargate runtime monitoring (agent managed by GuardDuty). A detector
 * is account- and region-wide: enable this in exactly one stack per account, and not at all when
 * the account already has a detector (import it in the console instead).
 */
export class GuardDutyRuntimeMonitoring extends Construct {
  public readonly detector: guardduty.CfnDetector;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.detector = new guardduty.CfnDetector(this, 'Detector', {
      enable: true,
      findingPublishingFrequency: 'FIFTEEN_MINUTES',
      features: [
        {
          name: 'RUNTIME_MONITORING',
          status: 'ENABLED',
          additionalConfiguration: [{ name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: 'ENABLED' }],
        },
      ],
    });
  }
}
