import { defineConnector, FileStreamConfig } from '@assay/sdk';
import { checkBucket } from './check-bucket.ts';
import { discoverObjects } from './discover-objects.ts';
import { probeObjects, readObjects } from './read-objects.ts';
import { S3ConnectionConfig, s3ConnectionUi } from './s3-connection-config.ts';

/** Reads CSV, JSON, NDJSON, Parquet and Excel objects from an S3 or S3-compatible bucket. */
export const s3Connector = defineConnector({
  type: 's3',
  version: 1,
  title: 'Amazon S3 / S3-compatible bucket',
  description: 'CSV, JSON, NDJSON, Parquet and Excel objects matching a glob, each new or changed object loaded once',
  config: S3ConnectionConfig,
  ui: s3ConnectionUi,
  streamConfig: FileStreamConfig,
  streamUi: {
    order: ['glob', 'format', 'compression', 'csv', 'xlsx'],
    placeholders: { glob: 'sales/*.csv.gz' },
    help: { glob: 'Relative to the connection prefix; `*` does not match names that start with a dot' },
  },
  produces: 'files',
  check: checkBucket,
  discover: discoverObjects,
  read: readObjects,
  probe: probeObjects,
});
