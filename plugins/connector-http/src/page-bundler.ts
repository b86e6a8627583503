import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileItem } from '@assay/sdk';
import type { Page } from './http-pages.ts';

const PAGES_PER_FILE = 1000;
const BYTES_PER_FILE = 64 * 1024 ** 2;

/**
 * Collects pages' records as NDJSON lines (`{"records": [...]}`, one line per page) and hands them over a file at a
 * time: loading a thousand pages at once is far cheaper than a thousand one-page loads. The raw pages themselves
 * stay as received in `raw/` for landing.
 */
export class PageBundler {
  readonly #workDir: string;
  readonly #name: string;
  #file = 0;
  #pages = 0;
  #bytes = 0;
  #source = '';

  constructor(workDir: string, name: string) {
    this.#workDir = workDir;
    this.#name = name;
  }

  /** Adds a page; returns the finished file when it is full. */
  async add(page: Page): Promise<FileItem | undefined> {
    if (page.records.length === 0) return undefined;
    const line = `${JSON.stringify({ records: page.records })}\n`;
    if (this.#pages === 0) this.#source = page.source;
    await appendFile(this.#path(), line);
    this.#pages++;
    this.#bytes += line.length;
    return this.#pages >= PAGES_PER_FILE || this.#bytes >= BYTES_PER_FILE ? this.#finish() : undefined;
  }

  /** The last, partly filled file, if any. */
  async close(): Promise<FileItem | undefined> {
    return this.#pages > 0 ? this.#finish() : undefined;
  }

  #finish(): FileItem {
    const item: FileItem = {
      kind: 'file',
      path: this.#path(),
      format: 'ndjson',
      options: { json: { recordPath: 'records' } },
      source: this.#source,
      landed: true,
    };
    this.#file++;
    this.#pages = 0;
    this.#bytes = 0;
    return item;
  }

  #path(): string {
    return join(this.#workDir, `${this.#name}-records-${String(this.#file).padStart(6, '0')}.ndjson`);
  }
}
