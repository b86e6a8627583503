import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AssayError,
  AuthenticationError,
  classifyError,
  ConflictError,
  createServiceRef,
  defineCheck,
  defineConnector,
  defineEvent,
  defineOperator,
  definePlugin,
  defineQueue,
  InputError,
  isPlugin,
  isSecretSchema,
  NotAllowedError,
  NotFoundError,
  OperationalError,
  Secret,
  Type,
  UserError,
} from './index.ts';

const config = Type.Object({ table: Type.String(), write: Type.Object({ mode: Type.String() }) });
const operator = {
  type: 'copy',
  version: 1,
  title: 'Copy',
  category: 'utility',
  config,
  run: async () => ({}),
} as const;

describe('errors', () => {
  test('each class has its status, default code and retry class', () => {
    const cases: Array<[AssayError, number, string, string]> = [
      [new InputError('x'), 400, 'INVALID_INPUT', 'user'],
      [new AuthenticationError('x'), 401, 'UNAUTHENTICATED', 'user'],
      [new NotAllowedError('x'), 403, 'NOT_ALLOWED', 'user'],
      [new NotFoundError('x'), 404, 'NOT_FOUND', 'user'],
      [new ConflictError('x'), 409, 'CONFLICT', 'user'],
      [new UserError('x'), 422, 'USER_ERROR', 'user'],
      [new OperationalError('x'), 503, 'OPERATIONAL_ERROR', 'operational'],
      [new AssayError('x'), 500, 'INTERNAL_ERROR', 'unexpected'],
    ];
    for (const [error, status, code, errorClass] of cases) {
      assert.deepEqual([error.status, error.code, error.errorClass], [status, code, errorClass], error.name);
      assert.equal(classifyError(error), errorClass);
    }
    assert.equal(classifyError(new Error('boom')), 'unexpected');
  });

  test('codes must be SCREAMING_SNAKE; details and cause are kept; JSON omits absent details', () => {
    assert.throws(() => new InputError('x', { code: 'bad-code' }), /SCREAMING_SNAKE/);
    const cause = new Error('socket closed');
    const error = new NotFoundError('Pipeline "x" not found', {
      code: 'PIPELINE_NOT_FOUND',
      details: { id: 'x' },
      cause,
    });
    assert.equal(error.cause, cause);
    assert.equal(error.name, 'NotFoundError');
    assert.deepEqual(error.toJSON(), {
      code: 'PIPELINE_NOT_FOUND',
      message: 'Pipeline "x" not found',
      details: { id: 'x' },
    });
    assert.deepEqual(new InputError('y').toJSON(), { code: 'INVALID_INPUT', message: 'y' });
  });
});

describe('define helpers', () => {
  test('defineOperator accepts a valid declaration and refuses bad ones with a precise message', () => {
    assert.equal(defineOperator(operator).type, 'copy');
    assert.throws(() => defineOperator({ ...operator, type: 'Copy_Op' }), /Operator type "Copy_Op" must be kebab-case/);
    assert.throws(() => defineOperator({ ...operator, version: 0 }), /version must be a positive integer/);
    assert.throws(() => defineOperator({ ...operator, title: ' ' }), /title must be a non-empty string/);
    assert.throws(
      () => defineOperator({ ...operator, config: Type.String() as never }),
      /config must be an object schema/,
    );
    assert.throws(() => defineOperator({ ...operator, inputs: { min: 2, max: 1 } }), /inputs must have/);
  });

  test('ui hints may name nested fields but not unknown ones', () => {
    assert.ok(
      defineOperator({ ...operator, ui: { order: ['table', 'write'], show: { 'write.mode': { table: ['a'] } } } }),
    );
    assert.throws(
      () => defineOperator({ ...operator, ui: { order: ['tabel'], help: { 'write.key': 'x' } } }),
      /ui hints name fields the config does not declare: tabel, write\.key/,
    );
  });

  test('defineConnector and defineCheck validate their functions', () => {
    const base = { type: 'ftp', version: 1, title: 'FTP', config: Type.Object({ password: Secret() }) };
    assert.throws(
      () =>
        defineConnector({ ...base, check: async () => ({ ok: true, message: '' }), discover: async () => [] } as never),
      /read must be a function/,
    );
    assert.throws(() => defineCheck({ ...base, type: 'positive' } as never), /compile must be a function/);
    assert.ok(isSecretSchema(base.config.properties.password));
    assert.equal((base.config.properties.password as { writeOnly?: boolean }).writeOnly, true);
  });

  test('definePlugin marks plugins so any sdk copy recognises them', () => {
    const plugin = definePlugin({ id: 'acme', platform: '^0.1.0' });
    assert.ok(isPlugin(plugin));
    assert.ok(isPlugin(JSON.parse(JSON.stringify(plugin))), 'the marker is plain data, not a class or symbol');
    assert.equal(isPlugin({ id: 'acme' }), false);
    assert.throws(() => definePlugin({ id: 'Acme Plugin', platform: '^0.1.0' }), /Plugin id/);
    assert.throws(() => definePlugin({ id: 'acme', platform: '' }), /semver range/);
  });

  test('queue, event and service names are validated', () => {
    assert.equal(defineQueue({ name: 'acme.refresh', schema: Type.Object({}) }).policy.retryLimit, undefined);
    assert.throws(() => defineQueue({ name: 'refresh', schema: Type.Object({}) }), /start with its owner/);
    assert.equal(defineEvent({ topic: 'run.finished', schema: Type.Object({}) }).topic, 'run.finished');
    assert.throws(() => defineEvent({ topic: 'RunFinished', schema: Type.Object({}) }), /dotted lower-case/);
    assert.equal(createServiceRef({ id: 'acme.clock' }).scope, 'root');
    assert.throws(() => createServiceRef({ id: 'clock' }), /dotted lower-case/);
  });
});

test('SQL text helpers quote names, literals and relations, and embed statements safely', async () => {
  const { quoteIdentifier, quoteLiteral, quoteRelation, subquery } = await import('./index.ts');
  assert.equal(quoteIdentifier('odd "name"'), '"odd ""name"""');
  assert.equal(quoteLiteral("it's"), "'it''s'");
  assert.equal(quoteRelation('bronze.orders'), '"bronze"."orders"');
  assert.equal(quoteRelation('changes.bronze__orders__added'), '"changes"."bronze__orders__added"');
  assert.equal(subquery('SELECT 1 -- one;\n;; ', 'q'), '(\nSELECT 1 -- one;\n) AS q');
});
