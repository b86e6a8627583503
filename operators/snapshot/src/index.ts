import { definePlugin } from '@assay/sdk';
import { snapshotOperator } from './snapshot.operator.ts';

export { snapshotOperator } from './snapshot.operator.ts';
export { SnapshotConfig, snapshotUi } from './snapshot-config.ts';
export type { SnapshotSettings } from './snapshot-config.ts';

export default definePlugin({
  id: 'operator-snapshot',
  platform: '^0.1.0',
  title: 'Snapshot operator',
  description: 'Gold snapshots: an SCD2 dimension or a table as of a day, or every day, week or month of a range',
  operators: [snapshotOperator],
});
