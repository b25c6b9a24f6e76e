// Writes packages/core/src/kernels/wasm/kernels.wat: Kindling's WebAssembly SIMD kernels,
// generated for each dtype (float32 as f32x4, float64 as f64x2) and micro-tile instead of
// unrolled by hand; then has build-wasm.mjs assemble it, and its relaxed-SIMD variant (the same
// module whose matrix product multiplies and adds in one instruction, fused where the CPU has
// FMA; generated here, not committed), into module.generated.ts.
//   node --import tsx packages/core/scripts/gen-wat.ts          write kernels.wat and module.generated.ts
//   node --import tsx packages/core/scripts/gen-wat.ts --check  exit 1 if either committed file differs
// kernels.wasm.test.ts checks generateWat() == kernels.wat and module.generated.ts == both assembled.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One element type: its WebAssembly scalar type, bytes, and lanes in a v128. */
export interface Precision {
  readonly t: 'f32' | 'f64';
  readonly bytes: 4 | 8;
  readonly lanes: 4 | 2;
}

export const F32: Precision = { t: 'f32', bytes: 4, lanes: 4 };
export const F64: Precision = { t: 'f64', bytes: 8, lanes: 2 };

/**
 * gemm_nn's register block: `rows` rows of A (one packed panel) times `vectors` v128 columns
 * of B, so rows * vectors accumulators live in registers. 4 x 2 leaves room for the two B
 * vectors and the splatted A scalar within x64's 16 vector registers (V8 spills beyond).
 */
export interface NnTile {
  readonly rows: number;
  readonly vectors: number;
  /** Rows of B per pass over the row panels (the reduction is cut into chunks of this many). */
  readonly chunk: number;
}

export const NN_TILE: NnTile = { rows: 4, vectors: 2, chunk: 256 };

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const indent = (lines: string[], by: number): string[] => lines.map((l) => ' '.repeat(by) + l);
const vt = (p: Precision): string => `${p.t}x${p.lanes}`;

/** gemm_nn: C[m, n] (+)= sum_r A[m, r] * B[b + tab[r] + n*bytes], blocked rows x (vectors * lanes). */
export function gemmNn(p: Precision, tile: NnTile = NN_TILE, fma = false): string {
  const { rows, vectors, chunk } = tile;
  const s = (i: number, v: number) => `$s${i}${v}`;
  const acc = range(rows).flatMap((i) => range(vectors).map((v) => [i, v] as const));
  const body: string[] = [];
  body.push(`(local.set $nbEnd (i32.mul (local.get $N) (i32.const ${p.bytes})))`);
  body.push(`(local.set $nb (i32.const 0))`);
  body.push(`;; Column blocks outside, then chunks of ${chunk} rows of B, row panels inside: the chunk x ${vectors * p.lanes}`);
  body.push(`;; slab of B stays in L1 while all panels of A stream past it. A chunk after the first resumes`);
  body.push(`;; from what the one before stored in C: the same additions in the same order as one pass.`);
  const mLoop: string[] = [
    `(br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))`,
    `;; panel m/${rows} starts at a + (m/${rows})*R*${rows * p.bytes} = a + m*R*${p.bytes}; the chunk ${rows * p.bytes} bytes per row further`,
    `(local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $m) (i32.mul (local.get $R) (i32.const ${p.bytes})))) (i32.mul (local.get $r0) (i32.const ${rows * p.bytes}))))`,
    `(local.set $c0 (i32.add (i32.add (local.get $c) (local.get $nb)) (i32.mul (local.get $m) (local.get $ldc))))`,
    ...range(rows - 1).map((i) => `(local.set $c${i + 1} (i32.add (local.get $c${i}) (local.get $ldc)))`),
    `(if (i32.or (local.get $accum) (local.get $r0))`,
    `  (then`,
    ...acc.map(([i, v]) => `    (local.set ${s(i, v)} (v128.load offset=${16 * v} (local.get $c${i})))`),
    `  )`,
    `  (else`,
    ...acc.map(([i, v]) => `    (local.set ${s(i, v)} (v128.const i64x2 0 0))`),
    `  ))`,
    `(local.set $pt (i32.add (local.get $tab) (i32.shl (local.get $r0) (i32.const 2))))`,
    `(loop $rLoop`,
    ...indent([
      `(local.set $pb (i32.add (local.get $bn) (i32.load (local.get $pt))))`,
      ...range(vectors).map((v) => `(local.set $b${v} (v128.load offset=${16 * v} (local.get $pb)))`),
      ...range(rows).flatMap((i) => [
        `(local.set $av (v128.load${p.bytes * 8}_splat offset=${i * p.bytes} (local.get $pa)))`,
        ...range(vectors).map((v) => fma
          ? `(local.set ${s(i, v)} (${vt(p)}.relaxed_madd (local.get $av) (local.get $b${v}) (local.get ${s(i, v)})))`
          : `(local.set ${s(i, v)} (${vt(p)}.add (local.get ${s(i, v)}) (${vt(p)}.mul (local.get $av) (local.get $b${v}))))`),
      ]),
      `(local.set $pa (i32.add (local.get $pa) (i32.const ${rows * p.bytes})))`,
      `(local.set $pt (i32.add (local.get $pt) (i32.const 4)))`,
      `(br_if $rLoop (i32.lt_u (local.get $pt) (local.get $cEnd))))`,
    ], 2),
    ...acc.map(([i, v]) => `(v128.store offset=${16 * v} (local.get $c${i}) (local.get ${s(i, v)}))`),
    `(local.set $m (i32.add (local.get $m) (i32.const ${rows})))`,
    `(br $mLoop)))`,
  ];
  body.push(
    `(block $nDone`,
    `  (loop $nLoop`,
    `    (br_if $nDone (i32.ge_u (local.get $nb) (local.get $nbEnd)))`,
    `    (local.set $bn (i32.add (local.get $b) (local.get $nb)))`,
    `    (local.set $r0 (i32.const 0))`,
    `    (block $chunkDone`,
    `      (loop $chunkLoop`,
    `        (br_if $chunkDone (i32.ge_u (local.get $r0) (local.get $R)))`,
    `        ;; the chunk's rows end at tab + min(R, r0 + ${chunk}) entries`,
    `        (local.set $cEnd (i32.add (local.get $tab) (i32.shl (select (local.get $R) (i32.add (local.get $r0) (i32.const ${chunk})) (i32.lt_u (local.get $R) (i32.add (local.get $r0) (i32.const ${chunk})))) (i32.const 2))))`,
    `        (local.set $m (i32.const 0))`,
    `        (block $mDone`,
    `          (loop $mLoop`,
    ...indent(mLoop, 12),
    `        (local.set $r0 (i32.add (local.get $r0) (i32.const ${chunk})))`,
    `        (br $chunkLoop)))`,
    `    (local.set $nb (i32.add (local.get $nb) (i32.const ${16 * vectors})))`,
    `    (br $nLoop)))`,
  );
  const locals = [
    '(local $nb i32) (local $nbEnd i32) (local $bn i32) (local $m i32) (local $r0 i32) (local $cEnd i32)',
    '(local $pa i32) (local $pt i32) (local $pb i32)',
    range(rows).map((i) => `(local $c${i} i32)`).join(' '),
    acc.map(([i, v]) => `(local ${s(i, v)} v128)`).join(' '),
    [...range(vectors).map((v) => `(local $b${v} v128)`), '(local $av v128)'].join(' '),
  ];
  return [
    `(func (export "gemm_nn_${p.t}")`,
    `  (param $M i32) (param $N i32) (param $R i32)`,
    `  (param $a i32) (param $b i32) (param $tab i32)`,
    `  (param $c i32) (param $ldc i32) (param $accum i32)`,
    ...indent(locals, 2),
    ...indent(body, 2),
    `)`,
  ].join('\n');
}

/**
 * A counted loop: runs `body` while local `counter` < `limit` (unsigned), adding `step` to the
 * counter after each pass. Labels: $<name> and $<name>Done.
 */
function whileBelow(name: string, counter: string, limit: string, step: string, body: string[]): string[] {
  return [
    `(block $${name}Done`,
    `  (loop $${name}`,
    `    (br_if $${name}Done (i32.ge_u (local.get ${counter}) ${limit}))`,
    ...indent(body, 4),
    `    (local.set ${counter} (i32.add (local.get ${counter}) ${step}))`,
    `    (br $${name})))`,
  ];
}

/**
 * The elementwise kernels of a training step's loss and bias gradient (wasm/fused.ts): one pass
 * each over buffers the caller copied in. Squares and gradients are computed exactly as the JS
 * reference computes them (float32 inputs promoted to f64 where JS does its arithmetic in
 * doubles, then rounded once), so those outputs are bit-identical to 'js'; the sums run in
 * f64 on two v128 accumulators (a fixed order, not the reference's left-to-right one), so a sum
 * differs from 'js' by rounding only.
 */
export function fused(p: Precision): string {
  const t = p.t;
  const v = vt(p);
  const B = p.bytes;
  const step = 2 * 16; // bytes per iteration: two v128 of each operand
  const each = (2 * 16) / B; // elements per iteration
  /** Loop over i (bytes) in steps of `step` while a whole step fits, then element by element. */
  const loops = (vec: string[], scalar: string[]): string[] => [
    `(local.set $end (i32.mul (local.get $n) (i32.const ${B})))`,
    `(local.set $vend (i32.mul (i32.div_u (local.get $n) (i32.const ${each})) (i32.const ${step})))`,
    `(local.set $i (i32.const 0))`,
    ...whileBelow('vLoop', '$i', '(local.get $vend)', `(i32.const ${step})`, vec),
    ...whileBelow('sLoop', '$i', '(local.get $end)', `(i32.const ${B})`, scalar),
  ];
  const at = (base: string) => `(i32.add (local.get ${base}) (local.get $i))`;
  const ld = (base: string, off: number) => `(v128.load offset=${off} ${at(base)})`;
  const sld = (base: string) => `(${t}.load ${at(base)})`;
  const hi = (x: string) => `(i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${x} ${x})`;
  const lo64 = (x: string) => `(f64x2.promote_low_f32x4 ${x})`;
  const hi64 = (x: string) => `(f64x2.promote_low_f32x4 ${hi(x)})`;
  /** Two f64x2 (elements 0-1 and 2-3) rounded to float32 and joined into one f32x4. */
  const join32 = (a: string, b: string) =>
    `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero ${a}) (f32x4.demote_f64x2_zero ${b}))`;
  const toF64 = (x: string) => (t === 'f32' ? `(f64.promote_f32 ${x})` : x);
  const fromF64 = (x: string) => (t === 'f32' ? `(f32.demote_f64 ${x})` : x);
  const sumLocals = '(local $i i32) (local $end i32) (local $vend i32) (local $acc0 v128) (local $acc1 v128) (local $s f64) (local $d v128) (local $e v128)';
  const total = [
    `(local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))`,
    `(f64.add (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))) (local.get $s))`,
  ];

  // (p - t)^2 elementwise: JS rounds the difference to the dtype, squares in doubles and stores
  // (exact for float32: a float32 squared fits a double), i.e. the dtype's own sub and mul.
  const sq = [
    `(func (export "mse_sq_${t}") (param $p i32) (param $t i32) (param $out i32) (param $n i32)`,
    `  (local $i i32) (local $end i32) (local $vend i32) (local $d v128)`,
    ...indent(loops(
      [0, 16].flatMap((o) => [
        `(local.set $d (${v}.sub ${ld('$p', o)} ${ld('$t', o)}))`,
        `(v128.store offset=${o} ${at('$out')} (${v}.mul (local.get $d) (local.get $d)))`,
      ]),
      [`(${t}.store ${at('$out')} (${t}.mul (${t}.sub ${sld('$p')} ${sld('$t')}) (${t}.sub ${sld('$p')} ${sld('$t')})))`],
    ), 2),
    `)`,
  ];

  // sum of (p - t)^2 in f64
  const sqVec = t === 'f32'
    ? [
        `(local.set $d (f32x4.sub ${ld('$p', 0)} ${ld('$t', 0)}))`,
        `(local.set $e (f32x4.sub ${ld('$p', 16)} ${ld('$t', 16)}))`,
        `(local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.add (f64x2.mul ${lo64('(local.get $d)')} ${lo64('(local.get $d)')}) (f64x2.mul ${hi64('(local.get $d)')} ${hi64('(local.get $d)')}))))`,
        `(local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.add (f64x2.mul ${lo64('(local.get $e)')} ${lo64('(local.get $e)')}) (f64x2.mul ${hi64('(local.get $e)')} ${hi64('(local.get $e)')}))))`,
      ]
    : [
        `(local.set $d (f64x2.sub ${ld('$p', 0)} ${ld('$t', 0)}))`,
        `(local.set $e (f64x2.sub ${ld('$p', 16)} ${ld('$t', 16)}))`,
        `(local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $d) (local.get $d))))`,
        `(local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $e) (local.get $e))))`,
      ];
  const sqSum = [
    `(func (export "mse_sum_${t}") (param $p i32) (param $t i32) (param $n i32) (result f64)`,
    `  ${sumLocals} (local $x f64)`,
    ...indent(loops(sqVec, [
      `(local.set $x ${toF64(`(${t}.sub ${sld('$p')} ${sld('$t')})`)})`,
      `(local.set $s (f64.add (local.get $s) (f64.mul (local.get $x) (local.get $x))))`,
    ]), 2),
    ...indent(total, 2),
    `)`,
  ];

  // the gradient: out = 2 (p - t) g, or (p - t) scale, in doubles as JS computes it, rounded once
  const grad64 = (pv: string, tv: string, gv: string | null) =>
    gv === null ? `(f64x2.mul (f64x2.sub ${pv} ${tv}) (local.get $k))` : `(f64x2.mul (f64x2.mul (local.get $two) (f64x2.sub ${pv} ${tv})) ${gv})`;
  const gradVec = (withG: boolean): string[] => [0, 16].map((o) => {
    if (t === 'f64') return `(v128.store offset=${o} ${at('$out')} ${grad64(ld('$p', o), ld('$t', o), withG ? ld('$g', o) : null)})`;
    const P = ld('$p', o);
    const T = ld('$t', o);
    const G = ld('$g', o);
    return `(v128.store offset=${o} ${at('$out')} ${join32(grad64(lo64(P), lo64(T), withG ? lo64(G) : null), grad64(hi64(P), hi64(T), withG ? hi64(G) : null))})`;
  });
  const gradScalar = (withG: boolean): string[] => {
    const d = `(f64.sub ${toF64(sld('$p'))} ${toF64(sld('$t'))})`;
    const x = withG ? `(f64.mul (f64.mul (f64.const 2) ${d}) ${toF64(sld('$g'))})` : `(f64.mul ${d} (local.get $scale))`;
    return [`(${t}.store ${at('$out')} ${fromF64(x)})`];
  };
  const grad = [
    `(func (export "mse_grad_${t}") (param $p i32) (param $t i32) (param $g i32) (param $out i32) (param $n i32) (param $scale f64) (param $withG i32)`,
    `  (local $i i32) (local $end i32) (local $vend i32) (local $k v128) (local $two v128)`,
    `  (local.set $k (f64x2.splat (local.get $scale)))`,
    `  (local.set $two (f64x2.splat (f64.const 2)))`,
    `  (if (local.get $withG)`,
    `    (then`,
    ...indent(loops(gradVec(true), gradScalar(true)), 6),
    `    )`,
    `    (else`,
    ...indent(loops(gradVec(false), gradScalar(false)), 6),
    `    ))`,
    `)`,
  ];

  // the sum of n elements in f64 (conv1d's bias gradient, one row at a time)
  const sumVec = t === 'f32'
    ? [
        `(local.set $d ${ld('$x', 0)})`,
        `(local.set $e ${ld('$x', 16)})`,
        `(local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.add ${lo64('(local.get $d)')} ${hi64('(local.get $d)')})))`,
        `(local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.add ${lo64('(local.get $e)')} ${hi64('(local.get $e)')})))`,
      ]
    : [
        `(local.set $acc0 (f64x2.add (local.get $acc0) ${ld('$x', 0)}))`,
        `(local.set $acc1 (f64x2.add (local.get $acc1) ${ld('$x', 16)}))`,
      ];
  const sum = [
    `(func (export "sum_${t}") (param $x i32) (param $n i32) (result f64)`,
    `  ${sumLocals}`,
    ...indent(loops(sumVec, [`(local.set $s (f64.add (local.get $s) ${toF64(sld('$x'))}))`]), 2),
    ...indent(total, 2),
    `)`,
  ];
  return [sq, sqSum, grad, sum].map((f) => f.join('\n')).join('\n\n');
}

/**
 * gather_<t>: dst[i*dRow + j*dCol] = src[i*sRow + j*sCol] for i < R, j < C (byte strides): the
 * strided copies the wrappers need inside the module's memory (gemm: A into row panels, a
 * transposed B into rows; conv1d's weight gradient: gy into panels, x to channels-last), four
 * rows of i at a time so that each j touches four neighbours.
 */
export function gather(p: Precision): string {
  const t = p.t;
  const rows = range(4);
  return [
    `(func (export "gather_${t}") (param $src i32) (param $sRow i32) (param $sCol i32) (param $dst i32) (param $dRow i32) (param $dCol i32) (param $R i32) (param $C i32)`,
    `  (local $i i32) (local $j i32) ${rows.map((r) => `(local $s${r} i32) (local $d${r} i32)`).join(' ')}`,
    `  (block $done4`,
    `    (loop $rows4`,
    `      (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $R)))`,
    `      (local.set $s0 (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $sRow))))`,
    `      (local.set $d0 (i32.add (local.get $dst) (i32.mul (local.get $i) (local.get $dRow))))`,
    ...range(3).flatMap((r) => [
      `      (local.set $s${r + 1} (i32.add (local.get $s${r}) (local.get $sRow)))`,
      `      (local.set $d${r + 1} (i32.add (local.get $d${r}) (local.get $dRow)))`,
    ]),
    `      (local.set $j (i32.const 0))`,
    ...indent(whileBelow('cols', '$j', '(local.get $C)', '(i32.const 1)', [
      ...rows.map((r) => `(${t}.store (local.get $d${r}) (${t}.load (local.get $s${r})))`),
      ...rows.flatMap((r) => [
        `(local.set $s${r} (i32.add (local.get $s${r}) (local.get $sCol)))`,
        `(local.set $d${r} (i32.add (local.get $d${r}) (local.get $dCol)))`,
      ]),
    ]), 6),
    `      (local.set $i (i32.add (local.get $i) (i32.const 4)))`,
    `      (br $rows4)))`,
    `  ;; the last R mod 4 rows, one at a time`,
    ...indent(whileBelow('rows1', '$i', '(local.get $R)', '(i32.const 1)', [
      `(local.set $s0 (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $sRow))))`,
      `(local.set $d0 (i32.add (local.get $dst) (i32.mul (local.get $i) (local.get $dRow))))`,
      `(local.set $j (i32.const 0))`,
      ...whileBelow('cols1', '$j', '(local.get $C)', '(i32.const 1)', [
        `(${t}.store (local.get $d0) (${t}.load (local.get $s0)))`,
        `(local.set $s0 (i32.add (local.get $s0) (local.get $sCol)))`,
        `(local.set $d0 (i32.add (local.get $d0) (local.get $dCol)))`,
      ]),
    ]), 2),
    `)`,
  ].join('\n');
}

/** The binary ops the module computes, with their vector and scalar forms (reluBackward: a where b > 0, else 0). */
const BINARY: Record<string, { vec: (v: string, a: string, b: string) => string; scalar: (t: string, a: string, b: string) => string }> = {
  add: { vec: (v, a, b) => `(${v}.add ${a} ${b})`, scalar: (t, a, b) => `(${t}.add ${a} ${b})` },
  sub: { vec: (v, a, b) => `(${v}.sub ${a} ${b})`, scalar: (t, a, b) => `(${t}.sub ${a} ${b})` },
  mul: { vec: (v, a, b) => `(${v}.mul ${a} ${b})`, scalar: (t, a, b) => `(${t}.mul ${a} ${b})` },
  reluBackward: {
    vec: (v, a, b) => `(v128.and ${a} (${v}.gt ${b} (v128.const i64x2 0 0)))`,
    scalar: (t, a, b) => `(select ${a} (${t}.const 0) (${t}.gt ${b} (${t}.const 0)))`,
  },
};

/**
 * Elementwise kernels for a training step's activations and updates (wasm/elementwise.ts):
 * binary ops of a dense `a` with a `b` that repeats every `period` elements (a dense operand:
 * period n; a broadcast bias row: its length), relu, and the plain SGD update. One rounding per
 * result, as the JS reference's (float32 add, sub and mul in float32 equal the double result
 * rounded once; the SGD step is computed in doubles, as JS does, then rounded).
 */
export function elementwise(p: Precision): string {
  const t = p.t;
  const v = vt(p);
  const B = p.bytes;
  const L = p.lanes;
  const out: string[] = [];
  for (const [name, op] of Object.entries(BINARY)) {
    out.push([
      `(func (export "${name}_${t}") (param $a i32) (param $b i32) (param $out i32) (param $n i32) (param $period i32)`,
      `  (local $row i32) (local $end i32) (local $i i32) (local $vend i32) (local $pb i32) (local $pEnd i32)`,
      `  (local.set $end (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const ${B}))))`,
      `  (local.set $pEnd (i32.mul (local.get $period) (i32.const ${B})))`,
      `  (local.set $vend (i32.mul (i32.and (local.get $period) (i32.const ${-L})) (i32.const ${B})))`,
      `  ;; one row of \`period\` elements at a time: b starts over each row`,
      `  (block $rowsDone`,
      `    (loop $rows`,
      `      (br_if $rowsDone (i32.ge_u (local.get $out) (local.get $end)))`,
      `      (local.set $i (i32.const 0))`,
      ...indent(whileBelow('vLoop', '$i', '(local.get $vend)', '(i32.const 16)', [
        `(v128.store (i32.add (local.get $out) (local.get $i)) ${op.vec(v, '(v128.load (i32.add (local.get $a) (local.get $i)))', '(v128.load (i32.add (local.get $b) (local.get $i)))')})`,
      ]), 6),
      ...indent(whileBelow('sLoop', '$i', '(local.get $pEnd)', `(i32.const ${B})`, [
        `(${t}.store (i32.add (local.get $out) (local.get $i)) ${op.scalar(t, `(${t}.load (i32.add (local.get $a) (local.get $i)))`, `(${t}.load (i32.add (local.get $b) (local.get $i)))`)})`,
      ]), 6),
      `      (local.set $a (i32.add (local.get $a) (local.get $pEnd)))`,
      `      (local.set $out (i32.add (local.get $out) (local.get $pEnd)))`,
      `      (br $rows)))`,
      `)`,
    ].join('\n'));
  }
  // relu: x where x is not below 0 (NaN and -0 pass through), as the JS kernel's `v < 0 ? 0 : v`
  out.push([
    `(func (export "relu_${t}") (param $x i32) (param $out i32) (param $n i32)`,
    `  (local $i i32) (local $end i32) (local $vend i32) (local $v v128) (local $s ${t})`,
    `  (local.set $end (i32.mul (local.get $n) (i32.const ${B})))`,
    `  (local.set $vend (i32.mul (i32.and (local.get $n) (i32.const ${-L})) (i32.const ${B})))`,
    ...indent(whileBelow('vLoop', '$i', '(local.get $vend)', '(i32.const 16)', [
      `(local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))`,
      `(v128.store (i32.add (local.get $out) (local.get $i)) (v128.andnot (local.get $v) (${v}.lt (local.get $v) (v128.const i64x2 0 0))))`,
    ]), 2),
    ...indent(whileBelow('sLoop', '$i', '(local.get $end)', `(i32.const ${B})`, [
      `(local.set $s (${t}.load (i32.add (local.get $x) (local.get $i))))`,
      `(${t}.store (i32.add (local.get $out) (local.get $i)) (select (${t}.const 0) (local.get $s) (${t}.lt (local.get $s) (${t}.const 0))))`,
    ]), 2),
    `)`,
  ].join('\n'));
  // the optimizers (laneKernel: f64x2 lanes and a scalar tail) and column sums, each with the JS kernel's bits
  out.push(sgd(p), sgdMomentum(p), adam(p), columnSums(p));
  return out.join('\n\n');
}

/** Loads, stores and roundings of a dtype's elements at byte offset $i of a buffer, as f64 values on 1 lane (f64) or 2 (f64x2). */
function laneOps(p: Precision, lanes: 1 | 2) {
  const t = p.t;
  const at = (base: string) => `(i32.add (local.get ${base}) (local.get $i))`;
  return {
    /** The arithmetic's prefix: f64 or f64x2. */
    f: lanes === 2 ? 'f64x2' : 'f64',
    ty: lanes === 2 ? 'v128' : 'f64',
    /** The suffix of this width's locals. */
    L: lanes === 2 ? 'V' : 'S',
    /** A constant parameter, splatted (local $v<name>) for two lanes. */
    k: (name: string) => (lanes === 2 ? `(local.get $v${name})` : `(local.get $${name})`),
    ld: (base: string) => {
      if (lanes === 1) return t === 'f32' ? `(f64.promote_f32 (f32.load ${at(base)}))` : `(f64.load ${at(base)})`;
      return t === 'f32' ? `(f64x2.promote_low_f32x4 (v128.load64_zero ${at(base)}))` : `(v128.load ${at(base)})`;
    },
    st: (base: string, x: string) => {
      if (lanes === 1) return t === 'f32' ? `(f32.store ${at(base)} (f32.demote_f64 ${x}))` : `(f64.store ${at(base)} ${x})`;
      return t === 'f32' ? `(v128.store64_lane 0 ${at(base)} (f32x4.demote_f64x2_zero ${x}))` : `(v128.store ${at(base)} ${x})`;
    },
    /** x rounded to the dtype and back: what reading a stored value back gives. */
    rounded: (x: string) => {
      if (t === 'f64') return x;
      return lanes === 1 ? `(f64.promote_f32 (f32.demote_f64 ${x}))` : `(f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero ${x}))`;
    },
  };
}

/**
 * An optimizer kernel over n elements: `step` written once for f64x2 lanes (two elements at a
 * time) and once for scalars (the odd one out); sqrt, div, max and the rest are exact lane by
 * lane, so both give the scalar code's bits. `constants` (f64 locals or params) are splatted for
 * the lanes; `values` are the per-element f64 locals the step uses (each at both widths).
 */
function laneKernel(p: Precision, name: string, params: string, prelude: string[], constants: string[], values: string[], step: (o: ReturnType<typeof laneOps>) => string[]): string {
  const B = p.bytes;
  return [
    `(func (export "${name}_${p.t}") ${params}`,
    `  (local $i i32) (local $end i32) (local $vend i32)`,
    `  ${values.map((v) => `(local $${v}S f64) (local $${v}V v128)`).join(' ')}`,
    `  ${constants.map((c) => `(local $v${c} v128)`).join(' ')}`,
    ...prelude.map((l) => `  ${l}`),
    ...constants.map((c) => `  (local.set $v${c} (f64x2.splat (local.get $${c})))`),
    `  (local.set $end (i32.mul (local.get $n) (i32.const ${B})))`,
    `  (local.set $vend (i32.mul (i32.and (local.get $n) (i32.const -2)) (i32.const ${B})))`,
    ...indent(whileBelow('pairs', '$i', '(local.get $vend)', `(i32.const ${2 * B})`, step(laneOps(p, 2))), 2),
    ...indent(whileBelow('rest', '$i', '(local.get $end)', `(i32.const ${B})`, step(laneOps(p, 1))), 2),
    `)`,
  ].join('\n');
}

/**
 * The first lines of every optimizer step: x = p and d = ±g, plus wd*x where the weight decay is
 * not 0 (no decay term at all when it is: 0 times an infinite weight would be NaN), as the JS
 * kernels compute them.
 */
function decayedGradient({ f, L, k, ld }: ReturnType<typeof laneOps>): string[] {
  return [
    `(local.set $x${L} ${ld('$p')})`,
    `(local.set $d${L} (${f}.mul ${k('sign')} ${ld('$g')}))`,
    `(if (f64.ne (local.get $wd) (f64.const 0)) (then (local.set $d${L} (${f}.add (local.get $d${L}) (${f}.mul ${k('wd')} (local.get $x${L}))))))`,
  ];
}

/** sgd_<t>: SGD without momentum, p -= lr (±g + wd p), in doubles, rounded once (as the JS kernel). */
function sgd(p: Precision): string {
  return laneKernel(
    p, 'sgd',
    '(param $p i32) (param $g i32) (param $n i32) (param $lr f64) (param $wd f64) (param $sign f64)',
    [],
    ['lr', 'wd', 'sign'],
    ['x', 'd'],
    (o) => [...decayedGradient(o), o.st('$p', `(${o.f}.sub (local.get $x${o.L}) (${o.f}.mul ${o.k('lr')} (local.get $d${o.L})))`)],
  );
}

/** adam_<t>: Adam as js/fused.ts's adamUpdate; m, v, vmax and p rounded where the JS kernel stores them and read back rounded. $vmax < 0: no amsgrad. */
function adam(p: Precision): string {
  return laneKernel(
    p, 'adam',
    '(param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $vmax i32) (param $n i32) (param $sign f64) (param $wd f64) (param $w f64) (param $small i32) (param $beta2 f64) (param $c2 f64) (param $bc2Sqrt f64) (param $eps f64) (param $stepSize f64) (local $keep f64) (local $nstep f64)',
    ['(local.set $keep (f64.sub (f64.const 1) (local.get $w)))', '(local.set $nstep (f64.neg (local.get $stepSize)))'],
    ['sign', 'wd', 'w', 'keep', 'beta2', 'c2', 'bc2Sqrt', 'eps', 'nstep'],
    ['x', 'd', 'm0', 'mr', 'vr'],
    (o) => {
      const { f, L, k, ld, st, rounded, ty } = o;
      return [
        ...decayedGradient(o),
        `(local.set $m0${L} ${ld('$m')})`,
        `;; torch.lerp's two forms: m + w (d - m) for small weights, d - (d - m)(1 - w) otherwise`,
        `(local.set $mr${L} ${rounded(`(select (result ${ty}) (${f}.add (local.get $m0${L}) (${f}.mul ${k('w')} (${f}.sub (local.get $d${L}) (local.get $m0${L})))) (${f}.sub (local.get $d${L}) (${f}.mul (${f}.sub (local.get $d${L}) (local.get $m0${L})) ${k('keep')})) (local.get $small))`)})`,
        st('$m', `(local.get $mr${L})`),
        `(local.set $vr${L} ${rounded(`(${f}.add (${f}.mul ${ld('$v')} ${k('beta2')}) (${f}.mul (${f}.mul ${k('c2')} (local.get $d${L})) (local.get $d${L})))`)})`,
        st('$v', `(local.get $vr${L})`),
        `(if (i32.ge_s (local.get $vmax) (i32.const 0))`,
        `  (then`,
        `    (local.set $vr${L} (${f}.max ${ld('$vmax')} (local.get $vr${L})))`,
        `    ${st('$vmax', `(local.get $vr${L})`)}))`,
        st('$p', `(${f}.add (local.get $x${L}) (${f}.div (${f}.mul ${k('nstep')} (local.get $mr${L})) (${f}.add (${f}.div (${f}.sqrt (local.get $vr${L})) ${k('bc2Sqrt')}) ${k('eps')})))`),
      ];
    },
  );
}

/**
 * sgdm_<t>: SGD with momentum (js/fused.ts's sgdUpdate with a buffer): buf = d on the first
 * step, else momentum*buf + (1 - dampening)*d, stored and read back rounded; then d + momentum*buf
 * (Nesterov) or buf; p -= lr*d.
 */
function sgdMomentum(p: Precision): string {
  return laneKernel(
    p, 'sgdm',
    '(param $p i32) (param $g i32) (param $buf i32) (param $n i32) (param $lr f64) (param $wd f64) (param $sign f64) (param $momentum f64) (param $keep f64) (param $first i32) (param $nesterov i32)',
    [],
    ['lr', 'wd', 'sign', 'momentum', 'keep'],
    ['x', 'd', 'b'],
    (o) => {
      const { f, L, k, ld, st, rounded, ty } = o;
      return [
        ...decayedGradient(o),
        `(if (local.get $first)`,
        `  (then (local.set $b${L} ${rounded(`(local.get $d${L})`)}))`,
        `  (else (local.set $b${L} ${rounded(`(${f}.add (${f}.mul ${k('momentum')} ${ld('$buf')}) (${f}.mul ${k('keep')} (local.get $d${L})))`)})))`,
        st('$buf', `(local.get $b${L})`),
        `(local.set $d${L} (select (result ${ty}) (${f}.add (local.get $d${L}) (${f}.mul ${k('momentum')} (local.get $b${L}))) (local.get $b${L}) (local.get $nesterov)))`,
        st('$p', `(${f}.sub (local.get $x${L}) (${f}.mul ${k('lr')} (local.get $d${L})))`),
      ];
    },
  );
}

/**
 * colsum_<t>: acc[j] += src[i*cols + j] for rows i in order, j < cols, acc in f64: a sum over
 * the leading axis (a Linear layer's bias gradient), each column's terms added in the order the
 * JS reduce adds them, so the sums are its bits. Rows outside, columns inside (two f64 lanes at
 * a time): the rows stream through once and the accumulators stay in L1.
 */
function columnSums(p: Precision): string {
  const t = p.t;
  const B = p.bytes;
  const pair = t === 'f32' ? '(f64x2.promote_low_f32x4 (v128.load64_zero (local.get $q)))' : '(v128.load (local.get $q))';
  const one = t === 'f32' ? '(f64.promote_f32 (f32.load (local.get $q)))' : '(f64.load (local.get $q))';
  return [
    `(func (export "colsum_${t}") (param $src i32) (param $acc i32) (param $rows i32) (param $cols i32)`,
    `  (local $i i32) (local $j i32) (local $q i32) (local $a i32) (local $pairs i32)`,
    `  (local.set $pairs (i32.and (local.get $cols) (i32.const -2)))`,
    ...indent(whileBelow('rows', '$i', '(local.get $rows)', '(i32.const 1)', [
      `(local.set $q (i32.add (local.get $src) (i32.mul (i32.mul (local.get $i) (local.get $cols)) (i32.const ${B}))))`,
      `(local.set $a (local.get $acc))`,
      `(local.set $j (i32.const 0))`,
      ...whileBelow('cols2', '$j', '(local.get $pairs)', '(i32.const 2)', [
        `(v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) ${pair}))`,
        `(local.set $q (i32.add (local.get $q) (i32.const ${2 * B})))`,
        `(local.set $a (i32.add (local.get $a) (i32.const 16)))`,
      ]),
      ...whileBelow('cols1', '$j', '(local.get $cols)', '(i32.const 1)', [
        `(f64.store (local.get $a) (f64.add (f64.load (local.get $a)) ${one}))`,
        `(local.set $q (i32.add (local.get $q) (i32.const ${B})))`,
        `(local.set $a (i32.add (local.get $a) (i32.const 8)))`,
      ]),
    ]), 2),
    `)`,
  ].join('\n');
}

const HEADER = `;; Kindling's WebAssembly SIMD kernels. GENERATED by packages/core/scripts/gen-wat.ts (edit
;; that, then run \`pnpm --filter @kindling/core build:wasm\`); build-wasm.mjs assembles this
;; text into module.generated.ts.
;;
;; One matrix-product micro-kernel per dtype (float32 as f32x4, float64 as f64x2) does all the
;; heavy work; the TypeScript wrapper (kernels/wasm/kernels.ts) lays operands out in this
;; module's memory so that every conv1d kernel and gemm becomes it:
;;
;;   gemm_nn_<t>:  C[m, n] (+)= sum_r A[m, r] * B[b + tab[r] + n*size]
;;     vectorised over n, register-blocked rows x (vectors * lanes) columns. A is packed in
;;     panels of \`rows\` rows: panel p holds A[rows*p + i, r] at a + ((p*R + r)*rows + i)*size,
;;     so the scalars a step needs sit together (load_splat with offsets). B's rows are
;;     addressed through a table of byte offsets, so a convolution needs no im2col copy:
;;     forward, "row r = (channel c, tap k)" is the padded input row c shifted by k*dilation;
;;     weight gradient, "row r = output position l" is the channels-last input from row
;;     l*stride on, whose next K*Cin elements are the taps of every channel.
;;
;; Besides it, one pass over memory each (their TypeScript wrappers: kernels/wasm/fused.ts
;; and elementwise.ts): mse_sq, mse_sum, mse_grad and sum_<t> (the MSE loss, its gradient,
;; conv1d's bias gradient), gather_<t> (strided copies inside the module: operand packing),
;; add/sub/mul/reluBackward_<t> (a dense operand with one repeating every \`period\` elements),
;; relu_<t>, sgd_<t> and sgdm_<t> (SGD without and with momentum), adam_<t> (Adam, amsgrad
;; included) and colsum_<t> (sums over a leading axis).
;;
;; Sizes must be padded by the caller to the blocks below (M to the rows, N to the columns,
;; R >= 1). Addresses and strides are in bytes; M, N and R count elements. With accum = 0 C is overwritten, with accum = 1 it is added to. Every sum
;; runs in a fixed order, so results depend only on the inputs.
;;
;; Memory is imported ("env" "memory"), so one memory can be shared by several instances: the
;; threaded path (threads.ts) instantiates this module on the main thread and in each worker
;; with the same shared WebAssembly.Memory. build-wasm.mjs emits two binaries from this text:
;; this one (shared memory, maximum 65536 pages = 4 GiB, needs the threads feature) and a
;; single-threaded one whose import line is rewritten to an ordinary growable memory
;; \`(memory 1)\`, because a shared memory cannot be created where SharedArrayBuffer is off.`;

const RELAXED_HEADER = `;; RELAXED-SIMD VARIANT of kernels.wat (never written to disk: build-wasm.mjs assembles it
;; straight from generateWat({ fma: true })): identical but for gemm_nn, whose multiply-adds are
;; <t>.relaxed_madd (one fused multiply-add where the CPU has FMA, so each product is not rounded
;; before it is added). Loaded instead of kernels.wat wherever the engine validates it (Node 22 and
;; later, current Chromium-based browsers; Node 20 only with --experimental-wasm-relaxed-simd).
;;`;

/**
 * The whole module text: kernels.wat, or with `fma` its relaxed-SIMD variant (gemm_nn
 * multiplies and adds with relaxed_madd; every other function is the same).
 */
export function generateWat({ nn = NN_TILE, fma = false }: { nn?: NnTile; fma?: boolean } = {}): string {
  const blocks = [F32, F64].map((p) => [
    `;; ---- ${p.t}: ${vt(p)}; gemm_nn block ${nn.rows} x ${nn.vectors * p.lanes}`,
    gemmNn(p, nn, fma),
    fused(p),
    gather(p),
    elementwise(p),
  ].join('\n\n'));
  const body = blocks.join('\n\n').split('\n').map((l) => (l ? '  ' + l : l)).join('\n');
  return `${fma ? RELAXED_HEADER + '\n' : ''}${HEADER}\n(module\n  (import "env" "memory" (memory 1 65536 shared))\n\n${body}\n)\n`;
}

/** The column block of gemm_nn for a dtype: N must be a multiple of it. */
export const nnColumns = (p: Precision, tile: NnTile = NN_TILE): number => tile.vectors * p.lanes;

export const watPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'kernels', 'wasm', 'kernels.wat');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { generate, generatedPath } = await import('./build-wasm.mjs');
  const check = process.argv.includes('--check');
  const text = generateWat();
  if (!check) writeFileSync(watPath, text);
  const generated = await generate(generateWat({ fma: true })); // reads kernels.wat as just written
  for (const [path, want] of [[watPath, text], [generatedPath, generated]] as const) {
    if (check) {
      if (readFileSync(path, 'utf8') !== want) {
        console.error(`${path} differs from gen-wat.ts's output: run build:wasm`);
        process.exit(1);
      }
      console.log(`${path} is up to date`);
    } else {
      writeFileSync(path, want);
      console.log(`wrote ${path}`);
    }
  }
}
