import { InputError } from '@assay/sdk';
import { isMaskFunction, type MaskFunction } from './mask-functions.ts';

/**
 * The classifications a dataset or column can carry, from least to most sensitive. A closed set, so that a typo
 * cannot silently leave data unmasked: free-form labels go in `tags`. Only `confidential` and `pii` mask columns.
 */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'pii'] as const;

/** A classification name. */
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Governance attributes of one column. */
export interface ColumnGovernance {
  readonly classification?: Classification;
  readonly tags?: readonly string[];
  /** The mask used when the column's classification masks it; `redact` when not set. */
  readonly mask?: MaskFunction;
}

/** Governance attributes of a dataset (`core_dataset_governance`). */
export interface DatasetGovernance {
  /** `layer.name`. */
  readonly dataset: string;
  /** Principal id of the owner. */
  readonly owner: string | null;
  readonly classification: Classification | null;
  readonly tags: readonly string[];
  /** Column name → its attributes. */
  readonly columns: Readonly<Record<string, ColumnGovernance>>;
  readonly updatedBy: string | null;
  /** ISO timestamp; null while nothing was ever set. */
  readonly updatedAt: string | null;
}

/** What `setGovernance` replaces: absent fields are cleared (owner and classification null, no tags or columns). */
export interface GovernanceInput {
  readonly owner?: string | null | undefined;
  readonly classification?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly columns?: Readonly<Record<string, { classification?: string; tags?: readonly string[]; mask?: string }>>;
}

/** `layer.name`, as datasets are named in the lake and in engine views. */
export const DATASET_NAME = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
/** A column name that can be classified or masked: a plain SQL identifier. */
export const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A tag: a lower-case token such as `finance`, `gdpr:art-9` or `source.crm`. */
export const TAG = /^[a-z0-9][a-z0-9_.:-]{0,62}$/;
const PRINCIPAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TAGS = 50;
const MAX_COLUMNS = 2000;

/** Refuses a dataset name that is not `layer.name` (InputError `DATASET_NAME_INVALID`). */
export function assertDatasetName(dataset: string): void {
  if (!DATASET_NAME.test(dataset)) {
    throw new InputError(`Dataset name "${dataset}" must look like layer.name (lower-case, digits, underscores)`, {
      code: 'DATASET_NAME_INVALID',
    });
  }
}

/** Refuses a column name that is not a plain identifier (InputError `COLUMN_NAME_INVALID`). */
export function assertColumnName(column: string, where: string): void {
  if (!COLUMN_NAME.test(column)) {
    throw new InputError(
      `Column "${column}" (${where}) must be a plain identifier: letters, digits and underscores, not starting with a digit`,
      { code: 'COLUMN_NAME_INVALID', details: { column, path: where } },
    );
  }
}

/** Validates and normalises a governance input (InputError `GOVERNANCE_INVALID` or `COLUMN_NAME_INVALID`). */
export function parseGovernanceInput(
  input: GovernanceInput,
): Omit<DatasetGovernance, 'dataset' | 'updatedBy' | 'updatedAt'> {
  const owner = input.owner ?? null;
  if (owner !== null && !PRINCIPAL_ID.test(owner)) {
    throw invalid(`owner "${owner}" must be the id (uuid) of a user or service account`, 'owner');
  }
  const entries = Object.entries(input.columns ?? {});
  if (entries.length > MAX_COLUMNS) throw invalid(`at most ${MAX_COLUMNS} columns can be described`, 'columns');
  const seen = new Set<string>();
  const columns: Record<string, ColumnGovernance> = {};
  for (const [name, column] of entries) {
    assertColumnName(name, `columns.${name}`);
    // DuckDB identifiers are case-insensitive: `Email` and `email` are the same column.
    if (seen.has(name.toLowerCase())) throw invalid(`column "${name}" is listed twice`, `columns.${name}`);
    seen.add(name.toLowerCase());
    const classification = classificationOf(column.classification, `columns.${name}.classification`);
    const mask = column.mask;
    if (mask !== undefined && !isMaskFunction(mask)) {
      throw invalid(`mask "${mask}" is not one of partial, hash, redact, null`, `columns.${name}.mask`);
    }
    columns[name] = {
      ...(classification === null ? {} : { classification }),
      ...(column.tags === undefined ? {} : { tags: tagsOf(column.tags, `columns.${name}.tags`) }),
      ...(mask === undefined ? {} : { mask }),
    };
  }
  return {
    owner,
    classification: classificationOf(input.classification, 'classification'),
    tags: tagsOf(input.tags ?? [], 'tags'),
    columns,
  };
}

function classificationOf(value: string | null | undefined, path: string): Classification | null {
  if (value === undefined || value === null) return null;
  if (!(CLASSIFICATIONS as readonly string[]).includes(value)) {
    throw invalid(
      `classification "${value}" is not one of ${CLASSIFICATIONS.join(', ')}; use tags for other labels`,
      path,
    );
  }
  return value as Classification;
}

function tagsOf(tags: readonly string[], path: string): string[] {
  if (tags.length > MAX_TAGS) throw invalid(`at most ${MAX_TAGS} tags are allowed`, path);
  for (const tag of tags) {
    if (!TAG.test(tag)) {
      throw invalid(`tag "${tag}" must be a lower-case token (letters, digits, _ . : -, at most 63 characters)`, path);
    }
  }
  return [...new Set(tags)].sort();
}

function invalid(problem: string, path: string): InputError {
  return new InputError(`Dataset governance is invalid at ${path}: ${problem}`, {
    code: 'GOVERNANCE_INVALID',
    details: { path },
  });
}
