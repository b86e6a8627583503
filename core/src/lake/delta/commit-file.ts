import type { LakeStorage } from '../storage/lake-storage.ts';
import { corrupt, parseAction } from './delta-actions.ts';
import type { DeltaAction } from './delta-actions.ts';

/**
 * Reads and parses one commit file (newline-delimited JSON, one action per line). A line that is not a JSON object
 * fails with `DELTA_LOG_CORRUPT` naming the file and the line.
 */
export async function readCommitFile(storage: LakeStorage, path: string): Promise<DeltaAction[]> {
  const text = (await storage.read(path)).toString('utf8');
  const actions: DeltaAction[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `${storage.describe(path)} line ${index + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (error) {
      throw corrupt(where, 'the line is not valid JSON', error);
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw corrupt(where, 'the line is not a JSON object');
    }
    const action = parseAction(entry as Record<string, unknown>, where);
    if (action !== undefined) actions.push(action);
  }
  return actions;
}
