// The suite StrykerJS runs against each mutant (see stryker.config.mjs): core's and nn's own
// tests (the score measures them, not the examples or exporters built on top), less the ones that exercise something mutation testing leaves alone or cannot run in
// its sandbox. WebAssembly and worker-thread tests cover kernels/wasm/** (not mutated); the
// packaging and docs tests build tarballs and run TypeDoc (minutes each, and they test the
// release, not the engine); the browser test drives a real browser; the PyTorch interop tests
// (packages/onnx) start Python and torch processes, seconds each, to check files, not the engine.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/core/test/**/*.test.ts', 'packages/nn/test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      'packages/*/test/**/*wasm*.test.ts',
      'packages/*/test/**/*threads*.test.ts',
      'packages/*/test/**/packaging*.test.ts',
      'packages/*/test/**/*docs*.test.ts',
      'packages/*/test/**/browser*.test.ts',
      'packages/onnx/test/torch-*.test.ts',
    ],
    testTimeout: 60_000,
  },
});
