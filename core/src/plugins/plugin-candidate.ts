import type { PluginLoadError } from './plugin-errors.ts';

/** Where a loaded plugin came from: shipped with Assay, installed by an admin, or passed as a value (tests). */
export type PluginSource = 'builtin' | 'installed' | 'inline';

/** A package directory that should hold a plugin, found before anything is imported. */
export interface PluginCandidate {
  readonly source: Exclude<PluginSource, 'inline'>;
  readonly packageDir: string;
  /** How the admin named it (package name or path), for error messages. */
  readonly label: string;
}

/** Candidates found by one discovery step, and the problems found on the way (reported together at the end). */
export interface CandidateSearch {
  readonly candidates: PluginCandidate[];
  readonly problems: PluginLoadError[];
}
