import { FIRST_MERGE, ROLLBACKS, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

// The rollback fixture continues the first merge's rehearsal, so its scenarios come after.
describeScenarios('rehearsal: releases from main and rollbacks', [
  ...SCENARIOS.filter((s) => s.fixture === FIRST_MERGE),
  ...SCENARIOS.filter((s) => s.fixture === ROLLBACKS),
]);
