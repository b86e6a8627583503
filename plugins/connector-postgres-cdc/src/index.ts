import { definePlugin } from '@assay/sdk';
import { postgresCdcConnector } from './cdc-connector.ts';

export { postgresCdcConnector } from './cdc-connector.ts';
export { dropCapture } from './cdc-drop.ts';
export type { CdcConnection, CdcStream } from './cdc-config.ts';

export default definePlugin({
  id: 'connector-postgres-cdc',
  platform: '^0.1.0',
  title: 'PostgreSQL CDC connector',
  description: 'Change logs of PostgreSQL tables in Bronze, through logical replication',
  connectors: [postgresCdcConnector],
});
