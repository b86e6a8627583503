import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const sdkDir = join(import.meta.dirname, '..');
const outDir = join(sdkDir, '.tsdoc-examples');
const tsc = join(sdkDir, '..', 'node_modules', 'typescript', 'bin', 'tsc');

/** Every ```ts block inside a TSDoc comment of the sdk's sources, with the comment's leading ` * ` removed. */
async function extractExamples(): Promise<Array<{ name: string; code: string }>> {
  const examples: Array<{ name: string; code: string }> = [];
  for (const file of (await readdir(import.meta.dirname)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const source = await readFile(join(import.meta.dirname, file), 'utf8');
    const blocks = source.matchAll(/^\s*\* ```ts\n([\s\S]*?)^\s*\* ```$/gm);
    let index = 0;
    for (const [, body] of blocks) {
      const code = body!.replace(/^\s*\* ?/gm, '');
      examples.push({ name: `${file.replace(/\.ts$/, '')}-${++index}.ts`, code: `${code}\nexport {};\n` });
    }
  }
  return examples;
}

test('every TSDoc example in the sdk compiles against the sdk', async () => {
  const examples = await extractExamples();
  assert.ok(examples.length >= 15, `expected the sdk's examples, found ${examples.length}`);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const { name, code } of examples) await writeFile(join(outDir, name), code);
  await writeFile(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: { composite: false, noEmit: true, emitDeclarationOnly: false, noUnusedLocals: false },
      include: ['*.ts'],
    }),
  );
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', outDir]);
  } catch (error) {
    assert.fail(`TSDoc examples do not compile:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
