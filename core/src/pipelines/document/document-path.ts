/**
 * One step of a path into a document: a property name, or an array index. Inside a list of objects with `id`s
 * (jobs), a name also finds the item with that id, so `spec.jobs[sales_clean]` reads like `spec.jobs[2]`.
 */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * The text form problems and diffs use: `spec.jobs[2].config.write.key`. Keys that are not plain names are quoted
 * (`metadata.labels["team.name"]`) so the text parses back to the same segments.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) text = appendPath(text, segment);
  return text;
}

/** `base` extended by `segment`: `appendPath('spec.jobs', 2)` is `spec.jobs[2]`. */
export function appendPath(base: string, segment: PathSegment): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  if (!PLAIN_KEY.test(segment)) return `${base}[${JSON.stringify(segment)}]`;
  return base === '' ? segment : `${base}.${segment}`;
}

/** `base` extended by a job or other item id, as diffs name list items: `spec.jobs[sales_clean]`. */
export function appendIdPath(base: string, id: string): string {
  return PLAIN_KEY.test(id) ? `${base}[${id}]` : `${base}[${JSON.stringify(id)}]`;
}

/**
 * The segments of a path written by {@link formatPath} or {@link appendIdPath}; undefined when the text is not
 * such a path. `[2]` is an index, `[name]` and `["a.b"]` are names.
 */
export function parsePath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let rest = path;
  while (rest !== '') {
    const key = /^\.?([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest);
    if (key !== null && (segments.length > 0 || !rest.startsWith('.'))) {
      segments.push(key[1]!);
      rest = rest.slice(key[0].length);
      continue;
    }
    const index = /^\[(\d+)\]/.exec(rest);
    if (index !== null) {
      segments.push(Number(index[1]));
      rest = rest.slice(index[0].length);
      continue;
    }
    const id = /^\[([A-Za-z_$][A-Za-z0-9_$-]*)\]/.exec(rest);
    if (id !== null) {
      segments.push(id[1]!);
      rest = rest.slice(id[0].length);
      continue;
    }
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (quoted === null) return undefined;
    segments.push(JSON.parse(quoted[1]!) as string);
    rest = rest.slice(quoted[0].length);
  }
  return segments;
}
