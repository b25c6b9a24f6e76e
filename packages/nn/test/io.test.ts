import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, TensorData } from '@kindling/core';
import { Conv1d, Linear, ReLU, Sequential, loadSafetensors, loadSafetensorsWithMetadata, saveSafetensors } from '@kindling/nn';
import { loadSafetensorsFile, saveSafetensorsFile } from '@kindling/nn/node';
import { configureFc, flat } from './helpers.js';

configureFc(100);

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

const rawTensor = fc
  .record({
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
    shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = dtype === 'float32' ? fc.float32Array({ minLength: n, maxLength: n }) : fc.float64Array({ minLength: n, maxLength: n });
    return values.map((data) => new Tensor(new TensorData(data, shape)));
  });

const stateDict = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__metadata__'), rawTensor, { maxKeys: 5 });

function model(seed: number) {
  return new Sequential(new Conv1d(2, 3, 3, { seed, padding: 1 }), new ReLU(), new Conv1d(3, 1, 1, { seed: seed + 1, dtype: 'float32' }), new Linear(4, 2, { seed: seed + 2 }));
}

describe('saveSafetensors / loadSafetensors', () => {
  it('random state dicts round-trip bit-exactly (NaN payloads, -0, infinities, empty and 0-d tensors)', () => {
    fc.assert(
      fc.property(stateDict, (sd) => {
        const back = loadSafetensors(saveSafetensors(sd));
        expect(Object.keys(back)).toEqual(Object.keys(sd));
        for (const [k, t] of Object.entries(sd)) {
          const u = back[k]!;
          expect(u.dtype).toBe(t.dtype);
          expect(u.shape).toEqual(t.shape);
          expect(bytesOf(u.tensorData.storage)).toEqual(bytesOf(t.tensorData.storage));
          expect(u.requiresGrad).toBe(false);
        }
      }),
    );
  });

  it('a module saved and loaded into a fresh module gives the same numbers; metadata survives', () => {
    const a = model(1);
    const b = model(99);
    const bytes = saveSafetensors(a.stateDict(), { format: 'pt' });
    const { tensors, metadata } = loadSafetensorsWithMetadata(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    b.loadStateDict(tensors);
    for (const [[na, pa], [nb, pb]] of a.namedParameters().map((e, i) => [e, b.namedParameters()[i]!] as const)) {
      expect(nb).toBe(na);
      expect(pb.dtype).toBe(pa.dtype);
      expect(bytesOf(pb.tensorData.storage)).toEqual(bytesOf(pa.tensorData.storage));
    }
    // the loaded tensors do not alias the bytes
    bytes.fill(0);
    expect(flat(tensors['0.weight']!)).toEqual(flat(a.stateDict()['0.weight']!));
  });

  it('loads a file laid out as safetensors.torch.save_file writes nn.Conv1d(1, 1, 3).state_dict()', () => {
    // The reference writer sorts tensors (here by name: bias, weight), stores F32 little-endian
    // and pads the JSON header with spaces to a multiple of 8.
    const header = '{"__metadata__":{"format":"pt"},"bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"weight":{"dtype":"F32","shape":[1,1,3],"data_offsets":[4,16]}}';
    const json = new TextEncoder().encode(header);
    const hl = Math.ceil(json.length / 8) * 8;
    const file = new Uint8Array(8 + hl + 16);
    const view = new DataView(file.buffer);
    view.setBigUint64(0, BigInt(hl), true);
    file.set(json, 8);
    file.fill(0x20, 8 + json.length, 8 + hl);
    [0.5, 1, -0.25, 0.1].forEach((v, i) => view.setFloat32(8 + hl + 4 * i, v, true));
    const conv = new Conv1d(1, 1, 3);
    conv.loadStateDict(loadSafetensors(file));
    expect(flat(conv.bias!)).toEqual([0.5]);
    expect(flat(conv.weight)).toEqual([1, -0.25, Math.fround(0.1)]);
  });

  it('writes what PyTorch expects for a Conv1d: F32/F64 entries named weight and bias with torch shapes', () => {
    const conv = new Conv1d(2, 4, 3, { seed: 0, dtype: 'float32', groups: 2 });
    const bytes = saveSafetensors(conv.stateDict());
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const hl = Number(view.getBigUint64(0, true));
    expect((8 + hl) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hl)));
    expect(header).toEqual({
      weight: { dtype: 'F32', shape: [4, 1, 3], data_offsets: [0, 48] },
      bias: { dtype: 'F32', shape: [4], data_offsets: [48, 64] },
    });
    const w = flat(conv.weight);
    for (let i = 0; i < w.length; i++) expect(view.getFloat32(8 + hl + 4 * i, true)).toBe(w[i]);
    expect(bytes.length).toBe(8 + hl + 64);
  });

  it('corrupted headers either load the original values or throw, and never half-load a module', () => {
    const original = model(5);
    const bytes = saveSafetensors(original.stateDict());
    const hl = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const expected = original.parameters().map((p) => Array.from(bytesOf(p.tensorData.storage)));
    const corruption = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.integer({ min: 0, max: 8 + hl - 1 }), xor: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.integer({ min: 8, max: 8 + hl }), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.integer({ min: 0, max: bytes.length - 1 }) }),
    );
    fc.assert(
      fc.property(corruption, (c) => {
        let bad: Uint8Array;
        if (c.kind === 'flip') {
          bad = bytes.slice();
          bad[c.at]! ^= c.xor;
        } else if (c.kind === 'insert') {
          bad = new Uint8Array(bytes.length + c.bytes.length);
          bad.set(bytes.subarray(0, c.at));
          bad.set(c.bytes, c.at);
          bad.set(bytes.subarray(c.at), c.at + c.bytes.length);
        } else bad = bytes.slice(0, c.at);
        const target = model(77);
        const before = target.parameters().map((p) => Array.from(bytesOf(p.tensorData.storage)));
        let loaded = false;
        try {
          target.loadStateDict(loadSafetensors(bad));
          loaded = true;
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
        }
        const now = target.parameters().map((p) => Array.from(bytesOf(p.tensorData.storage)));
        expect(now).toEqual(loaded ? expected : before);
        if (c.kind === 'truncate') expect(loaded).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a state dict that holds something other than tensors', () => {
    expect(() => saveSafetensors({ w: [1, 2] as unknown as Tensor })).toThrow(/"w" is not a Tensor/);
    expect(() => saveSafetensors(null as unknown as Record<string, Tensor>)).toThrow(/expected an object/);
    expect(() => loadSafetensors(new Uint8Array(3))).toThrow(/^loadSafetensors:/);
  });
});

describe('Node file helpers (@kindling/nn/node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-nn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('write and read .safetensors files', () => {
    const path = join(dir, 'model.safetensors');
    const a = model(3);
    saveSafetensorsFile(path, a.stateDict(), { note: 'test' });
    expect(readFileSync(path)).toEqual(Buffer.from(saveSafetensors(a.stateDict(), { note: 'test' })));
    const b = model(4);
    b.loadStateDict(loadSafetensorsFile(path));
    expect(b.parameters().map(flat)).toEqual(a.parameters().map(flat));
    writeFileSync(path, readFileSync(path).subarray(0, 50));
    expect(() => loadSafetensorsFile(path)).toThrow(/^loadSafetensors:/);
  });
});
