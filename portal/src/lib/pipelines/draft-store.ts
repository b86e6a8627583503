import type { PipelineDocument } from './document.ts';

/**
 * The builder's unsaved work, kept in the browser's localStorage on every change: a session that expires (or a
 * closed tab) loses nothing, and the builder offers the draft back on the next visit.
 */
export interface StoredDraft {
  document: PipelineDocument;
  /** The saved version the draft started from (0 for a new pipeline): a newer one on the server is a conflict. */
  baseVersion: number;
  savedAt: string;
}

const keyOf = (ws: string, pipeline: string | undefined) => `assay.pipeline-draft.${ws}.${pipeline ?? '(new)'}`;

export function storeDraft(ws: string, pipeline: string | undefined, document: PipelineDocument, baseVersion: number) {
  const draft: StoredDraft = { document, baseVersion, savedAt: new Date().toISOString() };
  try {
    localStorage.setItem(keyOf(ws, pipeline), JSON.stringify(draft));
  } catch {
    // Storage full or disabled (private mode): the builder still works, only without the safety net.
  }
}

export function storedDraft(ws: string, pipeline: string | undefined): StoredDraft | undefined {
  try {
    const text = localStorage.getItem(keyOf(ws, pipeline));
    if (text === null) return undefined;
    const draft = JSON.parse(text) as StoredDraft;
    return Array.isArray(draft?.document?.spec?.jobs) ? draft : undefined;
  } catch {
    return undefined;
  }
}

export function clearDraft(ws: string, pipeline: string | undefined): void {
  try {
    localStorage.removeItem(keyOf(ws, pipeline));
  } catch {
    // Nothing to clear when storage is unavailable.
  }
}
