import {
  CRITICAL_FINDING,
  FAILING_QUERY,
  NO_OP_SMOKE_SCENARIO,
  SCENARIOS,
} from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios('rehearsal: release gates', [
  ...SCENARIOS.filter((s) => [FAILING_QUERY, CRITICAL_FINDING].includes(s.fixture)),
  NO_OP_SMOKE_SCENARIO,
]);
