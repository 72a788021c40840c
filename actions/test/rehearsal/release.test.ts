import { FIRST_MERGE, RELEASE_TRAIN, ROLLBACKS, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

// One account through four releases: the release train continues the first merge's rehearsal and the
// rollback fixture continues the train's, so each fixture's scenarios are checked before the next.
describeScenarios('rehearsal: releases from main, an alarm, a cancellation and rollbacks', [
  ...SCENARIOS.filter((s) => s.fixture === FIRST_MERGE),
  ...SCENARIOS.filter((s) => s.fixture === RELEASE_TRAIN),
  ...SCENARIOS.filter((s) => s.fixture === ROLLBACKS),
]);
