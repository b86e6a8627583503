import { definePlugin } from '@assay/sdk';
import { metricsOperator } from './metrics.operator.ts';

export { metricsOperator } from './metrics.operator.ts';
export { MeasureConfig, MetricsConfig, metricsUi } from './metrics-config.ts';
export type { MeasureSettings, MetricsSettings } from './metrics-config.ts';

export default definePlugin({
  id: 'operator-metrics',
  platform: '^0.1.0',
  title: 'Metrics operator',
  description: 'Gold metrics: measures by period (day to fiscal year) and dimensions, refreshed incrementally',
  operators: [metricsOperator],
});
