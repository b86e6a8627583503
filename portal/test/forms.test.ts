/// <reference types="node" />
// The schema-driven form's rules without a browser: defaults, validation, conditional fields, sections and the
// mapping of the server's error paths onto fields. The browser tests render the same forms.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fillDefaults,
  formatPath,
  initialValue,
  kindOf,
  setAt,
  type JsonSchema,
} from '../src/lib/forms/json-schema.ts';
import { fieldErrorsFrom, normalizePath, problemsOf } from '../src/lib/forms/server-errors.ts';
import { isShown, orderedProperties, sectionsOf } from '../src/lib/forms/ui-layout.ts';
import { validate } from '../src/lib/forms/validate.ts';

const mode = { anyOf: ['full_refresh', 'append', 'merge'].map((value) => ({ type: 'string', const: value })) };
const sqlLike: JsonSchema = {
  type: 'object',
  required: ['sql', 'write'],
  properties: {
    sql: { type: 'string', minLength: 1 },
    write: {
      type: 'object',
      required: ['mode'],
      default: {},
      properties: {
        mode: { ...mode, default: 'full_refresh' },
        key: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      },
    },
    contract: {
      type: 'object',
      required: ['columns'],
      properties: {
        columns: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'type'],
            properties: { name: { type: 'string', minLength: 1 }, type: { type: 'string' } },
          },
        },
      },
    },
    repeat: { type: 'integer', minimum: 1, maximum: 5 },
    password: { type: 'string', writeOnly: true, 'x-assay-secret': true },
  },
};
const ui = {
  order: ['write', 'sql'],
  groups: [{ title: 'Write', fields: ['write', 'write.mode'] }],
  show: { 'write.key': { 'write.mode': ['merge'] } },
};

describe('schema forms', () => {
  test('a new config holds the defaults; optional objects stay absent until added', () => {
    assert.deepEqual(initialValue(sqlLike), { write: { mode: 'full_refresh' } });
    assert.deepEqual(fillDefaults(sqlLike, { sql: 'x', write: {} }), { sql: 'x', write: { mode: 'full_refresh' } });
  });

  test('each schema gets the input it calls for', () => {
    const kinds = Object.fromEntries(Object.entries(sqlLike.properties!).map(([name, s]) => [name, kindOf(s)]));
    assert.deepEqual(kinds, {
      sql: 'string',
      write: 'object',
      contract: 'object',
      repeat: 'integer',
      password: 'string',
    });
    assert.equal(kindOf(mode), 'enum');
    assert.equal(kindOf(sqlLike.properties!.contract!.properties!.columns!), 'table');
    assert.equal(kindOf({ type: 'array', items: { anyOf: [{ type: 'object', properties: {} }] } }), 'json');
    assert.equal(kindOf({ type: 'object' }), 'json');
  });

  test('validation names the field and what is wrong, and skips hidden fields', () => {
    const value = { write: { mode: 'full_refresh', key: [] }, repeat: 9, contract: { columns: [{ name: '' }] } };
    assert.deepEqual(validate(sqlLike, value, ui), {
      sql: 'SQL is required',
      repeat: 'At most 5',
      'contract.columns[0].name': 'Name is required',
      'contract.columns[0].type': 'Type is required',
    });
    const merge = { sql: 'SELECT 1', write: { mode: 'merge', key: [] } };
    assert.deepEqual(validate(sqlLike, merge, ui), { 'write.key': 'Add at least one' });
    assert.deepEqual(validate(sqlLike, { sql: 'x', write: { mode: 'upsert' } }, ui), {
      'write.mode': 'Choose one of: full_refresh, append, merge',
    });
    assert.deepEqual(validate(sqlLike, { sql: 'x', write: { mode: 'append' }, repeat: 2.5 }, ui), {
      repeat: 'Enter a whole number',
    });
  });

  test('a saved secret ({"$secret": name}) passes: the user may leave it as it is', () => {
    assert.deepEqual(validate(sqlLike, { sql: 'x', write: { mode: 'append' }, password: { $secret: 'p' } }), {});
  });

  test('conditions, order and sections come from the hints; unnamed fields are never dropped', () => {
    assert.equal(isShown(ui, ['write', 'key'], { write: { mode: 'append' } }), false);
    assert.equal(isShown(ui, ['write', 'key'], { write: { mode: 'merge' } }), true);
    assert.deepEqual(orderedProperties(sqlLike, ui, []), ['write', 'sql', 'contract', 'repeat', 'password']);
    assert.deepEqual(
      sectionsOf(sqlLike, ui).map((s) => [s.title, s.fields]),
      [
        ['Write', ['write']],
        ['More settings', ['sql', 'contract', 'repeat', 'password']],
      ],
    );
  });

  test('values are set in place, creating the objects and arrays on the way', () => {
    const root: Record<string, unknown> = {};
    setAt(root, ['contract', 'columns', 0, 'name'], 'id');
    assert.deepEqual(root, { contract: { columns: [{ name: 'id' }] } });
    setAt(root, ['contract'], undefined);
    assert.deepEqual(root, {});
    assert.equal(formatPath(['measures', 0, 'name']), 'measures[0].name');
  });

  test('server problems land on their fields, relative to the config', () => {
    const saved = {
      code: 'PIPELINE_INVALID',
      message: 'The pipeline has 2 problems',
      details: {
        problems: [
          { code: 'CONFIG_INVALID', path: 'spec.jobs[1].config.write.key', message: 'Add a key for merge' },
          { code: 'JOB_INPUT_UNKNOWN', path: 'spec.jobs[1].inputs[0]', message: 'bronze.nope does not exist' },
          { code: 'CONFIG_INVALID', path: 'spec.jobs[0].config.sql', message: 'Not this job' },
        ],
      },
    };
    const { fields, rest } = fieldErrorsFrom(problemsOf(saved), 'spec.jobs[1].config');
    assert.deepEqual(fields, { 'write.key': 'Add a key for merge' });
    assert.deepEqual(
      rest.map((p) => p.path),
      ['spec.jobs[1].inputs[0]', 'spec.jobs[0].config.sql'],
    );
  });

  test('a single error path (connections, request validation) maps too, losing its path prefix', () => {
    const connection = {
      code: 'CONNECTION_CONFIG_INVALID',
      message: 'config.root: must be an absolute path',
      details: { path: 'config.root' },
    };
    assert.deepEqual(fieldErrorsFrom(problemsOf(connection), 'config').fields, { root: 'Must be an absolute path' });
    assert.equal(normalizePath('/body/config/items/0/name'), 'config.items[0].name');
    assert.equal(normalizePath('config.items.0.name'), 'config.items[0].name');
    assert.deepEqual(problemsOf({ code: 'X', message: 'no path' }), []);
  });
});
