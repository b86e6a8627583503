import { definePlugin } from '@assay/sdk';
import { acceptedValuesCheck } from './accepted-values.check.ts';
import { anomalyCheck } from './anomaly.check.ts';
import { customSqlCheck } from './custom-sql.check.ts';
import { freshnessCheck } from './freshness.check.ts';
import { meanCheck } from './mean.check.ts';
import { notNullCheck } from './not-null.check.ts';
import { nullRateCheck } from './null-rate.check.ts';
import { rangeCheck } from './range.check.ts';
import { referentialCheck } from './referential.check.ts';
import { regexCheck } from './regex.check.ts';
import { rowCountChangeCheck } from './row-count-change.check.ts';
import { rowCountCheck } from './row-count.check.ts';
import { schemaCheck } from './schema.check.ts';
import { stddevCheck } from './stddev.check.ts';
import { sumCheck } from './sum.check.ts';
import { typeCheck } from './type.check.ts';
import { uniqueCheck } from './unique.check.ts';

export {
  acceptedValuesCheck,
  anomalyCheck,
  customSqlCheck,
  freshnessCheck,
  meanCheck,
  notNullCheck,
  nullRateCheck,
  rangeCheck,
  referentialCheck,
  regexCheck,
  rowCountChangeCheck,
  rowCountCheck,
  schemaCheck,
  stddevCheck,
  sumCheck,
  typeCheck,
  uniqueCheck,
};

/** Every check type this plugin contributes. */
export const qualityChecks = [
  notNullCheck,
  uniqueCheck,
  acceptedValuesCheck,
  rangeCheck,
  regexCheck,
  typeCheck,
  rowCountCheck,
  rowCountChangeCheck,
  freshnessCheck,
  nullRateCheck,
  meanCheck,
  stddevCheck,
  sumCheck,
  customSqlCheck,
  referentialCheck,
  schemaCheck,
  anomalyCheck,
];

export default definePlugin({
  id: 'quality',
  platform: '^0.1.0',
  title: 'Data quality checks',
  description: 'Check types for the checks pipelines declare on their jobs',
  checks: qualityChecks,
});
