import { definePlugin } from '@assay/sdk';
import { cleanseOperator } from './cleanse.operator.ts';

export { cleanseOperator } from './cleanse.operator.ts';
export { CleanseConfig, cleanseUi, LookupConfig } from './cleanse-config.ts';
export type { CleanseSettings, LookupSettings } from './cleanse-config.ts';

export default definePlugin({
  id: 'operator-cleanse',
  platform: '^0.1.0',
  title: 'Cleanse operator',
  description: 'Standardizes, deduplicates and enriches a dataset; rows failing a rule go to quarantine',
  operators: [cleanseOperator],
});
