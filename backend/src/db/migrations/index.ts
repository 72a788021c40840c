import type { Knex } from 'knex';
import * as documentsAndChunks from './001-documents-and-chunks';
import * as corpusEmbeddingModel from './002-corpus-embedding-model';
import * as inlineEmbeddings from './003-inline-embeddings';
import * as usageLimits from './004-usage-limits';
import * as documentFormats from './005-document-formats';
import * as conversations from './006-conversations';
import * as lexicalStatistics from './007-lexical-statistics';
import * as lexicalPostings from './008-lexical-postings';
import * as chunkGenerations from './009-chunk-generations';
import * as sortedPostingsInsert from './011-sorted-postings-insert';

interface NamedMigration extends Knex.Migration {
  readonly name: string;
}

/**
 * Migrations are compiled modules listed here in order (not files discovered on disk), so the same
 * list runs from `src/` under jest and from `dist/` in the image.
 */
const MIGRATIONS: readonly NamedMigration[] = [
  documentsAndChunks,
  corpusEmbeddingModel,
  inlineEmbeddings,
  usageLimits,
  documentFormats,
  conversations,
  lexicalStatistics,
  lexicalPostings,
  chunkGenerations,
  sortedPostingsInsert,
];

export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map((migration) => migration.name);

/** The name of the newest migration: the schema is ready when it has been applied. */
export const LATEST_MIGRATION = MIGRATIONS[MIGRATIONS.length - 1]!.name;
