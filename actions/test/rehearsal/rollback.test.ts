import { ROLLBACKS, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: rollback dispatches',
  SCENARIOS.filter((s) => s.fixture === ROLLBACKS),
);
