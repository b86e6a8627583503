import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * A single-page app: nothing is rendered on a server, and every path falls back to index.html, which core serves
 * for any page URL (core/src/http/portal-static.ts). Precompressed .br/.gz copies let core skip compressing.
 */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', precompress: true, strict: true }),
    // The page is served by core with the API on the same origin; the version file lets open tabs notice a new build.
    version: { pollInterval: 0 },
  },
};

export default config;
