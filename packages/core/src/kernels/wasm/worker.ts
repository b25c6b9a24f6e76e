import type { WasmExports } from './arena.js';

/*
 * What every thread runs, the calling thread and the workers alike. The functions below are
 * type-checked like the rest of core and used directly on the calling thread; threads.ts also
 * serialises them with Function.prototype.toString() into the workers' program. So each may
 * use only its parameters and globals (no imports, no module-level constants, no other
 * function of this file by name): whatever it needs comes in through `consts`.
 */

/**
 * One kernel call laid out in WebAssembly memory, as every thread reads it. Addresses and
 * strides are in bytes; M, N, R count elements of the micro-kernel call. Every field has one
 * meaning whatever the kind; a kind ignores the fields it does not use (they are 0).
 */
export interface Job {
  /** consts.kinds: ITEMS (gemm_nn per item, items claimed dynamically), ACCUMULATE (gemm_nn per item over chunks of columns claimed dynamically, each column accumulated over the items in order), COLUMNS (one gemm_nn whose column chunks the threads claim from a shared counter), QUIT. */
  kind: number;
  /** 1 for float64 (the _f64 micro-kernels), 0 for float32. */
  f64: number;
  /** Batch elements (ITEMS, ACCUMULATE); 1 for COLUMNS. */
  items: number;
  /**
   * ITEMS, ACCUMULATE: per-item buffers the items take in turn (item i uses slot i % ring, at
   * aItem/bItem/cItem strides): the memory holds `ring` items, not the batch. The calling thread
   * refills a slot only once every thread is done with the item before in it.
   */
  ring: number;
  groups: number;
  M: number;
  N: number;
  /** The reduction length (A's panels are R columns long). */
  R: number;
  a: number;
  aItem: number;
  aGroup: number;
  b: number;
  bItem: number;
  bGroup: number;
  /** The table of byte offsets of B's rows. */
  tab: number;
  c: number;
  cItem: number;
  cGroup: number;
  ldc: number;
  /** ITEMS: the address of the bias values, or -1: rows of C start as bias[g*biasRows + m] and the product is added. */
  bias: number;
  biasRows: number;
  /**
   * ITEMS: address of one Int32 done-flag per item (set by whichever thread computed it);
   * ACCUMULATE on threads: the counters of accumulateChunks (kernels.ts's accumulateFlags).
   */
  flags: number;
  /**
   * ACCUMULATE: gemm_nn calls per group and item, each N columns wide, the s-th reading B
   * from s*bSegment bytes further and writing C from s*cSegment further (conv1d's weight
   * gradient: one per tap where the taps' columns are not contiguous; else 1).
   */
  segments: number;
  bSegment: number;
  cSegment: number;
  /** COLUMNS and ACCUMULATE on threads: columns per claim (a multiple of the column block). */
  chunk: number;
}

/** The Job's fields in the order they occupy the control block. */
export const JOB_FIELDS = [
  'kind', 'f64', 'items', 'ring', 'groups', 'M', 'N', 'R', 'a', 'aItem', 'aGroup', 'b', 'bItem', 'bGroup', 'tab',
  'c', 'cItem', 'cGroup', 'ldc', 'bias', 'biasRows', 'flags', 'segments', 'bSegment', 'cSegment', 'chunk',
] as const satisfies readonly (keyof Job)[];

/** Everything the serialised functions need besides their arguments: kinds, slots of the control block, the Job's fields. */
export interface Consts {
  kinds: { ITEMS: number; ACCUMULATE: number; COLUMNS: number; QUIT: number };
  /** Control block slots: job number, items published, next unclaimed item, a worker failed, the caller aborted, items computed by workers. */
  slots: { SEQ: number; READY: number; NEXT: number; ERR: number; ABORT: number; WORKED: number; JOB: number; ACK: number; STARTED: number };
  fields: readonly (keyof Job)[];
}

/** The job in the control block `c` (written there by writeJob). */
export function readJob(c: Int32Array, consts: Consts): Job {
  const job = {} as Job;
  const { fields, slots } = consts;
  for (let i = 0; i < fields.length; i++) job[fields[i]!] = c[slots.JOB + i]!;
  return job;
}

/**
 * One thread's share of a job on item `item`: ITEMS computes the whole item (every group);
 * ACCUMULATE the columns [lo, hi) of every group's and segment's product for item `item`,
 * added to what earlier items left in C; COLUMNS the columns [lo, hi) of the one product. The single- and
 * multi-threaded paths both compute through this function, so they give the same bits.
 */
export function computeShare(ex: WasmExports, buffer: ArrayBufferLike, job: Job, item: number, lo: number, hi: number, consts: Consts): void {
  const B = job.f64 ? 8 : 4;
  const nn = job.f64 ? ex.gemm_nn_f64 : ex.gemm_nn_f32;
  const { kinds } = consts;
  const at = item % job.ring; // the item's slot
  if (job.kind === kinds.ITEMS) {
    const f = job.bias >= 0 ? (job.f64 ? new Float64Array(buffer) : new Float32Array(buffer)) : null;
    for (let g = 0; g < job.groups; g++) {
      const c = job.c + at * job.cItem + g * job.cGroup;
      if (f) {
        for (let m = 0; m < job.biasRows; m++) {
          const row = (c + m * job.ldc) / B;
          f.fill(f[job.bias / B + g * job.biasRows + m]!, row, row + job.N);
        }
      }
      nn(job.M, job.N, job.R, job.a + g * job.aGroup, job.b + at * job.bItem + g * job.bGroup, job.tab, c, job.ldc, f ? 1 : 0);
    }
  } else if (job.kind === kinds.ACCUMULATE) {
    if (hi <= lo) return;
    for (let g = 0; g < job.groups; g++) {
      const a = job.a + at * job.aItem + g * job.aGroup;
      const b = job.b + at * job.bItem + g * job.bGroup + lo * B;
      const c = job.c + g * job.cGroup + lo * B;
      for (let s = 0; s < job.segments; s++) nn(job.M, hi - lo, job.R, a, b + s * job.bSegment, job.tab, c + s * job.cSegment, job.ldc, item > 0 ? 1 : 0);
    }
  } else if (job.kind === kinds.COLUMNS) {
    if (hi > lo) nn(job.M, hi - lo, job.R, job.a, job.b + lo * B, job.tab, job.c + lo * B, job.ldc, 0);
  }
}

/**
 * An ACCUMULATE job's item `item` on threads: claims chunks of its columns from the item's
 * counter until none are left, and computes each once the same chunk of the item before has
 * been added (whichever thread added it), so every column is still summed over the items in
 * order: the bits of the single-threaded path. A thread moves to the next item only when every
 * chunk of this one is claimed, so the chunk it waits for is in another thread's hands and that
 * thread waits only on earlier items: no cycle. `wait(view, i, v)` blocks while view[i] is v and
 * returns false once the job has failed or been aborted; then this returns -1, else the chunks
 * this thread computed. Counters at job.flags (Int32): done chunks per item, the next
 * unclaimed chunk per item, then items added per chunk.
 */
export function accumulateChunks(
  ex: WasmExports, buffer: ArrayBufferLike, job: Job, item: number, consts: Consts,
  compute: typeof computeShare, wait: (view: Int32Array, index: number, value: number) => boolean,
): number {
  const f = new Int32Array(buffer);
  const done = job.flags / 4;
  const claims = done + job.items;
  const order = claims + job.items;
  const chunks = Math.ceil(job.N / job.chunk);
  let computed = 0;
  for (let k; (k = Atomics.add(f, claims + item, 1)) < chunks; ) {
    for (let d; (d = Atomics.load(f, order + k)) < item; ) if (!wait(f, order + k, d)) return -1;
    compute(ex, buffer, job, item, k * job.chunk, Math.min(job.N, (k + 1) * job.chunk), consts);
    Atomics.store(f, order + k, item + 1);
    Atomics.notify(f, order + k);
    Atomics.add(f, done + item, 1); // the calling thread refills the item's slot once all its chunks are done
    Atomics.notify(f, done + item);
    computed++;
  }
  return computed;
}

/** What a worker is given when it starts: the compiled module, the shared memory, the control block and its index. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: SharedArrayBuffer;
  index: number;
}

/**
 * A worker's whole life: instantiate the module on the shared memory, say it started (its
 * STARTED slot, so the calling thread never needs its event loop to learn it), then loop:
 * wait for the job number to change, compute its part, store its ACK. `compute`, `read` and
 * `accumulate` are computeShare, readJob and accumulateChunks (passed in: a serialised
 * function cannot name another).
 */
export function workerMain(init: WorkerInit, consts: Consts, compute: typeof computeShare, read: typeof readJob, accumulate: typeof accumulateChunks): void {
  const { slots, kinds } = consts;
  const ex = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as WasmExports;
  const c = new Int32Array(init.ctl);
  const w = init.index;
  const ack = slots.ACK + w;
  /** Waits until item i is published; false if the caller aborted the job. */
  const ready = (i: number): boolean => {
    for (let r; (r = Atomics.load(c, slots.READY)) <= i && !Atomics.load(c, slots.ABORT); ) Atomics.wait(c, slots.READY, r, 1000);
    return !Atomics.load(c, slots.ABORT);
  };
  Atomics.store(c, slots.STARTED + w, 1);
  Atomics.notify(c, slots.STARTED + w);
  let seq = 0;
  for (;;) {
    Atomics.wait(c, slots.SEQ, seq);
    seq = Atomics.load(c, slots.SEQ);
    const job = read(c, consts);
    if (job.kind === kinds.QUIT) break;
    try {
      const buffer = init.memory.buffer;
      if (job.kind === kinds.ITEMS) {
        const flags = new Int32Array(buffer);
        for (let i; (i = Atomics.add(c, slots.NEXT, 1)) < job.items; ) {
          if (!ready(i)) break;
          compute(ex, buffer, job, i, 0, 0, consts);
          Atomics.store(flags, job.flags / 4 + i, 1);
          Atomics.notify(flags, job.flags / 4 + i);
          Atomics.add(c, slots.WORKED, 1);
        }
      } else if (job.kind === kinds.ACCUMULATE) {
        const wait = (v: Int32Array, i: number, x: number): boolean => {
          Atomics.wait(v, i, x, 1000);
          return !Atomics.load(c, slots.ABORT) && !Atomics.load(c, slots.ERR);
        };
        for (let i = 0; i < job.items; i++) {
          if (!ready(i)) break;
          const n = accumulate(ex, buffer, job, i, consts, compute, wait);
          if (n < 0) break;
          Atomics.add(c, slots.WORKED, n);
        }
      } else if (job.kind === kinds.COLUMNS) {
        const chunk = job.chunk > 0 ? job.chunk : job.N; // a job without chunks is one claim, never an endless loop
        for (let k; (k = Atomics.add(c, slots.NEXT, 1)) * chunk < job.N; ) {
          compute(ex, buffer, job, 0, k * chunk, Math.min(job.N, (k + 1) * chunk), consts);
          Atomics.add(c, slots.WORKED, 1);
        }
      }
    } catch {
      Atomics.store(c, slots.ERR, 1);
    }
    Atomics.store(c, ack, seq);
    Atomics.notify(c, ack);
  }
  Atomics.store(c, ack, seq);
  Atomics.notify(c, ack);
}
