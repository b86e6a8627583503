/**
 * What can happen to a row, in the order a row meets them: the first that holds decides (quarantine, drop, or fail
 * the job), so a row failing several rules is quarantined once, by the first.
 */
export interface Outcome {
  readonly kind: 'quarantine' | 'drop' | 'fail';
  /** The rule id (`_rule`): `cleanse.<column>.<step>`. */
  readonly id: string;
  /** Column(s) at fault (`_column`). */
  readonly column: string;
  /** Why, for people (`_reason`). */
  readonly reason: string;
  /** A boolean expression over the pipeline's columns that holds when the outcome applies. */
  readonly flag: string;
}

/** A count the run reports besides the outcomes: NULLs filled, rows kept without a match, duplicates dropped. */
export interface Counter {
  readonly metric: string;
  /** A condition on the pipeline's last stage. */
  readonly when: string;
}
