import { defineConfig } from 'vite';
import { inlineIntoHtml } from './src/inline-build.js';

// `base: './'` and the inlining plugin make dist/index.html a single file that works offline,
// from any folder or static server.
// The dev server and preview send COOP/COEP so that the page is cross-origin isolated: only
// then do browsers allow SharedArrayBuffer, which core's worker threads need (without them
// the page runs single-threaded, as from file:// or a plain static server).
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  plugins: [inlineIntoHtml()],
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, modulePreload: { polyfill: false } },
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
});
