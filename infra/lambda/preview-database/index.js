// Custom resource handler: creates a preview's PostgreSQL role and database on Create and drops
// them on Delete. Deployed as inline code, so it uses only Node.js built-ins and the AWS SDK the
// Lambda runtime ships; hence the small PostgreSQL wire-protocol client below (TLS + SCRAM-SHA-256,
// simple queries), which is all RDS needs.
const crypto = require('node:crypto');
const net = require('node:net');
const tls = require('node:tls');

const IDENTIFIER = /^ragchat_pr_[0-9]{1,6}$/;
const PASSWORD = /^[A-Za-z0-9]{16,128}$/;

class PgError extends Error {
  constructor(fields) {
    super(`PostgreSQL ${fields.C ?? ''}: ${fields.M ?? 'unknown error'}`);
    this.name = 'PgError';
    this.code = fields.C;
  }
}

function message(type, body) {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function cstring(text) {
  return Buffer.from(`${text}\0`, 'utf8');
}

function int32(value) {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value, 0);
  return buffer;
}

function parseFields(body) {
  const fields = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset]);
    const end = body.indexOf(0, offset + 1);
    fields[code] = body.toString('utf8', offset + 1, end);
    offset = end + 1;
  }
  return fields;
}

/** Reads backend messages off a socket one at a time. */
class Reader {
  constructor(socket) {
    this.buffer = Buffer.alloc(0);
    this.waiting = null;
    this.failure = null;
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake();
    });
    socket.on('close', () => {
      this.failure ??= new Error('PostgreSQL connection closed');
      this.wake();
    });
  }

  wake() {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  async next() {
    for (;;) {
      if (this.buffer.length >= 5) {
        const length = this.buffer.readInt32BE(1);
        if (this.buffer.length >= length + 1) {
          const type = String.fromCharCode(this.buffer[0]);
          const body = this.buffer.subarray(5, length + 1);
          this.buffer = this.buffer.subarray(length + 1);
          return { type, body };
        }
      }
      if (this.failure) throw this.failure;
      await new Promise((resolve) => {
        this.waiting = resolve;
      });
    }
  }
}

function scram(password) {
  const clientNonce = crypto.randomBytes(18).toString('base64');
  const clientFirstBare = `n=,r=${clientNonce}`;
  const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest();
  let authMessage;
  let saltedPassword;
  return {
    initial: Buffer.from(`n,,${clientFirstBare}`, 'utf8'),
    respond(serverFirst) {
      const attributes = Object.fromEntries(serverFirst.split(',').map((part) => [part[0], part.slice(2)]));
      if (!attributes.r?.startsWith(clientNonce)) throw new Error('SCRAM: server nonce does not extend ours');
      saltedPassword = crypto.pbkdf2Sync(
        password,
        Buffer.from(attributes.s, 'base64'),
        Number(attributes.i),
        32,
        'sha256',
      );
      const clientKey = hmac(saltedPassword, 'Client Key');
      const storedKey = crypto.createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${attributes.r}`;
      authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
    },
    verify(serverFinal) {
      const expected = hmac(hmac(saltedPassword, 'Server Key'), authMessage).toString('base64');
      if (serverFinal !== `v=${expected}`) throw new Error('SCRAM: server signature mismatch');
    },
  };
}

async function openSocket({ host, port, ssl }) {
  const socket = net.connect({ host, port });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (!ssl) return socket;
  socket.write(Buffer.concat([int32(8), int32(80877103)]));
  const answer = await new Promise((resolve, reject) => {
    socket.once('data', (chunk) => resolve(chunk.toString('latin1', 0, 1)));
    socket.once('error', reject);
  });
  if (answer !== 'S') throw new Error('PostgreSQL server refused TLS');
  const secure = tls.connect({ socket, servername: host });
  await new Promise((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

/** Connects and authenticates; returns `{ query(sql) => rows, close() }`. */
async function connect({ host, port, user, password, database, ssl = true }) {
  const socket = await openSocket({ host, port, ssl });
  const reader = new Reader(socket);
  const startup = Buffer.concat([
    int32(196608),
    cstring('user'),
    cstring(user),
    cstring('database'),
    cstring(database),
    Buffer.from([0]),
  ]);
  socket.write(Buffer.concat([int32(startup.length + 4), startup]));
  let exchange;
  for (;;) {
    const { type, body } = await reader.next();
    if (type === 'E') throw new PgError(parseFields(body));
    if (type === 'Z') break;
    if (type !== 'R') continue;
    const code = body.readInt32BE(0);
    if (code === 0) continue;
    if (code === 10) {
      if (!body.toString('utf8', 4).split('\0').includes('SCRAM-SHA-256'))
        throw new Error('Server does not offer SCRAM-SHA-256');
      exchange = scram(password);
      const payload = Buffer.concat([
        cstring('SCRAM-SHA-256'),
        int32(exchange.initial.length),
        exchange.initial,
      ]);
      socket.write(message('p', payload));
    } else if (code === 11) {
      socket.write(message('p', exchange.respond(body.toString('utf8', 4))));
    } else if (code === 12) {
      exchange.verify(body.toString('utf8', 4));
    } else {
      throw new Error(`Unsupported PostgreSQL authentication method ${code} (expected SCRAM-SHA-256)`);
    }
  }
  return {
    async query(sql) {
      socket.write(message('Q', cstring(sql)));
      const rows = [];
      let error;
      for (;;) {
        const { type, body } = await reader.next();
        if (type === 'D') {
          const row = [];
          let offset = 2;
          for (let column = 0; column < body.readInt16BE(0); column++) {
            const length = body.readInt32BE(offset);
            offset += 4;
            row.push(length < 0 ? null : body.toString('utf8', offset, offset + length));
            offset += Math.max(length, 0);
          }
          rows.push(row);
        } else if (type === 'E') {
          error = new PgError(parseFields(body));
        } else if (type === 'Z') {
          if (error) throw error;
          return rows;
        }
      }
    },
    close() {
      socket.end(message('X', Buffer.alloc(0)));
    },
  };
}

const quoteIdent = (name) => {
  if (!IDENTIFIER.test(name)) throw new Error(`Refusing unexpected identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** Creates the role and database (dropping leftovers of an earlier failed attempt first). */
async function createPreviewDatabase(admin, preview) {
  if (!PASSWORD.test(preview.password)) throw new Error('Preview password must be 16-128 letters and digits');
  const name = quoteIdent(preview.dbname);
  const role = quoteIdent(preview.username);
  const client = await connect({ ...admin, database: 'postgres' });
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${role}`);
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${preview.password}'`);
    // CREATE DATABASE ... OWNER needs the creating (non-superuser) admin to be able to SET ROLE.
    await client.query(`GRANT ${role} TO CURRENT_USER`);
    await client.query(`CREATE DATABASE ${name} OWNER ${role}`);
    await client.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  } finally {
    client.close();
  }
  // pgvector needs a privileged role to install; the preview role then only uses it.
  const inDatabase = await connect({ ...admin, database: preview.dbname });
  try {
    await inDatabase.query('CREATE EXTENSION IF NOT EXISTS vector');
  } finally {
    inDatabase.close();
  }
}

/** Drops a preview database and its role, named alike; missing ones are fine. */
async function dropPreviewDatabase(admin, name) {
  const identifier = quoteIdent(name);
  const client = await connect({ ...admin, database: 'postgres' });
  try {
    await client.query(`DROP DATABASE IF EXISTS ${identifier} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${identifier}`);
  } finally {
    client.close();
  }
}

async function readSecret(arn) {
  const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  return JSON.parse(SecretString);
}

const PHYSICAL_ID_PREFIX = 'preview-database/';

function adminConnection(secret) {
  return { host: secret.host, port: Number(secret.port), user: secret.username, password: secret.password };
}

/**
 * The admin secret comes from the function's own configuration, never from the request: preview
 * stacks (whose templates a pull request writes) invoke this provider, and must not be able to point
 * it at other credentials. The preview secret and the name are checked before anything runs.
 */
function adminSecretArn(env) {
  const arn = env.ADMIN_SECRET_ARN;
  if (!arn) throw new Error('ADMIN_SECRET_ARN is not set: the provider has no host credentials');
  return arn;
}

async function handler(event, env = process.env) {
  const { PreviewSecretArn, DatabaseName } = event.ResourceProperties;
  if (!IDENTIFIER.test(String(DatabaseName))) {
    throw new Error(`DatabaseName must be ragchat_pr_<number>, got "${DatabaseName}"`);
  }
  const AdminSecretArn = adminSecretArn(env);
  const physicalId = `${PHYSICAL_ID_PREFIX}${DatabaseName}`;
  if (event.RequestType === 'Delete') {
    // The name comes from the physical id, so deleting a replaced resource drops the old database.
    // A failed Create has a physical id that is not ours and leaves nothing a later Create keeps.
    const name = event.PhysicalResourceId.startsWith(PHYSICAL_ID_PREFIX)
      ? event.PhysicalResourceId.slice(PHYSICAL_ID_PREFIX.length)
      : undefined;
    if (name !== undefined && IDENTIFIER.test(name))
      await dropPreviewDatabase(adminConnection(await readSecret(AdminSecretArn)), name);
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  if (event.RequestType === 'Update' && event.PhysicalResourceId === physicalId)
    return { PhysicalResourceId: physicalId };
  const [adminSecret, previewSecret] = await Promise.all([
    readSecret(AdminSecretArn),
    readSecret(PreviewSecretArn),
  ]);
  const preview = {
    username: previewSecret.username,
    password: previewSecret.password,
    dbname: previewSecret.dbname,
  };
  if (preview.dbname !== DatabaseName || preview.username !== DatabaseName) {
    throw new Error(`Preview secret must name role and database ${DatabaseName}`);
  }
  await createPreviewDatabase(adminConnection(adminSecret), preview);
  return { PhysicalResourceId: physicalId };
}

module.exports = { handler, connect, createPreviewDatabase, dropPreviewDatabase };
