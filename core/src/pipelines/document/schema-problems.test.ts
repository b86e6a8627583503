import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from '@assay/sdk';
import { schemaProblems } from './schema-problems.ts';

const messages = (schema: Parameters<typeof schemaProblems>[0], value: unknown) =>
  schemaProblems(schema, value, { code: 'X_INVALID', base: ['config'] }).map((p) => `${p.path}: ${p.message}`);

describe('schemaProblems', () => {
  test('reports every problem, not only the first eight', () => {
    const schema = Type.Object(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, Type.String()])));
    const problems = schemaProblems(schema, {}, { code: 'X_INVALID' });
    assert.equal(problems.length, 12);
    assert.ok(problems.every((p) => p.code === 'X_INVALID' && p.message === 'is required'));
  });

  test('explains scalars with the value it got', () => {
    const schema = Type.Object({
      n: Type.Integer({ maximum: 5 }),
      s: Type.String({ maxLength: 2 }),
      p: Type.String({ pattern: '^[a-z]+$' }),
      l: Type.Array(Type.Number(), { maxItems: 1 }),
      e: Type.Union([Type.String(), Type.Number()]),
      t: Type.Number(),
    });
    assert.deepEqual(messages(schema, { n: 9, s: 'abc', p: 'A1', l: [1, 2], e: true, t: 'x' }), [
      'config.n: must be <= 5 (got 9)',
      'config.s: must have at most 2 characters',
      'config.p: must match ^[a-z]+$ (got "A1")',
      'config.l: must have at most 1 item',
      'config.e: must be a string (got true)',
      'config.t: must be a number (got "x")',
    ]);
  });

  test('explains a union through the variant its literal names, or the closest one', () => {
    const auth = Type.Union([
      Type.Object({ kind: Type.Literal('none') }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('basic'), user: Type.String(), password: Type.String() }),
    ]);
    const schema = Type.Object({
      auth,
      shape: Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Number(), c: Type.Number() })]),
    });
    assert.deepEqual(messages(schema, { auth: { kind: 'basic', user: 'u' }, shape: { b: 'x', c: 1 } }), [
      'config.auth.password: is required',
      'config.shape.b: must be a number (got "x")',
    ]);
    assert.deepEqual(messages(schema, { auth: { kind: 'oauth' }, shape: { a: 'x' } }), [
      'config.auth.kind: must be one of none, basic (got "oauth")',
    ]);
    assert.deepEqual(messages(schema, { auth: {}, shape: { a: 'x' } }), [
      'config.auth.kind: is required: one of none, basic',
    ]);
    assert.deepEqual(messages(schema, { auth: 'none', shape: { a: 'x' } }), [
      'config.auth: must be a mapping (got "none")',
    ]);
  });

  test('a value matching two oneOf variants gets the union message', () => {
    const schema = Type.Object({ n: { oneOf: [{ type: 'number' }, { type: 'integer' }] } as never });
    const [problem] = messages(schema, { n: 1 });
    assert.match(problem!, /^config\.n: .*oneOf/);
  });

  test('a value in a list of literals shows the choices', () => {
    const schema = Type.Object({
      mode: Type.Union([Type.Literal('append'), Type.Literal('merge overwrite')]),
      n: Type.Optional(Type.Literal(1)),
    });
    assert.deepEqual(messages(schema, { mode: 'x', n: 2 }), [
      'config.mode: must be one of append, "merge overwrite" (got "x")',
      'config.n: must be 1 (got 2)',
    ]);
  });
});
