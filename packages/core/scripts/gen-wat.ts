// Writes packages/core/src/kernels/wasm/kernels.wat: Kindling's WebAssembly SIMD kernels,
// generated for each dtype (float32 as f32x4, float64 as f64x2) and micro-tile instead of
// unrolled by hand. build-wasm.mjs then assembles the text into module.generated.ts.
//   node --import tsx packages/core/scripts/gen-wat.ts          write kernels.wat
//   node --import tsx packages/core/scripts/gen-wat.ts --check  exit 1 if the committed file differs
// kernels.wasm.test.ts checks generateWat() == kernels.wat == what module.generated.ts carries.
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
}

/** gemm_nt's block: `rows` rows of A against `cols` rows of B, one v128 accumulator each. */
export interface NtTile {
  readonly rows: number;
  readonly cols: number;
}

export const NN_TILE: NnTile = { rows: 4, vectors: 2 };
export const NT_TILE: NtTile = { rows: 4, cols: 2 };

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const indent = (lines: string[], by: number): string[] => lines.map((l) => ' '.repeat(by) + l);
const vt = (p: Precision): string => `${p.t}x${p.lanes}`;

/** gemm_nn: C[m, n] (+)= sum_r A[m, r] * B[b + tab[r] + n*bytes], blocked rows x (vectors * lanes). */
export function gemmNn(p: Precision, tile: NnTile = NN_TILE): string {
  const { rows, vectors } = tile;
  const s = (i: number, v: number) => `$s${i}${v}`;
  const acc = range(rows).flatMap((i) => range(vectors).map((v) => [i, v] as const));
  const body: string[] = [];
  body.push(`(local.set $tEnd (i32.add (local.get $tab) (i32.shl (local.get $R) (i32.const 2))))`);
  body.push(`(local.set $nbEnd (i32.mul (local.get $N) (i32.const ${p.bytes})))`);
  body.push(`(local.set $nb (i32.const 0))`);
  body.push(`;; Column blocks outside, row panels inside: the R x ${vectors * p.lanes} slab of B stays in L1 while all`);
  body.push(`;; panels of A (the weights, small) stream past it.`);
  const mLoop: string[] = [
    `(br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))`,
    `;; panel m/${rows} starts at a + (m/${rows})*R*${rows * p.bytes} = a + m*R*${p.bytes}`,
    `(local.set $pa (i32.add (local.get $a) (i32.mul (local.get $m) (i32.mul (local.get $R) (i32.const ${p.bytes})))))`,
    `(local.set $c0 (i32.add (i32.add (local.get $c) (local.get $nb)) (i32.mul (local.get $m) (local.get $ldc))))`,
    ...range(rows - 1).map((i) => `(local.set $c${i + 1} (i32.add (local.get $c${i}) (local.get $ldc)))`),
    `(if (local.get $accum)`,
    `  (then`,
    ...acc.map(([i, v]) => `    (local.set ${s(i, v)} (v128.load offset=${16 * v} (local.get $c${i})))`),
    `  )`,
    `  (else`,
    ...acc.map(([i, v]) => `    (local.set ${s(i, v)} (v128.const i64x2 0 0))`),
    `  ))`,
    `(local.set $pt (local.get $tab))`,
    `(loop $rLoop`,
    ...indent([
      `(local.set $pb (i32.add (local.get $bn) (i32.load (local.get $pt))))`,
      ...range(vectors).map((v) => `(local.set $b${v} (v128.load offset=${16 * v} (local.get $pb)))`),
      ...range(rows).flatMap((i) => [
        `(local.set $av (v128.load${p.bytes * 8}_splat offset=${i * p.bytes} (local.get $pa)))`,
        ...range(vectors).map((v) => `(local.set ${s(i, v)} (${vt(p)}.add (local.get ${s(i, v)}) (${vt(p)}.mul (local.get $av) (local.get $b${v}))))`),
      ]),
      `(local.set $pa (i32.add (local.get $pa) (i32.const ${rows * p.bytes})))`,
      `(local.set $pt (i32.add (local.get $pt) (i32.const 4)))`,
      `(br_if $rLoop (i32.lt_u (local.get $pt) (local.get $tEnd))))`,
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
    `    (local.set $m (i32.const 0))`,
    `    (block $mDone`,
    `      (loop $mLoop`,
    ...indent(mLoop, 8),
    `    (local.set $nb (i32.add (local.get $nb) (i32.const ${16 * vectors})))`,
    `    (br $nLoop)))`,
  );
  const locals = [
    '(local $nb i32) (local $nbEnd i32) (local $bn i32) (local $m i32)',
    '(local $pa i32) (local $pt i32) (local $tEnd i32) (local $pb i32)',
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

/** The sum of a v128's lanes (in lane order, pairwise for four), and storing or adding it. */
function horizontal(p: Precision): string {
  const lane = (i: number) => `(${vt(p)}.extract_lane ${i} (local.get $v))`;
  const sum = p.lanes === 4
    ? `(${p.t}.add (${p.t}.add ${lane(0)} ${lane(1)}) (${p.t}.add ${lane(2)} ${lane(3)}))`
    : `(${p.t}.add ${lane(0)} ${lane(1)})`;
  return [
    `(func $hsum_${p.t} (param $v v128) (result ${p.t})`,
    `  ${sum})`,
    `(func $put_${p.t} (param $p i32) (param $v v128) (param $accum i32)`,
    `  (if (local.get $accum)`,
    `    (then (${p.t}.store (local.get $p) (${p.t}.add (${p.t}.load (local.get $p)) (call $hsum_${p.t} (local.get $v)))))`,
    `    (else (${p.t}.store (local.get $p) (call $hsum_${p.t} (local.get $v))))))`,
  ].join('\n');
}

/** gemm_nt: C[m, n] (+)= sum_l A[a + m*lda + l*bytes] * B[b + tab[n] + l*bytes], blocked rows x cols. */
export function gemmNt(p: Precision, tile: NtTile = NT_TILE): string {
  const { rows, cols } = tile;
  const s = (i: number, j: number) => `$s${i}${j}`;
  const acc = range(rows).flatMap((i) => range(cols).map((j) => [i, j] as const));
  const nLoop: string[] = [
    `(br_if $nDone (i32.ge_u (local.get $n) (local.get $N)))`,
    `(local.set $pt (i32.add (local.get $tab) (i32.shl (local.get $n) (i32.const 2))))`,
    ...range(cols).map((j) => `(local.set $q${j} (i32.add (local.get $b) (i32.load offset=${4 * j} (local.get $pt))))`),
    ...acc.map(([i, j]) => `(local.set ${s(i, j)} (v128.const i64x2 0 0))`),
    `(local.set $o (i32.const 0))`,
    `(block $lDone`,
    `  (loop $lLoop`,
    `    (br_if $lDone (i32.ge_u (local.get $o) (local.get $oEnd)))`,
    ...indent([
      ...range(cols).map((j) => `(local.set $x${j} (v128.load (i32.add (local.get $q${j}) (local.get $o))))`),
      ...range(rows).flatMap((i) => [
        `(local.set $v (v128.load (i32.add (local.get $a${i}) (local.get $o))))`,
        ...range(cols).map((j) => `(local.set ${s(i, j)} (${vt(p)}.add (local.get ${s(i, j)}) (${vt(p)}.mul (local.get $v) (local.get $x${j}))))`),
      ]),
      `(local.set $o (i32.add (local.get $o) (i32.const 16)))`,
      `(br $lLoop)))`,
    ], 4),
    `(local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $ldc))) (i32.mul (local.get $n) (i32.const ${p.bytes}))))`,
    ...range(rows).flatMap((i) => [
      ...(i > 0 ? [`(local.set $pc (i32.add (local.get $pc) (local.get $ldc)))`] : []),
      ...range(cols).map((j) => `(call $put_${p.t} (i32.add (local.get $pc) (i32.const ${j * p.bytes})) (local.get ${s(i, j)}) (local.get $accum))`),
    ]),
    `(local.set $n (i32.add (local.get $n) (i32.const ${cols})))`,
    `(br $nLoop)))`,
  ];
  const mLoop: string[] = [
    `(br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))`,
    `(local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $lda))))`,
    ...range(rows - 1).map((i) => `(local.set $a${i + 1} (i32.add (local.get $a${i}) (local.get $lda)))`),
    `(local.set $n (i32.const 0))`,
    `(block $nDone`,
    `  (loop $nLoop`,
    ...indent(nLoop, 4),
    `(local.set $m (i32.add (local.get $m) (i32.const ${rows})))`,
    `(br $mLoop)))`,
  ];
  const locals = [
    '(local $m i32) (local $n i32) (local $o i32) (local $oEnd i32) (local $pt i32) (local $pc i32)',
    range(rows).map((i) => `(local $a${i} i32)`).join(' '),
    range(cols).map((j) => `(local $q${j} i32)`).join(' '),
    acc.map(([i, j]) => `(local ${s(i, j)} v128)`).join(' '),
    [...range(cols).map((j) => `(local $x${j} v128)`), '(local $v v128)'].join(' '),
  ];
  return [
    `(func (export "gemm_nt_${p.t}")`,
    `  (param $M i32) (param $N i32) (param $L i32)`,
    `  (param $a i32) (param $lda i32) (param $b i32) (param $tab i32)`,
    `  (param $c i32) (param $ldc i32) (param $accum i32)`,
    ...indent(locals, 2),
    `  (local.set $oEnd (i32.mul (local.get $L) (i32.const ${p.bytes})))`,
    `  (local.set $m (i32.const 0))`,
    `  (block $mDone`,
    `    (loop $mLoop`,
    ...indent(mLoop, 6),
    `)`,
  ].join('\n');
}

const HEADER = `;; Kindling's WebAssembly SIMD kernels. GENERATED by packages/core/scripts/gen-wat.ts (edit
;; that, then run \`pnpm --filter @kindling/core build:wasm\`); build-wasm.mjs assembles this
;; text into module.generated.ts.
;;
;; Two matrix-product micro-kernels per dtype (float32 as f32x4, float64 as f64x2) do all the
;; heavy work; the TypeScript wrapper (kernels/wasm/kernels.ts) lays operands out in this
;; module's memory so that every conv1d kernel and gemm becomes one of them:
;;
;;   gemm_nn_<t>:  C[m, n] (+)= sum_r A[m, r] * B[b + tab[r] + n*size]
;;     vectorised over n (output positions), register-blocked rows x (vectors * lanes) columns.
;;     A is packed in panels of \`rows\` rows: panel p holds A[rows*p + i, r] at
;;     a + ((p*R + r)*rows + i)*size, so the scalars a step needs sit together (load_splat
;;     with offsets). B's rows are addressed through a table of byte offsets, so "row r =
;;     (channel c, tap k)" of a convolution can be the padded input row c shifted by
;;     k*dilation: no im2col copy.
;;
;;   gemm_nt_<t>:  C[m, n] (+)= sum_l A[a + m*lda + l*size] * B[b + tab[n] + l*size]
;;     dot products along l (both operands dense along l), blocked rows x cols; this is
;;     conv1d's weight gradient: gy rows against shifted input rows.
;;
;; Sizes must be padded by the caller to the blocks below (M to the rows; nn: N to the
;; columns, R >= 1; nt: N to cols, L to the lanes). Addresses and strides are in bytes; N and L
;; count elements. With accum = 0 C is overwritten, with accum = 1 it is added to. Every sum
;; runs in a fixed order, so results depend only on the inputs.
;;
;; Memory is imported ("env" "memory"), so one memory can be shared by several instances: the
;; threaded path (threads.ts) instantiates this module on the main thread and in each worker
;; with the same shared WebAssembly.Memory. build-wasm.mjs emits two binaries from this text:
;; this one (shared memory, maximum 65536 pages = 4 GiB, needs the threads feature) and a
;; single-threaded one whose import line is rewritten to an ordinary growable memory
;; \`(memory 1)\`, because a shared memory cannot be created where SharedArrayBuffer is off.`;

/** The whole module text, as committed in kernels.wat. */
export function generateWat(tiles: { nn: NnTile; nt: NtTile } = { nn: NN_TILE, nt: NT_TILE }): string {
  const blocks = [F32, F64].map((p) => [
    `;; ---- ${p.t}: ${vt(p)}; gemm_nn block ${tiles.nn.rows} x ${tiles.nn.vectors * p.lanes}, gemm_nt block ${tiles.nt.rows} x ${tiles.nt.cols}, L padded to ${p.lanes}`,
    gemmNn(p, tiles.nn),
    horizontal(p),
    gemmNt(p, tiles.nt),
  ].join('\n\n'));
  const body = blocks.join('\n\n').split('\n').map((l) => (l ? '  ' + l : l)).join('\n');
  return `${HEADER}\n(module\n  (import "env" "memory" (memory 1 65536 shared))\n\n${body}\n)\n`;
}

/** The column block of gemm_nn for a dtype: N must be a multiple of it. */
export const nnColumns = (p: Precision, tile: NnTile = NN_TILE): number => tile.vectors * p.lanes;

export const watPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'kernels', 'wasm', 'kernels.wat');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const text = generateWat();
  if (process.argv.includes('--check')) {
    if (readFileSync(watPath, 'utf8') !== text) {
      console.error(`${watPath} differs from gen-wat.ts's output: run build:wasm`);
      process.exit(1);
    }
    console.log('kernels.wat is up to date');
  } else {
    writeFileSync(watPath, text);
    console.log(`wrote ${watPath}`);
  }
}
