// jest globalSetup of the actions project: builds what the rehearsal runs outside jest (build.mjs).
import { buildRehearsal } from './build.mjs';

export default async function globalSetup() {
  await buildRehearsal();
}
