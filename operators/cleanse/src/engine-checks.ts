import { InputError, type OperatorEngine, quoteIdentifier, quoteLiteral, quoteRelation } from '@assay/sdk';
import type { CleansePlan, PlannedKey } from './cleanse-plan.ts';
import { engineMessage, isEngineError } from './cleanse-errors.ts';
import { regexArgs } from './column-steps.ts';

interface ExpressionCheck {
  readonly path: string;
  readonly code: string;
  readonly what: string;
  readonly sql: string;
}

/**
 * Asks DuckDB whether each pattern, date format and default value of the config is valid, before any row is
 * read: one statement for all of them, and one per check only when that fails, to name the culprit.
 * `CLEANSE_REGEX_INVALID`, `CLEANSE_DATE_FORMAT_INVALID`, `CLEANSE_DEFAULT_INVALID`, with DuckDB's message.
 */
export async function checkExpressions(engine: OperatorEngine, job: string, plan: CleansePlan): Promise<void> {
  const checks: ExpressionCheck[] = [];
  for (const column of plan.columns) {
    column.steps.forEach(({ step }, s) => {
      const path = `config.columns[${column.index}].steps[${s}]`;
      if (step.op === 'regex_validate' || step.op === 'regex_extract') {
        const args = regexArgs(step.pattern, step.ignoreCase);
        checks.push({
          path: `${path}.pattern`,
          code: 'CLEANSE_REGEX_INVALID',
          what: `the pattern ${JSON.stringify(step.pattern)}`,
          sql: `regexp_matches('', ${args}) AND regexp_full_match('', ${args})`,
        });
      } else if (step.op === 'date') {
        checks.push({
          path: `${path}.formats`,
          code: 'CLEANSE_DATE_FORMAT_INVALID',
          what: `the formats ${step.formats.join(', ')}`,
          sql: `try_strptime('', [${step.formats.map(quoteLiteral).join(', ')}]) IS NULL`,
        });
      }
    });
    if (column.nulls?.action === 'default') {
      checks.push({
        path: `config.columns[${column.index}].nulls.value`,
        code: 'CLEANSE_DEFAULT_INVALID',
        what: `the default of ${column.column} (type ${column.type})`,
        sql: `${column.nulls.value} IS NULL`,
      });
    }
  }
  if (checks.length === 0) return;
  const all = `SELECT ${checks.map((c, i) => `${c.sql} AS ${quoteIdentifier(`check_${i}`)}`).join(', ')}`;
  try {
    await engine.query(all);
    return;
  } catch (error) {
    if (!isEngineError(error)) throw error;
    for (const check of checks) {
      try {
        await engine.query(`SELECT ${check.sql} AS ok`);
      } catch (failed) {
        if (!isEngineError(failed)) throw failed;
        throw new InputError(`Job "${job}": ${check.path} is invalid: ${check.what}: ${engineMessage(failed)}`, {
          code: check.code,
          cause: failed,
          details: { job, path: check.path, engine: engineMessage(failed) },
        });
      }
    }
    throw error;
  }
}

/**
 * Refuses a reference dataset with several rows for one key (`CLEANSE_LOOKUP_KEYS_NOT_UNIQUE`): a join would
 * multiply the input's rows. One statement for every lookup.
 */
export async function checkReferenceKeys(engine: OperatorEngine, job: string, plan: CleansePlan): Promise<void> {
  const uses: Array<{ path: string; dataset: string; keys: readonly PlannedKey[] }> = [
    ...plan.columns.flatMap((c) =>
      c.nulls?.action === 'lookup'
        ? [{ path: `config.columns[${c.index}].nulls`, dataset: c.nulls.dataset, keys: c.nulls.keys }]
        : [],
    ),
    ...plan.lookups.map((l) => ({ path: `config.lookups[${l.index}]`, dataset: l.dataset, keys: l.keys })),
  ];
  if (uses.length === 0) return;
  const counts = uses.map((use, i) => {
    const keys = use.keys.map((k) => quoteIdentifier(k.referenceColumn));
    return (
      `(SELECT count(*) FROM (SELECT 1 FROM ${quoteRelation(use.dataset)} WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')} ` +
      `GROUP BY ${keys.join(', ')} HAVING count(*) > 1) AS d) AS ${quoteIdentifier(`duplicates_${i}`)}`
    );
  });
  const [row] = await engine.query(`SELECT ${counts.join(', ')}`);
  uses.forEach((use, i) => {
    const duplicates = Number(row?.[`duplicates_${i}`] ?? 0);
    if (duplicates === 0) return;
    const keys = use.keys.map((k) => k.referenceColumn).join(', ');
    throw new InputError(
      `Job "${job}": ${use.path}: ${use.dataset} has several rows for ${duplicates} value(s) of ${keys}, so the ` +
        'lookup would multiply rows; make the reference unique on its keys (or add keys)',
      { code: 'CLEANSE_LOOKUP_KEYS_NOT_UNIQUE', details: { job, path: use.path, dataset: use.dataset, duplicates } },
    );
  });
}
