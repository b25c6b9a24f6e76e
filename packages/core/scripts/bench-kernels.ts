// Microbenchmark of the conv1d kernels (forward, backward input, backward weight) on the
// 'js' and 'wasm' backends at the sizes of the speed issue, float32; 'wasm' once per thread count
// (enableThreads; 'wasm/2' = the calling thread plus one worker).
//   npx tsx packages/core/scripts/bench-kernels.ts [--sizes M,L] [--backends js,wasm] [--threads 1,2] [--min-ms 1000] [--step]
// --step also times one whole training step through Tensor ops (the speed issue's benchmark):
// conv1d forward + MSE loss + backward (dX, dW, db) + an SGD update of w and b.
// Each backend is warmed up on small calls and each kernel runs once more before it is timed,
// then repeatedly until min-ms has passed (at least once); the median time is reported.
// The load average is printed too: on a shared machine a busy second core makes threads=2 moot.
import { conv1d, tensor } from '../src/index.js';
import { jsKernels } from '../src/kernels/js/index.js';
import type { Conv1dGeometry, Kernels } from '../src/kernels/kernels.js';
import { disableThreads, enableThreads, wasmAvailable } from '../src/kernels/wasm/index.js';
import { readFileSync } from 'node:fs';
import { kernelsOf, setBackend } from '../src/kernels/backend.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};

const SIZES: Record<string, { batch: number; cin: number; cout: number; L: number; K: number; pad: number }> = {
  M: { batch: 32, cin: 16, cout: 32, L: 1024, K: 5, pad: 2 },
  L: { batch: 64, cin: 64, cout: 64, L: 2048, K: 9, pad: 4 },
};

function backend(name: string): Kernels {
  if (name === 'js') return jsKernels;
  if (name === 'wasm' && !wasmAvailable()) throw new Error('wasm backend unavailable');
  return kernelsOf(name); // the registry's kernels of that backend, whichever is active
}

let seed = 12345;
const rand = (n: number) => Float32Array.from({ length: n }, () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 31 - 1;
});

function time(fn: () => void, minMs: number): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  do {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  } while (performance.now() - start < minMs);
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

const loadavg = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
};

const minMs = Number(arg('min-ms', '1000'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
console.log(`loadavg ${loadavg()}`);
console.log('size  backend  kernel          ms        GFLOP/s');
for (const size of arg('sizes', 'M,L').split(',')) {
  const s = SIZES[size]!;
  const g: Conv1dGeometry = {
    batch: s.batch, inChannels: s.cin, outChannels: s.cout, length: s.L, kernelSize: s.K,
    outLength: s.L + 2 * s.pad - s.K + 1, stride: 1, padLeft: s.pad, dilation: 1, groups: 1,
  };
  const flop = 2 * g.batch * g.outChannels * g.outLength * g.inChannels * g.kernelSize;
  const x = rand(g.batch * g.inChannels * g.length);
  const w = rand(g.outChannels * g.inChannels * g.kernelSize);
  const b = rand(g.outChannels);
  const gy = rand(g.batch * g.outChannels * g.outLength);
  const y = new Float32Array(gy.length);
  const gx = new Float32Array(x.length);
  const gw = new Float32Array(w.length);
  const configs = arg('backends', 'js,wasm').split(',').flatMap((name) =>
    name === 'wasm' ? threadCounts.map((t) => ({ name, t, label: t === 1 ? 'wasm' : `wasm/${t}` })) : [{ name, t: 1, label: name }]);
  for (const { name, t, label } of configs) {
    if (name === 'wasm') {
      const got = t === 1 ? (await disableThreads(), 1) : await enableThreads(t);
      if (got !== t) throw new Error(`enableThreads(${t}) gave ${got} threads`);
    }
    const k = backend(name);
    const cases: [string, () => void][] = [
      ['forward', () => k.conv1dForward(x, w, b, y, g)],
      ['backwardInput', () => k.conv1dBackwardInput(gy, w, gx, g)],
      ['backwardWeight', () => k.conv1dBackwardWeight(gy, x, gw, g)],
    ];
    // Small calls first, so WebAssembly's tier-up to the optimising compiler (which happens
    // between calls, never inside a long one) is done before anything is timed.
    const sg: Conv1dGeometry = { ...g, batch: 1, length: 64, outLength: 64 + 2 * s.pad - s.K + 1 };
    for (let i = 0; i < 50; i++) {
      k.conv1dForward(x, w, b, y, sg);
      k.conv1dBackwardInput(gy, w, gx, sg);
      k.conv1dBackwardWeight(gy, x, gw, sg);
    }
    let total = 0;
    for (const [kernel, fn] of cases) {
      const ms = time(fn, minMs);
      total += ms;
      const line = `${size.padEnd(6)}${label.padEnd(9)}${kernel.padEnd(16)}${ms.toFixed(2).padStart(9)}${(flop / ms / 1e6).toFixed(2).padStart(11)}`;
      console.log(line);
    }
    if (process.argv.includes('--step')) {
      setBackend(name);
      const xt = tensor(x, { shape: [g.batch, g.inChannels, g.length], dtype: 'float32', requiresGrad: true });
      const wt = tensor(w, { shape: [g.outChannels, g.inChannels, g.kernelSize], dtype: 'float32', requiresGrad: true });
      const bt = tensor(b, { shape: [g.outChannels], dtype: 'float32', requiresGrad: true });
      const target = tensor(gy, { shape: [g.batch, g.outChannels, g.outLength], dtype: 'float32' });
      const step = () => {
        const loss = conv1d(xt, wt, bt, { padding: s.pad }).sub(target).pow(2).mean();
        loss.backward();
        for (const p of [wt, bt]) {
          const d = p.tensorData.storage;
          const gr = p.grad!.tensorData.contiguousStorage();
          for (let i = 0; i < d.length; i++) d[i]! -= 1e-3 * gr[i]!;
          p.grad = null;
        }
        xt.grad = null;
      };
      const ms = time(step, minMs);
      console.log(`${size.padEnd(6)}${label.padEnd(9)}${'training step'.padEnd(16)}${ms.toFixed(2).padStart(9)}${((3 * flop) / ms / 1e6).toFixed(2).padStart(11)}`);
      setBackend('js');
    }
    console.log(`${size.padEnd(6)}${label.padEnd(9)}${'sum of three'.padEnd(16)}${total.toFixed(2).padStart(9)}${((3 * flop) / total / 1e6).toFixed(2).padStart(11)}`);
  }
}
await disableThreads();
console.log(`loadavg ${loadavg()}`);
