import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { InputError } from '@assay/sdk';
import { loadConfig } from './load-config.ts';

function dirWithConfig(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'assay-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'assay.yaml'), yaml);
  return dir;
}

function configError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error;
  }
  assert.fail('expected a CONFIG_INVALID error');
}

describe('loadConfig', () => {
  test('applies defaults with no file and no environment', () => {
    const cwd = dirWithConfig();
    const config = loadConfig({ env: {}, cwd });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.home, join(cwd, '.assay'));
    assert.deepEqual(config.lake, { kind: 'local', path: join(cwd, '.assay', 'lake') });
    assert.equal(config.databaseUrl, undefined);
    assert.deepEqual(config.plugins, []);
    assert.equal(config.worker.enabled, true);
    assert.equal(config.configFile, undefined);
  });

  test('reads assay.yaml and lets the environment win', () => {
    const cwd = dirWithConfig('port: 4000\nhost: 0.0.0.0\nplugins: [acme-plugin]\nworker:\n  enabled: true\n');
    const config = loadConfig({
      env: { PORT: '5000', ASSAY_PLUGINS: 'a, b', ASSAY_SERVE_WORKER: 'false', DATABASE_URL: 'postgres://x@h/db' },
      cwd,
    });
    assert.equal(config.port, 5000);
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.plugins, ['a', 'b']);
    assert.deepEqual(config.worker, { enabled: false });
    assert.equal(config.databaseUrl, 'postgres://x@h/db');
    assert.equal(config.configFile, join(cwd, 'assay.yaml'));
  });

  test('parses S3 and relative lake locations', () => {
    const cwd = dirWithConfig();
    assert.deepEqual(loadConfig({ env: { ASSAY_LAKE: 's3://my-bucket/lake/prod/' }, cwd }).lake, {
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'lake/prod',
    });
    assert.deepEqual(loadConfig({ env: { ASSAY_LAKE: 'data/lake' }, cwd }).lake, {
      kind: 'local',
      path: join(cwd, 'data/lake'),
    });
  });

  test('an unknown key in assay.yaml names the key and the known ones', () => {
    const error = configError(() => loadConfig({ env: {}, cwd: dirWithConfig('prot: 3000\n') }));
    assert.match(error.message, /unknown key "prot"/);
    assert.match(error.message, /known keys: port, host/);
  });

  test('an unknown nested key is reported with its dotted path', () => {
    const error = configError(() => loadConfig({ env: {}, cwd: dirWithConfig('worker:\n  concurency: 2\n') }));
    assert.match(error.message, /unknown key "worker.concurency"/);
  });

  test('a wrong type in assay.yaml names the key, the reason and the value', () => {
    const error = configError(() => loadConfig({ env: {}, cwd: dirWithConfig('port: "three thousand"\n') }));
    assert.match(error.message, /port \(.*assay\.yaml\): must be integer \(got "three thousand"\)/);
    assert.equal(error.details?.key, 'port');
  });

  test('a bad environment value names the variable', () => {
    const error = configError(() => loadConfig({ env: { PORT: 'abc' }, cwd: dirWithConfig() }));
    assert.match(error.message, /PORT \(environment\): must be integer \(got "abc"\)/);
  });

  test('auth, proxy and SSO settings come from the environment too', () => {
    const config = loadConfig({
      env: {
        ASSAY_TRUST_PROXY: '10.0.0.0/8',
        ASSAY_COOKIE_SECURE: 'false',
        OIDC_ISSUER: 'https://idp.example.com',
        OIDC_CLIENT_ID: 'assay',
        OIDC_REDIRECT_URI: 'https://assay.example.com/api/v1/auth/oidc/callback',
      },
      cwd: dirWithConfig(),
    });
    assert.equal(config.trustProxy, '10.0.0.0/8');
    assert.equal(config.auth.cookieSecure, false);
    assert.equal(config.auth.oidc?.clientId, 'assay');
    assert.deepEqual(config.auth.oidc?.scopes, ['openid', 'email', 'profile']);
    assert.equal(loadConfig({ env: { ASSAY_TRUST_PROXY: 'true' }, cwd: dirWithConfig() }).trustProxy, true);
    const partial = configError(() =>
      loadConfig({ env: { OIDC_ISSUER: 'https://idp.example.com' }, cwd: dirWithConfig() }),
    );
    assert.match(partial.message, /auth\.oidc/);
  });

  test('an out-of-range port and a bad log level are refused', () => {
    configError(() => loadConfig({ env: { PORT: '70000' }, cwd: dirWithConfig() }));
    const error = configError(() => loadConfig({ env: { LOG_LEVEL: 'loud' }, cwd: dirWithConfig() }));
    assert.match(
      error.message,
      /LOG_LEVEL \(environment\): must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/,
    );
  });

  test('malformed YAML reports the file and line', () => {
    const error = configError(() => loadConfig({ env: {}, cwd: dirWithConfig('port: 3000\nhost: [unclosed\n') }));
    assert.match(error.message, /assay\.yaml line \d+/);
  });

  test('a YAML document that is not a mapping is refused', () => {
    const error = configError(() => loadConfig({ env: {}, cwd: dirWithConfig('- port\n- host\n') }));
    assert.match(error.message, /must be a mapping/);
  });

  test('a non-postgres DATABASE_URL and a bad lake URL are refused', () => {
    const cwd = dirWithConfig();
    assert.match(
      configError(() => loadConfig({ env: { DATABASE_URL: 'mysql://h/db' }, cwd })).message,
      /DATABASE_URL \(environment\)/,
    );
    assert.match(
      configError(() => loadConfig({ env: { ASSAY_LAKE: 'gs://bucket' }, cwd })).message,
      /must be a path, file:\/\/ or s3:\/\//,
    );
    assert.match(configError(() => loadConfig({ env: { ASSAY_LAKE: 's3://' }, cwd })).message, /not a valid s3/);
  });

  test('an explicit config file that does not exist is refused', () => {
    const error = configError(() => loadConfig({ env: { ASSAY_CONFIG: 'missing.yaml' }, cwd: dirWithConfig() }));
    assert.match(error.message, /missing\.yaml does not exist/);
  });
});
