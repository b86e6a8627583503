import { StringDecoder } from 'node:string_decoder';

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One field of PostgreSQL's COPY text format: `\N` is NULL, backslash escapes are undone. */
export function copyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_match, escaped: string) => {
    if (escaped.length > 1 || /[0-7]/.test(escaped)) {
      return String.fromCharCode(escaped[0] === 'x' ? parseInt(escaped.slice(1), 16) : parseInt(escaped, 8));
    }
    return ESCAPES[escaped] ?? escaped;
  });
}

/**
 * The rows of a `COPY … TO STDOUT` (text format) stream, field by field. Iterating the stream pauses it while the
 * consumer works, so memory holds one chunk at a time.
 */
export async function* copyRows(stream: AsyncIterable<Buffer>): AsyncGenerator<Array<string | null>> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) yield line.split('\t').map(copyField);
  }
  rest += decoder.end();
  if (rest !== '') yield rest.split('\t').map(copyField);
}
