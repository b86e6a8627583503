import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { assertPortalBuilt, PORTAL_BUILD } from './portal-server.ts';

/** The budget for the JavaScript a first visit loads before it can render. */
const BUDGET_BYTES = 300 * 1024;

/** Module specifiers a script imports statically (`import … from`, `import "…"`, `export … from`); not `import()`. */
function staticImports(code: string): string[] {
  const binding = String.raw`(?:\{[^}]*\}|\*(?:\s*as\s*[\w$]+)?|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s*as\s*[\w$]+))?)`;
  const patterns = [
    new RegExp(String.raw`\b(?:import|export)\s*${binding}\s*from\s*["']([^"']+)["']`, 'g'),
    /\bimport\s*["']([^"']+)["']/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1]!));
}

test('static imports are found in minified code, dynamic ones are not', () => {
  const code =
    'import{a as b}from"./x.js";import"./y.js";export{c}from"../z.js";export*from"./w.js";import("./lazy.js")';
  assert.deepEqual(staticImports(code).sort(), ['../z.js', './w.js', './x.js', './y.js']);
});

test('the initial JavaScript of the built portal is under 300 KB gzipped', async () => {
  assertPortalBuilt();
  const html = await readFile(join(PORTAL_BUILD, 'index.html'), 'utf8');
  // The boot script imports the two entries; kit also preloads the root layout's modules.
  const boot = [...html.matchAll(/import\("([^"]+\.js)"\)/g)].map((m) => m[1]!);
  const preloaded = [...html.matchAll(/<link href="([^"]+\.js)" rel="modulepreload">/g)].map((m) => m[1]!);
  assert.ok(boot.some((e) => e.includes('/entry/start.')) && boot.some((e) => e.includes('/entry/app.')));

  const seen = new Map<string, number>();
  const visit = async (url: string): Promise<void> => {
    if (seen.has(url)) return;
    const code = await readFile(join(PORTAL_BUILD, url), 'utf8');
    seen.set(url, gzipSync(code, { level: 9 }).length);
    for (const specifier of staticImports(code)) {
      if (specifier.startsWith('.')) await visit(posix.join(posix.dirname(url), specifier));
    }
  };
  for (const entry of boot) await visit(entry);
  const report = () => [...seen].map(([url, size]) => `${url} ${size}`).join('\n');
  assert.ok(
    [...seen.keys()].some((url) => url.includes('/chunks/')),
    `the entries' static imports are followed:\n${report()}`,
  );
  for (const entry of preloaded) await visit(entry);

  const total = [...seen.values()].reduce((sum, size) => sum + size, 0);
  assert.ok(total > 10 * 1024, `implausibly small (${total} bytes): is the build complete?\n${report()}`);
  assert.ok(total < BUDGET_BYTES, `initial JavaScript is ${total} bytes gzipped, over ${BUDGET_BYTES}:\n${report()}`);
});
