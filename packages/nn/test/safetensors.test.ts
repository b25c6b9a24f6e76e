import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeSafetensors,
  encodeSafetensors,
  type RawTensor,
} from '../src/io/safetensors-format.js';

// Seeded so failures reproduce; override with FC_SEED / FC_NUM_RUNS.
fc.configureGlobal({
  seed: Number(process.env.FC_SEED ?? 42),
  numRuns: Number(process.env.FC_NUM_RUNS ?? 100),
});

const PREFIX = 'loadSafetensors:';

// ---------------------------------------------------------------------------
// Helpers written from the spec, independent of the encoder under test.
// ---------------------------------------------------------------------------

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Builds a file by hand: u64 LE length, header padded to 8 with spaces, data. */
function file(header: unknown, data: ArrayLike<number> = []): Uint8Array {
  const json = utf8(typeof header === 'string' ? header : JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  out.set(data, 8 + n);
  return out;
}

/** Same as `file` but with an arbitrary (possibly lying) length prefix. */
function withLength(length: bigint, rest: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(rest, 8);
  return out;
}

function headerOf(bytes: Uint8Array): { length: number; json: Record<string, unknown> } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, unknown>;
  return { length, json };
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

function expectLoadError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected decodeSafetensors to throw').toBeInstanceOf(Error);
  const message = (caught as Error).message;
  expect(message.startsWith(PREFIX), message).toBe(true);
  for (const f of fragments) expect(message).toContain(f);
}

/** Bit-exact comparison: NaN payloads and -0 must survive. */
function expectSameTensors(actual: Record<string, RawTensor>, expected: Record<string, RawTensor>): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const name of Object.keys(expected)) {
    const a = actual[name]!;
    const e = expected[name]!;
    expect(a.dtype).toBe(e.dtype);
    expect(a.shape).toEqual(e.shape);
    expect(a.data.constructor).toBe(e.data.constructor);
    expect(bytesOf(a.data)).toEqual(bytesOf(e.data));
  }
}

/** What any successful decode must look like, whatever the input was. */
function expectWellFormed(result: ReturnType<typeof decodeSafetensors>, input: Uint8Array): void {
  for (const t of Object.values(result.tensors)) {
    expect(['float32', 'float64']).toContain(t.dtype);
    expect(t.data).toBeInstanceOf(t.dtype === 'float32' ? Float32Array : Float64Array);
    expect(t.data.length).toBe(t.shape.reduce((p, d) => p * d, 1));
    expect(t.data.buffer).not.toBe(input.buffer);
  }
  for (const v of Object.values(result.metadata)) expect(typeof v).toBe('string');
}

/** Decodes, returning 'error' for a loadSafetensors error and rethrowing anything else. */
function tryDecode(bytes: Uint8Array): ReturnType<typeof decodeSafetensors> | 'error' {
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(PREFIX)) return 'error';
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

const nameArb = fc
  .oneof(
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      '',
      '0',
      '10',
      'héllo.wéight',
      '🔥/layer.0',
      ' a"b\\c\n\u0000',
      '\ud800', // lone surrogate: JSON.stringify escapes it, so it must survive
    ),
  )
  .filter((n) => n !== '__metadata__');

function dataArb(dtype: RawTensor['dtype'], n: number): fc.Arbitrary<Float32Array | Float64Array> {
  const itemsize = dtype === 'float32' ? 4 : 8;
  const fromBits = (b: Uint8Array) =>
    dtype === 'float32' ? new Float32Array(b.slice().buffer) : new Float64Array(b.slice().buffer);
  return fc.oneof(
    // fc.double covers NaN, ±0, ±Infinity and subnormals.
    fc
      .array(fc.double(), { minLength: n, maxLength: n })
      .map((xs) => (dtype === 'float32' ? Float32Array.from(xs.map(Math.fround)) : Float64Array.from(xs))),
    // Raw bit patterns reach NaN payloads (incl. signalling NaNs) fc.double never emits.
    fc.uint8Array({ minLength: n * itemsize, maxLength: n * itemsize }).map(fromBits),
  );
}

const tensorArb: fc.Arbitrary<RawTensor> = fc
  .record({
    dtype: fc.constantFrom<RawTensor['dtype']>('float32', 'float64'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
  })
  .chain(({ dtype, shape }) =>
    dataArb(dtype, shape.reduce((p, d) => p * d, 1)).map((data) => ({ dtype, shape, data })),
  );

// fromEntries (not assignment) so a "__proto__" name becomes an own property.
const recordArb: fc.Arbitrary<Record<string, RawTensor>> = fc
  .uniqueArray(fc.tuple(nameArb, tensorArb), { maxLength: 5, selector: ([name]) => name })
  .map((entries) => Object.fromEntries(entries));

const metadataArb: fc.Arbitrary<Record<string, string> | undefined> = fc.option(
  fc
    .uniqueArray(fc.tuple(fc.oneof(fc.string({ unit: 'binary' }), fc.constant('__proto__')), fc.string({ unit: 'binary' })), {
      maxLength: 4,
      selector: ([k]) => k,
    })
    .map((entries) => Object.fromEntries(entries)),
  { nil: undefined },
);

const validFileArb = fc
  .tuple(recordArb, metadataArb)
  .map(([tensors, metadata]) => ({ tensors, metadata, bytes: encodeSafetensors(tensors, metadata) }));

// ---------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------

describe('safetensors round trip', () => {
  it('decode(encode(x)) is bit-exact, keeps order and metadata, and aligns the data', () => {
    fc.assert(
      fc.property(recordArb, metadataArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const decoded = decodeSafetensors(bytes);
        expectSameTensors(decoded.tensors, tensors);
        expect(decoded.metadata).toEqual(metadata ?? {});

        // Layout, checked against an independent parse of the header.
        const { length, json } = headerOf(bytes);
        expect((8 + length) % 8).toBe(0);
        const names = Object.keys(json).filter((k) => k !== '__metadata__');
        expect(names).toEqual(Object.keys(tensors));
        let cursor = 0;
        for (const name of names) {
          const [begin, end] = (json[name] as { data_offsets: [number, number] }).data_offsets;
          expect(begin).toBe(cursor);
          cursor = end;
        }
        expect(8 + length + cursor).toBe(bytes.length);
        if (metadata === undefined) expect(Object.hasOwn(json, '__metadata__')).toBe(false);
      }),
    );
  });

  it('decodes from a subarray at an odd byteOffset and never aliases the input', () => {
    fc.assert(
      fc.property(validFileArb, fc.integer({ min: 1, max: 7 }), ({ tensors, bytes }, shift) => {
        const host = new Uint8Array(bytes.length + shift + 3).fill(0xab);
        host.set(bytes, shift);
        const view = host.subarray(shift, shift + bytes.length);
        const decoded = decodeSafetensors(view);
        expectSameTensors(decoded.tensors, tensors);
        for (const t of Object.values(decoded.tensors)) expect(t.data.buffer).not.toBe(host.buffer);
      }),
    );

    const bytes = encodeSafetensors({ w: { dtype: 'float64', shape: [3], data: Float64Array.of(1, 2, 3) } });
    const host = new Uint8Array(bytes.length + 1);
    host.set(bytes, 1);
    const decoded = decodeSafetensors(host.subarray(1));
    host.fill(0xff); // mutating the input afterwards must not reach the result
    expect(Array.from(decoded.tensors.w!.data)).toEqual([1, 2, 3]);
  });

  it('handles empty records, 0-d and zero-size tensors', () => {
    const tensors: Record<string, RawTensor> = {
      scalar: { dtype: 'float64', shape: [], data: Float64Array.of(-0) },
      empty: { dtype: 'float32', shape: [2, 0, 3], data: new Float32Array(0) },
      last: { dtype: 'float32', shape: [1], data: Float32Array.of(7) },
    };
    const bytes = encodeSafetensors(tensors, {});
    expect(headerOf(bytes).json).toEqual({
      __metadata__: {},
      scalar: { dtype: 'F64', shape: [], data_offsets: [0, 8] },
      empty: { dtype: 'F32', shape: [2, 0, 3], data_offsets: [8, 8] },
      last: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    });
    expectSameTensors(decodeSafetensors(bytes).tensors, tensors);

    const none = encodeSafetensors({});
    expect(none.length).toBe(16); // 8 + "{}" padded to 8
    expect(decodeSafetensors(none)).toEqual({ tensors: {}, metadata: {} });
  });
});

// ---------------------------------------------------------------------------
// Hand-built fixtures (from the spec, not from the encoder)
// ---------------------------------------------------------------------------

describe('safetensors fixtures', () => {
  // {"w": F32 [2] = [1, -2]}: 54 bytes of JSON + 2 spaces of padding = 56.
  const HEADER = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  ';
  const FIXTURE = Uint8Array.of(
    56, 0, 0, 0, 0, 0, 0, 0,
    ...Array.from(HEADER, (c) => c.charCodeAt(0)),
    0x00, 0x00, 0x80, 0x3f, // 1.0f little-endian
    0x00, 0x00, 0x00, 0xc0, // -2.0f little-endian
  );

  it('decodes a hand-built F32 file', () => {
    expect(HEADER.length).toBe(56);
    const { tensors, metadata } = decodeSafetensors(FIXTURE);
    expect(metadata).toEqual({});
    expect(Object.keys(tensors)).toEqual(['w']);
    expect(tensors.w!.dtype).toBe('float32');
    expect(tensors.w!.shape).toEqual([2]);
    expect(tensors.w!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensors.w!.data)).toEqual([1, -2]);
  });

  it('encodes the same tensor to the expected header and bytes', () => {
    const bytes = encodeSafetensors({ w: { dtype: 'float32', shape: [2], data: Float32Array.of(1, -2) } });
    const { length, json } = headerOf(bytes);
    expect(length).toBe(56);
    expect(json).toEqual({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    expect(Array.from(bytes.subarray(8 + length))).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    // Our writer is compact like the reference one, so the whole file matches.
    expect(bytes).toEqual(FIXTURE);
  });

  it('decodes F64 0-d and zero-size tensors with metadata', () => {
    const bytes = file(
      '{"__metadata__":{"format":"pt"},' +
        '"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},' +
        '"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]}}',
      [0, 0, 0, 0, 0, 0, 0xf8, 0x3f], // 1.5 as f64 little-endian
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.s!.shape).toEqual([]);
    expect(Array.from(tensors.s!.data)).toEqual([1.5]);
    expect(tensors.s!.data).toBeInstanceOf(Float64Array);
    expect(tensors.e!.shape).toEqual([0, 3]);
    expect(tensors.e!.data.length).toBe(0);
  });

  it('accepts offsets that do not follow key order (the reference writer sorts)', () => {
    const bytes = file(
      {
        b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
      },
      [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40],
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.keys(tensors)).toEqual(['b', 'a', 'z']);
    expect(Array.from(tensors.a!.data)).toEqual([1]);
    expect(Array.from(tensors.b!.data)).toEqual([2]);
  });

  it('normalises a -0 shape entry to 0', () => {
    const { tensors } = decodeSafetensors(file('{"e":{"dtype":"F32","shape":[-0,2],"data_offsets":[0,0]}}'));
    expect(Object.is(tensors.e!.shape[0], 0)).toBe(true);
  });

  it('accepts an unpadded header and trailing whitespace', () => {
    const json = utf8('\n{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}} \t');
    const bytes = withLength(BigInt(json.length), [...json, 0, 0, 0x80, 0x3f]);
    expect(Array.from(decodeSafetensors(bytes).tensors.w!.data)).toEqual([1]);
  });
});

// ---------------------------------------------------------------------------
// Untrusted input
// ---------------------------------------------------------------------------

const f32 = (shape: unknown, data_offsets: unknown) => ({ dtype: 'F32', shape, data_offsets });

describe('safetensors decoder rejects malformed input', () => {
  it('fewer than 8 bytes', () => {
    expectLoadError(() => decodeSafetensors(new Uint8Array(0)), '0 bytes');
    expectLoadError(() => decodeSafetensors(new Uint8Array(5)), '5 bytes');
  });

  it('header length past the end of the buffer', () => {
    expectLoadError(() => decodeSafetensors(withLength(1000n, utf8('{}'))), '1000', '2 bytes');
    expectLoadError(() => decodeSafetensors(withLength(3n, utf8('{}'))), '3', '2 bytes');
  });

  it('absurdly large header length', () => {
    expectLoadError(() => decodeSafetensors(withLength(100_000_001n, utf8('{}'))), '100000001', 'limit');
    expectLoadError(() => decodeSafetensors(withLength(2n ** 64n - 1n, [])), '18446744073709551615');
  });

  it('header not valid UTF-8', () => {
    expectLoadError(() => decodeSafetensors(withLength(3n, [0x7b, 0xff, 0x7d])), 'UTF-8');
    // truncated multi-byte sequence
    expectLoadError(() => decodeSafetensors(withLength(2n, [0x7b, 0xe2])), 'UTF-8');
  });

  it('header not valid JSON', () => {
    expectLoadError(() => decodeSafetensors(file('{"w":')), 'not valid JSON');
    expectLoadError(() => decodeSafetensors(withLength(0n, [])), 'not valid JSON');
    // A BOM is not JSON whitespace; the reference rejects it too.
    expectLoadError(() => decodeSafetensors(file('\ufeff{}')), 'not valid JSON');
  });

  it('header not a JSON object', () => {
    expectLoadError(() => decodeSafetensors(file('[]')), 'JSON object', '[]');
    expectLoadError(() => decodeSafetensors(file('null')), 'JSON object', 'null');
    expectLoadError(() => decodeSafetensors(file('"w"')), 'JSON object', '"w"');
  });

  it('entry not an object', () => {
    expectLoadError(() => decodeSafetensors(file({ w: 3 })), '"w"', 'must be an object', '3');
    expectLoadError(() => decodeSafetensors(file({ w: null })), '"w"', 'null');
    expectLoadError(() => decodeSafetensors(file({ w: [1, 2] })), '"w"', '[1, 2]');
  });

  it('missing or wrong-typed dtype / shape / data_offsets', () => {
    expectLoadError(() => decodeSafetensors(file({ w: { shape: [], data_offsets: [0, 0] } })), '"w"', 'dtype', 'undefined');
    expectLoadError(() => decodeSafetensors(file({ w: { dtype: 5, shape: [], data_offsets: [0, 0] } })), 'dtype', '5');
    expectLoadError(() => decodeSafetensors(file({ w: { dtype: 'F32', data_offsets: [0, 4] } })), 'shape', 'undefined');
    expectLoadError(() => decodeSafetensors(file({ w: f32('2', [0, 8]) })), 'shape', '"2"');
    expectLoadError(() => decodeSafetensors(file({ w: { dtype: 'F32', shape: [] } })), 'data_offsets', 'undefined');
    expectLoadError(() => decodeSafetensors(file({ w: f32([], { begin: 0 }) })), 'data_offsets', 'object');
  });

  it('unknown dtype, named in the message', () => {
    expectLoadError(() => decodeSafetensors(file({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, [0])), '"F8_E4M3"', 'supported: F64, F32, F16, BF16, I64');
    expectLoadError(() => decodeSafetensors(file({ w: { dtype: 'f32', shape: [], data_offsets: [0, 4] } }, [0, 0, 0, 0])), '"f32"');
    // Must not be fooled by Object.prototype keys.
    expectLoadError(() => decodeSafetensors(file({ w: { dtype: 'toString', shape: [], data_offsets: [0, 0] } })), '"toString"');
  });

  it('shape entries that are not non-negative safe integers', () => {
    for (const [bad, shown] of [
      [-1, '-1'],
      [1.5, '1.5'],
      ['2', '"2"'],
      [null, 'null'],
      [2 ** 53, String(2 ** 53)],
      [[1], '[…]'],
    ] as const) {
      expectLoadError(() => decodeSafetensors(file({ w: f32([1, bad], [0, 4]) }, [0, 0, 0, 0])), '"w"', 'shape', shown);
    }
  });

  it('data_offsets not two non-negative integers with begin <= end', () => {
    expectLoadError(() => decodeSafetensors(file({ w: f32([0], [0, 0, 0]) })), 'data_offsets', '[0, 0, 0]');
    expectLoadError(() => decodeSafetensors(file({ w: f32([0], [0]) })), 'data_offsets', '[0]');
    expectLoadError(() => decodeSafetensors(file({ w: f32([0], [-4, 0]) })), 'data_offsets', '-4');
    expectLoadError(() => decodeSafetensors(file({ w: f32([0], [0.5, 0.5]) })), 'data_offsets', '0.5');
    expectLoadError(() => decodeSafetensors(file({ w: f32([0], ['0', 0]) })), 'data_offsets', '"0"');
    expectLoadError(() => decodeSafetensors(file({ w: f32([1], [8, 4]) }, new Array(8).fill(0))), 'begin 8 > end 4');
  });

  it('byte count that does not match shape and dtype', () => {
    expectLoadError(
      () => decodeSafetensors(file({ w: f32([3], [0, 8]) }, new Array(8).fill(0))),
      '"w"', '8 bytes', '[3]', '12 bytes',
    );
    expectLoadError(
      () => decodeSafetensors(file({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])),
      '4 bytes', 'F64', '8 bytes',
    );
    // product(shape) beyond 2^53 must not be compared inexactly.
    const huge = 2 ** 52;
    expectLoadError(
      () => decodeSafetensors(file({ w: f32([huge, huge, 1], [0, 4]) }, [0, 0, 0, 0])),
      '4 bytes', String(BigInt(huge) * BigInt(huge) * 4n),
    );
  });

  it('offsets past the end of the data buffer', () => {
    expectLoadError(
      () => decodeSafetensors(file({ w: f32([2], [0, 8]) }, [0, 0, 0, 0])),
      '"w"', '[0, 8]', '4-byte data buffer',
    );
    expectLoadError(() => decodeSafetensors(file({ w: f32([0], [9, 9]) }, new Array(8).fill(0))), '[9, 9]', '8-byte');
  });

  it('overlapping tensor byte ranges', () => {
    expectLoadError(
      () => decodeSafetensors(file({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, new Array(12).fill(0))),
      'overlap', '"a"', '"b"', '[4, 12)', '[0, 8)',
    );
    // Two tensors sharing the same bytes.
    expectLoadError(
      () => decodeSafetensors(file({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, new Array(4).fill(0))),
      'overlap',
    );
    // A zero-size tensor strictly inside another one.
    expectLoadError(
      () => decodeSafetensors(file({ a: f32([2], [0, 8]), z: f32([0], [4, 4]) }, new Array(8).fill(0))),
      'overlap', '"z"',
    );
  });

  it('gaps and trailing bytes in the data buffer', () => {
    expectLoadError(
      () => decodeSafetensors(file({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, new Array(12).fill(0))),
      '[4, 8)', 'not covered', '"b"',
    );
    expectLoadError(() => decodeSafetensors(file({ a: f32([1], [4, 8]) }, new Array(8).fill(0))), '[0, 4)');
    expectLoadError(() => decodeSafetensors(file({ a: f32([1], [0, 4]) }, new Array(8).fill(0))), '4 trailing bytes', '[4, 8)');
    expectLoadError(() => decodeSafetensors(file({}, [1])), '1 trailing bytes');
  });

  it('__metadata__ that is not an object of strings', () => {
    expectLoadError(() => decodeSafetensors(file({ __metadata__: 'x' })), '__metadata__', '"x"');
    expectLoadError(() => decodeSafetensors(file({ __metadata__: ['a'] })), '__metadata__', '["a"]');
    expectLoadError(() => decodeSafetensors(file({ __metadata__: { k: 'ok', n: 1 } })), '__metadata__', '"n"', '1');
  });

  it('non-Uint8Array input', () => {
    expectLoadError(() => decodeSafetensors([0, 0, 0, 0, 0, 0, 0, 0] as unknown as Uint8Array), 'Uint8Array', 'Array');
  });

  it('keeps messages short for huge or deeply nested values', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    let message = '';
    try {
      decodeSafetensors(file(`{"w":{"dtype":${deep},"shape":[],"data_offsets":[0,0]}}`));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.startsWith(PREFIX)).toBe(true);
    expect(message.length).toBeLessThan(300);

    const longName = 'x'.repeat(10_000);
    try {
      decodeSafetensors(file({ [longName]: 1 }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.startsWith(PREFIX)).toBe(true);
    expect(message.length).toBeLessThan(300);
  });

  it('never mutates a prototype through a "__proto__" tensor name', () => {
    const bytes = file({ ['__proto__']: f32([], [0, 4]) }, [0, 0, 0x80, 0x3f]);
    // The computed key makes "__proto__" an own property, so JSON.stringify emits it.
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Array.from(tensors['__proto__']!.data)).toEqual([1]);
  });
});

describe('safetensors decoder under random corruption', () => {
  // For each corruption the only acceptable failure is a loadSafetensors Error;
  // tryDecode rethrows anything else (RangeError, TypeError, ...) and fails the run.

  it('truncation always fails cleanly', () => {
    fc.assert(
      fc.property(validFileArb, fc.nat(), ({ bytes }, cut) => {
        expect(tryDecode(bytes.slice(0, cut % bytes.length))).toBe('error');
      }),
    );
  });

  it('a rewritten length prefix decodes to the original or fails cleanly', () => {
    const lengthArb = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.integer({ min: -24, max: 24 }).map((d) => ({ delta: d })),
    );
    fc.assert(
      fc.property(validFileArb, lengthArb, ({ tensors, bytes }, spec) => {
        const original = headerOf(bytes).length;
        const corrupted = bytes.slice();
        const length =
          typeof spec === 'bigint' ? spec : BigInt(Math.max(0, original + spec.delta));
        new DataView(corrupted.buffer).setBigUint64(0, length, true);
        const result = tryDecode(corrupted);
        if (length === BigInt(original)) {
          expect(result).not.toBe('error');
          if (result !== 'error') expectSameTensors(result.tensors, tensors);
        } else {
          // A different length moves the header/data boundary, so either the
          // JSON breaks or the ranges no longer tile the data buffer.
          expect(result).toBe('error');
        }
      }),
    );
  });

  it('a flipped byte fails cleanly or yields a well-formed result', () => {
    fc.assert(
      fc.property(validFileArb, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ tensors, bytes }, at, mask) => {
        const pos = at % bytes.length;
        const corrupted = bytes.slice();
        corrupted[pos]! ^= mask;
        const dataStart = 8 + headerOf(bytes).length;
        const result = tryDecode(corrupted);
        if (pos < 8) {
          expect(result).toBe('error');
        } else if (pos >= dataStart) {
          // Data bytes are not checksummed: same structure, exactly the new bytes.
          expect(result).not.toBe('error');
          if (result === 'error') return;
          expect(Object.keys(result.tensors)).toEqual(Object.keys(tensors));
          const concatenated = Object.values(result.tensors).flatMap((t) => Array.from(bytesOf(t.data)));
          expect(concatenated).toEqual(Array.from(corrupted.subarray(dataStart)));
        } else if (result !== 'error') {
          // A header flip can produce another valid file (e.g. a renamed tensor).
          expectWellFormed(result, corrupted);
        }
      }),
    );
  });

  it('bytes spliced into the header fail cleanly or yield a well-formed result', () => {
    const jsonish = fc.constantFrom(...Array.from('{}[]":,0189 -.eE\\u', (c) => c.charCodeAt(0)));
    const insertArb = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.array(jsonish, { minLength: 1, maxLength: 8 }).map((xs) => Uint8Array.from(xs)),
    );
    fc.assert(
      fc.property(validFileArb, fc.nat(), insertArb, fc.boolean(), ({ bytes }, at, insert, fixLength) => {
        const headerLength = headerOf(bytes).length;
        const pos = 8 + (at % (headerLength + 1));
        const corrupted = new Uint8Array(bytes.length + insert.length);
        corrupted.set(bytes.subarray(0, pos));
        corrupted.set(insert, pos);
        corrupted.set(bytes.subarray(pos), pos + insert.length);
        // Optionally keep the length prefix consistent so the JSON itself is
        // what gets exercised, not just the boundary.
        if (fixLength) {
          new DataView(corrupted.buffer).setBigUint64(0, BigInt(headerLength + insert.length), true);
        }
        const result = tryDecode(corrupted);
        if (result !== 'error') expectWellFormed(result, corrupted);
      }),
    );
  });
});

// ---------------------------------------------------------------------------
// Encoder input validation
// ---------------------------------------------------------------------------

describe('safetensors encoder rejects bad input', () => {
  const t = (x: Partial<RawTensor> & Record<string, unknown>) =>
    ({ dtype: 'float32', shape: [1], data: Float32Array.of(0), ...x }) as RawTensor;

  it('data length must equal product(shape)', () => {
    expect(() => encodeSafetensors({ w: t({ shape: [2, 2] }) })).toThrow(/"w".*\[2, 2\].*4 elements.*1/);
    expect(() => encodeSafetensors({ w: t({ shape: [] , data: new Float32Array(0) }) })).toThrow(/1 elements.*0/);
  });

  it('data type must match dtype', () => {
    expect(() => encodeSafetensors({ w: t({ data: Float64Array.of(0) }) })).toThrow(/Float32Array.*Float64Array/);
    expect(() => encodeSafetensors({ w: t({ dtype: 'float64' }) })).toThrow(/Float64Array.*Float32Array/);
    expect(() => encodeSafetensors({ w: t({ data: [0] as unknown as Float32Array }) })).toThrow(/Float32Array.*Array/);
    expect(() => encodeSafetensors({ w: t({ dtype: 'int32' as 'float32' }) })).toThrow(/"int32"/);
  });

  it('shape must hold non-negative safe integers', () => {
    expect(() => encodeSafetensors({ w: t({ shape: [-1] }) })).toThrow(/\[-1\]/);
    expect(() => encodeSafetensors({ w: t({ shape: [0.5, 2] }) })).toThrow(/\[0\.5, 2\]/);
  });

  it('"__metadata__" is reserved and metadata values must be strings', () => {
    expect(() => encodeSafetensors({ __metadata__: t({}) })).toThrow(/reserved/);
    expect(() => encodeSafetensors({}, { k: 1 as unknown as string })).toThrow(/"k".*1/);
  });

  it('encodes a view into a larger buffer without leaking neighbouring bytes', () => {
    const big = Float32Array.of(9, 1, 2, 9);
    const bytes = encodeSafetensors({ w: { dtype: 'float32', shape: [2], data: big.subarray(1, 3) } });
    expect(Array.from(decodeSafetensors(bytes).tensors.w!.data)).toEqual([1, 2]);
  });
});
