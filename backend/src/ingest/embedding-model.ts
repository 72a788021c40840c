import type { Database } from '../db/database';

export class EmbeddingModelMismatchError extends Error {
  constructor(
    readonly storedModel: string,
    readonly configuredModel: string,
  ) {
    super(
      `The database holds embeddings made by '${storedModel}', but this service embeds with ` +
        `'${configuredModel}'. Searching one model's vectors with the other's returns noise. ` +
        'Point the service at its own database (DATA_DIR, DATABASE_URL or DB_SECRET), switch the ' +
        'embedding model back, or delete every document and ingest them again.',
    );
    this.name = 'EmbeddingModelMismatchError';
  }
}

/**
 * Records `model` as the corpus's embedding model, or refuses with EmbeddingModelMismatchError when
 * chunks embedded by another model exist. An empty corpus adopts the new model.
 */
export async function claimEmbeddingModel(db: Database, model: string): Promise<void> {
  const claimed = await db.knex.raw<{ rows: unknown[] }>(
    `insert into corpus_settings (singleton, embedding_model) values (true, ?)
     on conflict (singleton) do update set embedding_model = excluded.embedding_model
       where corpus_settings.embedding_model = excluded.embedding_model
          or not exists (select 1 from chunks)
     returning embedding_model`,
    [model],
  );
  if (claimed.rows.length > 0) return;
  const stored = await db.knex('corpus_settings').first<{ embedding_model: string }>('embedding_model');
  throw new EmbeddingModelMismatchError(stored?.embedding_model ?? 'an unknown model', model);
}
