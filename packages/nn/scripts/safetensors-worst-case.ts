/**
 * Times loadSafetensors on hostile headers of the largest allowed size (100 MB); the README's
 * numbers come from here. One case per process, so that the peak RSS is the case's own:
 *   /usr/bin/time -f '%M KB %e s' node --expose-gc --import tsx packages/nn/scripts/safetensors-worst-case.ts <case> [MB]
 * Run it without a case to list them. The header is written straight into one buffer, so
 * building it costs about its size and nothing else.
 */
import { loadSafetensors } from '../src/index.js';
import { HEADER_LIMITS } from '../src/io/safetensors-format.js';

const MAX = HEADER_LIMITS.tensors;

const mb = Number(process.argv[3] ?? 100);
const target = Math.floor(mb * 1e6) - 16;

/** Appends ASCII text to one preallocated buffer. */
class Writer {
  readonly bytes = new Uint8Array(8 + target + 64);
  n = 8;
  put(s: string): void {
    for (let i = 0; i < s.length; i++) this.bytes[this.n++] = s.charCodeAt(i);
  }
  repeat(s: string, count: number): void {
    for (let k = 0; k < count; k++) this.put(s);
  }
  get left(): number {
    return 8 + target - this.n;
  }
}

const tensor = (name: string, extra = '') => `"${name}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]${extra}}`;

const cases: Record<string, (w: Writer) => void> = {
  // The old worst case: as many zero-size tensors as fit (the tensor limit stops it).
  'many-tensors': (w) => {
    w.put('{');
    for (let i = 0; w.left > 80; i++) w.put(`${i ? ',' : ''}${tensor(`t${i}`)}`);
    w.put('}');
  },
  // Within every limit: as many tensors as allowed, whose long names fill the header.
  'max-tensors': (w) => {
    const pad = 'x'.repeat(Math.floor(target / MAX) - 70);
    w.put('{');
    for (let i = 0; i < MAX; i++) w.put(`${i ? ',' : ''}${tensor(`${pad}${i}`)}`);
    w.put('}');
  },
  // As many tensors as allowed, of 64 dims each, the rest whitespace.
  'max-dims': (w) => {
    const shape = new Array(64).fill('0').join(',');
    w.put('{');
    for (let i = 0; i < MAX; i++) w.put(`${i ? ',' : ''}"t${i}":{"dtype":"F32","shape":[${shape}],"data_offsets":[0,0]}`);
    w.put('}');
    w.repeat(' ', w.left);
  },
  // One shape of 50 million dims (the limit stops it at 65).
  'many-dims': (w) => {
    w.put('{"t":{"dtype":"F32","shape":[0');
    w.repeat(',0', Math.floor((w.left - 40) / 2));
    w.put('],"data_offsets":[0,0]}}');
  },
  // An unknown field holding 50 million numbers: skipped, never built.
  'skipped-array': (w) => {
    w.put('{"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"extra":[0');
    w.repeat(',0', Math.floor((w.left - 10) / 2));
    w.put(']}}');
  },
  // An unknown field holding nested objects and arrays 60 deep, over and over.
  'skipped-nested': (w) => {
    const unit = `${'{"a":['.repeat(30)}0${']}'.repeat(30)}`;
    w.put('{"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"extra":[');
    w.put(unit);
    w.repeat(`,${unit}`, Math.floor((w.left - 10) / (unit.length + 1)));
    w.put(']}}');
  },
  // As many metadata entries as fit (the limit stops it).
  'many-metadata': (w) => {
    w.put('{"__metadata__":{');
    for (let i = 0; w.left > 20; i++) w.put(`${i ? ',' : ''}"k${i}":""`);
    w.put('}}');
  },
  // One metadata value of 100 MB, all \u escapes.
  'escaped-string': (w) => {
    w.put('{"__metadata__":{"k":"');
    w.repeat('\\u00e9', Math.floor((w.left - 10) / 6));
    w.put('"}}');
  },
  // One key repeated (rejected at the second one).
  duplicates: (w) => {
    w.put('{');
    for (let i = 0; w.left > 80; i++) w.put(`${i ? ',' : ''}${tensor('t')}`);
    w.put('}');
  },
};

const kind = process.argv[2];
const build = kind === undefined ? undefined : cases[kind];
if (!build) {
  console.log(`cases: ${Object.keys(cases).join(', ')}`);
  process.exit(kind === undefined ? 0 : 1);
}
const w = new Writer();
build(w);
const bytes = w.bytes.subarray(0, w.n);
new DataView(bytes.buffer).setBigUint64(0, BigInt(w.n - 8), true);
(globalThis as { gc?: () => void }).gc?.();
const rss0 = process.memoryUsage().rss;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let outcome: string;
try {
  outcome = `loaded ${Object.keys(loadSafetensors(bytes)).length} tensors`;
} catch (e) {
  outcome = `threw: ${(e as Error).message.slice(0, 120)}`;
}
const ms = performance.now() - t0;
// CPU time as well as wall time: on a shared machine the wall clock also counts other processes.
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`${kind}: header ${((w.n - 8) / 1e6).toFixed(1)} MB, ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU, rss ${(rss0 / 2 ** 20).toFixed(0)} MiB before; ${outcome}`);
