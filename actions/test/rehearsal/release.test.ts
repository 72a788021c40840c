import { FIRST_MERGE, RELEASE_TRAIN, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: releases from main',
  SCENARIOS.filter((s) => s.fixture === FIRST_MERGE || s.fixture === RELEASE_TRAIN),
);
