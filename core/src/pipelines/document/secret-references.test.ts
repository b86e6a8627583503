import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findEnvReferences, resolveEnvReferences } from './secret-references.ts';

const env = { PG_USER: 'reader', PG_PASSWORD: 'pw ${env:PG_USER}', EMPTY: '', UNSET: undefined };

describe('resolveEnvReferences', () => {
  test('replaces whole and embedded env references, keeps other values, and does not rescan inserted values', () => {
    const { value, problems } = resolveEnvReferences(
      {
        url: 'postgres://${env:PG_USER}@db/erp',
        password: '${env:PG_PASSWORD}',
        blank: '${env:EMPTY}',
        port: 5432,
        tls: true,
        nothing: null,
        hosts: ['a-${env:PG_USER}', 'b'],
      },
      env,
      'spec.config',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(value, {
      url: 'postgres://reader@db/erp',
      password: 'pw ${env:PG_USER}',
      blank: '',
      port: 5432,
      tls: true,
      nothing: null,
      hosts: ['a-reader', 'b'],
    });
  });

  test('a whole-string secret reference becomes the store reference', () => {
    const { value, problems } = resolveEnvReferences({ auth: { password: '${secret:erp-reader}' } }, {}, 'spec.config');
    assert.deepEqual(problems, []);
    assert.deepEqual(value, { auth: { password: { $secret: 'erp-reader' } } });
  });

  test('$${ escapes a literal ${', () => {
    const { value, problems } = resolveEnvReferences(
      { template: 'Hello $${name} and $${env:HOME}, $$ stays', whole: '$${secret:x}' },
      {},
      'spec.config',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(value, { template: 'Hello ${name} and ${env:HOME}, $$ stays', whole: '${secret:x}' });
  });

  test('a missing variable names itself and the path, and the string is kept as written', () => {
    const { value, problems } = resolveEnvReferences(
      { url: 'postgres://${env:PG_USER}:${env:UNSET}@db', list: ['${env:NOPE}'], proto: '${env:constructor}' },
      env,
      'spec.config',
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.path, p.message]),
      [
        [
          'DOCUMENT_ENV_MISSING',
          'spec.config.url',
          'environment variable UNSET is not set (referenced as ${env:UNSET}): set it before applying',
        ],
        [
          'DOCUMENT_ENV_MISSING',
          'spec.config.list[0]',
          'environment variable NOPE is not set (referenced as ${env:NOPE}): set it before applying',
        ],
        [
          'DOCUMENT_ENV_MISSING',
          'spec.config.proto',
          'environment variable constructor is not set (referenced as ${env:constructor}): set it before applying',
        ],
      ],
    );
    assert.deepEqual((value as { url: string }).url, 'postgres://${env:PG_USER}:${env:UNSET}@db');
  });

  test('embedded or badly named secrets, unknown kinds and malformed references are problems', () => {
    const { problems } = resolveEnvReferences(
      {
        dsn: 'postgres://u:${secret:pw}@db',
        bad: '${secret:Bad Name}',
        vault: '${vault:db/pw}',
        bare: '${PG_USER}',
        open: 'abc ${env:PG_USER',
        dash: '${env:PG-USER}',
      },
      env,
      'spec.config',
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.path]),
      [
        ['DOCUMENT_SECRET_REF_INVALID', 'spec.config.dsn'],
        ['DOCUMENT_SECRET_REF_INVALID', 'spec.config.bad'],
        ['DOCUMENT_REF_UNKNOWN', 'spec.config.vault'],
        ['DOCUMENT_REF_INVALID', 'spec.config.bare'],
        ['DOCUMENT_REF_INVALID', 'spec.config.open'],
        ['DOCUMENT_REF_INVALID', 'spec.config.dash'],
      ],
    );
    assert.match(problems[0]!.message, /^\$\{secret:pw\} must be the whole value/);
    assert.match(problems[1]!.message, /"Bad Name" is not a secret name/);
    assert.match(
      problems[2]!.message,
      /^\$\{vault:db\/pw\}: "vault" is not a reference kind; use \$\{env:NAME\} or \$\{secret:name\}/,
    );
    assert.match(
      problems[3]!.message,
      /"\$\{PG_USER\}" is not a reference: write \$\{env:NAME\} or \$\{secret:name\}, or write \$\$\{ for a literal/,
    );
  });

  test('paths quote keys that are not plain names', () => {
    const { problems } = resolveEnvReferences({ 'odd key': '${env:NOPE}' }, {}, '');
    assert.equal(problems[0]!.path, '["odd key"]');
  });
});

describe('findEnvReferences', () => {
  test('reports every unresolved env reference and nothing else', () => {
    const problems = findEnvReferences(
      {
        url: 'postgres://${env:PG_USER}@db/${env:DB}',
        password: '${secret:pw}',
        escaped: '$${env:LITERAL}',
        nested: [{ token: '${env:TOKEN}' }],
      },
      'spec.config',
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.path, p.message.split(':')[0]]),
      [
        ['DOCUMENT_ENV_UNRESOLVED', 'spec.config.url', '${env'],
        ['DOCUMENT_ENV_UNRESOLVED', 'spec.config.url', '${env'],
        ['DOCUMENT_ENV_UNRESOLVED', 'spec.config.nested[0].token', '${env'],
      ],
    );
    assert.equal(
      problems[2]!.message,
      '${env:TOKEN}: environment references are resolved by the CLI that applies the file (assay apply); ' +
        'through the API send the value or a ${secret:name} reference',
    );
  });
});
