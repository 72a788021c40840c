import {
  CRITICAL_FINDING,
  FAILING_QUERY,
  NO_OP_SMOKE_SCENARIO,
  SCENARIOS,
} from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios('rehearsal: release gates', [
  ...SCENARIOS.filter((s) => s.fixture === FAILING_QUERY || s.fixture === CRITICAL_FINDING),
  NO_OP_SMOKE_SCENARIO,
]);
