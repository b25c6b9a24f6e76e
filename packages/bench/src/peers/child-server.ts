/**
 * The server loop of the node child peers (kindling-child.ts, jaxjs-child.ts): the protocol of
 * proc.ts over stdin/stdout. A child calls serve() with a function that builds its trainer for a
 * loaded workload. Anything a library prints goes to stderr so that stdout carries only replies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { workloadFromParts } from '../data.js';
import type { FloatArray, TrainState, Workload, WorkloadHeader } from '../data.js';

export interface ChildTrainer {
  /** Runs `steps` steps and returns once they are complete (async trainers await their results). */
  run(steps: number): void | Promise<void>;
  readState(): TrainState | Promise<TrainState>;
  readDx?(): FloatArray | Promise<FloatArray>;
  /** Reported to the parent at load (versions, backend, dtype, threads, ...). */
  info: Record<string, unknown>;
}

export type MakeTrainer = (wl: Workload, options: Record<string, unknown>) => Promise<ChildTrainer>;

function readWorkload(file: string, h: WorkloadHeader): Workload {
  const buf = readFileSync(file);
  const bytes = h.dtype === 'float64' ? 8 : 4;
  const ab = new ArrayBuffer(buf.byteLength);
  new Uint8Array(ab).set(buf);
  const flat = h.dtype === 'float64' ? new Float64Array(ab, 0, buf.byteLength / bytes) : new Float32Array(ab, 0, buf.byteLength / bytes);
  return workloadFromParts(h, flat);
}

function writeF64(file: string, parts: ArrayLike<number>[]): void {
  const n = parts.reduce((t, p) => t + p.length, 0);
  const out = new Float64Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  writeFileSync(file, new Uint8Array(out.buffer));
}

export async function serve(make: MakeTrainer): Promise<void> {
  // Keep stdout for replies: route console.log/info/warn of libraries to stderr.
  const toErr = (...a: unknown[]): void => void process.stderr.write(a.map(String).join(' ') + '\n');
  console.log = toErr;
  console.info = toErr;
  console.warn = toErr;
  const reply = (r: unknown): void => void process.stdout.write(JSON.stringify(r) + '\n');
  let trainer: ChildTrainer | undefined;
  let steps = 0;
  const rl = createInterface({ input: process.stdin });
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) continue;
    try {
      const msg = JSON.parse(line) as Record<string, unknown>;
      switch (msg.cmd) {
        case 'load': {
          const wl = readWorkload(msg.path as string, msg.workload as WorkloadHeader);
          trainer = await make(wl, (msg.options ?? {}) as Record<string, unknown>);
          steps = 0;
          reply({ ok: true, info: { node: process.version, ...trainer.info } });
          break;
        }
        case 'sample': {
          const k = Number(msg.steps);
          const t0 = performance.now();
          await trainer!.run(k);
          const ms = performance.now() - t0;
          steps += k;
          reply({ ms });
          break;
        }
        case 'state': {
          const s = await trainer!.readState();
          writeF64(msg.path as string, [s.weight, s.bias]);
          reply({ loss: Number.isFinite(s.loss) ? s.loss : null, nWeight: s.weight.length, nBias: s.bias.length, steps });
          break;
        }
        case 'dx': {
          if (!trainer!.readDx) throw new Error('this trainer has no dX');
          const d = await trainer!.readDx();
          writeF64(msg.path as string, [d]);
          reply({ n: d.length });
          break;
        }
        case 'quit':
          reply({ ok: true });
          process.exit(0);
        // eslint-disable-next-line no-fallthrough
        default:
          reply({ error: `unknown cmd ${String(msg.cmd)}` });
      }
    } catch (e) {
      reply({ error: `${(e as Error).name}: ${(e as Error).message}`.split('\n')[0] });
    }
  }
  process.exit(0);
}
