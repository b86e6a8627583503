import { defineCheck, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';
import { findColumn } from './find-column.ts';
import { typeMatches } from './type-matches.ts';

/**
 * `schema`: the dataset has the expected `columns` (each with the expected DuckDB type when one is given) and, with
 * `allowExtra: false`, no others. The observed value is the number of mismatches (it must be 0) and the result's
 * note lists them.
 */
export const schemaCheck = defineCheck({
  type: 'schema',
  version: 1,
  title: 'Schema',
  description:
    'The dataset has the expected columns with the expected DuckDB types (any spelling: INT8 is BIGINT) and, unless ' +
    'allowExtra, no other columns; names compare as SQL does, case-insensitively',
  config: Type.Object(
    {
      columns: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, description: 'The column name' }),
            type: Type.Optional(
              Type.String({ minLength: 1, description: 'The DuckDB type: BIGINT, VARCHAR, DECIMAL(18,2), ...' }),
            ),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, description: 'The columns the dataset must have' },
      ),
      allowExtra: Type.Optional(Type.Boolean({ description: 'Whether columns not listed are allowed (default true)' })),
    },
    { additionalProperties: false },
  ),
  ui: { help: { columns: 'Leave a type out to require only the column' } },
  compile: (ctx, config) => {
    const seen = new Set<string>();
    for (const { name } of config.columns) {
      if (seen.has(name.toLowerCase())) {
        throw checkConfigError('schema', `column "${name}" is listed twice`, { column: name });
      }
      seen.add(name.toLowerCase());
    }
    const mismatches: string[] = [];
    for (const expected of config.columns) {
      const actual = findColumn(ctx.columns, expected.name);
      if (actual === undefined) mismatches.push(`missing column ${expected.name}`);
      else if (expected.type !== undefined && !typeMatches(actual.type, expected.type)) {
        mismatches.push(`column ${expected.name} is ${actual.type}, expected ${expected.type.trim()}`);
      }
    }
    if (config.allowExtra === false) {
      for (const { name } of ctx.columns) {
        if (!seen.has(name.toLowerCase())) mismatches.push(`unexpected column ${name}`);
      }
    }
    return {
      kind: 'aggregate',
      // An aggregate that is the number of mismatches: a bare literal would give one row per row of the dataset,
      // and none on an empty one.
      expression: `(${mismatches.length} + 0 * count(*))`,
      max: 0,
      ...(mismatches.length === 0 ? {} : { note: mismatches.join('; ') }),
    };
  },
});
