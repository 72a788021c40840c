import { Client } from 'pg';
import {
  type Connection,
  createPreviewDatabase,
  dropPreviewDatabase,
  handler,
} from '../../lambda/preview-database/index';
import { postgresInstalled, type ScramPostgres, startScramPostgres } from '../support/postgres';

const describeWithPostgres = postgresInstalled ? describe : describe.skip;

async function query(connection: Connection, database: string, sql: string): Promise<unknown[][]> {
  const client = new Client({ ...connection, database, ssl: false });
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

describeWithPostgres('preview database handler against PostgreSQL (SCRAM-SHA-256)', () => {
  let server: ScramPostgres;
  let admin: Connection;
  const preview = { username: 'ragchat_pr_42', password: 'PreviewPassw0rd1234', dbname: 'ragchat_pr_42' };
  const asPreview: () => Connection = () => ({
    host: '127.0.0.1',
    port: server.port,
    user: preview.username,
    password: preview.password,
    ssl: false,
  });

  beforeAll(async () => {
    server = await startScramPostgres();
    admin = { host: '127.0.0.1', port: server.port, user: 'postgres', password: server.password, ssl: false };
  }, 60_000);
  afterAll(() => server?.stop());

  it('refuses a wrong admin password (the SCRAM exchange is real)', async () => {
    await expect(createPreviewDatabase({ ...admin, password: 'wrong' }, preview)).rejects.toMatchObject({
      code: '28P01',
    });
  });

  it('insists on TLS unless told otherwise, as RDS connections need', async () => {
    const { ssl: _plain, ...withDefaultTls } = admin;
    await expect(dropPreviewDatabase(withDefaultTls, preview.dbname)).rejects.toThrow(/SSL/i);
  });

  it('creates a role and database the preview can use, with pgvector installed', async () => {
    await createPreviewDatabase(admin, preview);
    expect(await query(asPreview(), preview.dbname, 'SELECT current_user, current_database()')).toEqual([
      [preview.username, preview.dbname],
    ]);
    await query(asPreview(), preview.dbname, 'CREATE TABLE chunks (id int, embedding vector(3))');
    await query(asPreview(), preview.dbname, "INSERT INTO chunks VALUES (1, '[1,2,3]')");
    expect(await query(asPreview(), preview.dbname, 'SELECT embedding::text FROM chunks')).toEqual([
      ['[1,2,3]'],
    ]);
  });

  it('is idempotent: a repeated create starts from a clean database', async () => {
    await createPreviewDatabase(admin, preview);
    expect(
      await query(
        asPreview(),
        preview.dbname,
        "SELECT count(*)::int FROM pg_tables WHERE tablename = 'chunks'",
      ),
    ).toEqual([[0]]);
  });

  it('drops the database and the role, even with the preview still connected', async () => {
    const lingering = new Client({ ...asPreview(), database: preview.dbname });
    await lingering.connect();
    lingering.on('error', () => {
      // The forced drop terminates this session; that is the point of the test.
    });
    await dropPreviewDatabase(admin, preview.dbname);
    expect(
      await query(admin, 'postgres', `SELECT datname FROM pg_database WHERE datname = '${preview.dbname}'`),
    ).toEqual([]);
    expect(
      await query(admin, 'postgres', `SELECT rolname FROM pg_roles WHERE rolname = '${preview.username}'`),
    ).toEqual([]);
    await lingering.end().catch(() => undefined);
    await dropPreviewDatabase(admin, preview.dbname);
  });
});

describe('preview database handler input checks', () => {
  const admin = { host: '127.0.0.1', port: 1, user: 'x', password: 'y', ssl: false };

  it.each(['ragchat', 'ragchat_pr_1; DROP DATABASE x', 'RAGCHAT_PR_1', 'ragchat_pr_'])(
    'refuses the name %j',
    async (name) => {
      await expect(dropPreviewDatabase(admin, name)).rejects.toThrow(/unexpected identifier/);
    },
  );

  it('refuses a password that could break out of the SQL literal', async () => {
    await expect(
      createPreviewDatabase(admin, {
        username: 'ragchat_pr_1',
        dbname: 'ragchat_pr_1',
        password: "abc'; DROP ROLE x; --aaaaaaa",
      }),
    ).rejects.toThrow(/letters and digits/);
  });
});

describe('preview database handler requests', () => {
  // Preview stacks, whose templates a pull request writes, call this provider: what a request
  // names must never widen what it does. Both checks run before any AWS or database call.
  const event = (properties: { DatabaseName: string; AdminSecretArn?: string }) => ({
    RequestType: 'Create' as const,
    PhysicalResourceId: undefined,
    ResourceProperties: {
      PreviewSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:ragchat-pr-1-db',
      ...properties,
    },
  });

  it('refuses a database name other than ragchat_pr_<n>', async () => {
    await expect(handler(event({ DatabaseName: 'ragchat' }), { ADMIN_SECRET_ARN: 'arn:x' })).rejects.toThrow(
      'DatabaseName must be ragchat_pr_<number>, got "ragchat"',
    );
  });

  it('takes the admin secret only from its own configuration', async () => {
    await expect(
      handler(event({ DatabaseName: 'ragchat_pr_1', AdminSecretArn: 'arn:other' }), {}),
    ).rejects.toThrow('ADMIN_SECRET_ARN is not set');
  });
});
