/**
 * Row images are JSON objects of PostgreSQL's text output of each column (`"1.50"`, `"2024-05-01 10:00:00+00"`,
 * `"{1,2}"`), the same for snapshot rows (COPY) and streamed changes (pgoutput), so nothing is rounded or re-zoned
 * on the way; NULL stays null. A column PostgreSQL did not send (an unchanged TOASTed value) is left out.
 */
export function imageJson(image: Readonly<Record<string, string | null | undefined>> | null | undefined) {
  if (image === null || image === undefined) return null;
  return JSON.stringify(image);
}

/** JSON of the key columns of an image; null when the table has no key or the image lacks it. */
export function keyJson(
  keyColumns: readonly string[],
  image: Readonly<Record<string, string | null | undefined>> | null | undefined,
): string | null {
  if (keyColumns.length === 0 || image === null || image === undefined) return null;
  if (keyColumns.some((c) => image[c] === undefined)) return null;
  return JSON.stringify(Object.fromEntries(keyColumns.map((c) => [c, image[c]])));
}
