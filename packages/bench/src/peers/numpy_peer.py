#!/usr/bin/env python3
"""NumPy peer of the Kindling benchmark (protocol: proc.ts; server loop: peer_server.py).

Options (sent with `load`):
  formulation  "im2col" (default): im2col with sliding_window_view + np.ascontiguousarray, then
               batched np.matmul for forward, dW (summed over the batch) and dX (an im2col of
               the padded dy times the flipped weight; col2im for strides > 1);
               "tensordot": the earlier formulation, np.tensordot over a sliding-window view
               (NumPy copies the view into one big 2-d gemm operand) and dX as a full
               correlation of the padded dy with the flipped weight.
  dtype        cast the workload to this dtype first (default: the workload's).
The MLP workload has one formulation (x @ W.T, ReLU, hand-written backward).

The parent (numpy.ts) starts this process with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from
its environment, so OpenBLAS picks its kernels for the CPU it finds; the OpenBLAS core it ran on is
reported in info.openblas.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from peer_server import serve


class Conv1dTrainer:
    def __init__(self, x, w, b, target, padding, stride, lr, formulation):
        self.x = x
        self.w = w.copy()
        self.b = b.copy()
        self.target = target
        self.p = padding
        self.s = stride
        self.k = w.shape[2]
        self.lr = lr  # python float: NumPy 2 keeps the array dtype (NEP 50)
        self.loss = float("nan")
        self._dx = None
        self.steps = 0
        self.formulation = formulation
        self.info = {"formulation": formulation}

    def step(self):
        if self.formulation == "tensordot":
            self._step_tensordot()
        else:
            self._step_im2col()
        self.steps += 1

    def _step_im2col(self):
        x, w, b, p, s, K = self.x, self.w, self.b, self.p, self.s, self.k
        N, C, L = x.shape
        O = w.shape[0]
        xp = np.pad(x, ((0, 0), (0, 0), (p, p))) if p else x
        win = sliding_window_view(xp, K, axis=2)[:, :, ::s, :]  # [N, C, T, K] (view)
        T = win.shape[2]
        # im2col: [N, C*K, T], rows ordered (c, k) like w.reshape(O, C*K)
        cols = np.ascontiguousarray(win.transpose(0, 1, 3, 2)).reshape(N, C * K, T)
        w2 = w.reshape(O, C * K)
        y = np.matmul(w2, cols)  # [N, O, T]: batched gemm (O x CK) @ (CK x T)
        y += b[None, :, None]
        diff = y - self.target
        self.loss = float(np.mean(diff * diff))
        dy = diff * (2.0 / diff.size)
        db = dy.sum(axis=(0, 2))
        dw = np.matmul(dy, cols.transpose(0, 2, 1)).sum(axis=0).reshape(O, C, K)  # batched (O x T) @ (T x CK)
        if s == 1 and p <= K - 1:
            # dX = full correlation of dy (padded by K-1-p) with the flipped weight: im2col of the
            # padded dy [N, O*K, L], then batched (C x OK) @ (OK x L)
            q = K - 1 - p
            dyp = np.pad(dy, ((0, 0), (0, 0), (q, q))) if q else dy
            dcols = np.ascontiguousarray(sliding_window_view(dyp, K, axis=2).transpose(0, 1, 3, 2)).reshape(N, O * K, L)
            wf = np.ascontiguousarray(w[:, :, ::-1].transpose(1, 0, 2)).reshape(C, O * K)
            self._dx = np.matmul(wf, dcols)
        else:
            # general stride: batched (CK x O) @ (O x T), then col2im (tap k of output t reads
            # padded input t*s + k)
            dc = np.matmul(w2.T, dy).reshape(N, C, K, T)
            dxp = np.zeros_like(xp)
            for k in range(K):
                dxp[:, :, k:k + s * (T - 1) + 1:s] += dc[:, :, k, :]
            self._dx = dxp[:, :, p:p + L] if p else dxp
        w -= self.lr * dw
        b -= self.lr * db

    def _step_tensordot(self):
        x, w, b, p, s, K = self.x, self.w, self.b, self.p, self.s, self.k
        N, C, L = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (p, p))) if p else x
        win = sliding_window_view(xp, K, axis=2)[:, :, ::s, :]  # [N, Cin, Lout, K] (view)
        y = np.tensordot(win, w, axes=([1, 3], [1, 2])).transpose(0, 2, 1)  # [N, Cout, Lout]
        y += b[None, :, None]
        diff = y - self.target
        self.loss = float(np.mean(diff * diff))
        dy = diff * (2.0 / diff.size)
        db = dy.sum(axis=(0, 2))
        dw = np.tensordot(dy, win, axes=([0, 2], [0, 2]))  # [Cout, Cin, K]
        if s == 1 and p <= K - 1:
            # dX = conv of dy padded by K-1-p with the flipped weight (full correlation)
            q = K - 1 - p
            dyp = np.pad(dy, ((0, 0), (0, 0), (q, q))) if q else dy
            dwin = sliding_window_view(dyp, K, axis=2)  # [N, Cout, L, K]
            dx = np.tensordot(dwin, w[:, :, ::-1], axes=([1, 3], [0, 2])).transpose(0, 2, 1)  # [N, Cin, L]
        else:
            cols = np.tensordot(dy, w, axes=([1], [0]))  # [N, Lout, Cin, K]
            dxp = np.zeros_like(xp)
            Lout = dy.shape[2]
            for k in range(K):
                dxp[:, :, k:k + s * (Lout - 1) + 1:s] += cols[:, :, :, k].transpose(0, 2, 1)
            dx = dxp[:, :, p:p + L]
        self._dx = dx
        w -= self.lr * dw
        b -= self.lr * db

    def state(self):
        return self.loss, [self.w], [self.b]

    def dx(self):
        return self._dx


class MlpTrainer:
    """Linear layers with ReLU between them, MSE loss, SGD; the input needs no gradient."""

    def __init__(self, x, target, weights, biases, lr):
        self.x = x
        self.target = target
        self.W = [w.copy() for w in weights]
        self.b = [b.copy() for b in biases]
        self.lr = lr
        self.loss = float("nan")
        self.steps = 0
        self.info = {"formulation": "matmul"}

    def step(self):
        W, b = self.W, self.b
        n = len(W)
        acts = [self.x]  # inputs of each layer
        pre = []
        for i in range(n):
            h = acts[-1] @ W[i].T
            h += b[i]
            pre.append(h)
            if i < n - 1:
                acts.append(np.maximum(h, 0))
        diff = pre[-1] - self.target
        self.loss = float(np.mean(diff * diff))
        g = diff * (2.0 / diff.size)
        for i in range(n - 1, -1, -1):
            dw = g.T @ acts[i]
            db = g.sum(axis=0)
            if i > 0:
                g = g @ W[i]
                g *= pre[i - 1] > 0
            W[i] -= self.lr * dw
            b[i] -= self.lr * db
        self.steps += 1

    def state(self):
        return self.loss, self.W, self.b

    def dx(self):
        return None


def make_trainer(header, parts, options):
    dt = np.dtype(options.get("dtype") or header["dtype"])
    parts = [a.astype(dt) for a in parts]
    lr = float(header["lr"])
    if header["kind"] == "mlp":
        x, t, rest = parts[0], parts[1], parts[2:]
        return MlpTrainer(x, t, rest[0::2], rest[1::2], lr)
    x, w, b, t = parts
    return Conv1dTrainer(x, w, b, t, header["padding"], header["stride"], lr, options.get("formulation", "im2col"))


if __name__ == "__main__":
    serve(make_trainer)
