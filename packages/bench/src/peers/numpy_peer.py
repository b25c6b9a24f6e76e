#!/usr/bin/env python3
"""NumPy peer for the Kindling conv1d training-step benchmark.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.

  {"cmd": "load", "path": "...", "n":..,"cin":..,"cout":..,"l":..,"k":..,
   "padding":..,"stride":..,"lr":..,"dtype": "float32"|"float64"}
      The file holds x [N,Cin,L], w [Cout,Cin,K], b [Cout], target [N,Cout,Lout]
      back to back, raw little-endian in `dtype`.  -> {"ok": true, "info": {...}}
  {"cmd": "sample", "steps": k}   run k steps, timed here  -> {"ms": total_ms}
  {"cmd": "bench", "warmup": w, "samples": s, "steps": k}
      warm-up, then s samples of k steps              -> {"msPerStep": [...]}
  {"cmd": "state"}   -> {"loss": .., "weight": [...] (Cout*Cin*K), "bias": [...], "steps": n}
  {"cmd": "quit"}
Errors are replied as {"error": "..."}.
"""
import json
import os
import sys
import time

# This file is called numpy.py: drop its own folder from sys.path so that
# `import numpy` finds the real package, not this script.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402


class Conv1dTrainer:
    def __init__(self, x, w, b, target, padding, stride, lr):
        self.x = x
        self.w = w.copy()
        self.b = b.copy()
        self.target = target
        self.p = padding
        self.s = stride
        self.k = w.shape[2]
        self.lr = lr  # python float: NumPy 2 keeps the array dtype (NEP 50)
        self.loss = float("nan")
        self.dx = None
        self.steps = 0

    def step(self):
        x, w, b, p, s, K = self.x, self.w, self.b, self.p, self.s, self.k
        N, C, L = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (p, p))) if p else x
        win = sliding_window_view(xp, K, axis=2)[:, :, ::s, :]  # [N, Cin, Lout, K] (view)
        # forward: y[n,o,t] = sum_{c,k} win[n,c,t,k] w[o,c,k]  (tensordot -> im2col + BLAS gemm)
        y = np.tensordot(win, w, axes=([1, 3], [1, 2])).transpose(0, 2, 1)  # [N, Cout, Lout]
        y += b[None, :, None]
        diff = y - self.target
        self.loss = float(np.mean(diff * diff))
        dy = diff * (2.0 / diff.size)
        # backward
        db = dy.sum(axis=(0, 2))
        dw = np.tensordot(dy, win, axes=([0, 2], [0, 2]))  # [Cout, Cin, K]
        if s == 1 and p <= K - 1:
            # dX = conv of dy padded by K-1-p with the flipped weight (full correlation)
            q = K - 1 - p
            dyp = np.pad(dy, ((0, 0), (0, 0), (q, q))) if q else dy
            dwin = sliding_window_view(dyp, K, axis=2)  # [N, Cout, L, K]
            dx = np.tensordot(dwin, w[:, :, ::-1], axes=([1, 3], [0, 2])).transpose(0, 2, 1)  # [N, Cin, L]
        else:
            # general stride/padding: gemm to columns, then scatter-add per tap (col2im)
            cols = np.tensordot(dy, w, axes=([1], [0]))  # [N, Lout, Cin, K]
            dxp = np.zeros_like(xp)
            Lout = dy.shape[2]
            for k in range(K):
                dxp[:, :, k:k + s * (Lout - 1) + 1:s] += cols[:, :, :, k].transpose(0, 2, 1)
            dx = dxp[:, :, p:p + L]
        self.dx = dx
        # SGD
        w -= self.lr * dw
        b -= self.lr * db
        self.steps += 1


def load(msg):
    dt = np.dtype(msg["dtype"]).newbyteorder("<")
    N, C, O, L, K = msg["n"], msg["cin"], msg["cout"], msg["l"], msg["k"]
    p, s = msg["padding"], msg["stride"]
    Lout = (L + 2 * p - K) // s + 1
    raw = np.fromfile(msg["path"], dtype=dt)
    sizes = [N * C * L, O * C * K, O, N * O * Lout]
    if raw.size != sum(sizes):
        raise ValueError(f"data file has {raw.size} elements, expected {sum(sizes)}")
    parts, off = [], 0
    for n in sizes:
        parts.append(raw[off:off + n].astype(np.dtype(msg["dtype"])))
        off += n
    x = parts[0].reshape(N, C, L)
    w = parts[1].reshape(O, C, K)
    b = parts[2].reshape(O)
    t = parts[3].reshape(N, O, Lout)
    return Conv1dTrainer(x, w, b, t, p, s, float(msg["lr"]))


def blas_info():
    try:
        from threadpoolctl import threadpool_info  # optional
        return [{k: d.get(k) for k in ("internal_api", "num_threads", "architecture")} for d in threadpool_info()]
    except Exception:
        return None


def main():
    trainer = None
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
            cmd = msg.get("cmd")
            if cmd == "load":
                trainer = load(msg)
                reply = {"ok": True, "info": {"numpy": np.__version__, "python": sys.version.split()[0], "blas": blas_info()}}
            elif cmd == "sample":
                k = int(msg["steps"])
                t0 = time.perf_counter()
                for _ in range(k):
                    trainer.step()
                reply = {"ms": (time.perf_counter() - t0) * 1e3}
            elif cmd == "bench":
                for _ in range(int(msg.get("warmup", 1))):
                    trainer.step()
                k = int(msg["steps"])
                res = []
                for _ in range(int(msg["samples"])):
                    t0 = time.perf_counter()
                    for _ in range(k):
                        trainer.step()
                    res.append((time.perf_counter() - t0) * 1e3 / k)
                reply = {"msPerStep": res}
            elif cmd == "state":
                reply = {
                    "loss": trainer.loss,
                    "weight": trainer.w.ravel().tolist(),
                    "bias": trainer.b.ravel().tolist(),
                    "steps": trainer.steps,
                }
            elif cmd == "dx":
                reply = {"dx": trainer.dx.ravel().tolist() if trainer.dx is not None else None}
            elif cmd == "quit":
                out.write(json.dumps({"ok": True}) + "\n")
                out.flush()
                return
            else:
                reply = {"error": f"unknown cmd {cmd!r}"}
        except Exception as e:  # report, keep serving
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
