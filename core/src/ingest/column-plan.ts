import { UserError, type DiscoveredColumn } from '@assay/sdk';
import type { TargetColumn } from './formats/item-relation.ts';
import { AUDIT_COLUMNS, INGEST_DATE_COLUMN, type IngestOptions } from './ingest-request.ts';

/** A change between a source item's columns and the Bronze table, recorded on the load. */
export interface SchemaChange {
  readonly column: string;
  readonly change: 'added' | 'ignored' | 'missing';
  readonly type: string;
  /** The item (file, URL, table) that showed it. */
  readonly source: string;
}

/** How one item's columns are read and written. */
export interface ColumnPlan {
  /** What the reader reads: source names with the types Bronze holds them in. */
  readonly read: readonly TargetColumn[];
  /** Bronze columns in table order, each from a source column or NULL when the item lacks it. */
  readonly output: ReadonlyArray<{ readonly name: string; readonly type: string; readonly from?: string }>;
  readonly changes: readonly SchemaChange[];
}

type PlannerOptions = Pick<IngestOptions, 'schema' | 'schemaDrift' | 'rename'>;

/** Characters Delta does not allow in column names (without column mapping); replaced by `_`. */
const INVALID_NAME_CHARS = /[ ,;{}()\n\t=]/g;
const CORE_COLUMNS = new Set<string>([...AUDIT_COLUMNS, INGEST_DATE_COLUMN]);

/**
 * Tracks a load's target schema across items: starts from the existing table (or the declared columns), adds or
 * ignores new source columns per the drift policy, and fills columns an item lacks with NULL.
 */
export class ColumnPlanner {
  readonly #known = new Map<string, string>();
  readonly #options: PlannerOptions;
  readonly #declared: ReadonlyMap<string, string> | undefined;

  constructor(existing: ReadonlyArray<{ name: string; type: string }> | undefined, options: PlannerOptions) {
    this.#options = options;
    for (const column of existing ?? []) if (!CORE_COLUMNS.has(column.name)) this.#known.set(column.name, column.type);
    if (options.schema?.mode === 'declared') {
      const declared = options.schema.columns ?? [];
      if (declared.length === 0) {
        throw new UserError('schema.mode is "declared" but schema.columns lists no column', {
          code: 'INGEST_SCHEMA_INVALID',
          details: { path: 'schema.columns' },
        });
      }
      this.#declared = new Map(declared.map((c) => [c.name, bronzeType(c.type)]));
      if (this.#known.size === 0)
        for (const c of declared) this.#known.set(this.targetName(c.name), bronzeType(c.type));
    }
  }

  /** The Bronze name of a source column: renamed, with characters Delta refuses replaced. */
  targetName(source: string): string {
    return (this.#options.rename?.[source] ?? source).replace(INVALID_NAME_CHARS, '_');
  }

  /** The current target columns (without core's audit columns). */
  get columns(): Array<{ name: string; type: string }> {
    return [...this.#known].map(([name, type]) => ({ name, type }));
  }

  plan(described: readonly DiscoveredColumn[], source: string): ColumnPlan {
    const firstSchema = this.#known.size === 0;
    const read: TargetColumn[] = [];
    const fromSource = new Map<string, string>();
    const changes: SchemaChange[] = [];
    const refused: string[] = [];
    for (const column of described) {
      const name = this.targetName(column.name);
      if (CORE_COLUMNS.has(name)) {
        throw new UserError(
          `Column "${column.name}" of ${source} collides with the audit column "${name}": rename it`,
          {
            code: 'INGEST_COLUMN_RESERVED',
            details: { column: column.name, source },
          },
        );
      }
      if (fromSource.has(name)) {
        throw new UserError(
          `Columns "${fromSource.get(name)}" and "${column.name}" of ${source} both map to "${name}"`,
          {
            code: 'INGEST_COLUMN_DUPLICATE',
            details: { column: name, source },
          },
        );
      }
      const declaredType = this.#declared?.get(column.name);
      let type = this.#known.get(name);
      if (type === undefined) {
        const inferred = declaredType ?? usableType(column.type);
        if (firstSchema) {
          this.#known.set(name, inferred);
        } else if (this.#options.schemaDrift === 'ignore_new') {
          changes.push({ column: name, change: 'ignored', type: inferred, source });
          continue;
        } else if (this.#options.schemaDrift === 'fail') {
          refused.push(name);
          continue;
        } else {
          this.#known.set(name, inferred);
          changes.push({ column: name, change: 'added', type: inferred, source });
        }
        type = inferred;
      }
      fromSource.set(name, column.name);
      read.push({ name: column.name, type });
    }
    if (refused.length > 0) {
      throw new UserError(
        `${source} has column(s) ${refused.map((c) => `"${c}"`).join(', ')} the table does not have, and ` +
          'schemaDrift is "fail": add them to the table, or choose add_columns or ignore_new',
        { code: 'INGEST_SCHEMA_DRIFT', details: { columns: refused, source } },
      );
    }
    const output = [...this.#known].map(([name, type]) => {
      const from = fromSource.get(name);
      if (from === undefined) changes.push({ column: name, change: 'missing', type, source });
      return from === undefined ? { name, type } : { name, type, from };
    });
    return { read, output, changes };
  }
}

/**
 * The type a column gets in Bronze: the source type where Delta (reader 1) has it, otherwise the nearest type that
 * keeps every value — JSON, UUID, times and intervals as text, unsigned and huge integers as decimals wide enough.
 */
export function bronzeType(type: string): string {
  const upper = type.trim().toUpperCase();
  const mapped = BRONZE_TYPES[upper];
  if (mapped !== undefined) return mapped;
  if (/^(VARCHAR|CHAR|TEXT|STRING)\(\d+\)$/.test(upper) || upper.startsWith('ENUM(')) return 'VARCHAR';
  return type;
}

const BRONZE_TYPES: Readonly<Record<string, string>> = {
  NULL: 'VARCHAR',
  '"NULL"': 'VARCHAR',
  JSON: 'VARCHAR',
  UUID: 'VARCHAR',
  TIME: 'VARCHAR',
  'TIME WITH TIME ZONE': 'VARCHAR',
  INTERVAL: 'VARCHAR',
  BIT: 'VARCHAR',
  UTINYINT: 'SMALLINT',
  USMALLINT: 'INTEGER',
  UINTEGER: 'BIGINT',
  UBIGINT: 'DECIMAL(20,0)',
  HUGEINT: 'DECIMAL(38,0)',
  UHUGEINT: 'DECIMAL(38,0)',
  TIMESTAMP_S: 'TIMESTAMP',
  TIMESTAMP_MS: 'TIMESTAMP',
  TIMESTAMP_NS: 'TIMESTAMP',
};

function usableType(type: string): string {
  return bronzeType(type);
}
