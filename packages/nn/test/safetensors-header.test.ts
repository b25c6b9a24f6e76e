// The safetensors header parser: duplicate keys, `__metadata__: null`, the limits (tensors,
// dims, metadata entries, skipped values, nesting) and JSON syntax, against JSON.parse as the
// independent judge of what is JSON. Files are built by hand from the format's description.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors-format.js';
import { configureFc } from './helpers.js';
import { safetensorsFile as file } from './helpers.js';

configureFc(150);

const empty = (name: string, extra = '') => `"${name}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]${extra}}`;

function loadError(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

describe('duplicate keys, which JSON.parse would silently resolve to the last one', () => {
  it('two tensors with one name are rejected (JSON.parse keeps the second)', () => {
    const header = `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`;
    expect(Object.keys(JSON.parse(header) as object)).toEqual(['w']); // what the old reader saw: one tensor
    expect(loadError(file(header, new Array(8).fill(0)))).toMatch(/^loadSafetensors: duplicate key "w" in the header: JSON readers keep only one of the two values/);
  });

  it('in __metadata__, in a tensor entry and __metadata__ itself twice', () => {
    expect(loadError(file(`{"__metadata__":{"a":"1","a":"2"}}`))).toMatch(/^loadSafetensors: duplicate key "a" in "__metadata__"/);
    expect(loadError(file(`{"w":{"dtype":"F32","shape":[1],"shape":[0],"data_offsets":[0,0]}}`))).toMatch(/^loadSafetensors: duplicate key "shape" in a tensor entry/);
    expect(loadError(file(`{"__metadata__":{},"__metadata__":{"a":"b"}}`))).toMatch(/^loadSafetensors: duplicate key "__metadata__" in the header/);
    // Keys that differ only by escapes are the same key.
    expect(loadError(file(`{${empty('w')},${empty('\\u0077')}}`))).toMatch(/duplicate key "w"/);
  });

  it('repeats inside a field nobody reads are harmless and accepted', () => {
    const { tensors } = decodeSafetensors(file(`{${empty('w', ',"note":{"x":1,"x":2}')}}`));
    expect(Object.keys(tensors)).toEqual(['w']);
  });
});

describe('__metadata__', () => {
  it('null is accepted as no metadata, as the reference reader (an Option) does', () => {
    expect(decodeSafetensors(file(`{"__metadata__":null,${empty('w')}}`)).metadata).toEqual({});
  });

  it('anything else that is not an object of strings is rejected', () => {
    expect(loadError(file(`{"__metadata__":[]}`))).toMatch(/^loadSafetensors: "__metadata__" must be an object of strings \(or null\), got \[\]$/);
    expect(loadError(file(`{"__metadata__":{"k":null}}`))).toMatch(/"__metadata__" value for key "k" must be a string, got null/);
  });
});

describe('limits', () => {
  it('64 dimensions load, 65 do not (PyTorch has at most 64)', () => {
    const shape = (n: number) => new Array(n).fill(1).join(',');
    const ok = decodeSafetensors(file(`{"w":{"dtype":"F32","shape":[${shape(64)}],"data_offsets":[0,4]}}`, [0, 0, 0x80, 0x3f]));
    expect(ok.tensors.w!.shape).toHaveLength(64);
    expect(loadError(file(`{"w":{"dtype":"F32","shape":[${shape(65)}],"data_offsets":[0,4]}}`, [0, 0, 0x80, 0x3f]))).toBe(
      'loadSafetensors: a tensor shape has more than 64 dimensions, the most PyTorch allows',
    );
    expect(() => encodeSafetensors({ w: { dtype: 'float32', shape: new Array(65).fill(1), data: new Float32Array(1) } })).toThrow(
      /^saveSafetensors: tensor "w" has 65 dimensions, more than the 64 PyTorch allows$/,
    );
  });

  it('50 000 tensors load, 50 001 do not', () => {
    const header = (n: number) => `{${Array.from({ length: n }, (_, i) => empty(`t${i}`)).join(',')}}`;
    expect(Object.keys(decodeSafetensors(file(header(50_000))).tensors)).toHaveLength(50_000);
    expect(loadError(file(header(50_001)))).toBe('loadSafetensors: header describes more than 50000 tensors, the most this reader accepts');
  });

  it('10 000 metadata entries load, 10 001 do not', () => {
    const header = (n: number) => `{"__metadata__":{${Array.from({ length: n }, (_, i) => `"k${i}":"v"`).join(',')}}}`;
    expect(Object.keys(decodeSafetensors(file(header(10_000))).metadata)).toHaveLength(10_000);
    expect(loadError(file(header(10_001)))).toBe('loadSafetensors: "__metadata__" has more than 10000 entries, the most this reader accepts');
  });

  it('unknown fields: nesting past 64 levels and more than a million values are refused', () => {
    const nested = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;
    expect(Object.keys(decodeSafetensors(file(`{${empty('w', `,"x":${nested(62)}`)}}`)).tensors)).toEqual(['w']);
    expect(loadError(file(`{${empty('w', `,"x":${nested(64)}`)}}`))).toBe('loadSafetensors: header nests deeper than 64 levels');
    const many = (n: number) => `[${new Array(n).fill(0).join(',')}]`;
    expect(Object.keys(decodeSafetensors(file(`{${empty('w', `,"x":${many(999_999)}`)}}`)).tensors)).toEqual(['w']);
    expect(loadError(file(`{${empty('w', `,"x":${many(1_000_000)}`)}}`))).toBe('loadSafetensors: header holds more than 1000000 values in fields this reader does not use');
  });

  it('the old worst case, a 100 MB header of zero-size tensors (25 to 47 s and 3 GB with JSON.parse), is refused within seconds', () => {
    // Written byte by byte into one buffer: a 100 MB string would cost the test more than the load.
    const unit = new TextEncoder().encode(`,${empty('t0000000')}`);
    const count = Math.floor((100_000_000 - 1) / unit.length);
    const bytes = new Uint8Array(8 + count * unit.length + 1);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length - 8), true);
    for (let i = 0, at = 8; i < count; i++, at += unit.length) {
      bytes.set(unit, at);
      for (let d = 0, v = i; d < 7; d++, v = Math.floor(v / 10)) bytes[at + 9 - d] = 48 + (v % 10); // the 7 digits of the name
    }
    bytes[8] = 0x7b; // '{' over the first unit's ','
    bytes[bytes.length - 1] = 0x7d; // '}'
    // About 0.3 s on an idle machine: the count is refused while scanning, before any tensor
    // entry is built (the time itself is a benchmark's business, not a unit test's).
    expect(loadError(bytes)).toMatch(/more than 50000 tensors/);
  }, 60_000);
});

describe('JSON syntax, judged by JSON.parse', () => {
  it('any JSON value in an unknown field is accepted', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'small', maxDepth: 10 }), (json) => {
        const { tensors } = decodeSafetensors(file(`{${empty('w', `,"x":${json}`)}}`));
        expect(Object.keys(tensors)).toEqual(['w']);
      }),
    );
  });

  it('a header JSON.parse rejects is never accepted', () => {
    const valid = `{"__metadata__":{"k":"v\\u00e9\\n"},${empty('w', ',"x":[1.5e-3,-0,true,null,{"a":"\\""}]')}}`;
    expect(() => JSON.parse(valid)).not.toThrow();
    const jsonish = fc.constantFrom(...'{}[]":,0-.eE+\\u tfn\t\n\u0001x'.split(''));
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.array(jsonish, { maxLength: 4 }), (at, cut, insert) => {
        const from = Math.min(at, cut);
        const broken = valid.slice(0, from) + insert.join('') + valid.slice(Math.max(at, cut));
        let parses = true;
        try {
          JSON.parse(broken);
        } catch {
          parses = false;
        }
        const message = loadError(file(broken));
        // Never accept what is not JSON (the parser stops at the first problem, which may be a
        // schema one); what it accepts, JSON.parse reads as the same tensors.
        if (!parses) expect(message).toMatch(/^loadSafetensors: /);
        else if (message === '(no error)') {
          const names = Object.keys(JSON.parse(broken) as object).filter((k) => k !== '__metadata__');
          expect(Object.keys(decodeSafetensors(file(broken)).tensors)).toEqual(names);
        } else expect(message).toMatch(/^loadSafetensors: /);
      }),
    );
  });

  it('syntax errors say what and where', () => {
    const trailing = `{${empty('w')}} x`;
    expect(loadError(file(trailing))).toBe(`loadSafetensors: header is not valid JSON (unexpected text after the header object, found "x" at character ${trailing.indexOf('x')})`);
    expect(loadError(file(`{"w\\x":1}`))).toMatch(/not valid JSON \(bad escape, found "\\\\" at character 3\)/);
    expect(loadError(file(`{"w":{"dtype":"F32","shape":[01]}}`))).toMatch(/not valid JSON \(expected ',' or '\]', found "1"/);
    expect(loadError(file('{"w\n":1}'))).toMatch(/not valid JSON \(control character in a string/);
    expect(loadError(file('{"w'))).toMatch(/not valid JSON \(unterminated string, found the end/);
  });
});
