import { InputError, type OperatorColumn } from '@assay/sdk';
import type { CdcMergeSettings } from './cdc-merge-config.ts';

/** A column of the table filled from the changes' images. */
export interface DataColumn {
  readonly name: string;
  /** DuckDB type it is written with. */
  readonly type: string;
  /** Index into the business key when it is a key column. */
  readonly key?: number;
}

/** The columns the operator adds of its own, by role. */
export interface ExtraColumns {
  readonly op?: string;
  readonly position?: string;
  readonly eventTime?: string;
  readonly deletedFlag?: string;
  readonly deletedAt?: string;
}

/** The table's columns as the run writes them. */
export interface ColumnPlan {
  readonly data: readonly DataColumn[];
  readonly extra: ExtraColumns;
  /** After-image fields the existing table lacks, left out (onNewColumns: ignore). */
  readonly ignored: readonly string[];
}

/** `json_group_structure` results: field → type name, or a nested object or array for nested values. */
export type Structure = Readonly<Record<string, unknown>>;

/** The columns the operator writes besides the data, as the config asks for them. */
export function extraColumns(config: CdcMergeSettings, hasEventTime: boolean): ExtraColumns {
  return {
    ...(config.auditColumns || config.deletes === 'hard' ? { op: '_cdc_op' } : {}),
    ...(config.auditColumns ? { position: '_cdc_position' } : {}),
    ...(config.auditColumns && hasEventTime ? { eventTime: '_cdc_event_time' } : {}),
    ...(config.deletes === 'soft' ? { deletedFlag: config.deletedFlagColumn, deletedAt: config.deletedAtColumn } : {}),
  };
}

/**
 * Which columns the table gets and their types. A new table: the business key, then the after images' fields (or
 * `include`, in its order) less `exclude`, typed by `casts`, else inferred from the JSON values (or all VARCHAR). An
 * existing table keeps its columns and types; after fields it lacks are `CDC_NEW_COLUMNS` (or ignored).
 */
export function planColumns(
  config: CdcMergeSettings,
  target: readonly OperatorColumn[] | undefined,
  images: { after: Structure; before: Structure; key: Structure },
  extra: ExtraColumns,
  dataset: string,
): ColumnPlan {
  const extraNames = Object.values(extra) as string[];
  const lower = (s: string) => s.toLowerCase();
  const clash = extraNames.find((name, i) => extraNames.findIndex((other) => lower(other) === lower(name)) !== i);
  if (clash !== undefined) {
    throw new InputError(
      `config.deletedAtColumn and config.deletedFlagColumn (or an audit column) are both "${clash}"`,
      {
        code: 'CDC_COLUMN_CONFLICT',
        details: { column: clash },
      },
    );
  }
  const keyIndex = new Map(config.businessKey.map((k, i) => [k, i]));
  config.exclude?.forEach((name, i) => {
    if (keyIndex.has(name)) {
      throw new InputError(`config.exclude[${i}]: "${name}" is part of config.businessKey, which is always a column`, {
        code: 'CDC_CONFIG_INVALID',
        details: { path: `config.exclude[${i}]`, column: name },
      });
    }
  });
  const excluded = new Set(config.exclude ?? []);
  const wanted = (config.include ?? Object.keys(images.after)).filter((f) => !excluded.has(f) && !keyIndex.has(f));
  const fields = [...config.businessKey, ...wanted];
  const conflicting = fields.find((f) => extraNames.some((name) => lower(name) === lower(f)));
  if (conflicting !== undefined) {
    throw new InputError(
      `The changes have a field "${conflicting}", which is also a column cdc-merge adds: exclude it, or name the ` +
        'soft-delete columns differently (config.deletedFlagColumn, config.deletedAtColumn)',
      { code: 'CDC_COLUMN_CONFLICT', details: { column: conflicting } },
    );
  }
  if (target !== undefined) return existingTable(config, target, fields, extra, dataset);

  const seen = (f: string) => f in images.after || f in images.before || f in images.key;
  config.include?.forEach((name, i) => {
    if (!seen(name)) {
      throw new InputError(`config.include[${i}]: no change of this run has a field "${name}"`, {
        code: 'CDC_COLUMN_NOT_FOUND',
        details: { path: `config.include[${i}]`, column: name },
      });
    }
  });
  for (const name of Object.keys(config.casts ?? {})) {
    if (!fields.includes(name)) {
      throw new InputError(`config.casts.${name}: "${name}" is not a column of the table (${fields.join(', ')})`, {
        code: 'CDC_CONFIG_INVALID',
        details: { path: `config.casts.${name}`, column: name },
      });
    }
  }
  const data = fields.map((name): DataColumn => {
    const type =
      config.casts?.[name] ??
      (config.types === 'text' ? 'VARCHAR' : inferred(images.after[name] ?? images.before[name] ?? images.key[name]));
    return { name, type, ...(keyIndex.has(name) ? { key: keyIndex.get(name)! } : {}) };
  });
  return { data, extra, ignored: [] };
}

function existingTable(
  config: CdcMergeSettings,
  target: readonly OperatorColumn[],
  fields: readonly string[],
  extra: ExtraColumns,
  dataset: string,
): ColumnPlan {
  const byName = new Map(target.map((c) => [c.name.toLowerCase(), c]));
  const missing = [...config.businessKey, ...(Object.values(extra) as string[])].filter(
    (name) => !byName.has(name.toLowerCase()),
  );
  if (missing.length > 0) {
    throw new InputError(
      `${dataset} lacks the column(s) ${missing.map((c) => `"${c}"`).join(', ')} this config writes: was it made ` +
        'with another businessKey, deletes or auditColumns setting? Keep the settings it was created with, or ' +
        'write a new table',
      { code: 'CDC_TARGET_MISMATCH', details: { dataset, missing } },
    );
  }
  const extraNames = new Set((Object.values(extra) as string[]).map((n) => n.toLowerCase()));
  const keyIndex = new Map(config.businessKey.map((k, i) => [k.toLowerCase(), i]));
  const data = target
    .filter((c) => !extraNames.has(c.name.toLowerCase()))
    .map((c): DataColumn => {
      const key = keyIndex.get(c.name.toLowerCase());
      return { name: c.name, type: c.type, ...(key === undefined ? {} : { key }) };
    });
  const added = fields.filter((f) => !byName.has(f.toLowerCase()));
  if (added.length > 0 && config.onNewColumns === 'fail') {
    throw new InputError(
      `The changes have field(s) ${added.map((c) => `"${c}"`).join(', ')} that ${dataset} lacks, and a merge cannot ` +
        'add columns: list them in config.exclude, set config.onNewColumns to ignore, or rebuild the table',
      { code: 'CDC_NEW_COLUMNS', details: { dataset, columns: added } },
    );
  }
  return { data, extra, ignored: added };
}

/** The column type for a JSON value's structure: integers BIGINT, numbers DOUBLE, booleans, anything else text. */
function inferred(structure: unknown): string {
  if (typeof structure !== 'string') return 'VARCHAR';
  if (/INT/.test(structure)) return 'BIGINT';
  if (structure === 'DOUBLE' || structure === 'BOOLEAN') return structure;
  return 'VARCHAR';
}
