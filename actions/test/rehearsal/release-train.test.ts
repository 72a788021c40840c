import { RELEASE_TRAIN, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: a release train with an alarm and a cancellation',
  SCENARIOS.filter((s) => s.fixture === RELEASE_TRAIN),
);
