import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { describeItem, itemRows } from '../../testing/connector-testing.ts';
import { failsWith, fixtureDir, type FixtureDir } from './reader-test-fixtures.ts';

let dir: FixtureDir;
before(async () => {
  dir = await fixtureDir();
});
after(() => dir.remove());

async function workbook(name: string, sheets: Record<string, (sheet: ExcelJS.Worksheet) => void>) {
  const path = join(dir.path, name);
  const book = new ExcelJS.Workbook();
  for (const [sheetName, fill] of Object.entries(sheets)) fill(book.addWorksheet(sheetName));
  await book.xlsx.writeFile(path);
  return { kind: 'file' as const, path, format: 'xlsx' as const, source: path };
}

describe('xlsx', () => {
  test('header row, types inferred, dates as ISO, values that do not cast rejected with their row', async () => {
    const item = await workbook('a.xlsx', {
      Data: (sheet) => {
        sheet.addRow(['report']);
        sheet.addRow(['id', 'day', 'amount', 'ok']);
        sheet.addRow([1, new Date(Date.UTC(2024, 0, 2)), 9.5, true]);
        sheet.addRow([2, new Date(Date.UTC(2024, 0, 3, 10, 30)), 'n/a', false]);
      },
    });
    const withHeader = { ...item, options: { xlsx: { headerRow: 2 } } };
    assert.deepEqual(
      (await describeItem(withHeader)).map((c) => `${c.name}:${c.type}`),
      ['id:BIGINT', 'day:TIMESTAMP', 'amount:VARCHAR', 'ok:BOOLEAN'],
    );
    const { rows, rejects } = await itemRows(withHeader, [
      { name: 'id', type: 'INTEGER' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'day', type: 'VARCHAR' },
      { name: 'ok', type: 'BOOLEAN' },
    ]);
    assert.deepEqual(rows, [{ id: 1, amount: 9.5, day: '2024-01-02', ok: true }]);
    assert.deepEqual(
      rejects.map((r) => [Number(r.line), r.error_type, r.column_name, r.reason]),
      [[4, 'CAST', 'amount', 'cannot cast "n/a" to DOUBLE in column amount']],
    );
    assert.deepEqual(JSON.parse(String(rejects[0]!.raw_row)), {
      id: '2',
      day: '2024-01-03T10:30:00.000',
      amount: 'n/a',
      ok: 'false',
    });
  });

  test('sheet by name and an A1 range; an unknown sheet or a bad range is refused', async () => {
    const item = await workbook('b.xlsx', {
      First: (sheet) => sheet.addRow(['x']),
      Sales: (sheet) => {
        sheet.addRow([]);
        sheet.addRow([null, 'id', 'name', 'skip']);
        sheet.addRow([null, 1, 'a', 'z']);
        sheet.addRow([null, 2, 'b', 'z']);
      },
    });
    const ranged = await itemRows({ ...item, options: { xlsx: { sheet: 'Sales', range: 'B2:C3' } } });
    assert.deepEqual(ranged.rows, [{ id: '1', name: 'a' }]);
    await assert.rejects(
      itemRows({ ...item, options: { xlsx: { sheet: 'Nope' } } }),
      failsWith('INGEST_XLSX_SHEET_NOT_FOUND', /has no sheet named "Nope"/),
    );
    await assert.rejects(
      itemRows({ ...item, options: { xlsx: { range: 'B3-C4' } } }),
      failsWith('INGEST_XLSX_RANGE_INVALID', /must look like B3:F200/),
    );
  });

  test('merged header cells are refused with the cells named', async () => {
    const item = await workbook('m.xlsx', {
      Data: (sheet) => {
        sheet.addRow(['id', 'period', null, 'total']);
        sheet.mergeCells('B1:C1');
        sheet.addRow([1, 'a', 'b', 3]);
      },
    });
    await assert.rejects(
      itemRows(item),
      failsWith('INGEST_XLSX_HEADER_INVALID', /header row of .*m\.xlsx is not usable: C1 is empty.*merged/),
    );
  });

  test('a file that is not a workbook, and an empty file, are refused naming the file', async () => {
    const text = await dir.file('t.xlsx', 'id,name\n', 'xlsx');
    await assert.rejects(
      itemRows(text),
      failsWith('INGEST_FILE_CORRUPT', new RegExp(`${text.source}: it is not a readable .xlsx`)),
    );
    const empty = await dir.file('e.xlsx', '', 'xlsx');
    await assert.rejects(itemRows(empty), failsWith('INGEST_FILE_EMPTY', /e.xlsx is empty \(0 bytes\)/));
  });
});
