import { definePlugin } from '@assay/sdk';
import type { IngestService } from '../../ingest/ingest-service.ts';
import { platformVersion } from '../../version.ts';
import { createIngestOperator } from './ingest.operator.ts';

/** The id core's own operators are registered under (operator catalog, pipeline jobs). */
export const CORE_OPERATORS_PLUGIN_ID = 'core-operators';

/**
 * Core's own operators as a plugin value, loaded like any other so they appear in the catalog and are found by
 * pipeline jobs the same way: `ingest` (it needs core's ingest service, which plugins cannot reach). Its platform
 * range is this core's exact version.
 */
export function createCoreOperatorsPlugin(services: { ingest: () => Pick<IngestService, 'run'> }) {
  return definePlugin({
    id: CORE_OPERATORS_PLUGIN_ID,
    platform: platformVersion,
    title: 'Core operators',
    description: 'Operators built into Assay core: ingest',
    operators: [createIngestOperator(services.ingest)],
  });
}
