import { Tensor, TensorData } from '@kindling/core';
import { type RawTensor, decodeSafetensors, encodeSafetensors } from './safetensors-format.js';

/**
 * A state dict as safetensors bytes (F64 for float64 tensors, F32 for float32), in the dict's
 * key order, with optional string metadata. Works anywhere (no Node APIs). PyTorch reads it with
 * `safetensors.torch.load_file(path)` / `safetensors.torch.load(bytes)`.
 *
 * @example
 * ```ts
 * import { Conv1d, loadSafetensors, saveSafetensors } from '@kindling/nn';
 * const model = new Conv1d(1, 1, 3, { seed: 0 });
 * const bytes = saveSafetensors(model.stateDict(), { note: 'blog' }); // Uint8Array
 * const copy = new Conv1d(1, 1, 3, { seed: 1 });
 * copy.loadStateDict(loadSafetensors(bytes));
 * ```
 *
 * @category Safetensors
 */
export function saveSafetensors(stateDict: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict)) {
    throw new Error('saveSafetensors: expected an object mapping names to Tensors');
  }
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(stateDict)) {
    if (!(t instanceof Tensor)) throw new Error(`saveSafetensors: ${JSON.stringify(name)} is not a Tensor`);
    Object.defineProperty(raw, name, {
      // contiguousStorage: the tensor's own bytes when dense (bit-exact, no copy), else a dense copy.
      value: { dtype: t.dtype, shape: t.shape.slice(), data: t.tensorData.contiguousStorage() },
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return encodeSafetensors(raw, metadata);
}

/**
 * Parses safetensors bytes into a state dict of fresh tensors (float32 for F32, float64 for F64),
 * ready for `module.loadStateDict`. The bytes are untrusted: the whole file is validated before
 * any tensor is made, so this returns everything or throws an Error starting "loadSafetensors:".
 *
 * @example
 * ```ts
 * import { Linear, loadSafetensors, saveSafetensors } from '@kindling/nn';
 * const tensors = loadSafetensors(saveSafetensors(new Linear(2, 1, { seed: 0 }).stateDict()));
 * console.log(Object.keys(tensors), tensors.weight?.shape); // ['weight', 'bias'] [1, 2]
 * ```
 *
 * @category Safetensors
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  return loadSafetensorsWithMetadata(bytes).tensors;
}

/**
 * `loadSafetensors` plus the file's `__metadata__` strings.
 *
 * @category Safetensors
 */
export function loadSafetensorsWithMetadata(bytes: Uint8Array): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  // fromEntries defines own properties: a tensor named "__proto__" stays plain data.
  const out = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, new Tensor(new TensorData(t.data, t.shape))]));
  return { tensors: out, metadata };
}
