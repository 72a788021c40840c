import * as core from '@actions/core';
import { enumInput } from '../../shared/src/inputs';
import { type Dependencies, defaultDependencies } from './dependencies';
import { deploy } from './deploy';
import { findPrevious } from './find-previous';
import { resume } from './resume';

export const MODES = ['deploy', 'continue', 'stop', 'find-previous'] as const;

export async function run(dependencies: Dependencies = defaultDependencies): Promise<void> {
  try {
    const mode = enumInput('mode', MODES, 'deploy');
    if (mode === 'find-previous') await findPrevious(dependencies);
    else if (mode === 'deploy') await deploy(dependencies);
    else await resume(mode, dependencies);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
