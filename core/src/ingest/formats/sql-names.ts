import { literal, quote } from '../../engine/dataset-view.ts';

let counter = 0;

/** A session-unique name for an item's temporary tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${++counter}_${Date.now().toString(36)}`;
}

export { literal, quote };
