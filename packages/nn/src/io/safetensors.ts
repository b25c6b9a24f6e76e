import { Tensor, TensorData } from '@kindling/core';
import { persistentDtypeOf } from '../module.js';
import { type RawTensor, type SafetensorsDType, decodeSafetensors, encodeSafetensors } from './safetensors-format.js';

/**
 * A state dict as safetensors bytes, in the dict's key order, with optional string metadata:
 * F64 for float64 tensors, F32 for float32, and I64 for the tensors {@link persistentDtypeOf}
 * marks int64 (buffers a module registered with `{ persistentDtype: 'int64' }`, such as
 * BatchNorm1d's `num_batches_tracked`, as `stateDict()` returns them), so PyTorch's
 * `load_state_dict` gets the dtype its own buffer has; such a tensor must hold integers of at
 * most 2^53 in magnitude, else this throws naming it. Works anywhere (no Node APIs). PyTorch
 * reads it with `safetensors.torch.load_file(path)` / `safetensors.torch.load(bytes)`.
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
  // fromEntries defines own properties: a tensor named "__proto__" stays plain data.
  const raw: Record<string, RawTensor> = Object.fromEntries(
    Object.entries(stateDict).map(([name, t]): [string, RawTensor] => {
      if (!(t instanceof Tensor)) throw new Error(`saveSafetensors: ${JSON.stringify(name)} is not a Tensor`);
      // contiguousStorage: the tensor's own bytes when dense (bit-exact, no copy), else a dense copy.
      return [name, { dtype: t.dtype, shape: [...t.shape], data: t.tensorData.contiguousStorage(), ...(persistentDtypeOf(t) === 'int64' ? { file: 'I64' } : {}) }];
    }),
  );
  return encodeSafetensors(raw, metadata);
}

/**
 * Parses safetensors bytes into a state dict of fresh tensors, ready for `module.loadStateDict`.
 * Kindling has two dtypes, so each file dtype maps to one of them without changing a value:
 * F64 → float64 and F32 → float32 as stored; F16 and BF16 → float32 (exact, bit for bit what
 * torch's `.float()` gives, NaN payloads included);
 * the integers I8, U8, I16, U16, I32, U32, I64, U64 → float64 (exact; an I64 or U64 value beyond
 * 2^53 in magnitude throws, naming the tensor, rather than being rounded); BOOL → float64 0/1 (a
 * byte other than 0 or 1 throws). The 8-bit floats are not read. A PyTorch state dict with an
 * int64 `num_batches_tracked` therefore loads into a BatchNorm1d, whose own buffer writes back
 * as I64. The bytes are untrusted: the file is validated before any tensor is returned, so this
 * returns everything or throws an Error starting "loadSafetensors:".
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
 * `loadSafetensors` plus the file's `__metadata__` strings and each tensor's dtype in the file
 * (`'F32'`, `'I64'`, `'BF16'`, ...), which the float tensors no longer show.
 *
 * @example
 * ```ts
 * import { BatchNorm1d, loadSafetensorsWithMetadata, saveSafetensors } from '@kindling/nn';
 * const { dtypes } = loadSafetensorsWithMetadata(saveSafetensors(new BatchNorm1d(2).stateDict()));
 * console.log(dtypes); // { weight: 'F64', bias: 'F64', running_mean: 'F64', running_var: 'F64', num_batches_tracked: 'I64' }
 * ```
 *
 * @category Safetensors
 */
export function loadSafetensorsWithMetadata(bytes: Uint8Array): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  dtypes: Record<string, SafetensorsDType>;
} {
  const { tensors, metadata } = decodeSafetensors(bytes);
  // fromEntries defines own properties: a tensor named "__proto__" stays plain data.
  const out = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, new Tensor(new TensorData(t.data, t.shape))]));
  const dtypes = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, fileDtype(t)]));
  return { tensors: out, metadata, dtypes };
}

function fileDtype(t: RawTensor): SafetensorsDType {
  return t.file ?? (t.dtype === 'float32' ? 'F32' : 'F64');
}
