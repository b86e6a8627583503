import type { PlanEntry } from '../pipelines/apply/apply-plan.ts';

const SYMBOLS = { create: '+', update: '~', unchanged: '=', delete: '-' } as const;

/**
 * An apply plan as the CLI prints it: one line per document (`+ create pipeline retail-sales`,
 * `~ update connection erp`, `= unchanged …`, `- delete …`), the changes of an update indented below it.
 */
export function planLines(plan: readonly PlanEntry[]): string[] {
  return plan.flatMap((entry) => [
    `${SYMBOLS[entry.action]} ${entry.action} ${entry.kind.toLowerCase()} ${entry.name}`,
    ...(entry.action === 'update' ? entry.diff.map((line) => `    ${line}`) : []),
  ]);
}

/** `2 to create, 1 to update, 3 unchanged`: the counts of a plan, for its last line. */
export function planSummary(plan: readonly PlanEntry[]): string {
  const count = (action: PlanEntry['action']) => plan.filter((entry) => entry.action === action).length;
  const parts = [
    [count('create'), 'to create'],
    [count('update'), 'to update'],
    [count('delete'), 'to delete'],
    [count('unchanged'), 'unchanged'],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ');
}
