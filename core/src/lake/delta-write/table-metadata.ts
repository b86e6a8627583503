import { randomUUID } from 'node:crypto';
import { UserError } from '@assay/sdk';
import type { MetadataAction } from '../delta/delta-actions.ts';
import type { DeltaStructField, DeltaStructType } from '../delta/delta-schema.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';

/** How incoming columns may change the table schema. */
export interface SchemaChoice {
  /** On overwrite: replace the schema, type changes and dropped columns included. */
  readonly overwriteSchema: boolean;
  readonly mode: 'append' | 'overwrite';
}

/**
 * The metaData a write commits, or undefined when the table's stays as it is. A new table gets the incoming schema;
 * an existing one gains incoming columns it lacks (as nullable columns); a column whose type differs is refused with
 * `DELTA_SCHEMA_MISMATCH` unless an overwrite explicitly replaces the schema. Partitioning never changes.
 */
export function metadataForWrite(
  snapshot: DeltaSnapshot | undefined,
  incoming: DeltaStructType,
  partitionColumns: readonly string[] | undefined,
  choice: SchemaChoice,
  tableName: string,
): MetadataAction | undefined {
  if (snapshot === undefined) {
    for (const column of partitionColumns ?? []) {
      if (!incoming.fields.some((f) => f.name === column)) {
        throw new UserError(`Partition column "${column}" is not among the columns written to ${tableName}`, {
          code: 'DELTA_PARTITIONING_INVALID',
        });
      }
    }
    return {
      id: randomUUID(),
      format: { provider: 'parquet', options: {} },
      schemaString: JSON.stringify(incoming),
      partitionColumns: [...(partitionColumns ?? [])],
      configuration: {},
      createdTime: Date.now(),
    };
  }
  const current = snapshot.metadata;
  if (partitionColumns !== undefined && partitionColumns.join('\u0000') !== current.partitionColumns.join('\u0000')) {
    throw new UserError(
      `${tableName} is partitioned by [${current.partitionColumns.join(', ')}], not [${partitionColumns.join(', ')}]`,
      { code: 'DELTA_PARTITIONING_MISMATCH' },
    );
  }
  if (choice.mode === 'overwrite' && choice.overwriteSchema) {
    const replaced = JSON.stringify(incoming);
    return replaced === current.schemaString ? undefined : { ...current, schemaString: replaced };
  }
  const byName = new Map(snapshot.schema.fields.map((f) => [f.name, f]));
  const added: DeltaStructField[] = [];
  for (const field of incoming.fields) {
    const existing = byName.get(field.name);
    if (existing === undefined) {
      added.push({ ...field, nullable: true });
    } else if (JSON.stringify(existing.type) !== JSON.stringify(field.type)) {
      throw new UserError(
        `Column "${field.name}" of ${tableName} is ${describe(existing.type)}, but the write has ${describe(field.type)}: ` +
          'cast it, or overwrite with overwriteSchema to change the type',
        { code: 'DELTA_SCHEMA_MISMATCH', details: { column: field.name } },
      );
    }
  }
  if (added.length === 0) return undefined;
  const evolved: DeltaStructType = { type: 'struct', fields: [...snapshot.schema.fields, ...added] };
  return { ...current, schemaString: JSON.stringify(evolved) };
}

function describe(type: unknown): string {
  return typeof type === 'string' ? type : JSON.stringify(type);
}
