import { cleanup } from './cleanup';

void cleanup();
