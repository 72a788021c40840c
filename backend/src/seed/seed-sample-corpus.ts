import type { Knex } from 'knex';
import { LOCK_NAMES, lockForTransaction } from '../db/advisory-lock';
import type { Database } from '../db/database';
import { validateDocumentInput } from '../ingest/document-input';
import { type PreparedDocument, prepareDocument, sha256, writeDocument } from '../ingest/ingest-document';
import type { Embedder } from '../pipeline/types';
import { SAMPLE_CORPUS } from './corpus';

export interface SeedResult {
  /** True when this call stored the corpus; false when the corpus already had documents. */
  readonly seeded: boolean;
  /** Documents this call stored. */
  readonly documents: number;
}

/**
 * Stores the sample corpus when the database holds no documents, exactly once however many instances
 * start together: the embeddings are computed outside any transaction, then the emptiness check and
 * all writes happen in one transaction under an advisory lock, so the first instance stores the whole
 * corpus and the others find it there. A non-empty corpus is detected before any embedding is paid for.
 */
export async function seedSampleCorpus(db: Database, embedder: Embedder): Promise<SeedResult> {
  const skipped: SeedResult = { seeded: false, documents: 0 };
  if (!(await isCorpusEmpty(db.knex))) return skipped;

  const prepared: PreparedDocument[] = [];
  for (const sample of SAMPLE_CORPUS) {
    const document = validateDocumentInput({
      title: sample.title,
      content: sample.content,
      source: `sample-corpus/${sample.slug}.md`,
      metadata: { collection: 'sample', topic: sample.topic },
    });
    prepared.push(await prepareDocument(embedder, document, sha256(document.content)));
  }

  return db.knex.transaction(async (trx) => {
    await lockForTransaction(trx, LOCK_NAMES.seed);
    if (!(await isCorpusEmpty(trx))) return skipped;
    for (const document of prepared) await writeDocument(trx, document);
    return { seeded: true, documents: prepared.length };
  });
}

async function isCorpusEmpty(knex: Knex): Promise<boolean> {
  const row = await knex('documents').whereNotNull('live_generation').first('id');
  return row === undefined;
}
