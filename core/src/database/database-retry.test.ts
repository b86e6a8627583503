import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { isDatabaseUnreachable, retryWhileUnreachable } from './database-retry.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database retry', () => {
  it('tells an unreachable database from a failed statement', () => {
    const unreachable = [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'all addresses failed'),
    ];
    for (const error of unreachable) assert.equal(isDatabaseUnreachable(error), true, error.message);
    const failed = [
      withCode('syntax error at or near "selec"', '42601'),
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('could not serialize access', '40001'),
      new Error('Unable to acquire a connection'),
      new AggregateError([new Error('boom'), withCode('connect ECONNREFUSED', 'ECONNREFUSED')]),
      'ECONNREFUSED',
      undefined,
    ];
    for (const error of failed) assert.equal(isDatabaseUnreachable(error), false, String(error));
  });

  it('sees a server that does not listen as unreachable', async () => {
    // Port 1 on loopback: nothing listens there.
    const client = new pg.Client({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    const error = await client.connect().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    assert.equal(isDatabaseUnreachable(error), true, String(error));
  });

  it('tries again while the database is unreachable, and not after any other failure', async () => {
    let tries = 0;
    const retried: number[] = [];
    const value = await retryWhileUnreachable(
      async () => {
        if (++tries < 3) throw withCode('the database system is starting up', '57P03');
        return 'done';
      },
      { timeoutMs: 5000, delayMs: 10, onRetry: (_error, count) => retried.push(count) },
    );
    assert.equal(value, 'done');
    assert.deepEqual(retried, [1, 2]);

    let statementTries = 0;
    await assert.rejects(
      retryWhileUnreachable(
        async () => {
          statementTries++;
          throw withCode('duplicate key value violates unique constraint', '23505');
        },
        { timeoutMs: 5000, delayMs: 10 },
      ),
      /duplicate key/,
    );
    assert.equal(statementTries, 1);
  });

  it('gives up with the last error once the time is up', async () => {
    let tries = 0;
    const started = Date.now();
    await assert.rejects(
      retryWhileUnreachable(
        async () => {
          tries++;
          throw withCode(`connect ECONNREFUSED (try ${tries})`, 'ECONNREFUSED');
        },
        { timeoutMs: 300, delayMs: 20, maxDelayMs: 40 },
      ),
      (error: Error) => error.message === `connect ECONNREFUSED (try ${tries})`,
    );
    assert.ok(tries >= 3, `tried ${tries} times`);
    assert.ok(Date.now() - started < 1000, 'stopped soon after the time was up');
  });
});
