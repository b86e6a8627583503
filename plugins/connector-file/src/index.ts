import { definePlugin } from '@assay/sdk';
import { fileConnector } from './file-connector.ts';
import { FilePluginConfig } from './file-plugin-config.ts';

export { fileConnector } from './file-connector.ts';
export { FilePluginConfig } from './file-plugin-config.ts';
export type { FilePluginSettings } from './file-plugin-config.ts';

export default definePlugin({
  id: 'connector-file',
  platform: '^0.1.0',
  title: 'File connector',
  description: 'Loads files from allowed server directories or from uploads',
  config: FilePluginConfig,
  connectors: [fileConnector],
});
