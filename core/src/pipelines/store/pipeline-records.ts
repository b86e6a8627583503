import type { PipelineDocument } from '../document/pipeline-document.ts';

/** A pipeline of a workspace: its identity and which version is current. */
export interface PipelineRecord {
  readonly id: string;
  readonly workspace: string;
  readonly name: string;
  /** The version runs and exports use; 0 only inside the transaction that creates the pipeline. */
  readonly currentVersion: number;
  /** The author of version 1. */
  readonly createdBy: string | null;
  readonly createdAt: string;
  /** When the current version was set. */
  readonly updatedAt: string;
  /** Set while the pipeline's schedule and triggers are paused. */
  readonly pausedAt: string | null;
}

/** One immutable saved document of a pipeline. */
export interface PipelineVersionRecord {
  readonly pipeline: string;
  readonly version: number;
  /** Canonical: keys sorted, `metadata.workspace` left out (the row says where it belongs). */
  readonly document: PipelineDocument;
  /** Hash of the canonical document; equal hashes mean equal documents. */
  readonly hash: string;
  /** `cli:<os user>` for the CLI, the caller's email or name for the API. */
  readonly author: string | null;
  readonly message: string | null;
  readonly createdAt: string;
}

/** A version without its document, as version lists show it. */
export type PipelineVersionSummary = Omit<PipelineVersionRecord, 'document'>;

/** What a save did: `changed: false` when the document equals the current version, which is then returned. */
export interface PipelineSaveResult {
  readonly pipeline: PipelineRecord;
  readonly version: PipelineVersionRecord;
  readonly changed: boolean;
  /** True when this save created the pipeline. */
  readonly created: boolean;
}

/** A pipeline with its current version, as the list shows it. */
export interface PipelineWithVersion {
  readonly pipeline: PipelineRecord;
  readonly current: PipelineVersionRecord;
}
