import { definePlugin } from '@assay/sdk';
import { s3Connector } from './s3-connector.ts';

export { s3Connector } from './s3-connector.ts';

export default definePlugin({
  id: 'connector-s3',
  platform: '^0.1.0',
  title: 'S3 connector',
  description: 'Loads objects from S3 and S3-compatible buckets',
  connectors: [s3Connector],
});
