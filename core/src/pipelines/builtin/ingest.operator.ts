import { defineOperator, InputError, Type, type UiHints } from '@assay/sdk';
import { IngestOptionsSchema } from '../../ingest/ingest-request.ts';
import type { IngestService } from '../../ingest/ingest-service.ts';

/** The `ingest` job's config: which stream of which connection lands in the job's output, and how. */
export const IngestJobConfig = Type.Object(
  {
    connection: Type.String({ minLength: 1, description: 'The connection to read, by name (or id) in the workspace' }),
    stream: Type.String({ minLength: 1, description: 'The stream to load, as discovering the connection lists it' }),
    streamConfig: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "The stream's settings, checked against the connector's stream config",
      }),
    ),
    options: Type.Optional(
      Type.Partial(IngestOptionsSchema, {
        additionalProperties: false,
        description: 'How rows land in Bronze: schema, drift, bad rows, dedupe keys, partitioning (docs/ingest.md)',
      }),
    ),
  },
  { additionalProperties: false },
);

const ingestUi: UiHints = {
  order: ['connection', 'stream', 'streamConfig', 'options'],
  widgets: { connection: 'connection', streamConfig: 'code', options: 'code' },
  help: { options: 'The same options as POST …/ingest: schema, schemaDrift, badRows, dedupeKeys, partitionBy' },
};

/**
 * `ingest` v1: one load of a connection's stream into the job's output through core's ingest engine — landing,
 * quarantine, schema drift, connector state and a load record, exactly as `POST …/ingest`. The engine commits each
 * checkpoint with its own Delta txn, so the operator never calls `output.write`; a retried attempt resumes after
 * the last committed checkpoint. `ingest` is called when the job runs: the operator is contributed while the
 * platform boots, before the ingest service exists.
 */
export function createIngestOperator(ingest: () => Pick<IngestService, 'run'>) {
  return defineOperator({
    type: 'ingest',
    version: 1,
    title: 'Ingest',
    description: 'Load a stream of a connection into a Bronze dataset',
    category: 'bronze',
    config: IngestJobConfig,
    ui: ingestUi,
    inputs: { min: 0, max: 0 },
    output: 'table',
    async run(ctx, config) {
      if (ctx.output === undefined) {
        throw new InputError(`Job "${ctx.run.jobId}": an ingest job needs an output dataset`, {
          code: 'JOB_OUTPUT_MISSING',
        });
      }
      const load = await ingest().run({
        workspace: ctx.run.workspace,
        connection: config.connection,
        stream: config.stream,
        streamConfig: config.streamConfig,
        dataset: ctx.output.dataset,
        options: config.options,
        actor: ctx.run.actor,
        runId: ctx.run.runId,
        signal: ctx.signal,
      });
      ctx.log.info({ load: load.id, dataset: load.dataset, rowsWritten: load.rowsWritten }, 'load finished');
      return {
        rowsRead: load.rowsRead,
        rowsWritten: load.rowsWritten,
        rowsUpdated: load.rowsUpdated,
        rowsDeleted: load.rowsDeleted,
        rowsQuarantined: load.rowsQuarantined,
        metrics: {
          bytes: load.bytes,
          files: load.files,
          commits: load.commits,
          ...(load.schemaVersion === null ? {} : { schemaVersion: load.schemaVersion }),
        },
      };
    },
  });
}
