/** `''` or the table path with one trailing `/`: the prefix of the table's keys in its storage. */
export function tableRootOf(tablePath: string): string {
  return tablePath === '' ? '' : `${tablePath.replace(/\/+$/, '')}/`;
}
