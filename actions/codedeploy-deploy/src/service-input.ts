import { SERVICES } from '../../shared/src/deploy-outputs';
import { InputError, requiredInput } from '../../shared/src/inputs';

export function serviceInput(): string {
  const service = requiredInput('service');
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new InputError('service', `must be one of ${SERVICES.join(', ')} (got '${service}')`);
  }
  return service;
}
