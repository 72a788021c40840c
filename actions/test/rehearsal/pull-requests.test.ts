import {
  FORK_PR,
  PR_TOKEN_PROBE,
  PREVIEW,
  PREVIEW_PUSHED_WHILE_DEPLOYING,
  SCENARIOS,
} from '../../rehearsal/src/scenarios';
import { describeScenarios } from './scenario-suite';

describeScenarios(
  'rehearsal: pull requests',
  SCENARIOS.filter((s) =>
    [PREVIEW, PR_TOKEN_PROBE, FORK_PR, PREVIEW_PUSHED_WHILE_DEPLOYING].includes(s.fixture),
  ),
);
