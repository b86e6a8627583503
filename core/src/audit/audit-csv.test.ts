import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AUDIT_CSV_COLUMNS, auditCsvChunks, auditCsvLine, csvCell } from './audit-csv.ts';
import type { AuditEntry } from './audit-log.ts';

const entry: AuditEntry = {
  id: '7',
  at: new Date('2024-05-06T07:08:09.123Z'),
  workspace: 'alpha',
  principal: { id: 'u1', kind: 'user', name: 'Ann "the admin", ops' },
  action: 'dataset:write',
  method: 'POST',
  resource: '/api/v1/workspaces/alpha/x',
  outcome: 'success',
  status: 201,
  requestId: 'req-1',
  clientAddress: '10.0.0.1',
  details: { note: 'two\nlines' },
};

describe('audit CSV', () => {
  test('cells are quoted only when RFC 4180 needs it, quotes doubled', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell(''), '');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('cr\rlf'), '"cr\rlf"');
  });

  test('cells a spreadsheet would evaluate get a leading single quote', () => {
    assert.equal(csvCell('=HYPERLINK("http://evil","x")'), `"'=HYPERLINK(""http://evil"",""x"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-2+3'), "'-2+3");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tcmd'), "'\tcmd");
    assert.equal(csvCell('a=b'), 'a=b');
  });

  test('a line has every column in order, null fields empty, CRLF at the end', () => {
    assert.equal(
      auditCsvLine(entry),
      '7,2024-05-06T07:08:09.123Z,alpha,u1,user,"Ann ""the admin"", ops",dataset:write,POST,' +
        '/api/v1/workspaces/alpha/x,success,201,req-1,10.0.0.1,"{""note"":""two\\nlines""}"\r\n',
    );
    const anonymous = { ...entry, principal: null, method: null, status: null, details: null, workspace: null };
    assert.equal(
      auditCsvLine(anonymous),
      '7,2024-05-06T07:08:09.123Z,,,,,dataset:write,,/api/v1/workspaces/alpha/x,success,,req-1,10.0.0.1,\r\n',
    );
  });

  test('chunks: the header row with the first batch, then a chunk per batch; header alone when empty', async () => {
    const header = `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
    const collect = async (batches: AuditEntry[][]) => {
      const chunks: string[] = [];
      for await (const chunk of auditCsvChunks(toAsync(batches))) chunks.push(chunk);
      return chunks;
    };
    assert.deepEqual(await collect([]), [header]);
    const line = auditCsvLine(entry);
    assert.deepEqual(await collect([[entry, entry], [entry]]), [header + line + line, line]);
  });
});

async function* toAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
