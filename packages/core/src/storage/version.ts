import type { Storage } from './dtype.js';

/**
 * In-place writes are counted per storage, as PyTorch's version counter: an op that saved a
 * tensor for its backward pass must not run that pass on values changed after the forward
 * (an optimizer step or loadStateDict between `forward` and `backward` would otherwise give
 * gradients of a model that never ran). Views share their storage, so they share the count.
 *
 * Cheap on the hot path: recording a graph node costs one integer read (the global write
 * epoch), and a backward pass looks storages up only when some write happened after the
 * node was made.
 */
interface WriteRecord {
  /** How many in-place writes this storage has seen (what `Tensor.version` reports). */
  count: number;
  /** The global epoch of the last write. */
  epoch: number;
  /** Who wrote last, for the error message ('SGD.step', 'loadStateDict', ...). */
  by: string;
}

const writes = new WeakMap<Storage, WriteRecord>();
let epoch = 0;

/** The number of in-place writes so far, across all storages: graph nodes remember it. */
export function writeEpoch(): number {
  return epoch;
}

/** Records an in-place write to `storage` by `by` (an optimizer step, loadStateDict, ...). */
export function recordWrite(storage: Storage, by: string): void {
  epoch++;
  const r = writes.get(storage);
  if (r) {
    r.count++;
    r.epoch = epoch;
    r.by = by;
  } else writes.set(storage, { count: 1, epoch, by });
}

/** How many in-place writes `storage` has seen. */
export function versionOf(storage: Storage): number {
  return writes.get(storage)?.count ?? 0;
}

/** The writer of `storage` if it was written after global epoch `since`, else null. */
export function writtenSince(storage: Storage, since: number): string | null {
  const r = writes.get(storage);
  return r && r.epoch > since ? r.by : null;
}
