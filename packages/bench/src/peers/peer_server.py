"""Shared server loop of the python benchmark peers (numpy_peer.py, torch_peer.py).

The protocol is documented in proc.ts: one JSON object per line on stdin, one JSON reply per line
on stdout; arrays travel through binary files. A peer module supplies
`make_trainer(header, parts, options)` returning an object with step(), state() -> (loss, [weight
arrays], [bias arrays]), dx() -> array or None, and `info` (a dict reported at load).
"""
import ctypes
import json
import os
import sys
import time

import numpy as np


def read_parts(path, header):
    """The workload's arrays (see data.ts workloadParts) as numpy arrays of its dtype."""
    dt = np.dtype(header["dtype"]).newbyteorder("<")
    raw = np.fromfile(path, dtype=dt).astype(np.dtype(header["dtype"]))
    if header["kind"] == "mlp":
        B, sizes = header["batch"], header["sizes"]
        shapes = [(B, sizes[0]), (B, sizes[-1])]
        for i in range(len(sizes) - 1):
            shapes += [(sizes[i + 1], sizes[i]), (sizes[i + 1],)]
    else:
        N, C, O, L, K = header["n"], header["cin"], header["cout"], header["l"], header["k"]
        p, s = header["padding"], header["stride"]
        T = (L + 2 * p - K) // s + 1
        shapes = [(N, C, L), (O, C, K), (O,), (N, O, T)]
    total = sum(int(np.prod(sh)) for sh in shapes)
    if raw.size != total:
        raise ValueError(f"data file has {raw.size} elements, expected {total}")
    parts, off = [], 0
    for sh in shapes:
        n = int(np.prod(sh))
        parts.append(np.ascontiguousarray(raw[off:off + n].reshape(sh)))
        off += n
    return parts


def _loaded_libs(word):
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if line.rstrip().endswith(".so") or ".so." in line}
    except OSError:
        return []
    return sorted(p for p in paths if word in os.path.basename(p).lower())


def openblas_info():
    """Which OpenBLAS this process loaded and the core (kernel set) it picked, with threads.

    threadpoolctl when installed; otherwise the OpenBLAS libraries mapped into this process are
    asked directly through ctypes (openblas_get_corename / _get_config / _get_num_threads, under
    the symbol names of the plain, 64-bit-int and scipy-openblas builds)."""
    out = []
    try:
        from threadpoolctl import threadpool_info  # optional

        for d in threadpool_info():
            if d.get("internal_api") == "openblas":
                out.append({"via": "threadpoolctl", "core": d.get("architecture"), "threads": d.get("num_threads"),
                            "version": d.get("version"), "lib": os.path.basename(d.get("filepath", ""))})
        if out:
            return out
    except Exception:
        pass
    for lib in sorted(set(_loaded_libs("openblas") + _loaded_libs("libblas"))):
        try:
            h = ctypes.CDLL(lib)
        except OSError:
            continue

        def call(names, restype):
            for n in names:
                f = getattr(h, n, None)
                if f is not None:
                    f.restype = restype
                    try:
                        v = f()
                        return v.decode() if isinstance(v, bytes) else v
                    except Exception:
                        return None
            return None

        sufs = ["", "64_", "_64"]
        pre = ["openblas_", "scipy_openblas_"]
        core = call([p + "get_corename" + s for p in pre for s in sufs], ctypes.c_char_p)
        if core is None:
            # a BLAS that is not OpenBLAS (e.g. Debian's reference libblas3 under alternatives)
            out.append({"via": "maps", "core": None, "lib": os.path.realpath(lib), "notOpenblas": True})
            continue
        out.append({"via": "ctypes", "core": core, "config": call([p + "get_config" + s for p in pre for s in sufs], ctypes.c_char_p),
                    "threads": call([p + "get_num_threads" + s for p in pre for s in sufs], ctypes.c_int), "lib": os.path.basename(lib)})
    return out


def serve(make_trainer):
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
                header = msg["workload"]
                parts = read_parts(msg["path"], header)
                trainer = make_trainer(header, parts, msg.get("options") or {})
                info = dict(getattr(trainer, "info", {}))
                info.setdefault("python", sys.version.split()[0])
                info.setdefault("numpy", np.__version__)
                info["openblas"] = openblas_info()
                reply = {"ok": True, "info": info}
            elif cmd == "sample":
                k = int(msg["steps"])
                t0 = time.perf_counter()
                for _ in range(k):
                    trainer.step()
                reply = {"ms": (time.perf_counter() - t0) * 1e3}
            elif cmd == "state":
                loss, ws, bs = trainer.state()
                w = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in ws])
                b = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in bs])
                np.concatenate([w, b]).astype("<f8").tofile(msg["path"])
                reply = {"loss": (float(loss) if np.isfinite(loss) else None), "nWeight": int(w.size), "nBias": int(b.size), "steps": trainer.steps}
            elif cmd == "dx":
                dx = trainer.dx()
                if dx is None:
                    raise ValueError("no dX (no step run yet, or an MLP workload)")
                a = np.asarray(dx, dtype="<f8").ravel()
                a.tofile(msg["path"])
                reply = {"n": int(a.size)}
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
