/**
 * Dependency-free codec for the safetensors file format
 * (https://github.com/huggingface/safetensors).
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8
 * JSON header, then the raw data buffer. The header maps each tensor name to
 * `{ dtype, shape, data_offsets: [begin, end) }` (offsets relative to the data
 * buffer) and may carry a `__metadata__` object of string values.
 *
 * This module deliberately uses only web-platform APIs (DataView,
 * TextEncoder/TextDecoder) so it runs unchanged in browsers; filesystem access
 * belongs to callers.
 */
import { type HeaderLimits, METADATA_KEY, type RawEntry, Shown, parseHeader, quote, showNumber } from './safetensors-header.js';

/**
 * The safetensors dtypes Kindling reads (all but the 8-bit floats); it writes F64, F32 and I64.
 *
 * @category Safetensors
 */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

export interface RawTensor {
  dtype: 'float32' | 'float64';
  shape: number[];
  data: Float32Array | Float64Array;
  /**
   * Encoding: `'I64'` writes the (integer) values as int64, as PyTorch keeps counters such as
   * BatchNorm1d's num_batches_tracked; absent, the dtype decides (F32 or F64). Decoding: the
   * dtype the file stored, when it was not F32 or F64.
   */
  file?: SafetensorsDType;
}

/**
 * Same cap as the reference implementation: a header this large is almost
 * certainly hostile, and refusing early keeps us from decoding/parsing it.
 */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * What one file may describe. The reference reader has no such limits, but it
 * builds compact Rust structs; here every tensor is a few JS objects, and these
 * keep the worst 100 MB header under a second and a few hundred MB (see
 * scripts/safetensors-worst-case.ts). Real files stay far below: a 70B-parameter
 * model has about 1 000 tensors in all, an SDXL LoRA about 2 000, and PyTorch
 * allows 64 dims.
 */
export const HEADER_LIMITS: Readonly<HeaderLimits> = {
  tensors: 50_000,
  metadataEntries: 10_000,
  dims: 64,
  depth: 64,
  skippedValues: 1_000_000,
};

/** Keeps the data buffer 8-aligned within the file, like the reference writer. */
const DATA_ALIGNMENT = 8;

interface DTypeInfo {
  readonly file: SafetensorsDType;
  readonly itemsize: number;
  readonly tag: string; // Symbol.toStringTag of the matching typed array
  readonly alloc: (length: number) => Float32Array | Float64Array;
}

const BY_RAW: Readonly<Record<RawTensor['dtype'], DTypeInfo>> = {
  float32: { file: 'F32', itemsize: 4, tag: 'Float32Array', alloc: (n) => new Float32Array(n) },
  float64: { file: 'F64', itemsize: 8, tag: 'Float64Array', alloc: (n) => new Float64Array(n) },
};

/**
 * How each file dtype becomes one of Kindling's two float dtypes. The rule, chosen so that no
 * value changes: F16 and BF16 become float32 (every half and bfloat16 value is exactly a
 * float32; NaN payloads are kept, and an F16 signalling NaN comes out quiet, as in torch); the integers become float64, which holds every 8-, 16- and
 * 32-bit integer, and a 64-bit one up to 2^53 in magnitude (a larger I64 or U64 value is refused,
 * naming the tensor, instead of being rounded); BOOL becomes float64 0 or 1 (a byte other than
 * 0 or 1 is refused). F8_E4M3 / F8_E5M2 are not read.
 */
interface FileInfo {
  readonly itemsize: number;
  readonly dtype: RawTensor['dtype'];
}

const BY_FILE: Readonly<Record<SafetensorsDType, FileInfo>> = {
  F64: { itemsize: 8, dtype: 'float64' },
  F32: { itemsize: 4, dtype: 'float32' },
  F16: { itemsize: 2, dtype: 'float32' },
  BF16: { itemsize: 2, dtype: 'float32' },
  I64: { itemsize: 8, dtype: 'float64' },
  U64: { itemsize: 8, dtype: 'float64' },
  I32: { itemsize: 4, dtype: 'float64' },
  U32: { itemsize: 4, dtype: 'float64' },
  I16: { itemsize: 2, dtype: 'float64' },
  U16: { itemsize: 2, dtype: 'float64' },
  I8: { itemsize: 1, dtype: 'float64' },
  U8: { itemsize: 1, dtype: 'float64' },
  BOOL: { itemsize: 1, dtype: 'float64' },
};

/** 2^53: the largest magnitude up to which float64 holds every integer. */
const EXACT_INT = 2 ** 53;

/**
 * Typed arrays use host byte order, the file is always little-endian. On the
 * (rare) big-endian host we byte-swap instead of going through DataView float
 * accessors, because those round-trip through a JS number and engines are
 * allowed to canonicalise NaN payloads on the way.
 */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts `bytes`, whole items of `itemsize` bytes each, between host byte order and the file's
 * little-endian order, in place (the same swap serves both directions): nothing to do on a
 * little-endian host, each item's bytes reversed on a big-endian one. `littleEndianHost` is a
 * parameter so that tests can run the big-endian path on any host.
 *
 * @internal
 */
export function toFileByteOrder(bytes: Uint8Array, itemsize: number, littleEndianHost = HOST_IS_LITTLE_ENDIAN): void {
  if (littleEndianHost) return;
  for (let end = itemsize; end <= bytes.length; end += itemsize) bytes.subarray(end - itemsize, end).reverse();
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/**
 * Serialises `tensors` (data laid out contiguously in the record's iteration
 * order) plus optional string metadata into safetensors bytes.
 *
 * Note: unlike the reference writer we do not reorder tensors by alignment, so
 * an F64 tensor may start at an offset that is not a multiple of 8 inside the
 * data buffer. That is valid safetensors; readers (including ours) copy.
 */
export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  // The header is assembled as a string rather than via JSON.stringify(object)
  // so that key order is exactly the iteration order we use for the data
  // layout, and so a tensor called "__proto__" cannot touch a prototype.
  const parts: string[] = [];
  if (metadata !== undefined) {
    parts.push(`${JSON.stringify(METADATA_KEY)}:${encodeMetadata(metadata)}`);
  }

  const chunks: { info: DTypeInfo; data: Float32Array | Float64Array; int64: boolean }[] = [];
  let offset = 0;
  const entries = Object.entries(tensors);
  // What we write must be what we (and the limits) read back.
  if (entries.length > HEADER_LIMITS.tensors) {
    throw new Error(`saveSafetensors: ${entries.length} tensors, more than the ${HEADER_LIMITS.tensors} a file may hold`);
  }
  // encodeMetadata, above, has already refused a metadata argument that is not a plain object.
  if (metadata !== undefined && Object.keys(metadata).length > HEADER_LIMITS.metadataEntries) {
    throw new Error(`saveSafetensors: ${Object.keys(metadata).length} metadata entries, more than the ${HEADER_LIMITS.metadataEntries} a file may hold`);
  }
  for (const [name, tensor] of entries) {
    const info = checkTensorForEncode(name, tensor);
    const int64 = tensor.file === 'I64';
    const begin = offset;
    offset += tensor.data.length * (int64 ? 8 : info.itemsize);
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${int64 ? 'I64' : info.file}","shape":[${tensor.shape.join(',')}],` +
        `"data_offsets":[${begin},${offset}]}`,
    );
    chunks.push({ info, data: tensor.data, int64 });
  }

  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Padding to DATA_ALIGNMENT cannot push a header of at most MAX_HEADER_BYTES past the limit:
  // the limit is itself a multiple of DATA_ALIGNMENT.
  if (json.length > MAX_HEADER_BYTES) {
    throw new Error(`saveSafetensors: the header would be ${json.length} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
  }
  // 8 + headerLength must be a multiple of 8; since 8 already is, pad the
  // header itself. Spaces are JSON whitespace, so readers ignore them.
  const headerLength = Math.ceil(json.length / DATA_ALIGNMENT) * DATA_ALIGNMENT;
  const dataStart = 8 + headerLength;

  const out = new Uint8Array(dataStart + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, dataStart);

  let cursor = dataStart;
  const view = new DataView(out.buffer);
  for (const { info, data, int64 } of chunks) {
    if (int64) {
      // Checked integers of at most 2^53 in magnitude: BigInt is exact for them.
      for (let i = 0; i < data.length; i++) view.setBigInt64(cursor + 8 * i, BigInt(data[i]!), true);
      cursor += 8 * data.length;
      continue;
    }
    const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const dst = out.subarray(cursor, cursor + src.length);
    dst.set(src);
    toFileByteOrder(dst, info.itemsize);
    cursor += src.length;
  }
  return out;
}

function encodeMetadata(metadata: Record<string, string>): string {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`saveSafetensors: metadata must be an object of strings, got ${describe(metadata)}`);
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new Error(
        `saveSafetensors: metadata value for key ${quote(key)} must be a string, got ${describe(value)}`,
      );
    }
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

function checkTensorForEncode(name: string, tensor: RawTensor): DTypeInfo {
  if (name === METADATA_KEY) {
    throw new Error(`saveSafetensors: ${quote(METADATA_KEY)} is reserved and cannot be a tensor name`);
  }
  if (typeof tensor !== 'object' || tensor === null) {
    throw new Error(`saveSafetensors: tensor ${quote(name)} must be an object, got ${describe(tensor)}`);
  }
  const info = Object.hasOwn(BY_RAW, tensor.dtype) ? BY_RAW[tensor.dtype] : undefined;
  if (info === undefined) {
    throw new Error(
      `saveSafetensors: tensor ${quote(name)} has unsupported dtype ${describe(tensor.dtype)} (expected "float32" or "float64")`,
    );
  }
  // toStringTag rather than instanceof: typed arrays from another realm
  // (worker, iframe, test environment) are just as good.
  if (Object.prototype.toString.call(tensor.data) !== `[object ${info.tag}]`) {
    throw new Error(
      `saveSafetensors: tensor ${quote(name)} has dtype ${tensor.dtype} so its data must be a ${info.tag}, ` +
        `got ${typeName(tensor.data)}`,
    );
  }
  if (!Array.isArray(tensor.shape)) {
    throw new Error(`saveSafetensors: tensor ${quote(name)} shape must be an array, got ${describe(tensor.shape)}`);
  }
  const numel = checkedNumel(tensor.shape);
  if (numel === undefined) {
    throw new Error(
      `saveSafetensors: tensor ${quote(name)} shape ${describe(tensor.shape)} must contain only non-negative safe integers`,
    );
  }
  if (tensor.shape.length > HEADER_LIMITS.dims) {
    throw new Error(`saveSafetensors: tensor ${quote(name)} has ${tensor.shape.length} dimensions, more than the ${HEADER_LIMITS.dims} PyTorch allows`);
  }
  if (numel !== BigInt(tensor.data.length)) {
    throw new Error(
      `saveSafetensors: tensor ${quote(name)} shape ${describe(tensor.shape)} needs ${numel} elements ` +
        `but data has ${tensor.data.length}`,
    );
  }
  if (tensor.file !== undefined && tensor.file !== 'I64') {
    throw new Error(`saveSafetensors: tensor ${quote(name)} can be written as I64 (or by its dtype), not as ${describe(tensor.file)}`);
  }
  if (tensor.file === 'I64') {
    for (let i = 0; i < tensor.data.length; i++) {
      const v = tensor.data[i]!;
      if (!Number.isInteger(v) || Math.abs(v) > EXACT_INT) {
        throw new Error(`saveSafetensors: tensor ${quote(name)} is an int64 buffer but holds ${showNumber(v)} at flat index ${i}; it must hold integers of at most 2^53 in magnitude`);
      }
    }
  }
  return info;
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

interface PlannedTensor {
  name: string;
  file: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors bytes. The input is treated as untrusted: every field is
 * validated (and every byte range checked) before anything is allocated or
 * copied, so callers either get a complete result or an Error whose message
 * starts with "loadSafetensors:". Returned arrays are fresh copies; they never
 * alias `bytes`, which may be any (unaligned) view.
 */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, RawTensor>;
  metadata: Record<string, string>;
} {
  if (Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
    fail(`expected a Uint8Array, got ${typeName(bytes)}`);
  }
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  }

  // DataView handles both the byte order and a non-aligned byteOffset.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (headerLength > bytes.length - 8) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length prefix)`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const { entries, metadata } = parseHeader(decodeHeader(bytes.subarray(8, dataStart)), HEADER_LIMITS, fail);
  const plan = entries.map(({ name, entry }) => readEntry(name, entry, dataLength));
  checkCoverage(plan, dataLength);

  // The header is validated; what remains is the values themselves (an I64 beyond 2^53, a BOOL
  // byte other than 0/1), checked while converting: a throw there still returns nothing.
  const tensors = Object.fromEntries(
    plan.map(({ name, file, shape, begin, end }): [string, RawTensor] => {
      const { dtype, itemsize } = BY_FILE[file];
      const info = BY_RAW[dtype];
      const data = info.alloc((end - begin) / itemsize);
      const raw: RawTensor = file === 'F32' || file === 'F64' ? { dtype, shape, data } : { dtype, shape, data, file };
      if (file === 'F32' || file === 'F64') {
        const dst = new Uint8Array(data.buffer);
        // A byte copy (rather than a typed view on `bytes`) is what makes
        // unaligned offsets work and guarantees no aliasing of the input.
        dst.set(bytes.subarray(dataStart + begin, dataStart + end));
        toFileByteOrder(dst, info.itemsize);
      } else {
        convert(name, file, bytes, dataStart + begin, data);
      }
      return [name, raw];
    }),
  );
  return { tensors, metadata };
}

/**
 * Decodes `out.length` little-endian values of a non-float32/64 file dtype starting at byte
 * `at` (any alignment) into `out`, by the rule documented at {@link BY_FILE}. The switch has a
 * case for every dtype the parameter's type admits, so it needs no default.
 */
function convert(name: string, file: Exclude<SafetensorsDType, 'F32' | 'F64'>, bytes: Uint8Array, at: number, out: Float32Array | Float64Array): void {
  const n = out.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (file) {
    case 'F16': {
      // Bit for bit into float32's layout, so -0 and NaN payloads survive.
      const bits = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) bits[i] = halfToFloatBits(view.getUint16(at + 2 * i, true));
      return;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(at + 2 * i, true) << 16;
      return;
    }
    case 'I64':
    case 'U64':
      for (let i = 0; i < n; i++) {
        const lo = view.getUint32(at + 8 * i, true);
        const hi = file === 'I64' ? view.getInt32(at + 8 * i + 4, true) : view.getUint32(at + 8 * i + 4, true);
        // v = hi·2^32 + lo is exact in float64 while |v| <= 2^53, i.e. -2^21 <= hi < 2^21, or v = 2^53.
        if (hi < -(2 ** 21) || hi > 2 ** 21 || (hi === 2 ** 21 && lo !== 0)) {
          const v = file === 'I64' ? view.getBigInt64(at + 8 * i, true) : view.getBigUint64(at + 8 * i, true);
          fail(`tensor ${quote(name)} (${file}) holds ${v} at flat index ${i}, beyond 2^53 in magnitude, which a float64 cannot hold exactly`);
        }
        out[i] = hi * 4294967296 + lo;
      }
      return;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, true);
      return;
    case 'U32':
      for (let i = 0; i < n; i++) out[i] = view.getUint32(at + 4 * i, true);
      return;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, true);
      return;
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(at + 2 * i, true);
      return;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(at + i);
      return;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(at + i);
      return;
    case 'BOOL':
      for (let i = 0; i < n; i++) {
        const b = view.getUint8(at + i);
        if (b > 1) fail(`tensor ${quote(name)} (BOOL) holds the byte ${b} at flat index ${i}; a bool is stored as 0 or 1`);
        out[i] = b;
      }
      return;
  }
}

/** IEEE half-precision bits to the float32 bits of the same value (exact: float32 has more of everything). */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) {
    // ±inf; a NaN keeps its payload and comes out quiet, as torch's conversion (x86's
    // vcvtph2ps, and c10's software path) gives it.
    return (sign | 0x7f800000 | (mant === 0 ? 0 : 0x400000 | (mant << 13))) >>> 0;
  }
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0; // ±0
  // Subnormal: mant·2^-24, normalised for float32.
  let e = -1;
  let m = mant;
  do {
    e++;
    m <<= 1;
  } while ((m & 0x400) === 0);
  return (sign | ((127 - 15 - e) << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

function fail(message: string): never {
  throw new Error(`loadSafetensors: ${message}`);
}

function decodeHeader(headerBytes: Uint8Array): string {
  try {
    // fatal: reject malformed UTF-8 instead of silently inserting U+FFFD.
    // ignoreBOM: keep a BOM so the parser rejects it, as the reference does.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return fail(`header (${headerBytes.length} bytes) is not valid UTF-8`);
  }
}

/** Fails naming the tensor; quoting a name costs its length, so only a failing entry does it. */
function bad(name: string, message: string): never {
  return fail(`tensor ${quote(name)} ${message}`);
}

function readEntry(name: string, entry: RawEntry | Shown, dataLength: number): PlannedTensor {
  if (entry instanceof Shown) {
    bad(name, `must be an object, got ${entry.text}`);
  }

  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') {
    bad(name, `dtype must be a string, got ${describe(dtype)}`);
  }
  if (!Object.hasOwn(BY_FILE, dtype)) {
    bad(name, `has unsupported dtype ${quote(dtype)} (supported: ${Object.keys(BY_FILE).join(', ')})`);
  }
  const file = dtype as SafetensorsDType;
  const { itemsize } = BY_FILE[file];

  if (!Array.isArray(shape)) {
    bad(name, `shape must be an array, got ${describe(shape)}`);
  }
  const numel = checkedNumel(shape);
  if (numel === undefined) {
    const offender: unknown = shape.find((d: unknown) => !isNonNegativeSafeInteger(d));
    bad(name, `shape ${describe(shape)} has entry ${describe(offender)}, expected a non-negative safe integer`);
  }

  if (!Array.isArray(offsets)) {
    bad(name, `data_offsets must be an array, got ${describe(offsets)}`);
  }
  if (offsets.length !== 2 || !offsets.every(isNonNegativeSafeInteger)) {
    bad(name, `data_offsets ${describe(offsets)} must be two non-negative integers [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    bad(name, `data_offsets ${describe(offsets)} has begin ${begin} > end ${end}`);
  }
  // BigInt because product(shape) of safe integers can exceed 2^53, and an
  // inexact comparison here is exactly how an allocation could go wrong.
  const expected = numel * BigInt(itemsize);
  if (BigInt(end - begin) !== expected) {
    bad(
      name,
      `has ${end - begin} bytes (data_offsets [${begin}, ${end}]) but shape ${describe(shape)} ` +
        `with dtype ${dtype} needs ${expected} bytes`,
    );
  }
  if (end > dataLength) {
    bad(name, `data_offsets [${begin}, ${end}] run past the end of the ${dataLength}-byte data buffer`);
  }

  // Normalise -0 (valid JSON, passes the integer check) to 0; the parser's array is ours to change.
  for (let i = 0; i < shape.length; i++) shape[i] += 0;
  return { name, file, shape: shape as number[], begin, end };
}

/**
 * The reference implementation requires the tensors' byte ranges to tile the
 * data buffer exactly: no overlaps (which would let two tensors share bytes)
 * and no gaps or trailing bytes (which would hide unaccounted data).
 */
function checkCoverage(plan: readonly PlannedTensor[], dataLength: number): void {
  // Sorting by end as a tie-breaker puts zero-size tensors before a tensor
  // starting at the same offset, so they do not read as overlaps.
  const sorted = [...plan].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: PlannedTensor | undefined;
  for (const t of sorted) {
    if (t.begin < cursor) {
      fail(
        `tensor ${quote(t.name)} bytes [${t.begin}, ${t.end}) overlap ` +
          `tensor ${quote(previous!.name)} bytes [${previous!.begin}, ${previous!.end})`,
      );
    }
    if (t.begin > cursor) {
      fail(`data bytes [${cursor}, ${t.begin}) are not covered by any tensor (gap before tensor ${quote(t.name)})`);
    }
    cursor = t.end;
    previous = t;
  }
  if (cursor !== dataLength) {
    fail(`data buffer has ${dataLength - cursor} trailing bytes [${cursor}, ${dataLength}) not covered by any tensor`);
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function isNonNegativeSafeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Element count as an exact BigInt, or undefined if any dim is invalid. */
function checkedNumel(shape: readonly unknown[]): bigint | undefined {
  // Numbers while the product is exact (the usual case, and 50 000 tensors of 64 dims add up);
  // BigInt from the first product that might not be.
  let n = 1;
  let big: bigint | undefined;
  for (const d of shape) {
    if (!isNonNegativeSafeInteger(d)) return undefined;
    if (big !== undefined) big *= BigInt(d);
    else if (n * d < EXACT_INT) n *= d; // below 2^53 the float64 product is the exact one
    else big = BigInt(n) * BigInt(d);
  }
  return big ?? BigInt(n);
}

const MAX_SHOWN_ITEMS = 8;

/**
 * Short, safe rendering of an untrusted JSON value for error messages. It only
 * looks one level deep: JSON.stringify on attacker-controlled nesting could
 * overflow the stack, and a 100 MB header should not end up in a message.
 */
function describe(value: unknown, depth = 0): string {
  if (value instanceof Shown) return value.text;
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return showNumber(value);
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) {
    if (depth > 0) return '[…]';
    const shown = value.slice(0, MAX_SHOWN_ITEMS).map((v) => describe(v, depth + 1));
    if (value.length > MAX_SHOWN_ITEMS) shown.push(`… ${value.length - MAX_SHOWN_ITEMS} more`);
    return `[${shown.join(', ')}]`;
  }
  if (typeof value === 'object') return depth > 0 ? '{…}' : `an object (${typeName(value)})`;
  return typeof value; // 'undefined', 'function' or 'symbol'
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}
