// Fixture files for the reader tests, written to a temporary directory the tests remove.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileFormat, FileItem, FileReadOptions } from '@assay/sdk';

export interface FixtureDir {
  readonly path: string;
  file(name: string, content: string | Buffer, format: FileFormat, options?: FileReadOptions): Promise<FileItem>;
  remove(): Promise<void>;
}

export async function fixtureDir(): Promise<FixtureDir> {
  const path = await mkdtemp(join(tmpdir(), 'assay-readers-'));
  return {
    path,
    async file(name, content, format, options) {
      const file = join(path, name);
      await writeFile(file, content);
      return { kind: 'file', path: file, format, source: file, ...(options === undefined ? {} : { options }) };
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** An `assert.rejects` check of an error's code and message. */
export function failsWith(code: string, message?: RegExp) {
  return (error: { code?: string; message: string }) => {
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

/** `[line, error_type, column_name, raw_row]` of each reject, for compact assertions. */
export function rejectsOf(rejects: ReadonlyArray<Record<string, unknown>>): unknown[][] {
  return rejects.map((r) => [Number(r.line), r.error_type, r.column_name, r.raw_row]);
}
