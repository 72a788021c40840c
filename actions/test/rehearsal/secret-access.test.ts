import { SCENARIOS, SECRET_ACCESS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: who may read a preview automation secret',
  SCENARIOS.filter((s) => s.fixture === SECRET_ACCESS),
);
