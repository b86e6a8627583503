import { definePlugin } from '@assay/sdk';
import { scd2Operator } from './scd2.operator.ts';

export { scd2Operator } from './scd2.operator.ts';
export { Scd2Config, scd2Ui } from './scd2-config.ts';
export type { Scd2Settings } from './scd2-config.ts';

export default definePlugin({
  id: 'operator-scd2',
  platform: '^0.1.0',
  title: 'SCD2 operator',
  description: 'Slowly changing dimensions: full history (SCD2) or current values in place (SCD1)',
  operators: [scd2Operator],
});
