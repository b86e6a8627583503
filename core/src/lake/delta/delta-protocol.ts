import { UserError } from '@assay/sdk';
import type { ProtocolAction } from './delta-actions.ts';

/** Reader features this reader implements; each needs no work beyond what reader version 1 does. */
export const SUPPORTED_READER_FEATURES: ReadonlySet<string> = new Set(['timestampNtz', 'vacuumProtocolCheck']);

/**
 * Refuses a table this reader cannot read correctly. Reader version 1 is supported; version 2 implies column mapping
 * and is refused; version 3 is accepted when every listed reader feature is supported. Anything else is refused with
 * `DELTA_UNSUPPORTED_FEATURE` naming the features, or `DELTA_PROTOCOL_INVALID` for a malformed protocol.
 */
export function checkReadable(protocol: ProtocolAction, table: string): void {
  const reader = protocol.minReaderVersion;
  if (reader < 1) {
    throw new UserError(`${table} declares minReaderVersion ${reader}; valid versions start at 1.`, {
      code: 'DELTA_PROTOCOL_INVALID',
      details: { minReaderVersion: reader },
    });
  }
  if (reader === 1) return;
  if (reader === 2) throw unsupported(table, ['columnMapping'], reader);
  if (reader > 3) throw unsupported(table, [`readerVersion${reader}`], reader);
  if (protocol.readerFeatures === undefined) {
    throw new UserError(`${table} declares minReaderVersion 3 without a readerFeatures list.`, {
      code: 'DELTA_PROTOCOL_INVALID',
      details: { minReaderVersion: reader },
    });
  }
  const missing = protocol.readerFeatures.filter((feature) => !SUPPORTED_READER_FEATURES.has(feature));
  if (missing.length > 0) throw unsupported(table, missing, reader);
}

function unsupported(table: string, features: readonly string[], reader: number): UserError {
  return new UserError(
    `${table} needs Delta reader feature(s) ${features.join(', ')} (minReaderVersion ${reader}), which Assay does not support yet; it cannot be read.`,
    { code: 'DELTA_UNSUPPORTED_FEATURE', details: { features, minReaderVersion: reader } },
  );
}
