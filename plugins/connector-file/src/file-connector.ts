import { defineConnector, FileStreamConfig } from '@assay/sdk';
import { checkFileRoot } from './check-file-root.ts';
import { discoverFiles } from './discover-files.ts';
import { FileConnectionConfig, fileConnectionUi } from './file-connection-config.ts';
import { probeFiles, readFiles } from './read-files.ts';

/** Reads CSV, JSON, NDJSON, Parquet and Excel files from an allowed server directory or a connection's uploads. */
export const fileConnector = defineConnector({
  type: 'file',
  version: 1,
  title: 'Files (server directory or uploads)',
  description:
    'CSV, JSON, NDJSON, Parquet and Excel files matching a glob, each new or changed file loaded once, as it is',
  config: FileConnectionConfig,
  ui: fileConnectionUi,
  streamConfig: FileStreamConfig,
  streamUi: {
    order: ['glob', 'format', 'compression', 'csv', 'xlsx'],
    help: { glob: 'Relative to the root; `*` does not match files whose name starts with a dot' },
    placeholders: { glob: 'sales/*.csv.gz' },
  },
  produces: 'files',
  check: checkFileRoot,
  discover: discoverFiles,
  read: readFiles,
  probe: probeFiles,
});
