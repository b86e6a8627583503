import { definePlugin } from '@assay/sdk';
import { cdcMergeOperator } from './cdc-merge.operator.ts';

export { cdcMergeOperator } from './cdc-merge.operator.ts';
export { CdcMergeConfig, cdcMergeUi } from './cdc-merge-config.ts';
export type { CdcMergeSettings } from './cdc-merge-config.ts';

export default definePlugin({
  id: 'operator-cdc-merge',
  platform: '^0.1.0',
  title: 'CDC merge operator',
  description: 'Applies a Bronze change log from the CDC connectors to a Silver table, exactly once',
  operators: [cdcMergeOperator],
});
