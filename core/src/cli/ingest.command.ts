import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import type { LoadRecord } from '../ingest/load-records.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { jsonFlag, withPlatform } from './platform-session.ts';

export const ingestUsage = `assay ingest <connection> <stream> --to <layer.name> [--workspace ws]
      [--stream-config JSON] [--options JSON] [--json]
      Loads a stream of a connection into a dataset now (landing, quarantine, state and a load record, as a
      pipeline job does). Options: schema, schemaDrift, badRows, dedupeKeys, rename, partitionBy, compression.`;

/** `assay ingest`: one load, run in this process. Exit code 1 when the load fails (its record says why). */
export async function ingestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      to: { type: 'string' },
      workspace: { type: 'string', default: 'default' },
      'stream-config': { type: 'string' },
      options: { type: 'string' },
    },
  });
  const [connection, stream] = positionals;
  if (connection === undefined || stream === undefined || positionals.length > 2 || values.to === undefined) {
    throw new InputError(`Usage: ${ingestUsage}`, { code: 'USAGE' });
  }
  const streamConfig = jsonFlag('--stream-config', values['stream-config']);
  const options = jsonFlag('--options', values.options);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const record = await withPlatform(configFor(values), { workspace: values.workspace, writes: true }, (platform) =>
      platform.ingest.run({
        workspace: values.workspace,
        connection,
        stream,
        dataset: values.to!,
        streamConfig,
        options,
        signal: controller.signal,
      }),
    );
    console.log(values.json ? JSON.stringify(record) : describeLoad(record));
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** A load record as a few lines for people. */
export function describeLoad(record: LoadRecord): string {
  const lines = [
    `load ${record.id} ${record.status} in ${((record.durationMs ?? 0) / 1000).toFixed(1)} s: ` +
      `${record.connection}/${record.stream} → ${record.dataset}` +
      (record.deltaVersion === null ? '' : ` (version ${record.deltaVersion})`),
    `  rows read ${record.rowsRead}, written ${record.rowsWritten}, updated ${record.rowsUpdated}, ` +
      `quarantined ${record.rowsQuarantined}; ${record.files} file(s), ${record.bytes} bytes`,
  ];
  for (const change of record.schemaChanges.filter((c) => c.change !== 'missing')) {
    lines.push(`  schema: column ${change.column} ${change.change} (${change.type}) from ${change.source}`);
  }
  if (record.landingPath !== null) lines.push(`  raw files kept in ${record.landingPath}`);
  return lines.join('\n');
}
