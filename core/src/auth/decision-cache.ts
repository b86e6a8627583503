/**
 * A bounded map of authorization decisions. Entries never expire on their own: the whole cache is cleared on any
 * policy change, so a decision is never older than the policies it came from. When full, the oldest entry goes.
 */
export class DecisionCache {
  readonly #entries = new Map<string, boolean>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  static key(subject: string, domain: string, permission: string, resource: object): string {
    const base = `${subject}\u0000${domain}\u0000${permission}`;
    // Route-level checks carry no resource; skip serializing an empty one on every request.
    for (const _ in resource) return `${base}\u0000${stableJson(resource)}`;
    return base;
  }

  get(key: string): boolean | undefined {
    return this.#entries.get(key);
  }

  set(key: string, decision: boolean): void {
    if (this.#entries.size >= this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, decision);
  }

  clear(): void {
    this.#entries.clear();
  }
}

function stableJson(value: object): string {
  const keys = Object.keys(value).sort();
  return JSON.stringify(value, keys);
}
