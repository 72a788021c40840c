import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/database';
import { countCorpus } from '../../src/ingest/documents';

const OPEN_TIMEOUT_MS = 60_000;

describe('embedded database data directory', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'ragchat-datadir-')), 'nested', 'data');
  });

  afterAll(async () => {
    await rm(join(dataDir, '..', '..'), { recursive: true, force: true });
  });

  it(
    // Reopening after close (the lock is released) is covered by data-layer.test.ts.
    'creates a missing directory and refuses a second open while in use',
    async () => {
      const db = await openDatabase({ kind: 'embedded', dataDir });
      try {
        await expect(openDatabase({ kind: 'embedded', dataDir })).rejects.toThrow(
          `Could not open the embedded database in ${dataDir}: ${dataDir} is already open in this process`,
        );
        // The refused open did not disturb the open database.
        await expect(countCorpus(db)).resolves.toEqual({ documents: 0, chunks: 0 });
      } finally {
        await db.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );
});
