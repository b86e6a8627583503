import { definePlugin } from '@assay/sdk';
import { sqlOperator } from './sql.operator.ts';

export { sqlOperator } from './sql.operator.ts';
export { SqlConfig, sqlUi } from './sql-config.ts';
export type { SqlSettings } from './sql-config.ts';

export default definePlugin({
  id: 'operator-sql',
  platform: '^0.1.0',
  title: 'SQL operator',
  description: 'Transforms a job’s inputs with one SELECT: full refresh, append or merge',
  operators: [sqlOperator],
});
