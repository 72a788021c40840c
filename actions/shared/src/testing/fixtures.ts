/**
 * A deploy outputs document as docs/deploy-contract.md specifies it, for the staging environment, plus
 * `publicEcrMirror`, which infra writes (infra/src/deploy-contract/deploy-outputs.ts) and backend.json uses.
 */
export function deployOutputsDocument() {
  return {
    schemaVersion: 1,
    environment: 'staging',
    region: 'eu-west-1',
    clusterName: 'ragchat-staging',
    publicUrl: 'https://chat.example.com',
    testListenerUrl: 'http://ragchat-staging-123.eu-west-1.elb.amazonaws.com:8443',
    codeDeployApplication: 'ragchat-staging',
    executionRoleArn: 'arn:aws:iam::111122223333:role/ragchat-staging-execution',
    publicEcrMirror: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecr-public',
    secrets: {
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ragchat-staging-db-AbCdEf',
      adminTokenSecretArn:
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ragchat-staging-admin-AbCdEf',
    },
    services: {
      backend: {
        serviceName: 'ragchat-staging-backend',
        deploymentGroup: 'ragchat-staging-backend',
        taskFamily: 'ragchat-staging-backend',
        containerName: 'backend',
        containerPort: 8000,
        cpu: '512',
        memory: '1024',
        taskRoleArn: 'arn:aws:iam::111122223333:role/ragchat-staging-backend-task',
        logGroup: '/ragchat/staging/backend',
        repositoryUri: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend',
        environment: { BEDROCK_REGION: 'eu-west-1', LOG_LEVEL: 'info' },
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      },
      frontend: {
        serviceName: 'ragchat-staging-frontend',
        deploymentGroup: 'ragchat-staging-frontend',
        taskFamily: 'ragchat-staging-frontend',
        containerName: 'frontend',
        containerPort: 3000,
        cpu: '512',
        memory: '1024',
        taskRoleArn: 'arn:aws:iam::111122223333:role/ragchat-staging-frontend-task',
        logGroup: '/ragchat/staging/frontend',
        repositoryUri: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/frontend',
        environment: { BACKEND_URL: 'http://backend.ragchat-staging.local:8000' },
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      },
    },
  };
}

export const digest = (fill: string): string => `sha256:${fill.repeat(64).slice(0, 64)}`;
export const BACKEND_IMAGE = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend@${digest('b')}`;
export const FRONTEND_IMAGE = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/frontend@${digest('f')}`;
