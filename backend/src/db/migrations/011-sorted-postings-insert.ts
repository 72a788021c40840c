import type { Knex } from 'knex';

export const name = '011-sorted-postings-insert';

/**
 * The postings trigger of migration 008 inserts a batch's postings (~40 per chunk) in their primary
 * key's order. Each row is still one btree descent, but consecutive descents now follow the same
 * path down to neighbouring leaves instead of jumping across a 4.7-million-entry index: the insert
 * of a 174-chunk batch's ~6,900 postings took 28% less time (BENCHMARKS.md, ingest). The postings
 * themselves are unchanged.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(postingsApply('order by lexeme, length(a.content_tsv), a.id'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(postingsApply(''));
}

function postingsApply(insertOrder: string): string {
  return `
    create or replace function lexical_postings_apply() returns trigger language plpgsql as $$
    begin
      if tg_op in ('DELETE', 'UPDATE') then
        delete from lexical_postings p
        using removed r, unnest(tsvector_to_array(r.content_tsv)) as lexeme
        where p.term = lexeme and p.chunk_length = length(r.content_tsv) and p.chunk_id = r.id;
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        insert into lexical_postings (term, chunk_length, chunk_id)
        select lexeme, length(a.content_tsv), a.id
        from added a, unnest(tsvector_to_array(a.content_tsv)) as lexeme
        ${insertOrder};
      end if;
      return null;
    end $$`;
}
