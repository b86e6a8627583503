import { defineCheck, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';
import { nullPercent } from './null-percent.ts';

type Metric = 'row_count' | 'null_rate' | 'sum' | 'custom';

/**
 * `anomaly`: a metric of the dataset (row count, a column's null rate or sum, or any aggregate expression) is judged
 * against its own earlier values: it fails when its robust z-score (distance from the median in scaled MADs) is
 * above `sensitivity`. With weekday seasonality only earlier runs on the same UTC weekday count; with fewer than
 * `minHistory` of them the check passes and says `insufficient history` rather than guessing.
 */
export const anomalyCheck = defineCheck({
  type: 'anomaly',
  version: 1,
  title: 'Anomaly',
  description:
    'A metric judged against its own history with median and MAD (robust z-score above sensitivity fails), by ' +
    'default against earlier runs on the same weekday; passes with a note while the history is too short',
  config: Type.Object(
    {
      metric: Type.Union(
        [Type.Literal('row_count'), Type.Literal('null_rate'), Type.Literal('sum'), Type.Literal('custom')],
        { description: 'row_count, null_rate (of column, in percent), sum (of column) or custom (expression)' },
      ),
      column: Type.Optional(Type.String({ minLength: 1, description: 'The column of null_rate and sum' })),
      expression: Type.Optional(
        Type.String({ minLength: 1, description: 'custom: an aggregate SQL expression, e.g. count(DISTINCT user_id)' }),
      ),
      sensitivity: Type.Optional(
        Type.Number({
          exclusiveMinimum: 0,
          description: 'The largest robust z-score that passes (default 3.5; lower flags more)',
        }),
      ),
      seasonality: Type.Optional(
        Type.Union([Type.Literal('none'), Type.Literal('weekday')], {
          description: 'weekday (default): compare with earlier runs on the same UTC weekday; none: with all',
        }),
      ),
      minHistory: Type.Optional(
        Type.Integer({
          minimum: 3,
          description: 'The fewest earlier values to judge against (default 4 with weekday seasonality, 7 without)',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  ui: {
    order: ['metric', 'column', 'expression', 'sensitivity', 'seasonality', 'minHistory'],
    widgets: { column: 'column', expression: 'sql-aggregate' },
    show: { column: { metric: ['null_rate', 'sum'] }, expression: { metric: ['custom'] } },
    placeholders: { expression: 'count(DISTINCT customer_id)', sensitivity: '3.5' },
  },
  compile: (ctx, config) => {
    const seasonality = config.seasonality ?? 'weekday';
    return {
      kind: 'aggregate',
      expression: metricExpression(config.metric, config, ctx.quote),
      history: {
        method: 'anomaly',
        sensitivity: config.sensitivity ?? 3.5,
        seasonality,
        minHistory: config.minHistory ?? (seasonality === 'weekday' ? 4 : 7),
      },
    };
  },
});

function metricExpression(
  metric: Metric,
  config: { readonly column?: string | undefined; readonly expression?: string | undefined },
  quote: (identifier: string) => string,
): string {
  const needsColumn = metric === 'null_rate' || metric === 'sum';
  if (needsColumn !== (config.column !== undefined)) {
    throw checkConfigError(
      'anomaly',
      needsColumn ? `metric ${metric} needs a column` : `column goes with the null_rate and sum metrics, not ${metric}`,
      { metric },
    );
  }
  if ((metric === 'custom') !== (config.expression !== undefined)) {
    throw checkConfigError(
      'anomaly',
      metric === 'custom' ? 'metric custom needs an expression' : `expression goes with metric custom, not ${metric}`,
      { metric },
    );
  }
  switch (metric) {
    case 'row_count':
      return 'count(*)';
    case 'null_rate':
      return nullPercent(quote(config.column!));
    case 'sum':
      return `coalesce(sum(${quote(config.column!)}), 0)::DOUBLE`;
    case 'custom':
      return config.expression!;
  }
}
