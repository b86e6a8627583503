import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Secret, Type } from '@assay/sdk';
import { checkConfig } from './check-config.ts';

const schema = Type.Object({
  host: Type.String(),
  port: Type.Integer({ default: 5432 }),
  password: Secret(),
  tls: Type.Optional(Type.Object({ mode: Type.String({ default: 'require' }) })),
});
const options = { code: 'PIPELINE_CONFIG_INVALID', base: ['spec', 'jobs', 0, 'config'] } as const;

describe('checkConfig', () => {
  test('applies defaults and keeps secret references', () => {
    const { value, problems } = checkConfig(schema, { host: 'db', password: { $secret: 'pg' }, tls: {} }, options);
    assert.deepEqual(problems, []);
    assert.deepEqual(value, { host: 'db', port: 5432, password: { $secret: 'pg' }, tls: { mode: 'require' } });
  });

  test('a missing secret is reported, never filled', () => {
    const { value, problems } = checkConfig(schema, { host: 'db' }, options);
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}`),
      ['spec.jobs[0].config.password: is required'],
    );
    assert.equal('password' in value, false);
  });

  test('a reference where no secret is declared is a type error, and a non-object is refused', () => {
    const { problems } = checkConfig(schema, { host: { $secret: 'h' }, password: 'x' }, options);
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}`),
      ['spec.jobs[0].config.host: must be a string (got a mapping)'],
    );
    const wrong = checkConfig(schema, 'text', options);
    assert.deepEqual(
      wrong.problems.map((p) => `${p.path}: ${p.message}`),
      ['spec.jobs[0].config: must be a mapping (got "text")'],
    );
    assert.deepEqual(wrong.value, {});
  });
});
