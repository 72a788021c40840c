import type { Knex } from 'knex';
import type pg from 'pg';
import type { Database } from './database';

/**
 * Runs one named prepared statement on a connection of `db`'s pool (or of the transaction `db.knex`
 * is, which hands out its own connection), straight through node-postgres: for a hot statement
 * knex's query builder costs more Node CPU than the driver (it rescans the SQL text for `?`
 * placeholders on every call). `text` uses `$n` placeholders.
 */
export async function queryPrepared<Row extends pg.QueryResultRow>(
  db: Pick<Database, 'knex'>,
  name: string,
  text: string,
  values: readonly unknown[],
): Promise<Row[]> {
  const client = db.knex.client as Knex.Client;
  const connection = (await client.acquireConnection()) as pg.ClientBase;
  try {
    return await queryPreparedOn<Row>(connection, name, text, values);
  } finally {
    await client.releaseConnection(connection);
  }
}

/** queryPrepared on a connection the caller has acquired from the pool (and releases). */
export async function queryPreparedOn<Row extends pg.QueryResultRow>(
  connection: pg.ClientBase,
  name: string,
  text: string,
  values: readonly unknown[],
): Promise<Row[]> {
  const result = await connection.query<Row>({ name, text, values: [...values] });
  return result.rows;
}
