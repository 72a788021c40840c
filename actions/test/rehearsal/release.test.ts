import { CANCEL_MID_SHIFT, FIRST_MERGE, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: releases from main',
  SCENARIOS.filter((s) => s.fixture === FIRST_MERGE || s.fixture === CANCEL_MID_SHIFT),
);
