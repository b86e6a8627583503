import {
  InputError,
  type OperatorColumn,
  type OperatorContext,
  isSqlTypeName,
  quoteIdentifier,
  quoteLiteral,
} from '@assay/sdk';
import { checkedSql } from './query-check.ts';
import type { SqlContract } from './sql-config.ts';
import type { RowCheck } from './row-checks.ts';

/** A column the operator writes: its name, its type, and its SQL over the query's row (`assay_raw`). */
export interface PlannedColumn {
  readonly name: string;
  readonly type: string;
  /** NULL for a value that does not cast (`TRY_CAST`): for rows the checks let through, or to check them. */
  readonly expression: string;
  /** Fails on a value that does not cast (`CAST`): for rows written without checking them again. */
  readonly strict: string;
}

/** The written columns and the checks each row must pass first. */
export interface ContractPlan {
  readonly columns: readonly PlannedColumn[];
  readonly checks: readonly RowCheck[];
}

/**
 * Fits the query's columns to the contract, before anything runs: declared columns in their order, cast to their
 * declared types where the query's type differs (`TRY_CAST`, so a value that does not cast is a row check rather
 * than a failed write), missing ones as NULL or `SQL_CONTRACT_MISSING_COLUMN`, undeclared ones dropped, kept or
 * `SQL_CONTRACT_EXTRA_COLUMN`. Declared types are checked by DuckDB (`SQL_CONTRACT_TYPE_INVALID`). Without a
 * contract the query's columns are written as they are.
 */
export async function planContract(
  ctx: OperatorContext,
  contract: SqlContract | undefined,
  field: string,
  described: readonly OperatorColumn[],
): Promise<ContractPlan> {
  if (contract === undefined) {
    return { columns: described.map(({ name, type }) => asIs(name, type)), checks: [] };
  }
  const declared = contract.columns;
  assertUniqueNames(declared);
  const types = await declaredTypes(ctx, declared);
  const byName = new Map(described.map((column) => [column.name.toLowerCase(), column]));
  const columns: PlannedColumn[] = [];
  const checks: RowCheck[] = [];
  const missing: Array<{ index: number; name: string }> = [];
  declared.forEach((column, index) => {
    const path = `config.contract.columns[${index}]`;
    const type = types[index]!;
    const found = byName.get(column.name.toLowerCase());
    if (found === undefined) {
      if (contract.onMissing === 'fail') missing.push({ index, name: column.name });
      else if (column.nullable === false) {
        throw new InputError(
          `config.${field} lacks column "${column.name}", which ${path} declares nullable: false, so ` +
            'config.contract.onMissing: null cannot fill it: add it to the query or make it nullable',
          { code: 'SQL_CONTRACT_MISSING_COLUMN', details: { path, columns: [column.name] } },
        );
      } else
        columns.push({ name: column.name, type, expression: `CAST(NULL AS ${type})`, strict: `CAST(NULL AS ${type})` });
      return;
    }
    const raw = quoteIdentifier(found.name);
    const cast = found.type !== type;
    columns.push({
      name: column.name,
      type,
      expression: cast ? `TRY_CAST(${raw} AS ${type})` : raw,
      strict: cast ? `CAST(${raw} AS ${type})` : raw,
    });
    const named = quoteLiteral(`"${column.name}"`);
    if (cast) {
      checks.push({
        kind: 'type',
        rule: 'sql.contract.type',
        column: quoteLiteral(column.name),
        path,
        condition: `${raw} IS NOT NULL AND TRY_CAST(${raw} AS ${type}) IS NULL`,
        reason: `concat(${named}, ' is ', left(CAST(${raw} AS VARCHAR), 100), ${quoteLiteral(`, which does not cast to ${type}`)})`,
        onProblem: contract.onViolation,
        cast: { raw, from: found.type, to: type },
      });
    }
    if (column.nullable === false) {
      checks.push({
        kind: 'not_null',
        rule: 'sql.contract.not_null',
        column: quoteLiteral(column.name),
        path,
        condition: `${raw} IS NULL`,
        reason: quoteLiteral(`"${column.name}" is NULL, which the contract does not allow (nullable: false)`),
        onProblem: contract.onViolation,
      });
    }
  });
  if (missing.length > 0) {
    throw new InputError(
      `config.${field} lacks the declared column(s) ${missing.map((m) => `"${m.name}"`).join(', ')} ` +
        `(config.contract.columns[${missing[0]!.index}]): add them to the query, or set config.contract.onMissing ` +
        'to null to write them as NULL',
      {
        code: 'SQL_CONTRACT_MISSING_COLUMN',
        details: { path: `config.contract.columns[${missing[0]!.index}]`, columns: missing.map((m) => m.name) },
      },
    );
  }
  const names = new Set(declared.map((column) => column.name.toLowerCase()));
  const extra = described.filter((column) => !names.has(column.name.toLowerCase()));
  if (extra.length > 0 && contract.onExtra === 'fail') {
    throw new InputError(
      `config.${field} returns column(s) ${extra.map((c) => `"${c.name}"`).join(', ')} that config.contract.columns ` +
        'does not declare: declare them, leave them out of the query, or set config.contract.onExtra to drop or evolve',
      {
        code: 'SQL_CONTRACT_EXTRA_COLUMN',
        details: { path: 'config.contract.onExtra', columns: extra.map((c) => c.name) },
      },
    );
  }
  if (contract.onExtra === 'evolve') {
    columns.push(...extra.map(({ name, type }) => asIs(name, type)));
  }
  return { columns, checks };
}

function asIs(name: string, type: string): PlannedColumn {
  return { name, type, expression: quoteIdentifier(name), strict: quoteIdentifier(name) };
}

function assertUniqueNames(declared: SqlContract['columns']): void {
  const seen = new Set<string>();
  declared.forEach((column, index) => {
    const name = column.name.toLowerCase();
    if (seen.has(name)) {
      throw new InputError(
        `config.contract.columns[${index}].name "${column.name}" is declared twice (column names are case-insensitive)`,
        { code: 'JOB_CONFIG_INVALID', details: { path: `config.contract.columns[${index}].name` } },
      );
    }
    seen.add(name);
  });
}

/** The declared types as DuckDB names them (`int` → `INTEGER`), or `SQL_CONTRACT_TYPE_INVALID` for the first bad one. */
async function declaredTypes(ctx: OperatorContext, declared: SqlContract['columns']): Promise<string[]> {
  const invalid = (index: number, problem: string, cause?: unknown) => {
    const path = `config.contract.columns[${index}].type`;
    return new InputError(`${path} "${declared[index]!.type}" ${problem}`, {
      code: 'SQL_CONTRACT_TYPE_INVALID',
      cause,
      details: { path, column: declared[index]!.name, type: declared[index]!.type },
    });
  };
  declared.forEach((column, index) => {
    if (!isSqlTypeName(column.type)) {
      throw invalid(index, 'is not a DuckDB type name (INTEGER, DECIMAL(18,2), VARCHAR[], TIMESTAMP WITH TIME ZONE …)');
    }
  });
  const describe = (indexes: number[]) =>
    ctx.engine.describe(
      `SELECT ${indexes.map((i) => `CAST(NULL AS ${declared[i]!.type.trim()}) AS c${i}`).join(', ')}`,
    );
  const all = declared.map((_, index) => index);
  try {
    return (await describe(all)).map((column) => column.type);
  } catch (error) {
    for (const index of all) {
      try {
        await checkedSql(`contract.columns[${index}].type`, () => describe([index]));
      } catch (one) {
        throw invalid(index, `is not a type DuckDB knows: ${(one as Error).message.replace(/^[^:]*: /, '')}`, one);
      }
    }
    throw error;
  }
}
