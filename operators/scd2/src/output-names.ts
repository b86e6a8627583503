import type { OperatorColumn, OperatorContext } from '@assay/sdk';
import type { Scd2Settings } from './scd2-config.ts';
import { scd2Error } from './scd2-errors.ts';

/** The output columns the operator adds, as named in the config. */
export interface Scd2Names {
  readonly validFrom: string;
  readonly validTo: string;
  readonly isCurrent: string;
  readonly surrogateKey: string;
  readonly hash: string;
  /** Only with deletes.policy new_record. */
  readonly deleted: string | undefined;
}

/** Prefix of the operator's own working columns; input columns and output names may not use it. */
export const INTERNAL_PREFIX = '__scd_';

export function outputNames(config: Scd2Settings): Scd2Names {
  const { columns } = config;
  return {
    validFrom: columns.validFrom,
    validTo: columns.validTo,
    isCurrent: columns.isCurrent,
    surrogateKey: columns.surrogateKey,
    hash: columns.hash,
    deleted: config.deletes.policy === 'new_record' ? columns.deleted : undefined,
  };
}

/** The columns the operator adds, with their config paths, in output order (surrogate key first). */
export function addedNames(mode: 'scd2' | 'scd1', names: Scd2Names): Array<[path: string, name: string]> {
  const added: Array<[string, string]> = [['config.columns.surrogateKey', names.surrogateKey]];
  if (mode === 'scd2') {
    added.push(
      ['config.columns.validFrom', names.validFrom],
      ['config.columns.validTo', names.validTo],
      ['config.columns.isCurrent', names.isCurrent],
    );
  }
  if (names.deleted !== undefined) added.push(['config.columns.deleted', names.deleted]);
  added.push(['config.columns.hash', names.hash]);
  return added;
}

/**
 * The input columns the output keeps (all but the excluded ones, and an input column named like the hash column,
 * which the version's row hash replaces), after checking that no two output columns share a name
 * (`SCD2_COLUMN_CONFLICT`, case-insensitively, as DuckDB compares names) and that nothing uses the operator's
 * reserved prefix.
 */
export function writtenColumns(
  ctx: Pick<OperatorContext, 'run'>,
  columns: readonly OperatorColumn[],
  plan: {
    readonly keys: readonly OperatorColumn[];
    readonly excluded: readonly OperatorColumn[];
    readonly names: Scd2Names;
    readonly added: ReadonlyArray<[string, string]>;
  },
): OperatorColumn[] {
  const { keys, excluded, names, added } = plan;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const conflict = (message: string, path: string, column: string) =>
    scd2Error(ctx, 'SCD2_COLUMN_CONFLICT', message, { path, column });
  const internal = columns.find((c) => c.name.toLowerCase().startsWith(INTERNAL_PREFIX));
  if (internal !== undefined) {
    throw conflict(
      `input column "${internal.name}" uses the prefix ${INTERNAL_PREFIX}, which the operator reserves: rename it`,
      'input',
      internal.name,
    );
  }
  for (const [i, [path, name]] of added.entries()) {
    if (name.toLowerCase().startsWith(INTERNAL_PREFIX)) {
      throw conflict(`${path} "${name}" uses the prefix ${INTERNAL_PREFIX}, which the operator reserves`, path, name);
    }
    const twin = added.findIndex(([, other]) => same(other, name));
    if (twin !== i) throw conflict(`${path} "${name}" is also ${added[twin]![0]}`, path, name);
  }
  const isKey = (column: OperatorColumn) => keys.some((k) => k.name === column.name);
  const written = columns.filter(
    (c) => !excluded.some((x) => x.name === c.name) && !(same(c.name, names.hash) && !isKey(c)),
  );
  for (const column of written) {
    const clash = added.find(([, name]) => same(name, column.name));
    if (clash !== undefined) {
      throw conflict(
        `input column "${column.name}" has the name ${clash[0]} gives an output column: rename one, or exclude the ` +
          'input column (config.excludeColumns)',
        clash[0],
        column.name,
      );
    }
  }
  return written;
}
