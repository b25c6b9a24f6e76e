import { tensor, conv1d, randn, setBackend } from './src/index.js';
setBackend(process.argv[2] ?? 'wasm');
const x = randn([32, 16, 1024], { seed: 1, dtype: 'float32', requiresGrad: true });
const w = randn([32, 16, 5], { seed: 2, dtype: 'float32', requiresGrad: true });
const b = randn([32], { seed: 3, dtype: 'float32', requiresGrad: true });
const t = randn([32, 32, 1024], { seed: 4, dtype: 'float32' });
function step() {
  const loss = conv1d(x, w, b, { padding: 2 }).sub(t).pow(2).mean();
  w.grad = null; b.grad = null; x.grad = null;
  loss.backward();
}
for (let i = 0; i < 5; i++) step();
const t0 = performance.now(); const n = 30;
for (let i = 0; i < n; i++) step();
console.log(((performance.now() - t0) / n).toFixed(2), 'ms/step');
