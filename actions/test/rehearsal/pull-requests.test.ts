import { FORK_PR, PR_TOKEN_PROBE, PREVIEW, SCENARIOS } from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: pull requests',
  SCENARIOS.filter((s) => [PREVIEW, PR_TOKEN_PROBE, FORK_PR].includes(s.fixture)),
);
