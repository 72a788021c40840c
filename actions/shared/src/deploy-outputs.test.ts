import { parseDeployOutputs } from '@ragchat/infra/deploy-contract';
import { serviceOutputs } from './deploy-outputs';
import { deployOutputsDocument } from './testing/fixtures';

// parseDeployOutputs itself is tested beside it, in infra/test/deploy-contract.
describe('serviceOutputs', () => {
  it('names the services that exist when one is missing', () => {
    const outputs = parseDeployOutputs(JSON.stringify(deployOutputsDocument()), 'file');
    expect(() => serviceOutputs(outputs, 'worker')).toThrow(
      "Deploy outputs of staging have no service 'worker' (services: backend, frontend)",
    );
  });
});
