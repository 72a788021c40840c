// Custom resource handler: creates a preview's PostgreSQL role and database on Create and drops them
// on Delete. Bundled with `pg` by esbuild (NodejsFunction); the AWS SDK comes with the Lambda runtime.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';

const IDENTIFIER = /^ragchat_pr_[0-9]{1,6}$/;
const PASSWORD = /^[A-Za-z0-9]{16,128}$/;
const PHYSICAL_ID_PREFIX = 'preview-database/';

export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** RDS requires TLS; tests against a loopback server turn it off. @default true */
  readonly ssl?: boolean;
}

export interface PreviewCredentials {
  readonly username: string;
  readonly password: string;
  readonly dbname: string;
}

interface DatabaseSecret extends PreviewCredentials {
  readonly host: string;
  readonly port: number | string;
}

interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: {
    readonly PreviewSecretArn: string;
    readonly DatabaseName: string;
  };
}

/** Identifiers are interpolated into DDL (which takes no parameters), so only our own names pass. */
function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Refusing unexpected identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Runs `work` on a connection to `database` that is closed afterwards, whatever happens. */
async function withConnection<T>(
  connection: Connection,
  database: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    database,
    // Verified against the CAs Node trusts plus NODE_EXTRA_CA_CERTS (Lambda's bundle holds the RDS CAs).
    ssl: connection.ssl === false ? false : { rejectUnauthorized: true },
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the role and database (dropping leftovers of an earlier failed attempt first). */
export async function createPreviewDatabase(admin: Connection, preview: PreviewCredentials): Promise<void> {
  if (!PASSWORD.test(preview.password)) throw new Error('Preview password must be 16-128 letters and digits');
  const name = quoteIdent(preview.dbname);
  const role = quoteIdent(preview.username);
  await withConnection(admin, 'postgres', async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${role}`);
    // CREATE ROLE takes no bind parameters; the password is checked to be letters and digits above.
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${preview.password}'`);
    // CREATE DATABASE ... OWNER needs the creating (non-superuser) admin to be able to SET ROLE.
    await client.query(`GRANT ${role} TO CURRENT_USER`);
    await client.query(`CREATE DATABASE ${name} OWNER ${role}`);
    await client.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  });
  // pgvector needs a privileged role to install; the preview role then only uses it.
  await withConnection(admin, preview.dbname, (client) =>
    client.query('CREATE EXTENSION IF NOT EXISTS vector'),
  );
}

/** Drops a preview database and its role, named alike; missing ones are fine. */
export async function dropPreviewDatabase(admin: Connection, name: string): Promise<void> {
  const identifier = quoteIdent(name);
  await withConnection(admin, 'postgres', async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${identifier} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${identifier}`);
  });
}

const secrets = new SecretsManagerClient({});

async function readSecret(arn: string): Promise<DatabaseSecret> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  if (SecretString === undefined) throw new Error(`Secret ${arn} has no string value`);
  return JSON.parse(SecretString) as DatabaseSecret;
}

function adminConnection(secret: DatabaseSecret): Connection {
  return { host: secret.host, port: Number(secret.port), user: secret.username, password: secret.password };
}

/**
 * The admin secret comes from the function's own configuration, never from the request: preview
 * stacks (whose templates a pull request writes) invoke this provider, and must not be able to point
 * it at other credentials. The preview secret and the name are checked before anything runs.
 */
function adminSecretArn(env: NodeJS.ProcessEnv): string {
  const arn = env.ADMIN_SECRET_ARN;
  if (!arn) throw new Error('ADMIN_SECRET_ARN is not set: the provider has no host credentials');
  return arn;
}

export async function handler(
  event: CustomResourceEvent,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ PhysicalResourceId: string }> {
  const { PreviewSecretArn, DatabaseName } = event.ResourceProperties;
  if (!IDENTIFIER.test(String(DatabaseName))) {
    throw new Error(`DatabaseName must be ragchat_pr_<number>, got "${DatabaseName}"`);
  }
  const AdminSecretArn = adminSecretArn(env);
  const physicalId = `${PHYSICAL_ID_PREFIX}${DatabaseName}`;
  if (event.RequestType === 'Delete') {
    // The name comes from the physical id, so deleting a replaced resource drops the old database.
    // A failed Create has a physical id that is not ours and leaves nothing a later Create keeps.
    const previous = event.PhysicalResourceId ?? '';
    const name = previous.startsWith(PHYSICAL_ID_PREFIX) ? previous.slice(PHYSICAL_ID_PREFIX.length) : '';
    if (IDENTIFIER.test(name))
      await dropPreviewDatabase(adminConnection(await readSecret(AdminSecretArn)), name);
    return { PhysicalResourceId: previous };
  }
  if (event.RequestType === 'Update' && event.PhysicalResourceId === physicalId) {
    return { PhysicalResourceId: physicalId };
  }
  const [adminSecret, previewSecret] = await Promise.all([
    readSecret(AdminSecretArn),
    readSecret(PreviewSecretArn),
  ]);
  if (previewSecret.dbname !== DatabaseName || previewSecret.username !== DatabaseName) {
    throw new Error(`Preview secret must name role and database ${DatabaseName}`);
  }
  await createPreviewDatabase(adminConnection(adminSecret), {
    username: previewSecret.username,
    password: previewSecret.password,
    dbname: previewSecret.dbname,
  });
  return { PhysicalResourceId: physicalId };
}
