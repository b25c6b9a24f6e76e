// safetensors files between PyTorch and Kindling (scripts/torch-fixtures/nn_safetensors.py writes
// fixtures/torch/nn_safetensors.json and fixtures/torch/safetensors/*.safetensors from torch
// tensors, with the standard library): every dtype torch 1.13 can store, read with the
// documented conversion (F16/BF16 -> float32 bit-exactly, integers -> float64, BOOL -> 0/1); a
// torch model's state dict with an int64 num_batches_tracked loads into Kindling and gives
// torch's outputs; Kindling writes the same state back byte for byte (I64 included); and
// PyTorch itself reads Kindling's file into the torch model when /usr/bin/python3 has torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, TensorData, tensor } from '@kindling/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d, Linear, Module, ReLU, Sequential, loadSafetensors, loadSafetensorsWithMetadata, persistentDtypeOf, saveSafetensors,
} from '../src/index.js';

interface Json { shape: number[]; dtype: 'float64'; data: number[] }
type Value = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
interface DtypesCase { id: string; file: string; tensors: { name: string; dtype: string; shape: number[]; values: Value[]; float32Bits?: number[] }[] }
interface BeyondCase { id: string; file: string; key: string; value: string }
interface ModelCase { id: string; file: string; keys: string[]; dtypes: Record<string, string>; numBatchesTracked: number; input: Json; output: Json }

const here = dirname(fileURLToPath(import.meta.url));
const fixtureDir = join(here, 'fixtures/torch');
const fixture = JSON.parse(readFileSync(join(fixtureDir, 'nn_safetensors.json'), 'utf8')) as { cases: [DtypesCase, BeyondCase, ModelCase] };
const [dtypesCase, beyondCase, modelCase] = fixture.cases;
const bytesOf = (file: string) => new Uint8Array(readFileSync(join(fixtureDir, file)));
const toTensor = (j: Json) => new Tensor(new TensorData(Float64Array.from(j.data), j.shape.slice()));

const decodeValue = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : v);

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const tmp = mkdtempSync(join(tmpdir(), 'kindling-safetensors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function twin(): Sequential {
  return new Sequential(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2));
}

describe('reading torch-written files of every dtype (fixtures/torch/safetensors/dtypes.safetensors)', () => {
  const { tensors, dtypes } = loadSafetensorsWithMetadata(bytesOf(dtypesCase.file));

  it('has every tensor, with its file dtype reported', () => {
    expect(Object.keys(tensors)).toEqual(dtypesCase.tensors.map((t) => t.name));
    expect(dtypes).toEqual(Object.fromEntries(dtypesCase.tensors.map((t) => [t.name, t.dtype])));
  });

  it.each(dtypesCase.tensors.map((t) => [t.name, t] as const))('%s: the documented dtype and exactly torch\'s values', (name, want) => {
    const t = tensors[name]!;
    expect(t.shape).toEqual(want.shape);
    expect(t.dtype).toBe(['F32', 'F16', 'BF16'].includes(want.dtype) ? 'float32' : 'float64');
    const got = Array.from(t.dataSync());
    want.values.forEach((v, i) => expect(Object.is(got[i], decodeValue(v)), `${name}[${i}]: ${got[i]} vs torch ${String(v)}`).toBe(true));
    if (want.float32Bits) {
      // Bit for bit what torch's .to(torch.float32) gives, NaN payloads included.
      const bits = new Uint32Array((t.tensorData.storage as Float32Array).buffer, (t.tensorData.storage as Float32Array).byteOffset, t.size);
      expect(Array.from(bits)).toEqual(want.float32Bits);
    }
  });

  it('an I64 value beyond 2^53 is refused, naming the tensor and the value', () => {
    expect(() => loadSafetensors(bytesOf(beyondCase.file))).toThrow(
      new RegExp(`^loadSafetensors: tensor "${beyondCase.key}" \\(I64\\) holds ${beyondCase.value} at flat index 1, beyond 2\\^53 in magnitude`),
    );
  });
});

describe('a torch model\'s state dict, both ways (fixtures/torch/safetensors/model.safetensors)', () => {
  it('loads into the Kindling twin (int64 num_batches_tracked included) and gives torch\'s eval output', () => {
    const { tensors, dtypes } = loadSafetensorsWithMetadata(bytesOf(modelCase.file));
    expect(dtypes).toEqual(modelCase.dtypes);
    const model = twin();
    model.loadStateDict(tensors);
    expect((model.stateDict()['1.num_batches_tracked'] as Tensor).item()).toBe(modelCase.numBatchesTracked);
    model.eval();
    const y = model.forward(toTensor(modelCase.input)).dataSync();
    modelCase.output.data.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThanOrEqual(1e-12));
  });

  it('Kindling writes the same state back byte for byte: F64 parameters and statistics, I64 num_batches_tracked', () => {
    const model = twin();
    model.loadStateDict(loadSafetensors(bytesOf(modelCase.file)));
    const sd = model.stateDict();
    expect(Object.keys(sd)).toEqual(modelCase.keys);
    expect(persistentDtypeOf(sd['1.num_batches_tracked']!)).toBe('int64');
    expect(Buffer.from(saveSafetensors(sd)).equals(Buffer.from(bytesOf(modelCase.file)))).toBe(true);
  });

  it.skipIf(!hasTorch)('PyTorch reads Kindling\'s file into the torch model (strict load_state_dict, int64 buffer, same outputs)', () => {
    const model = twin();
    model.loadStateDict(loadSafetensors(bytesOf(modelCase.file)));
    const path = join(tmp, 'kindling-model.safetensors');
    writeFileSync(path, saveSafetensors(model.stateDict()));
    const script = join(here, '../../../scripts/torch-fixtures/nn_safetensors.py');
    const r = spawnSync(PYTHON, [script, '--check', path], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { dtypes: Record<string, string>; modelDtypes: Record<string, string>; numBatchesTracked: number; maxOutputDiff: number };
    expect(report.dtypes).toEqual(modelCase.dtypes);
    expect(report.modelDtypes['1.num_batches_tracked']).toBe('I64');
    expect(report.numBatchesTracked).toBe(modelCase.numBatchesTracked);
    expect(report.maxOutputDiff).toBeLessThanOrEqual(1e-12);
  }, 60_000);

  it(hasTorch ? 'the PyTorch reader check ran (python3 with torch found)' : 'SKIPPED the PyTorch reader check: /usr/bin/python3 cannot import torch (the byte comparison above still ran)', () => {
    expect(true).toBe(true);
  });
});

// ---- dtypes torch 1.13 cannot write, and what must be refused --------------------------------

/** A one-tensor file in Kindling's layout with raw little-endian data bytes. */
function file(dtype: string, shape: number[], data: number[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ t: { dtype, shape, data_offsets: [0, data.length] } }));
  const n = Math.ceil(header.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + n);
  out.set(data, 8 + n);
  return out;
}

const le = (bits: number, values: (number | bigint)[]): number[] => {
  const buf = new DataView(new ArrayBuffer((bits / 8) * values.length));
  values.forEach((v, i) => {
    if (bits === 16) buf.setUint16(2 * i, Number(v), true);
    else if (bits === 32) buf.setUint32(4 * i, Number(v), true);
    else buf.setBigUint64(8 * i, BigInt(v), true);
  });
  return Array.from(new Uint8Array(buf.buffer));
};

describe('other integer dtypes, bad values and the writer\'s I64 rule', () => {
  it('U16, U32 and U64 become float64 exactly (U64 up to 2^53)', () => {
    expect(loadSafetensors(file('U16', [2], le(16, [0, 65535]))).t!.toArray()).toEqual([0, 65535]);
    expect(loadSafetensors(file('U32', [2], le(32, [1, 4294967295]))).t!.toArray()).toEqual([1, 4294967295]);
    expect(loadSafetensors(file('U64', [2], le(64, [2n ** 53n, 7n]))).t!.toArray()).toEqual([2 ** 53, 7]);
    expect(() => loadSafetensors(file('U64', [1], le(64, [2n ** 64n - 1n])))).toThrow(/^loadSafetensors: tensor "t" \(U64\) holds 18446744073709551615 at flat index 0, beyond 2\^53/);
  });

  it('I64 just inside and just outside ±2^53 (the edges of the hi-word test)', () => {
    const i64 = (v: bigint) => le(64, [BigInt.asUintN(64, v)]);
    expect(loadSafetensors(file('I64', [1], i64(-(2n ** 53n)))).t!.item()).toBe(-(2 ** 53));
    expect(loadSafetensors(file('I64', [1], i64(2n ** 53n - 1n))).t!.item()).toBe(2 ** 53 - 1);
    expect(() => loadSafetensors(file('I64', [1], i64(-(2n ** 53n) - 1n)))).toThrow(/holds -9007199254740993 at flat index 0/);
    expect(() => loadSafetensors(file('I64', [1], i64(2n ** 53n + 1n)))).toThrow(/holds 9007199254740993/);
    expect(() => loadSafetensors(file('I64', [1], i64(-(2n ** 63n))))).toThrow(/holds -9223372036854775808/);
  });

  it('F16: all 65536 bit patterns agree with the direct formula (subnormals, ±0, ±inf, NaN)', () => {
    const all = Array.from({ length: 65536 }, (_, h) => h);
    const t = loadSafetensors(file('F16', [65536], le(16, all))).t!;
    const got = t.dataSync();
    for (const h of all) {
      const e = (h >> 10) & 31;
      const m = h & 1023;
      const sgn = h & 0x8000 ? -1 : 1;
      const want = e === 31 ? (m ? NaN : sgn * Infinity) : e === 0 ? sgn * m * 2 ** -24 : sgn * (1 + m / 1024) * 2 ** (e - 15);
      if (!Object.is(got[h], want)) throw new Error(`F16 0x${h.toString(16)}: ${got[h]} vs ${want}`);
    }
    // NaNs: sign and payload kept, quiet bit set (torch's conversion).
    const bits = new Uint32Array((t.tensorData.storage as Float32Array).buffer);
    expect(bits[0x7c01]).toBe(0x7fc02000);
    expect(bits[0xfdff]).toBe(0xffffe000);
  });

  it('a BOOL byte other than 0 or 1 is refused, naming the tensor', () => {
    expect(loadSafetensors(file('BOOL', [2], [1, 0])).t!.toArray()).toEqual([1, 0]);
    expect(() => loadSafetensors(file('BOOL', [3], [1, 0, 2]))).toThrow(/^loadSafetensors: tensor "t" \(BOOL\) holds the byte 2 at flat index 2; a bool is stored as 0 or 1$/);
  });

  it('the 8-bit floats are not read, and the message lists what is', () => {
    expect(() => loadSafetensors(file('F8_E5M2', [1], [0]))).toThrow(/unsupported dtype "F8_E5M2" \(supported: F64, F32, F16, BF16, I64, U64, I32, U32, I16, U16, I8, U8, BOOL\)/);
  });

  it('writes I64 only for tensors marked int64, and refuses values an int64 buffer cannot hold', () => {
    class Counter extends Module {
      constructor() {
        super();
        this.registerBuffer('count', tensor([-5, 2 ** 53, 0]), { persistentDtype: 'int64' });
        this.registerBuffer('scale', tensor([0.5]));
      }
    }
    const m = new Counter();
    const bytes = saveSafetensors(m.stateDict());
    const { tensors, dtypes } = loadSafetensorsWithMetadata(bytes);
    expect(dtypes).toEqual({ count: 'I64', scale: 'F64' });
    expect(tensors.count!.toArray()).toEqual([-5, 2 ** 53, 0]);
    // Two's complement little-endian, as torch stores int64.
    const data = bytes.subarray(bytes.length - 32, bytes.length - 8);
    expect(new DataView(data.buffer, data.byteOffset).getBigInt64(0, true)).toBe(-5n);
    // A plain copy is not marked: it is written by its dtype.
    expect(loadSafetensorsWithMetadata(saveSafetensors({ count: m.stateDict().count!.clone() })).dtypes).toEqual({ count: 'F64' });
    const bad = new Counter();
    (bad as unknown as { count: Tensor }).count.tensorData.storage[1] = 0.5;
    expect(() => saveSafetensors(bad.stateDict())).toThrow(/^saveSafetensors: tensor "count" is an int64 buffer but holds 0.5 at flat index 1; it must hold integers of at most 2\^53 in magnitude$/);
    (bad as unknown as { count: Tensor }).count.tensorData.storage[1] = 2 ** 53 + 2;
    expect(() => saveSafetensors(bad.stateDict())).toThrow(/holds 9007199254740994 at flat index 1/);
    (bad as unknown as { count: Tensor }).count.tensorData.storage[1] = NaN;
    expect(() => saveSafetensors(bad.stateDict())).toThrow(/holds NaN at flat index 1/);
  });

  it('loading an I64 file into a float32 model converts as loadStateDict always does', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float32' });
    bn.loadStateDict(loadSafetensors(saveSafetensors(new BatchNorm1d(2).stateDict())));
    expect(loadSafetensorsWithMetadata(saveSafetensors(bn.stateDict())).dtypes.num_batches_tracked).toBe('I64');
  });
});
