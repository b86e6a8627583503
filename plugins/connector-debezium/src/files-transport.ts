import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConnectorState } from '@assay/sdk';
import type { DebeziumStream } from './debezium-config.ts';
import type { Received, TransportMessage } from './received.ts';

const EVENT_FILE = /\.(ndjson|jsonl|json)$/i;

/**
 * NDJSON files of events in the connection's uploads (how events arrive over HTTP), in name order, one event a
 * line. State: the names of files read completely, and how many lines of a file a load stopped inside (at
 * `maxEvents`). A file is read once by name: upload new events under a new name.
 */
export async function receiveFiles(
  uploadsDir: string,
  settings: DebeziumStream,
  state: ConnectorState | undefined,
): Promise<Received> {
  const done = new Set(Array.isArray(state?.files) ? (state.files as string[]) : []);
  const partial = state?.partial as { name: string; lines: number } | undefined;
  const present = (await readdir(uploadsDir).catch(() => [] as string[])).filter(
    (name) => EVENT_FILE.test(name) && !name.startsWith('.'),
  );
  const names = present.filter((name) => !done.has(name)).sort();
  const messages: TransportMessage[] = [];
  let stoppedIn: { name: string; lines: number } | undefined;
  for (const name of names) {
    const skip = partial?.name === name ? partial.lines : 0;
    let line = 0;
    const lines = createInterface({ input: createReadStream(join(uploadsDir, name)), crlfDelay: Infinity });
    try {
      for await (const text of lines) {
        line++;
        if (line <= skip || text.trim() === '') continue;
        messages.push({ body: Buffer.from(text), position: `${name}:${String(line).padStart(12, '0')}` });
        if (messages.length >= settings.maxEvents) {
          stoppedIn = { name, lines: line };
          break;
        }
      }
    } finally {
      lines.close();
    }
    if (stoppedIn !== undefined) break;
    done.add(name);
  }
  return {
    messages,
    duplicates: 0,
    // Names no longer uploaded are forgotten, so the list stays as long as the uploads directory.
    state: {
      files: [...done].filter((name) => present.includes(name)).sort(),
      ...(stoppedIn === undefined ? {} : { partial: stoppedIn }),
    },
    acknowledge: async () => undefined,
    close: async () => undefined,
  };
}
