import type { AddAction, DeltaAction, MetadataAction, ProtocolAction } from './delta-actions.ts';

/** The table state after replaying a log segment, before types are applied. */
export interface ReplayedState {
  protocol: ProtocolAction | undefined;
  metadata: MetadataAction | undefined;
  readonly files: Map<string, AddAction>;
  readonly txns: Map<string, number>;
  /** The in-commit timestamp of the last replayed commit, when it has one. */
  inCommitTimestamp: number | undefined;
}

/** An empty state to replay into. */
export function emptyState(): ReplayedState {
  return { protocol: undefined, metadata: undefined, files: new Map(), txns: new Map(), inCommitTimestamp: undefined };
}

/**
 * Applies actions in log order: the latest protocol and metadata win, an add or remove replaces any earlier action on
 * the same path (removes leave no entry: tombstones only matter to vacuum), and the latest txn per appId wins.
 * Paths are compared after URI decoding, so `a%20b` and `a b` name one file.
 */
export function replayActions(state: ReplayedState, actions: readonly DeltaAction[]): void {
  for (const action of actions) {
    switch (action.kind) {
      case 'protocol':
        state.protocol = action.protocol;
        break;
      case 'metaData':
        state.metadata = action.metaData;
        break;
      case 'add':
        state.files.set(fileKey(action.add.path), action.add);
        break;
      case 'remove':
        state.files.delete(fileKey(action.remove.path));
        break;
      case 'txn':
        state.txns.set(action.txn.appId, action.txn.version);
        break;
      case 'commitInfo':
        state.inCommitTimestamp =
          typeof action.commitInfo.inCommitTimestamp === 'number' ? action.commitInfo.inCommitTimestamp : undefined;
        break;
      case 'other':
        break;
    }
  }
}

function fileKey(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
