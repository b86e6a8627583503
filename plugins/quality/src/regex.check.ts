import { defineCheck, quoteLiteral, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

/**
 * `regex`: the whole value of `column` (as text) matches `pattern` (RE2 syntax, `regexp_full_match`); NULL passes.
 * Whether the pattern compiles is DuckDB's to say when the check runs.
 */
export const regexCheck = defineCheck({
  type: 'regex',
  version: 1,
  title: 'Matches a pattern',
  description: 'Fails each row whose column, as text, does not match the pattern in full (RE2 syntax); NULL passes',
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column to check; non-text values are cast to VARCHAR' }),
      pattern: Type.String({ minLength: 1, description: 'An RE2 regular expression the whole value must match' }),
      caseInsensitive: Type.Optional(Type.Boolean({ description: 'Match ignoring case (default false)' })),
    },
    { additionalProperties: false },
  ),
  ui: { widgets: { column: 'column', pattern: 'regex' }, placeholders: { pattern: '[A-Z]{2}-\\d{4}' } },
  compile: (ctx, config) => {
    if (config.pattern === '') throw checkConfigError('regex', 'pattern is empty: give the pattern values must match');
    const options = config.caseInsensitive === true ? ", 'i'" : '';
    return {
      kind: 'row',
      predicate: `regexp_full_match(CAST(${ctx.quote(config.column)} AS VARCHAR), ${quoteLiteral(config.pattern)}${options})`,
    };
  },
});
