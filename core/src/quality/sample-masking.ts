import type { Principal } from '@assay/sdk';
import type { DataPolicyService } from '../governance/data-policy-service.ts';

/** What a masked value reads as in a failing-row sample. */
export const MASKED_VALUE = '***';

/**
 * Failing-row samples as `principal` may see them. Samples are kept as the job saw the rows, unmasked, so they are
 * masked when read: a column masked for the principal shows {@link MASKED_VALUE}, every column does when the
 * dataset's classification masks the rest, and a principal whose rows are filtered sees no samples at all (a
 * sample could hold rows the filter hides).
 */
export async function sampleMasker(
  policies: DataPolicyService,
  principal: Principal,
  workspace: string,
  dataset: string,
): Promise<(sample: readonly Record<string, unknown>[]) => Record<string, unknown>[]> {
  const summary = await policies.accessSummary(principal, workspace, dataset);
  if (summary.rowFilter) return () => [];
  const masked = new Set(summary.masked.map((decision) => decision.column));
  const maskAll = summary.otherColumns !== null;
  if (masked.size === 0 && !maskAll) return (sample) => [...sample];
  return (sample) =>
    sample.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([column, value]) => [
          column,
          masked.has(column) || maskAll ? (value === null ? null : MASKED_VALUE) : value,
        ]),
      ),
    );
}
