import type { Knex } from 'knex';

export const name = '005-document-formats';

/**
 * Documents remember the format they were read from and the SHA-256 of the uploaded file (a
 * folder import skips a file whose bytes it has already stored). Chunks remember where they sit:
 * their character range in the document's content, the PDF page and the heading path, so a
 * citation can open the passage. Rows written before this migration keep nulls there.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table documents
      add column format text not null default 'text'
        check (format in ('pdf', 'docx', 'html', 'markdown', 'text')),
      add column file_sha256 text check (file_sha256 ~ '^[0-9a-f]{64}$')`);
  await knex.raw(`
    alter table chunks
      add column start_offset integer check (start_offset >= 0),
      add column end_offset integer,
      add column page integer check (page >= 1),
      add column heading_path jsonb check (jsonb_typeof(heading_path) = 'array'),
      add constraint chunks_offsets_check check (end_offset >= start_offset)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table chunks
      drop constraint chunks_offsets_check,
      drop column heading_path,
      drop column page,
      drop column end_offset,
      drop column start_offset`);
  await knex.raw('alter table documents drop column file_sha256, drop column format');
}
