import {
  CRITICAL_FINDING,
  FAILING_QUERY,
  NO_OP_SMOKE_SCENARIO,
  OLDER_MERGE_LAST,
  SCENARIOS,
  TWO_MERGES,
} from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios('rehearsal: release gates', [
  ...SCENARIOS.filter((s) =>
    [FAILING_QUERY, CRITICAL_FINDING, TWO_MERGES, OLDER_MERGE_LAST].includes(s.fixture),
  ),
  NO_OP_SMOKE_SCENARIO,
]);
