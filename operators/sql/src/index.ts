import { definePlugin } from '@assay/sdk';
import { sqlOperator } from './sql.operator.ts';

export { sqlOperator } from './sql.operator.ts';
export { SqlConfig, sqlUi } from './sql-config.ts';
export type { SqlContract, SqlSettings } from './sql-config.ts';

export default definePlugin({
  id: 'operator-sql',
  platform: '^0.1.0',
  title: 'SQL operator',
  description:
    'Transforms a job’s inputs with one SELECT: full refresh, append, overwrite partitions or merge, with an optional column contract',
  operators: [sqlOperator],
});
