/** What applying a document set does to one pipeline or connection. */
export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged';

/** One line of an apply plan, with the changes of an update as diff lines (`~ spec.schedule.cron: …`). */
export interface PlanEntry {
  readonly kind: 'Pipeline' | 'Connection';
  readonly name: string;
  readonly action: PlanAction;
  readonly diff: string[];
}

/** The result of an apply: the plan, and whether its changes were written (not for a dry run or no change). */
export interface ApplyResult {
  readonly plan: PlanEntry[];
  readonly applied: boolean;
}

const KIND_ORDER = { Connection: 0, Pipeline: 1 } as const;

/** Connections before pipelines (the order they are written in), each by name; deletions last. */
export function sortPlan(plan: readonly PlanEntry[]): PlanEntry[] {
  const rank = (entry: PlanEntry) => (entry.action === 'delete' ? 2 : 0) + KIND_ORDER[entry.kind];
  return [...plan].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether applying the plan writes anything. */
export function planChanges(plan: readonly PlanEntry[]): boolean {
  return plan.some((entry) => entry.action !== 'unchanged');
}
