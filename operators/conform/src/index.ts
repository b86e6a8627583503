import { definePlugin } from '@assay/sdk';
import { conformOperator } from './conform.operator.ts';

export { conformOperator } from './conform.operator.ts';
export { ConformConfig, conformUi } from './conform-config.ts';
export type { ConformSettings } from './conform-config.ts';

export default definePlugin({
  id: 'operator-conform',
  platform: '^0.1.0',
  title: 'Conform operator',
  description: 'Conforms several sources into one entity: column mappings, casts, conflict resolution and lineage',
  operators: [conformOperator],
});
