import { quoteIdentifier } from '@assay/sdk';

/** A column of the operator's own, named so that no input column can clash (inputs with the prefix are refused). */
export const internal = (name: string): string => quoteIdentifier(`__cleanse_${name}`);

/** The input order of a row (its position in the scan), the tie-breaker of every ordering. */
export const ROW = internal('row');

/**
 * A chain of CTEs, each selecting from the one before: `WITH a AS (…), b AS (SELECT … FROM a), …`. DuckDB fuses
 * the projections into one pipeline, so a chain costs one pass over the input (plus the joins and windows it holds).
 */
export class CteChain {
  readonly #ctes: Array<[string, string]> = [];
  #flags = 0;

  /** The CTE the next stage reads. */
  get previous(): string {
    return this.#ctes.at(-1)?.[0] ?? '';
  }

  /** Adds a stage; `select` gets the name of the stage before it. */
  add(name: string, select: (previous: string) => string): void {
    this.#ctes.push([name, select(this.previous)]);
  }

  /** A fresh boolean column name for a rule's flag. */
  flag(): string {
    return internal(`f${this.#flags++}`);
  }

  /** The `WITH …` clause of all stages, to put before a statement over the last one. */
  with(): string {
    return `WITH ${this.#ctes.map(([name, sql]) => `${name} AS (\n  ${sql}\n)`).join(',\n')}\n`;
  }
}
