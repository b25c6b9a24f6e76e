// The safetensors codec's edges that the main suites leave loose: the writer's limits (tensors,
// metadata entries, header size) at their exact boundaries, the exact wording of the errors a
// user sees, the big-endian byte order path (run on any host through its parameter), and the
// header parser's renderings and syntax errors. Expected values come from the safetensors
// format (u64 little-endian header length, JSON header, little-endian data) and IEEE 754.
import { describe, expect, it } from 'vitest';
import { Tensor, TensorData } from '@kindling/core';
import { loadSafetensorsWithMetadata, saveSafetensors } from '../src/index.js';
import {
  MAX_HEADER_BYTES,
  type RawTensor,
  decodeSafetensors,
  encodeSafetensors,
  toFileByteOrder,
} from '../src/io/safetensors-format.js';
import { safetensorsFile as file } from './helpers.js';

function loadError(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

const emptyTensor = (): RawTensor => ({ dtype: 'float32', shape: [0], data: new Float32Array(0) });
/** A one-element float32 tensor with some fields replaced, possibly by ill-typed values. */
const oneFloat = (x: Record<string, unknown>): RawTensor =>
  ({ dtype: 'float32', shape: [1], data: Float32Array.of(0), ...x }) as unknown as RawTensor;

describe('byte order: host order <-> the file\'s little-endian order', () => {
  it('on a big-endian host each item\'s bytes are reversed, every item, for 2-, 4- and 8-byte items', () => {
    const bytes = () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    const two = bytes();
    toFileByteOrder(two, 2, false);
    expect(Array.from(two)).toEqual([2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]);
    const four = bytes();
    toFileByteOrder(four, 4, false);
    expect(Array.from(four)).toEqual([4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13]);
    const eight = bytes();
    toFileByteOrder(eight, 8, false);
    expect(Array.from(eight)).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 16, 15, 14, 13, 12, 11, 10, 9]);
    // A subarray: only its own bytes move.
    const outer = bytes();
    toFileByteOrder(outer.subarray(4, 12), 4, false);
    expect(Array.from(outer)).toEqual([1, 2, 3, 4, 8, 7, 6, 5, 12, 11, 10, 9, 13, 14, 15, 16]);
  });

  it('a big-endian float32 1.0 (3f 80 00 00) becomes the file\'s 00 00 80 3f, and back', () => {
    const be = Uint8Array.of(0x3f, 0x80, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00); // 1.0, -2.0
    toFileByteOrder(be, 4, false);
    expect(Array.from(be)).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    expect([new DataView(be.buffer).getFloat32(0, true), new DataView(be.buffer).getFloat32(4, true)]).toEqual([1, -2]);
    toFileByteOrder(be, 4, false);
    expect(Array.from(be)).toEqual([0x3f, 0x80, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00]);
  });

  it('on a little-endian host (and by default on this one, when it is) nothing changes', () => {
    const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    toFileByteOrder(bytes, 4, true);
    expect(Array.from(bytes)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const hostIsLittleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
    toFileByteOrder(bytes, 8);
    expect(Array.from(bytes)).toEqual(hostIsLittleEndian ? [1, 2, 3, 4, 5, 6, 7, 8] : [8, 7, 6, 5, 4, 3, 2, 1]);
  });
});

describe('the writer refuses what the reader would refuse, at the exact limits', () => {
  it('50 000 tensors are written (and read back), 50 001 are refused', () => {
    const record = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, emptyTensor()]));
    expect(Object.keys(decodeSafetensors(encodeSafetensors(record(50_000))).tensors)).toHaveLength(50_000);
    expect(() => encodeSafetensors(record(50_001))).toThrow(
      /^saveSafetensors: 50001 tensors, more than the 50000 a file may hold$/,
    );
  });

  it('10 000 metadata entries are written (and read back), 10 001 are refused', () => {
    const metadata = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(decodeSafetensors(encodeSafetensors({}, metadata(10_000))).metadata)).toHaveLength(10_000);
    expect(() => encodeSafetensors({}, metadata(10_001))).toThrow(
      /^saveSafetensors: 10001 metadata entries, more than the 10000 a file may hold$/,
    );
  });

  it('a header of exactly 100 000 000 bytes is written and read back; one byte more is refused', () => {
    expect(MAX_HEADER_BYTES).toBe(100_000_000);
    // With no tensors the header is {"__metadata__":{"k":"<v>"}}: 22 bytes before v, 3 after.
    const value = 'a'.repeat(MAX_HEADER_BYTES - 25);
    const bytes = encodeSafetensors({}, { k: value });
    // The limit is a multiple of 8, so no padding: the length prefix says exactly the limit.
    expect(bytes.length).toBe(8 + MAX_HEADER_BYTES);
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(MAX_HEADER_BYTES));
    expect(new TextDecoder().decode(bytes.subarray(8, 30))).toBe('{"__metadata__":{"k":"');
    const back = decodeSafetensors(bytes);
    expect(back.metadata.k?.length).toBe(value.length);
    expect(() => encodeSafetensors({}, { k: `${value}a` })).toThrow(
      /^saveSafetensors: the header would be 100000001 bytes, more than the 100000000-byte limit$/,
    );
  }, 60_000);
});

describe('the writer\'s messages for malformed tensors name the tensor and the bad value', () => {
  it('a tensor that is not an object', () => {
    expect(() => encodeSafetensors({ w: null as unknown as RawTensor })).toThrow(/^saveSafetensors: tensor "w" must be an object, got null$/);
    expect(() => encodeSafetensors({ w: 5 as unknown as RawTensor })).toThrow(/^saveSafetensors: tensor "w" must be an object, got 5$/);
  });

  it('a shape that is not an array', () => {
    expect(() => encodeSafetensors({ w: oneFloat({ shape: 1 }) })).toThrow(/^saveSafetensors: tensor "w" shape must be an array, got 1$/);
    expect(() => encodeSafetensors({ w: oneFloat({ shape: '1' }) })).toThrow(/^saveSafetensors: tensor "w" shape must be an array, got "1"$/);
  });

  it('a file dtype other than I64', () => {
    expect(() => encodeSafetensors({ w: oneFloat({ file: 'F32' }) })).toThrow(
      /^saveSafetensors: tensor "w" can be written as I64 \(or by its dtype\), not as "F32"$/,
    );
    expect(() => encodeSafetensors({ w: oneFloat({ file: 'I32' }) })).toThrow(
      /^saveSafetensors: tensor "w" can be written as I64 \(or by its dtype\), not as "I32"$/,
    );
  });
});

describe('the reader\'s messages', () => {
  it('null instead of bytes is named as null', () => {
    expect(() => decodeSafetensors(null as unknown as Uint8Array)).toThrow(/^loadSafetensors: expected a Uint8Array, got null$/);
  });

  it('an array of more than 8 items is shown as its first 8 and a count of the rest', () => {
    const header = `{"w":{"dtype":[1,2,3,4,5,6,7,8,9,10],"shape":[0],"data_offsets":[0,0]}}`;
    expect(loadError(file(header))).toBe('loadSafetensors: tensor "w" dtype must be a string, got [1, 2, 3, 4, 5, 6, 7, 8, … 2 more]');
  });

  it('items past the 8 shown still count toward the nesting limit (64 levels)', () => {
    // The ninth item of the shown array is passed over, not shown; its own nesting is what is counted.
    const header = (levels: number) =>
      `{"w":{"dtype":[0,0,0,0,0,0,0,0,${'['.repeat(levels)}${']'.repeat(levels)}],"shape":[0],"data_offsets":[0,0]}}`;
    expect(loadError(file(header(64)))).toBe('loadSafetensors: tensor "w" dtype must be a string, got [0, 0, 0, 0, 0, 0, 0, 0, … 1 more]');
    expect(loadError(file(header(65)))).toBe('loadSafetensors: header nests deeper than 64 levels');
  });
});

describe('header syntax errors in skipped values say what and where', () => {
  const withField = (value: string) => `{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"note":${value}}}`;
  const syntax = (what: string, found: string, at: number) =>
    `loadSafetensors: header is not valid JSON (${what}, found ${found} at character ${at})`;

  it('a number without digits, fraction or exponent digits', () => {
    const minus = withField('-');
    expect(loadError(file(minus))).toBe(syntax('bad number', '"}"', minus.indexOf('-') + 1));
    const dot = withField('1.');
    expect(loadError(file(dot))).toBe(syntax('bad number', '"}"', dot.indexOf('1.') + 2));
    const exp = withField('1e+');
    expect(loadError(file(exp))).toBe(syntax('bad number', '"}"', exp.indexOf('1e+') + 3));
  });

  it('long strings (past the first 32 characters) are passed over and checked to their end', () => {
    const long = 'a'.repeat(40);
    // Accepted: a long plain run, escapes after it, and another long run.
    const ok = withField(`"${long}\\n\\u00e9${long}"`);
    expect(Object.keys(decodeSafetensors(file(ok)).tensors)).toEqual(['w']);
    const control = withField(`"${long}\n${long}"`);
    expect(loadError(file(control))).toBe(syntax('control character in a string', '"\\n"', control.indexOf('\n')));
    const escape = withField(`"${long}\\x"`);
    expect(loadError(file(escape))).toBe(syntax('bad escape', '"\\\\"', escape.indexOf('\\')));
    const unterminated = `{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"note":"${long}`;
    expect(loadError(file(unterminated))).toBe(syntax('unterminated string', 'the end', unterminated.length));
  });
});

describe('the writer renders a bad value exactly (strings quoted, arrays cut at 8, nesting elided)', () => {
  const shapeError = (shape: string) => `saveSafetensors: tensor "w" shape ${shape} must contain only non-negative safe integers`;
  const encodeShape = (shape: unknown) => () => encodeSafetensors({ w: oneFloat({ shape }) });

  it('booleans, bigints, undefined, functions, null', () => {
    expect(encodeShape(true)).toThrow(/^saveSafetensors: tensor "w" shape must be an array, got true$/);
    expect(encodeShape(undefined)).toThrow(/^saveSafetensors: tensor "w" shape must be an array, got undefined$/);
    expect(encodeShape(() => 1)).toThrow(/^saveSafetensors: tensor "w" shape must be an array, got function$/);
    expect(encodeShape([1n])).toThrow(new Error(shapeError('[1n]')));
    expect(encodeShape([1, false])).toThrow(new Error(shapeError('[1, false]')));
    expect(encodeShape([-0.5, null])).toThrow(new Error(shapeError('[-0.5, null]')));
    expect(() => encodeSafetensors({}, { k: true as unknown as string })).toThrow(
      /^saveSafetensors: metadata value for key "k" must be a string, got true$/,
    );
  });

  it('objects: named at the top level, elided when nested; arrays nested are elided', () => {
    expect(encodeShape({})).toThrow(/^saveSafetensors: tensor "w" shape must be an array, got an object \(Object\)$/);
    expect(encodeShape(new Map())).toThrow(/^saveSafetensors: tensor "w" shape must be an array, got an object \(Map\)$/);
    expect(encodeShape([1, {}])).toThrow(new Error(shapeError('[1, {…}]')));
    expect(encodeShape([2, [1]])).toThrow(new Error(shapeError('[2, […]]')));
    expect(encodeShape(['1'])).toThrow(new Error(shapeError('["1"]')));
  });

  it('an array of 8 is shown whole, a longer one as its first 8 and a count', () => {
    expect(encodeShape([1, 1, 1, 1, 1, 1, 1, -1])).toThrow(new Error(shapeError('[1, 1, 1, 1, 1, 1, 1, -1]')));
    expect(encodeShape([1, 1, 1, 1, 1, 1, 1, 1, 1, -1])).toThrow(new Error(shapeError('[1, 1, 1, 1, 1, 1, 1, 1, … 2 more]')));
  });

  it('the data\'s type is its class name, or typeof for a primitive', () => {
    const dataError = (got: string) => `saveSafetensors: tensor "w" has dtype float32 so its data must be a Float32Array, got ${got}`;
    expect(() => encodeSafetensors({ w: oneFloat({ data: [0] }) })).toThrow(new Error(dataError('Array')));
    expect(() => encodeSafetensors({ w: oneFloat({ data: 0 }) })).toThrow(new Error(dataError('number')));
    expect(() => encodeSafetensors({ w: oneFloat({ data: undefined }) })).toThrow(new Error(dataError('undefined')));
    expect(() => encodeSafetensors({ w: oneFloat({ data: null }) })).toThrow(new Error(dataError('null')));
    expect(() => encodeSafetensors({ w: oneFloat({ dtype: 'float64' }) })).toThrow(
      new Error('saveSafetensors: tensor "w" has dtype float64 so its data must be a Float64Array, got Float32Array'),
    );
  });

  it('a dtype that is an Object.prototype key is still unsupported', () => {
    for (const dtype of ['toString', '__proto__', 'constructor']) {
      expect(() => encodeSafetensors({ w: oneFloat({ dtype }) })).toThrow(
        new Error(`saveSafetensors: tensor "w" has unsupported dtype "${dtype}" (expected "float32" or "float64")`),
      );
    }
    expect(() => encodeSafetensors({ w: oneFloat({ dtype: undefined }) })).toThrow(
      new Error('saveSafetensors: tensor "w" has unsupported dtype undefined (expected "float32" or "float64")'),
    );
  });

  it('metadata that is not an object of strings', () => {
    for (const [metadata, got] of [[null, 'null'], ['x', '"x"'], [['a'], '["a"]'], [3, '3']] as const) {
      expect(() => encodeSafetensors({}, metadata as unknown as Record<string, string>)).toThrow(
        new Error(`saveSafetensors: metadata must be an object of strings, got ${got}`),
      );
    }
    expect(() => encodeSafetensors({}, { a: 'ok', b: 1 as unknown as string })).toThrow(
      new Error('saveSafetensors: metadata value for key "b" must be a string, got 1'),
    );
  });

  it('64 dimensions are written (65 are refused: safetensors-header.test.ts)', () => {
    const bytes = encodeSafetensors({ w: oneFloat({ shape: new Array(64).fill(1) }) });
    expect(decodeSafetensors(bytes).tensors.w!.shape).toEqual(new Array(64).fill(1));
  });
});

describe('I64 on the writer side, byte for byte', () => {
  it('two\'s complement little-endian, 8 bytes a value, followed by the next tensor', () => {
    const bytes = encodeSafetensors({
      n: { dtype: 'float64', shape: [2], data: Float64Array.of(1, -2), file: 'I64' },
      x: { dtype: 'float32', shape: [1], data: Float32Array.of(1) },
    });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)))).toEqual({
      n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
      x: { dtype: 'F32', shape: [1], data_offsets: [16, 20] },
    });
    expect(Array.from(bytes.subarray(8 + headerLength))).toEqual([
      0x01, 0, 0, 0, 0, 0, 0, 0, // 1
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // -2
      0x00, 0x00, 0x80, 0x3f, // 1.0f
    ]);
  });

  it('±2^53 are the largest magnitudes written; the next float64 beyond either is refused, as is a fraction', () => {
    const i64 = (values: number[]) => ({ n: { dtype: 'float64', shape: [values.length], data: Float64Array.from(values), file: 'I64' } as RawTensor });
    const back = decodeSafetensors(encodeSafetensors(i64([2 ** 53, -(2 ** 53)])));
    expect(Array.from(back.tensors.n!.data)).toEqual([2 ** 53, -(2 ** 53)]);
    expect(back.tensors.n!.file).toBe('I64');
    for (const v of [2 ** 53 + 2, -(2 ** 53) - 2]) {
      expect(() => encodeSafetensors(i64([0, v]))).toThrow(
        new Error(`saveSafetensors: tensor "n" is an int64 buffer but holds ${v} at flat index 1; it must hold integers of at most 2^53 in magnitude`),
      );
    }
    expect(() => encodeSafetensors(i64([-0.5]))).toThrow(
      new Error('saveSafetensors: tensor "n" is an int64 buffer but holds -0.5 at flat index 0; it must hold integers of at most 2^53 in magnitude'),
    );
  });
});

describe('the reader\'s result and messages, exactly', () => {
  it('a decoded F32 or F64 tensor carries no file dtype; any other records the one stored', () => {
    const header = `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F64","shape":[],"data_offsets":[4,12]},` +
      `"c":{"dtype":"U8","shape":[1],"data_offsets":[12,13]},"d":{"dtype":"F16","shape":[0],"data_offsets":[13,13]}}`;
    const { tensors } = decodeSafetensors(file(header, [0, 0, 0x80, 0x3f, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 200]));
    expect(tensors.a).toStrictEqual({ dtype: 'float32', shape: [1], data: Float32Array.of(1) });
    expect(tensors.b).toStrictEqual({ dtype: 'float64', shape: [], data: Float64Array.of(1.5) });
    expect(tensors.c).toStrictEqual({ dtype: 'float64', shape: [1], data: Float64Array.of(200), file: 'U8' });
    expect(tensors.d).toStrictEqual({ dtype: 'float32', shape: [0], data: new Float32Array(0), file: 'F16' });
  });

  it('BF16, I16, I8 and U8 in a file of their own: every value, up to the file\'s last byte', () => {
    const one = (dtype: string, shape: number[], data: number[]) =>
      decodeSafetensors(file(`{"t":{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[0,${data.length}]}}`, data)).tensors.t!;
    // bfloat16 is the top 16 bits of a float32: 0x3f80 is 1.0, 0xc020 is -2.5.
    const bf16 = one('BF16', [2], [0x80, 0x3f, 0x20, 0xc0]);
    expect(bf16).toStrictEqual({ dtype: 'float32', shape: [2], data: Float32Array.of(1, -2.5), file: 'BF16' });
    // Two's complement little-endian: 0xfffe is -2, 0x012c is 300.
    expect(one('I16', [2], [0xfe, 0xff, 0x2c, 0x01])).toStrictEqual({ dtype: 'float64', shape: [2], data: Float64Array.of(-2, 300), file: 'I16' });
    expect(one('I8', [2], [0xff, 0x05])).toStrictEqual({ dtype: 'float64', shape: [2], data: Float64Array.of(-1, 5), file: 'I8' });
    expect(one('U8', [2], [0xff, 0x05])).toStrictEqual({ dtype: 'float64', shape: [2], data: Float64Array.of(255, 5), file: 'U8' });
  });

  it('a non-Uint8Array is named by its class, or typeof for a primitive', () => {
    expect(() => decodeSafetensors([0, 0, 0, 0, 0, 0, 0, 0] as unknown as Uint8Array)).toThrow(new Error('loadSafetensors: expected a Uint8Array, got Array'));
    expect(() => decodeSafetensors(new Uint16Array(8) as unknown as Uint8Array)).toThrow(new Error('loadSafetensors: expected a Uint8Array, got Uint16Array'));
    expect(() => decodeSafetensors('x' as unknown as Uint8Array)).toThrow(new Error('loadSafetensors: expected a Uint8Array, got string'));
  });

  it('zero-size tensors may sit at any offset between the others, in any key order', () => {
    const entries = {
      a: '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}',
      z: '"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}',
      b: '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}',
      e: '"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}',
    };
    const data = [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
    for (const order of [['a', 'z', 'b', 'e'], ['b', 'z', 'e', 'a'], ['z', 'b', 'a', 'e'], ['e', 'b', 'z', 'a']] as const) {
      const { tensors } = decodeSafetensors(file(`{${order.map((k) => entries[k]).join(',')}}`, data));
      expect(Object.keys(tensors)).toEqual(order);
      expect(Array.from(tensors.a!.data)).toEqual([1]);
      expect(Array.from(tensors.b!.data)).toEqual([2]);
    }
  });

  it('a shape entry that is not a non-negative safe integer is named', () => {
    const entry = (shape: string) => `{"w":{"dtype":"F32","shape":${shape},"data_offsets":[0,4]}}`;
    expect(loadError(file(entry('[1,-1]'), [0, 0, 0, 0]))).toBe('loadSafetensors: tensor "w" shape [1, -1] has entry -1, expected a non-negative safe integer');
    expect(loadError(file(entry('[2,1.5,-3]'), [0, 0, 0, 0]))).toBe('loadSafetensors: tensor "w" shape [2, 1.5, -3] has entry 1.5, expected a non-negative safe integer');
  });

  it('data_offsets that are not two non-negative integers', () => {
    const entry = (offsets: string) => `{"w":{"dtype":"F32","shape":[0],"data_offsets":${offsets}}}`;
    const message = (shown: string) => `loadSafetensors: tensor "w" data_offsets ${shown} must be two non-negative integers [begin, end]`;
    expect(loadError(file(entry('[-4,0]')))).toBe(message('[-4, 0]'));
    expect(loadError(file(entry('[0,-4]')))).toBe(message('[0, -4]'));
    expect(loadError(file(entry('[0,0,0]')))).toBe(message('[0, 0, 0]'));
    expect(loadError(file(entry('[0,-0,0]')))).toBe(message('[0, -0, 0]'));
    expect(loadError(file(entry('[0,0,0,0,0,0,0,0,0,0]')))).toBe(message('[0, 0, 0, 0, 0, 0, 0, 0, … 2 more]'));
    expect(loadError(file(entry('{}')))).toBe('loadSafetensors: tensor "w" data_offsets must be an array, got an object (Object)');
  });

  it('a byte count that does not match, with the offsets as written', () => {
    const header = `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,8]}}`;
    expect(loadError(file(header, new Array(8).fill(0)))).toBe(
      'loadSafetensors: tensor "b" has 4 bytes (data_offsets [4, 8]) but shape [2] with dtype F32 needs 8 bytes',
    );
  });

  it('the element count is exact past 2^53, however the dims multiply', () => {
    // (2^53 - 1) * 3 is odd and above 2^53, so a float64 product would round it.
    const dims = [9007199254740991, 3, 5];
    const needs = 9007199254740991n * 3n * 5n * 4n;
    expect(loadError(file(`{"w":{"dtype":"F32","shape":[${dims.join(',')}],"data_offsets":[0,4]}}`, [0, 0, 0, 0]))).toBe(
      `loadSafetensors: tensor "w" has 4 bytes (data_offsets [0, 4]) but shape [9007199254740991, 3, 5] with dtype F32 needs ${needs} bytes`,
    );
    expect(() => encodeSafetensors({ w: oneFloat({ shape: dims }) })).toThrow(
      new Error(`saveSafetensors: tensor "w" shape [9007199254740991, 3, 5] needs ${needs / 4n} elements but data has 1`),
    );
  });

  it('a product just past 2^53 is not rounded to 2^53', () => {
    // 3 * 3002399751580331 = 2^53 + 1, which float64 rounds to 2^53.
    expect(3 * 3002399751580331).toBe(2 ** 53);
    const needs = 3n * 3002399751580331n;
    expect(needs).toBe(2n ** 53n + 1n);
    expect(loadError(file('{"w":{"dtype":"F32","shape":[3,3002399751580331],"data_offsets":[0,4]}}', [0, 0, 0, 0]))).toBe(
      `loadSafetensors: tensor "w" has 4 bytes (data_offsets [0, 4]) but shape [3, 3002399751580331] with dtype F32 needs ${needs * 4n} bytes`,
    );
    expect(() => encodeSafetensors({ w: oneFloat({ shape: [3, 3002399751580331] }) })).toThrow(
      new Error(`saveSafetensors: tensor "w" shape [3, 3002399751580331] needs ${needs} elements but data has 1`),
    );
  });

  it('names of 78 characters are shown whole, longer ones cut at 80 characters of their quoted form', () => {
    const n78 = 'x'.repeat(78);
    expect(loadError(file(`{"${n78}":3}`))).toBe(`loadSafetensors: tensor "${n78}" must be an object, got 3`);
    const n79 = 'x'.repeat(79);
    expect(loadError(file(`{"${n79}":3}`))).toBe(`loadSafetensors: tensor "${n79}…" must be an object, got 3`);
  });

  it('an empty entry is missing its dtype; -0 is shown as -0', () => {
    expect(loadError(file('{"w":{}}'))).toBe('loadSafetensors: tensor "w" dtype must be a string, got undefined');
    expect(loadError(file('{"w":{"dtype":-0}}'))).toBe('loadSafetensors: tensor "w" dtype must be a string, got -0');
  });
});

describe('saveSafetensors / loadSafetensorsWithMetadata (the Tensor layer)', () => {
  const t = (values: number[], shape: number[]) => new Tensor(new TensorData(Float64Array.from(values), shape));

  it('anything but a plain object of Tensors is refused, exactly', () => {
    for (const bad of [null, 'x', [], [t([1], [1])], 3]) {
      expect(() => saveSafetensors(bad as unknown as Record<string, Tensor>)).toThrow(new Error('saveSafetensors: expected an object mapping names to Tensors'));
    }
    expect(() => saveSafetensors({ w: [1, 2] as unknown as Tensor })).toThrow(new Error('saveSafetensors: "w" is not a Tensor'));
  });

  it('a tensor named "__proto__" is written and read back as plain data', () => {
    const stateDict = Object.defineProperty({}, '__proto__', { value: t([1, 2, 3, 4, 5, 6], [2, 3]), enumerable: true }) as Record<string, Tensor>;
    const { tensors, dtypes } = loadSafetensorsWithMetadata(saveSafetensors(stateDict));
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.hasOwn(tensors, '__proto__')).toBe(true);
    const back = Object.getOwnPropertyDescriptor(tensors, '__proto__')!.value as Tensor;
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.getOwnPropertyDescriptor(dtypes, '__proto__')!.value).toBe('F64');
  });
});

describe('the header parser: JSON syntax, exactly', () => {
  const withField = (value: string) => `{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"note":${value}}}`;
  const accepted = (header: string) => Object.keys(decodeSafetensors(file(header)).tensors);
  const syntax = (what: string, found: string, at: number) =>
    `loadSafetensors: header is not valid JSON (${what}, found ${found} at character ${at})`;

  it('every JSON whitespace character (space, tab, newline, carriage return) separates tokens', () => {
    for (const ws of [' ', '\t', '\n', '\r', ' \r\n\t']) {
      const header = ['{', '"w"', ':', '{', '"dtype"', ':', '"F32"', ',', '"shape"', ':', '[', '0', ']', ',', '"data_offsets"', ':', '[', '0', ',', '0', ']', ',',
        '"note"', ':', '[', '{', '"a"', ':', 'true', '}', ',', '-1.5e+3', ']', '}', '}'].join(ws);
      expect(accepted(`${ws}${header}${ws}`)).toEqual(['w']);
    }
    // Not whitespace in JSON: a form feed, a no-break space.
    expect(loadError(file('{\f}'))).toBe(syntax('expected a string key', '"\\f"', 1));
    expect(loadError(file('{\u00a0}'))).toBe(syntax('expected a string key', '"\u00a0"', 1));
  });

  it('every escape JSON has is passed over in a skipped string; \\u takes exactly four hex digits', () => {
    expect(accepted(withField('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u09AF\\uaf09x"'))).toEqual(['w']);
    expect(accepted(withField('["\\/", "\\u0000", "\\uFFFF"]'))).toEqual(['w']);
    for (const bad of ['\\uG000', '\\u0G00', '\\u00G0', '\\u000G', '\\u00g0', '\\u00@0', '\\u00`0', '\\u00/0', '\\u00:0', '\\u00"', '\\x', '\\U0000', '\\ ']) {
      const header = withField(`"ab${bad}"`);
      expect(loadError(file(header)), bad).toBe(syntax('bad escape', '"\\\\"', header.indexOf('\\')));
    }
  });

  it('a string ends at the first quote after an even run of backslashes', () => {
    const entry = (name: string) => `"${name}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`;
    // JSON text a\\ is the name a\, b\\\"c is b\"c, d\"\\ is d"\.
    const names = Object.keys(decodeSafetensors(file(`{${entry('a\\\\')},${entry('b\\\\\\"c')},${entry('d\\"\\\\')}}`)).tensors);
    expect(names).toEqual(['a\\', 'b\\"c', 'd"\\']);
    // A backslash right after a closing quote is not part of the string.
    expect(loadError(file('{"w"\\:1}'))).toBe(syntax("expected ':'", '"\\\\"', 4));
    expect(loadError(file('{"w\\"'))).toBe(syntax('unterminated string', 'the end', 5));
  });

  it('a key that does not end, or holds a raw control character, is refused where it goes wrong', () => {
    expect(loadError(file('{"abc'))).toBe(syntax('unterminated string', 'the end', 5));
    expect(loadError(file('{"a\tb":1}'))).toBe(syntax('control character in a string', '"\\t"', 3));
    expect(loadError(file('{"a\u0000":1}'))).toBe(syntax('control character in a string', '"\\u0000"', 3));
  });

  it('values shown in a message still count toward the nesting limit, from their own level', () => {
    const dtype = (value: string) => `{"w":{"dtype":${value},"shape":[0],"data_offsets":[0,0]}}`;
    const objects = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
    expect(loadError(file(dtype(objects(64))))).toBe('loadSafetensors: tensor "w" dtype must be a string, got an object (Object)');
    expect(loadError(file(dtype(objects(65))))).toBe('loadSafetensors: header nests deeper than 64 levels');
    // An array's items are one level down, so an item nested 63 deep is still shown as [[…]].
    const arrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    expect(loadError(file(dtype(`[${arrays(63)}]`)))).toBe('loadSafetensors: tensor "w" dtype must be a string, got [[…]]');
    expect(loadError(file(dtype(`[${arrays(64)}]`)))).toBe('loadSafetensors: header nests deeper than 64 levels');
  });

  it('a key with a bad escape is reported where the escape starts', () => {
    expect(loadError(file('{"ab\\u12x4":1}'))).toBe(syntax('bad escape', '"\\\\"', 4));
  });

  it('numbers: what JSON allows is skipped, anything else is refused where it goes wrong', () => {
    for (const ok of ['0', '-0', '9', '190', '-0.5', '1.25e9', '1E+09', '2e-3', '0e0', '-9.0E-0']) expect(accepted(withField(ok)), ok).toEqual(['w']);
    const leadingZero = withField('01');
    expect(loadError(file(leadingZero))).toBe(syntax("expected ',' or '}'", '"1"', leadingZero.indexOf('01') + 1));
    const negativeLeadingZero = withField('[-01]');
    expect(loadError(file(negativeLeadingZero))).toBe(syntax("expected ',' or ']'", '"1"', negativeLeadingZero.indexOf('-01') + 2));
    const dotFirst = withField('.5');
    expect(loadError(file(dotFirst))).toBe(syntax('unexpected character', '"."', dotFirst.indexOf('.')));
    const plus = withField('+1');
    expect(loadError(file(plus))).toBe(syntax('unexpected character', '"+"', plus.indexOf('+')));
    const expDot = withField('1e.5');
    expect(loadError(file(expDot))).toBe(syntax('bad number', '"."', expDot.indexOf('e.') + 1));
  });

  it('shape and offset numbers in any JSON spelling of an integer', () => {
    const header = '{"w":{"dtype":"F32","shape":[1e0,2E0,1.0,3,10e-1],"data_offsets":[0.0,24e0]}}';
    const { tensors } = decodeSafetensors(file(header, new Array(24).fill(0)));
    expect(tensors.w!.shape).toEqual([1, 2, 1, 3, 1]);
    // 17 digits, read as JSON.parse reads them (built digit by digit in float64 it would come out
    // as 58312961766967220).
    const big = '{"w":{"dtype":"F32","shape":[58312961766967224],"data_offsets":[0,0]}}';
    expect(JSON.parse('58312961766967224')).toBe(58312961766967224);
    expect(loadError(file(big))).toBe('loadSafetensors: tensor "w" shape [58312961766967224] has entry 58312961766967224, expected a non-negative safe integer');
  });

  it('a number in a shape or offsets that is not one', () => {
    const minus = '{"w":{"dtype":"F32","shape":[-],"data_offsets":[0,0]}}';
    expect(loadError(file(minus))).toBe(syntax('bad number', '"]"', minus.indexOf('-') + 1));
    const minusX = '{"w":{"dtype":"F32","shape":[-x],"data_offsets":[0,0]}}';
    expect(loadError(file(minusX))).toBe(syntax('bad number', '"x"', minusX.indexOf('-') + 1));
    const dot = '{"w":{"dtype":"F32","shape":[1.],"data_offsets":[0,0]}}';
    expect(loadError(file(dot))).toBe(syntax('bad number', '"]"', dot.indexOf('1.') + 2));
    const exp = '{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,1e]}}';
    expect(loadError(file(exp))).toBe(syntax('bad number', '"]"', exp.indexOf('1e') + 2));
  });

  it('literals, keys, separators and the end of input', () => {
    expect(accepted(withField('[true,false,null]'))).toEqual(['w']);
    expect(accepted(withField('[[],{},[{}],{"a":[]},{"b":{}}]'))).toEqual(['w']);
    expect(loadError(file('{"w":'))).toBe(syntax('unexpected end', 'the end', 5));
    expect(loadError(file('{"w":x}'))).toBe(syntax('unexpected character', '"x"', 5));
    expect(loadError(file('{"w":tru}'))).toBe(syntax('unexpected character', '"t"', 5));
    expect(loadError(file('{1:2}'))).toBe(syntax('expected a string key', '"1"', 1));
    expect(loadError(file('{"w" 1}'))).toBe(syntax("expected ':'", '"1"', 5));
    expect(loadError(file('{"w":{} x}'))).toBe(syntax("expected ',' or '}'", '"x"', 8));
    expect(loadError(file('{"w":{"dtype":"F32","shape":[0 0]}}'))).toBe(syntax("expected ',' or ']'", '"0"', 31));
    expect(loadError(file('{"w":{}'))).toBe(syntax("expected ',' or '}'", 'the end', 7));
    expect(loadError(file('{"w":{"a":"b"}}😀'))).toBe(syntax('unexpected text after the header object', '"😀"', 15));
  });

  it('a header that is not an object is shown, and must still be valid JSON', () => {
    expect(loadError(file('[1,"a",{},[2]]'))).toBe('loadSafetensors: header must be a JSON object, got [1, "a", {…}, […]]');
    expect(loadError(file('-0'))).toBe('loadSafetensors: header must be a JSON object, got -0');
    expect(loadError(file('true'))).toBe('loadSafetensors: header must be a JSON object, got true');
    expect(loadError(file('[] x'))).toBe(syntax('unexpected text after the header object', '"x"', 3));
  });

  it('values of the wrong type in an entry are shown one level deep', () => {
    const entry = (dtype: string) => `{"w":{"dtype":${dtype},"shape":[0],"data_offsets":[0,0]}}`;
    const got = (shown: string) => `loadSafetensors: tensor "w" dtype must be a string, got ${shown}`;
    expect(loadError(file(entry('{"a":[1]}')))).toBe(got('an object (Object)'));
    expect(loadError(file(entry('[{"a":1},[1],"s",null,false]')))).toBe(got('[{…}, […], "s", null, false]'));
    expect(loadError(file(entry('[]')))).toBe(got('[]'));
    expect(loadError(file(entry('[1,2,3,4,5,6,7,8]')))).toBe(got('[1, 2, 3, 4, 5, 6, 7, 8]'));
    const shape = `{"w":{"dtype":"F32","shape":[1,"2",[3],{},true],"data_offsets":[0,0]}}`;
    expect(loadError(file(shape))).toBe('loadSafetensors: tensor "w" shape [1, "2", […], {…}, true] has entry "2", expected a non-negative safe integer');
    expect(loadError(file(`{"w":{"dtype":"F32","shape":"2","data_offsets":[0,0]}}`))).toBe('loadSafetensors: tensor "w" shape must be an array, got "2"');
  });
});
