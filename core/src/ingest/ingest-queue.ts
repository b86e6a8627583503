import { defineQueue, Type } from '@assay/sdk';
import { IngestOptionsSchema } from './ingest-request.ts';

/** Loads queued through the API (`POST …/ingest`), worked by `assay worker` or `assay serve`. */
export const ingestQueue = defineQueue({
  name: 'core.ingest',
  schema: Type.Object({
    loadId: Type.String({ format: 'uuid' }),
    workspace: Type.String(),
    connection: Type.String(),
    stream: Type.String(),
    dataset: Type.String(),
    streamConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    options: Type.Optional(Type.Partial(IngestOptionsSchema)),
    actor: Type.Optional(Type.String()),
  }),
  // A retry re-reads from the last committed state, so it neither loses nor duplicates rows.
  policy: { retryLimit: 2, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 6 * 3600 },
});
