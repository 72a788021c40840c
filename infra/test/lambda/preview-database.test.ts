import { infraPath } from '../../src/paths';
import { postgresInstalled, type ScramPostgres, startScramPostgres } from '../support/postgres';

interface Connection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly ssl?: boolean;
}
interface Client {
  query(sql: string): Promise<(string | null)[][]>;
  close(): void;
}
interface PreviewDatabaseHandler {
  connect(options: Connection & { database: string }): Promise<Client>;
  createPreviewDatabase(
    admin: Connection,
    preview: { username: string; password: string; dbname: string },
  ): Promise<void>;
  dropPreviewDatabase(admin: Connection, name: string): Promise<void>;
}

// The Lambda handler is plain JavaScript shipped inline; exercise its PostgreSQL client for real.
const handler = require(infraPath('lambda', 'preview-database', 'index.js')) as PreviewDatabaseHandler;

const describeWithPostgres = postgresInstalled ? describe : describe.skip;

describeWithPostgres('preview database handler against PostgreSQL (SCRAM-SHA-256)', () => {
  let server: ScramPostgres;
  let admin: Connection;
  const preview = { username: 'ragchat_pr_42', password: 'PreviewPassw0rd1234', dbname: 'ragchat_pr_42' };
  const asPreview = () =>
    handler.connect({
      host: '127.0.0.1',
      port: server.port,
      user: preview.username,
      password: preview.password,
      database: preview.dbname,
      ssl: false,
    });
  const adminQuery = async (sql: string) => {
    const client = await handler.connect({ ...admin, database: 'postgres' });
    try {
      return await client.query(sql);
    } finally {
      client.close();
    }
  };

  beforeAll(async () => {
    server = await startScramPostgres();
    admin = { host: '127.0.0.1', port: server.port, user: 'postgres', password: server.password, ssl: false };
  }, 60_000);
  afterAll(() => server?.stop());

  it('rejects a wrong password (the SCRAM exchange is real)', async () => {
    await expect(handler.connect({ ...admin, password: 'wrong', database: 'postgres' })).rejects.toThrow(
      /28P01/,
    );
  });

  it('creates a role and database the preview can use, with pgvector installed', async () => {
    await handler.createPreviewDatabase(admin, preview);
    const client = await asPreview();
    try {
      expect(await client.query('SELECT current_user, current_database()')).toEqual([
        [preview.username, preview.dbname],
      ]);
      await client.query('CREATE TABLE chunks (id int, embedding vector(3))');
      await client.query("INSERT INTO chunks VALUES (1, '[1,2,3]')");
      expect(await client.query('SELECT embedding FROM chunks')).toEqual([['[1,2,3]']]);
    } finally {
      client.close();
    }
  });

  it('is idempotent: a repeated create starts from a clean database', async () => {
    await handler.createPreviewDatabase(admin, preview);
    const client = await asPreview();
    try {
      expect(await client.query("SELECT count(*) FROM pg_tables WHERE tablename = 'chunks'")).toEqual([
        ['0'],
      ]);
    } finally {
      client.close();
    }
  });

  it('drops the database and the role, even with the preview still connected', async () => {
    const lingering = await asPreview();
    await handler.dropPreviewDatabase(admin, preview.dbname);
    expect(await adminQuery(`SELECT datname FROM pg_database WHERE datname = '${preview.dbname}'`)).toEqual(
      [],
    );
    expect(await adminQuery(`SELECT rolname FROM pg_roles WHERE rolname = '${preview.username}'`)).toEqual(
      [],
    );
    lingering.close();
    await handler.dropPreviewDatabase(admin, preview.dbname);
  });

  it('reports SQL errors with their SQLSTATE', async () => {
    await expect(adminQuery('SELECT * FROM no_such_table')).rejects.toThrow(/42P01/);
  });
});

describe('preview database handler input checks', () => {
  const admin = { host: '127.0.0.1', port: 1, user: 'x', password: 'y', ssl: false };

  it.each(['ragchat', 'ragchat_pr_1; DROP DATABASE x', 'RAGCHAT_PR_1', 'ragchat_pr_'])(
    'refuses the name %j',
    async (name) => {
      await expect(handler.dropPreviewDatabase(admin, name)).rejects.toThrow(/unexpected identifier/);
    },
  );

  it('refuses a password that could break out of the SQL literal', async () => {
    await expect(
      handler.createPreviewDatabase(admin, {
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
  const event = (properties: Record<string, string>) => ({
    RequestType: 'Create',
    PhysicalResourceId: undefined,
    ResourceProperties: {
      PreviewSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:ragchat-pr-1-db',
      ...properties,
    },
  });
  const handle = handler as unknown as {
    handler(event: unknown, env: Record<string, string>): Promise<unknown>;
  };

  it('refuses a database name other than ragchat_pr_<n>', async () => {
    await expect(
      handle.handler(event({ DatabaseName: 'ragchat' }), { ADMIN_SECRET_ARN: 'arn:x' }),
    ).rejects.toThrow('DatabaseName must be ragchat_pr_<number>, got "ragchat"');
  });

  it('takes the admin secret only from its own configuration', async () => {
    await expect(
      handle.handler(event({ DatabaseName: 'ragchat_pr_1', AdminSecretArn: 'arn:other' }), {}),
    ).rejects.toThrow('ADMIN_SECRET_ARN is not set');
  });
});
