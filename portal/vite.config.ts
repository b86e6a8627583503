import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/** `npm run dev` proxies the API to a local `assay serve` (default port 3000), so cookies stay same-origin. */
const api = process.env.ASSAY_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
  build: { target: 'es2022', reportCompressedSize: false },
  // Kit's build step loads its server bundle; bundling `cookie` takes kit's own copy (0.6) rather than the
  // workspace's newer one (from Fastify), whose exports differ.
  ssr: { noExternal: ['cookie'] },
});
