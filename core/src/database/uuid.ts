const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID; checked before querying a uuid column, where anything else is a database error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
