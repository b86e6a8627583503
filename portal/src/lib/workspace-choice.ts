import type { Me } from './session.svelte';

const KEY = 'assay.workspace';

/** Remembers the workspace the user last worked in, for the next visit to `/`. */
export function rememberWorkspace(slug: string): void {
  try {
    localStorage.setItem(KEY, slug);
  } catch {
    // Storage can be off (private windows, policies); the choice then lasts for this page only.
  }
}

/** The workspace to open: the remembered one while the user is still a member, else their first. */
export function preferredWorkspace(me: Me): string | undefined {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(KEY);
  } catch {
    stored = null;
  }
  return me.workspaces.find((w) => w.slug === stored)?.slug ?? me.workspaces[0]?.slug;
}
