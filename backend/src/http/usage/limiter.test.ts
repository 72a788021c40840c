import type { Database } from '../../db/database';
import { createLogger } from '../../service-kit/logger';
import { LOCAL_IDENTITY } from '../identity';
import type { AppContext } from '../state';
import { createUsageLimiter } from './limiter';

const log = createLogger({ level: 'error', write: () => {} });
const context = { ip: '127.0.0.1', state: { identity: LOCAL_IDENTITY, log } } as unknown as AppContext;

const limits = { queriesPerDay: 10, generatedTokensPerDay: 100 };

test('gives up when the request signal fires while the database does not answer', async () => {
  const pending = new Promise(() => {});
  const stuck = {
    knex: { client: { acquireConnection: () => pending } },
  } as unknown as Pick<Database, 'knex'>;
  const limiter = createUsageLimiter({ db: stuck, limits, now: Date.now, log });
  const reason = new Error('the request ran out of time');
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), 20);
  await expect(limiter.admit(context, controller.signal)).rejects.toBe(reason);
});

test('with both limits 0 nothing touches the database', async () => {
  const untouchable = {
    get knex(): never {
      throw new Error('the database must not be used');
    },
  } as Pick<Database, 'knex'>;
  const limiter = createUsageLimiter({
    db: untouchable,
    limits: { queriesPerDay: 0, generatedTokensPerDay: 0 },
    now: Date.now,
    log,
  });
  const meter = await limiter.admit(context, new AbortController().signal);
  meter.recordGeneratedTokens(50);
  await limiter.close();
});
