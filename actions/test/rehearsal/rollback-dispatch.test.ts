import { ROLLBACK_DISPATCHES, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: rollback dispatches, their queue and their validation',
  SCENARIOS.filter((s) => s.fixture === ROLLBACK_DISPATCHES),
);
