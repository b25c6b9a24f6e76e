import { defineConfig } from 'vite';
import { inlineIntoHtml } from './src/inline-build.js';

// `base: './'` and the inlining plugin make dist/index.html a single file that works offline,
// from any folder or static server.
export default defineConfig({
  base: './',
  plugins: [inlineIntoHtml()],
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, modulePreload: { polyfill: false } },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
