// A small connector over a local directory of CSV files, for core's ingest tests: file items, new-file state,
// a secret that `check` verifies, and switches that make a read fail part-way.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defineConnector, definePlugin, OperationalError, Secret, Type } from '@assay/sdk';

export const FIXTURE_TOKEN = 'open-sesame-0123456789';

export const fixtureConnector = defineConnector({
  type: 'fixture-files',
  version: 1,
  title: 'Fixture CSV directory',
  config: Type.Object({
    directory: Type.String({ minLength: 1 }),
    token: Secret({ description: 'Must be the fixture token' }),
    auth: Type.Optional(
      Type.Union([
        Type.Object({ kind: Type.Literal('none') }),
        Type.Object({ kind: Type.Literal('basic'), user: Type.String(), password: Secret() }),
      ]),
    ),
  }),
  streamConfig: Type.Object({
    failAfterFiles: Type.Optional(Type.Integer({ minimum: 0, description: 'Throw after yielding this many files' })),
    checkpointEvery: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  async check(_ctx, config) {
    if (config.token !== FIXTURE_TOKEN) return { ok: false, code: 'AUTH_FAILED', message: 'the token was refused' };
    const info = await stat(config.directory).catch(() => undefined);
    if (info?.isDirectory() !== true) {
      return { ok: false, code: 'NOT_FOUND', message: `${config.directory} is not a directory` };
    }
    return { ok: true, message: `reached ${config.directory}` };
  },
  async discover(ctx, config) {
    const files = (await readdir(config.directory)).filter((f) => f.endsWith('.csv')).sort();
    if (files.length === 0) return [];
    const columns = await ctx.describeFile({ path: join(config.directory, files[0]!), format: 'csv' });
    return [{ name: 'csv', columns, details: { files: files.length } }];
  },
  async *read(_ctx, config, stream, state) {
    const seen = new Set((state?.seen as string[] | undefined) ?? []);
    const files = (await readdir(config.directory)).filter((f) => f.endsWith('.csv') && !seen.has(f)).sort();
    let yielded = 0;
    for (const file of files) {
      if (stream.config.failAfterFiles !== undefined && yielded >= stream.config.failAfterFiles) {
        throw new OperationalError('the fixture source went away', { code: 'SOURCE_UNREACHABLE' });
      }
      const path = join(config.directory, file);
      yield { kind: 'file', path, format: 'csv', source: path };
      seen.add(file);
      yielded += 1;
      if (stream.config.checkpointEvery !== undefined && yielded % stream.config.checkpointEvery === 0) {
        yield { kind: 'state', state: { seen: [...seen].sort() } };
      }
    }
    yield { kind: 'state', state: { seen: [...seen].sort() } };
  },
  async probe(_ctx, config, _stream, state) {
    const seen = new Set((state?.seen as string[] | undefined) ?? []);
    const files = (await readdir(config.directory)).filter((f) => f.endsWith('.csv') && !seen.has(f));
    return { newItems: files.length, fingerprint: files.length === 0 ? '' : [...files].sort().join(',') };
  },
});

export const fixturePlugin = definePlugin({
  id: 'ingest-fixture',
  platform: '^0.1.0',
  connectors: [fixtureConnector],
});
