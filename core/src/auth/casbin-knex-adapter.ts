import { Helper, type Model } from 'casbin';
import { KnexAdapter } from 'casbin-knex-adapter';
import type { Knex } from 'knex';

/** The table Casbin policies and role links live in (created by migration 003_identity). */
export const CASBIN_TABLE = 'core_casbin_rules';

/**
 * The knex adapter with one fix: it builds each policy line by joining values with commas, so an ABAC condition
 * containing a comma (`hasTag(r.res, 'pii')`) would split into extra fields. Values are quoted CSV-style here,
 * which Casbin's line parser understands.
 */
export class QuotingKnexAdapter extends KnexAdapter {
  readonly #db: Knex;

  constructor(db: Knex) {
    super(db, { tableName: CASBIN_TABLE });
    this.#db = db;
  }

  override async loadPolicy(model: Model): Promise<void> {
    const rows = await this.#db(CASBIN_TABLE).select('ptype', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5').orderBy('id');
    for (const row of rows as Array<Record<string, string | null>>) {
      const values = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'].map((k) => row[k]).filter((v): v is string => v != null);
      Helper.loadPolicyLine([row.ptype!, ...values].map(quoteCsv).join(', '), model);
    }
  }

  /** The knex instance belongs to the platform; closing the enforcer must not destroy it. */
  override async close(): Promise<void> {}
}

function quoteCsv(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
