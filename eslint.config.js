import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import svelteConfig from './portal/svelte.config.js';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.assay/**', 'portal/.svelte-kit/**', 'portal/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  ...svelte.configs.prettier,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test collects suites and tests itself; awaiting them is not required.
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'suite', 'test', 'it'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Portal components: TypeScript inside Svelte, type-checked like the .ts files; svelte-check reports
    // undefined names (browser globals included), so ESLint's no-undef would only repeat it without the types.
    files: ['portal/**/*.svelte', 'portal/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
        parser: tseslint.parser,
        svelteConfig,
      },
    },
    rules: {
      'no-undef': 'off',
      // The portal is always served at the origin's root (no kit.paths.base), and return-to paths are dynamic.
      'svelte/no-navigation-without-resolve': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Plain JavaScript runs on Node: the CLI launcher and third-party plugin fixtures.
    files: ['**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly' },
    },
  },
  {
    // Plugins and operators are separate products: they may import only the public sdk.
    // Their tests too: core's test kits (real readers, a real platform) are reached through @assay/sdk/testing.
    files: ['plugins/**/*.ts', 'operators/**/*.ts', 'tests/fixtures/**/*.{ts,js}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@assay/core', '@assay/core/*', '**/core/src/**'],
              message: 'Plugins depend on @assay/sdk only.',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI, scripts and benchmarks talk to a terminal.
    files: ['core/src/cli/**/*.ts', 'core/bin/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
