import { definePlugin } from '@assay/sdk';
import { factOperator } from './fact.operator.ts';

export { factOperator } from './fact.operator.ts';
export { FactConfig, factUi } from './fact-config.ts';
export type { DimensionSettings, FactSettings } from './fact-config.ts';

export default definePlugin({
  id: 'operator-fact',
  platform: '^0.1.0',
  title: 'Fact operator',
  description: 'Builds fact tables with point-in-time surrogate keys from SCD2 dimensions and a checked grain',
  operators: [factOperator],
});
