import { definePlugin } from '@assay/sdk';
import { httpConnector } from './http-connector.ts';

export { httpConnector } from './http-connector.ts';

export default definePlugin({
  id: 'connector-http',
  platform: '^0.1.0',
  title: 'REST API connector',
  description: 'Loads JSON APIs into Bronze without code, keeping every page as received',
  connectors: [httpConnector],
});
