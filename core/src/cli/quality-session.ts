import type { EventBus } from '@assay/sdk';
import type { Knex } from 'knex';
import type { AssayConfig } from '../config/config.schema.ts';
import type { LakeService } from '../lake/lake-service.ts';
import { startPlatformSession, type PlatformSessionOptions } from './platform-session.ts';

/** What the quality, publish and incidents commands need of a platform; tests give their own. */
export interface QualitySession {
  readonly db: Knex;
  readonly lake: Pick<LakeService, 'table' | 'publications'>;
  /** Incident changes are announced here, as the API announces them; undefined: nothing is announced. */
  readonly events: EventBus | undefined;
  close(): Promise<void>;
}

/** Boots a {@link QualitySession}: the workspace must exist (and, for a command that `writes`, not be archived). */
export type QualitySessionStarter = (
  config: AssayConfig,
  options: PlatformSessionOptions & { readonly workspace: string },
) => Promise<QualitySession>;

/** The platform as `assay serve` has it, without HTTP and without working queue jobs. */
export const startQualitySession: QualitySessionStarter = async (config, options) => {
  const platform = await startPlatformSession(config, { ...options, works: false });
  return { db: platform.db, lake: platform.lake, events: platform.events, close: () => platform.close() };
};
