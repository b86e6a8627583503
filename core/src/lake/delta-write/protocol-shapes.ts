import assert from 'node:assert/strict';

type Field = 'string' | 'long' | 'int' | 'boolean' | 'object' | 'array' | 'string-map';

/** Required (!) and optional fields of each action a reader-1 / writer-2 table may contain, per PROTOCOL.md. */
const ACTIONS: Readonly<Record<string, Readonly<Record<string, `${Field}!` | Field>>>> = {
  protocol: { minReaderVersion: 'int!', minWriterVersion: 'int!' },
  metaData: {
    id: 'string!',
    name: 'string',
    description: 'string',
    format: 'object!',
    schemaString: 'string!',
    partitionColumns: 'array!',
    configuration: 'string-map!',
    createdTime: 'long',
  },
  add: {
    path: 'string!',
    partitionValues: 'object!',
    size: 'long!',
    modificationTime: 'long!',
    dataChange: 'boolean!',
    stats: 'string',
    tags: 'string-map',
  },
  remove: {
    path: 'string!',
    deletionTimestamp: 'long',
    dataChange: 'boolean!',
    extendedFileMetadata: 'boolean',
    partitionValues: 'object',
    size: 'long',
  },
  txn: { appId: 'string!', version: 'long!', lastUpdated: 'long' },
  commitInfo: {},
};

/**
 * Asserts that every line of a commit file is one action of a protocol-1/2 table with its required fields of the
 * right types and no fields the protocol does not define (commitInfo is free-form). Test support for the writer.
 */
export function assertProtocolShapes(commit: string): void {
  const lines = commit.split('\n').filter((line) => line !== '');
  assert.ok(lines.length > 0, 'a commit has actions');
  for (const [index, line] of lines.entries()) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const names = Object.keys(entry);
    assert.equal(names.length, 1, `line ${index + 1} holds exactly one action: ${line}`);
    const name = names[0]!;
    const shape = ACTIONS[name];
    assert.ok(shape !== undefined, `line ${index + 1}: "${name}" is not a protocol-1/2 action`);
    const body = entry[name] as Record<string, unknown>;
    if (name === 'commitInfo') continue;
    for (const [field, spec] of Object.entries(shape)) {
      const required = spec.endsWith('!');
      const value = body[field];
      if (value === undefined) {
        assert.ok(!required, `${name}.${field} is required (line ${index + 1})`);
        continue;
      }
      assert.ok(
        matches(spec.replace('!', '') as Field, value),
        `${name}.${field} must be ${spec.replace('!', '')}, got ${JSON.stringify(value)}`,
      );
    }
    for (const field of Object.keys(body)) assert.ok(field in shape, `${name}.${field} is not defined by the protocol`);
    if (name === 'add' && typeof body.stats === 'string') {
      const stats = JSON.parse(body.stats) as Record<string, unknown>;
      assert.ok(Number.isInteger(stats.numRecords), 'add.stats.numRecords is an integer');
    }
    if (name === 'metaData') {
      assert.deepEqual(body.format, { provider: 'parquet', options: {} });
      assert.equal((JSON.parse(body.schemaString as string) as { type: string }).type, 'struct');
    }
  }
}

function matches(type: Field, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
    case 'long':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'string-map':
      return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
  }
}
