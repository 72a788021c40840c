import { SCENARIOS, TWO_MERGES } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

// Apart from the other gates, so that jest's two workers share the scenarios evenly.
describeScenarios(
  'rehearsal: two merges in a row',
  SCENARIOS.filter((s) => s.fixture === TWO_MERGES),
);
