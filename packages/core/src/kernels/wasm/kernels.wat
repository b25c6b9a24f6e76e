;; Kindling's WebAssembly SIMD kernels (float32, f32x4). Assembled by
;; packages/core/scripts/build-wasm.mjs into module.generated.ts; do not edit that file.
;;
;; Two matrix-product micro-kernels do all the heavy work; the TypeScript wrapper
;; (kernels/wasm/index.ts) lays operands out in this module's memory so that every conv1d
;; kernel and gemm becomes one of them:
;;
;;   gemm_nn_f32:  C[m, n] (+)= sum_r A[m, r] * B[b + tab[r] + 4n]
;;     vectorised over n (output positions), register-blocked 4 rows x 8 columns.
;;     A is packed in panels of 4 rows: panel p holds A[4p + i, r] at a + (p*R + r)*16 + 4i,
;;     so the 4 scalars a step needs sit in one 16-byte line (load32_splat with offsets).
;;     B's rows are addressed through a table of byte offsets, so "row r = (channel c, tap k)"
;;     of a convolution can be the padded input row c shifted by k*dilation: no im2col copy.
;;
;;   gemm_nt_f32:  C[m, n] (+)= sum_l A[a + m*lda + 4l] * B[b + tab[n] + 4l]
;;     dot products along l (both operands dense along l), blocked 4 rows x 2 columns;
;;     this is conv1d's weight gradient: gy rows against shifted input rows.
;;
;; All sizes must be padded by the caller: M % 4 == 0; for nn N % 8 == 0 and R >= 1; for nt
;; N % 2 == 0 and L % 4 == 0. Addresses and strides are in bytes. With accum = 0 C is
;; overwritten, with accum = 1 it is added to.
;;
;; Memory is imported ("env" "memory"), so one memory can be shared by several instances: the
;; threaded path (threads.ts) instantiates this module on the main thread and in each worker
;; with the same shared WebAssembly.Memory. build-wasm.mjs emits two binaries from this text:
;; this one (shared memory, maximum 65536 pages = 4 GiB, needs the threads feature) and a
;; single-threaded one whose import line is rewritten to an ordinary growable memory
;; `(memory 1)`, because a shared memory cannot be created where SharedArrayBuffer is off.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "gemm_nn_f32")
    (param $M i32) (param $N i32) (param $R i32)
    (param $a i32) (param $b i32) (param $tab i32)
    (param $c i32) (param $ldc i32) (param $accum i32)
    (local $nb i32) (local $nbEnd i32) (local $bn i32) (local $m i32)
    (local $pa i32) (local $pt i32) (local $tEnd i32) (local $pb i32)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128)
    (local.set $tEnd (i32.add (local.get $tab) (i32.shl (local.get $R) (i32.const 2))))
    (local.set $nbEnd (i32.shl (local.get $N) (i32.const 2)))
    (local.set $nb (i32.const 0))
    ;; Column blocks outside, row panels inside: the R x 8 slab of B stays in L1 while all
    ;; panels of A (the weights, small) stream past it.
    (block $nDone
      (loop $nLoop
        (br_if $nDone (i32.ge_u (local.get $nb) (local.get $nbEnd)))
        (local.set $bn (i32.add (local.get $b) (local.get $nb)))
        (local.set $m (i32.const 0))
        (block $mDone
          (loop $mLoop
            (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
            ;; panel m/4 starts at a + (m/4)*R*16 = a + m*R*4
            (local.set $pa (i32.add (local.get $a)
              (i32.mul (local.get $m) (i32.shl (local.get $R) (i32.const 2)))))
            (local.set $c0 (i32.add (i32.add (local.get $c) (local.get $nb))
              (i32.mul (local.get $m) (local.get $ldc))))
            (local.set $c1 (i32.add (local.get $c0) (local.get $ldc)))
            (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
            (local.set $c3 (i32.add (local.get $c2) (local.get $ldc)))
            (if (local.get $accum)
              (then
                (local.set $s00 (v128.load (local.get $c0)))
                (local.set $s01 (v128.load offset=16 (local.get $c0)))
                (local.set $s10 (v128.load (local.get $c1)))
                (local.set $s11 (v128.load offset=16 (local.get $c1)))
                (local.set $s20 (v128.load (local.get $c2)))
                (local.set $s21 (v128.load offset=16 (local.get $c2)))
                (local.set $s30 (v128.load (local.get $c3)))
                (local.set $s31 (v128.load offset=16 (local.get $c3))))
              (else
                (local.set $s00 (v128.const i64x2 0 0))
                (local.set $s01 (v128.const i64x2 0 0))
                (local.set $s10 (v128.const i64x2 0 0))
                (local.set $s11 (v128.const i64x2 0 0))
                (local.set $s20 (v128.const i64x2 0 0))
                (local.set $s21 (v128.const i64x2 0 0))
                (local.set $s30 (v128.const i64x2 0 0))
                (local.set $s31 (v128.const i64x2 0 0))))
            (local.set $pt (local.get $tab))
            (loop $rLoop
              (local.set $pb (i32.add (local.get $bn) (i32.load (local.get $pt))))
              (local.set $b0 (v128.load (local.get $pb)))
              (local.set $b1 (v128.load offset=16 (local.get $pb)))
              (local.set $av (v128.load32_splat (local.get $pa)))
              (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=4 (local.get $pa)))
              (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=8 (local.get $pa)))
              (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=12 (local.get $pa)))
              (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
              (local.set $pt (i32.add (local.get $pt) (i32.const 4)))
              (br_if $rLoop (i32.lt_u (local.get $pt) (local.get $tEnd))))
            (v128.store (local.get $c0) (local.get $s00))
            (v128.store offset=16 (local.get $c0) (local.get $s01))
            (v128.store (local.get $c1) (local.get $s10))
            (v128.store offset=16 (local.get $c1) (local.get $s11))
            (v128.store (local.get $c2) (local.get $s20))
            (v128.store offset=16 (local.get $c2) (local.get $s21))
            (v128.store (local.get $c3) (local.get $s30))
            (v128.store offset=16 (local.get $c3) (local.get $s31))
            (local.set $m (i32.add (local.get $m) (i32.const 4)))
            (br $mLoop)))
        (local.set $nb (i32.add (local.get $nb) (i32.const 32)))
        (br $nLoop))))

  ;; Sum of the four lanes of an f32x4.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Stores (or adds) one finished dot product.
  (func $put (param $p i32) (param $v v128) (param $accum i32)
    (if (local.get $accum)
      (then (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (call $hsum (local.get $v)))))
      (else (f32.store (local.get $p) (call $hsum (local.get $v))))))

  (func (export "gemm_nt_f32")
    (param $M i32) (param $N i32) (param $L i32)
    (param $a i32) (param $lda i32) (param $b i32) (param $tab i32)
    (param $c i32) (param $ldc i32) (param $accum i32)
    (local $m i32) (local $n i32) (local $o i32) (local $oEnd i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $q0 i32) (local $q1 i32) (local $pc i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $x0 v128) (local $x1 v128) (local $v v128)
    (local.set $oEnd (i32.shl (local.get $L) (i32.const 2)))
    (local.set $m (i32.const 0))
    (block $mDone
      (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $lda))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $lda)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
        (local.set $n (i32.const 0))
        (block $nDone
          (loop $nLoop
            (br_if $nDone (i32.ge_u (local.get $n) (local.get $N)))
            (local.set $q0 (i32.add (local.get $b)
              (i32.load (i32.add (local.get $tab) (i32.shl (local.get $n) (i32.const 2))))))
            (local.set $q1 (i32.add (local.get $b)
              (i32.load offset=4 (i32.add (local.get $tab) (i32.shl (local.get $n) (i32.const 2))))))
            (local.set $s00 (v128.const i64x2 0 0))
            (local.set $s01 (v128.const i64x2 0 0))
            (local.set $s10 (v128.const i64x2 0 0))
            (local.set $s11 (v128.const i64x2 0 0))
            (local.set $s20 (v128.const i64x2 0 0))
            (local.set $s21 (v128.const i64x2 0 0))
            (local.set $s30 (v128.const i64x2 0 0))
            (local.set $s31 (v128.const i64x2 0 0))
            (local.set $o (i32.const 0))
            (block $lDone
              (loop $lLoop
                (br_if $lDone (i32.ge_u (local.get $o) (local.get $oEnd)))
                (local.set $x0 (v128.load (i32.add (local.get $q0) (local.get $o))))
                (local.set $x1 (v128.load (i32.add (local.get $q1) (local.get $o))))
                (local.set $v (v128.load (i32.add (local.get $a0) (local.get $o))))
                (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $v) (local.get $x0))))
                (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $v) (local.get $x1))))
                (local.set $v (v128.load (i32.add (local.get $a1) (local.get $o))))
                (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $v) (local.get $x0))))
                (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $v) (local.get $x1))))
                (local.set $v (v128.load (i32.add (local.get $a2) (local.get $o))))
                (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $v) (local.get $x0))))
                (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $v) (local.get $x1))))
                (local.set $v (v128.load (i32.add (local.get $a3) (local.get $o))))
                (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $v) (local.get $x0))))
                (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $v) (local.get $x1))))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $lLoop)))
            (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $ldc)))
              (i32.shl (local.get $n) (i32.const 2))))
            (call $put (local.get $pc) (local.get $s00) (local.get $accum))
            (call $put (i32.add (local.get $pc) (i32.const 4)) (local.get $s01) (local.get $accum))
            (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
            (call $put (local.get $pc) (local.get $s10) (local.get $accum))
            (call $put (i32.add (local.get $pc) (i32.const 4)) (local.get $s11) (local.get $accum))
            (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
            (call $put (local.get $pc) (local.get $s20) (local.get $accum))
            (call $put (i32.add (local.get $pc) (i32.const 4)) (local.get $s21) (local.get $accum))
            (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
            (call $put (local.get $pc) (local.get $s30) (local.get $accum))
            (call $put (i32.add (local.get $pc) (i32.const 4)) (local.get $s31) (local.get $accum))
            (local.set $n (i32.add (local.get $n) (i32.const 2)))
            (br $nLoop)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $mLoop))))
)
