"""Shared machinery for the PyTorch reference fixtures: seeded input draws, a tiny program
interpreter over torch, the first- and second-order gradient records, and the JSON writer.

Every case is a program: a list of steps over named inputs, each step one Kindling op name
with Kindling's parameter names. The same program is run here with torch and, in
packages/core/test/torch-fixtures.ts, with Kindling, so the two sides cannot drift apart on
what a case means. The JSON format is documented in README.md next to this file.
"""

import json
import math
import os
import warnings
import zlib

import torch
import torch.nn.functional as F

FORMAT = "kindling-torch-fixtures/1"
DTYPES = {"float64": torch.float64, "float32": torch.float32}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}

# Margins that keep every case away from the places where PyTorch and Kindling may
# legitimately disagree (kinks, ties, the edge of a domain): a fixture that sits on one of
# them tests a convention, not the arithmetic.
KINK_MARGIN = 0.05  # |x| at relu/abs inputs
DOMAIN_MARGIN = 0.05  # x at log/sqrt/fractional or negative powers
TIE_MARGIN = 1e-3  # gap between the largest and second largest element of each max group

# F.conv1d warns that an even kernel with padding='same' copies its input: expected, and it is
# exactly the asymmetric-padding case a fixture wants.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel lengths")

torch.set_num_threads(1)  # one thread: reduction order, and so the float32 bits, never vary


def case_seed(case_id):
    return zlib.crc32(case_id.encode("utf-8"))


class Draw:
    """Seeded draws for one case. Seeding from the case id (not from a running stream)
    keeps every other case byte-identical when one case is added, edited or removed."""

    def __init__(self, case_id):
        self.gen = torch.Generator().manual_seed(case_seed(case_id))

    def normal(self, shape):
        return torch.randn(shape, generator=self.gen, dtype=torch.float64)

    def uniform(self, shape, lo, hi):
        return lo + (hi - lo) * torch.rand(shape, generator=self.gen, dtype=torch.float64)

    def tensor(self, shape, dtype, kind="normal"):
        """Drawn in float64, then rounded to `dtype`, so a float32 input holds exactly the
        float32 numbers that the JSON records."""
        shape = list(shape)
        if kind == "normal":
            x = self.normal(shape)
        elif kind == "positive":
            x = self.uniform(shape, 0.5, 2.0)
        elif kind == "nonzero":
            # Signed, but at least 0.25 away from zero: safe for kinks and denominators.
            r = self.normal(shape)
            x = torch.where(r < 0, r - 0.25, r + 0.25)
        elif kind == "small":
            x = self.uniform(shape, -1.0, 1.0)
        else:
            raise ValueError(f"unknown kind {kind}")
        return x.to(DTYPES[dtype])


# ---- the interpreter ------------------------------------------------------------------------


def _axes(x, axis):
    if axis is None:
        return tuple(range(x.dim()))
    if isinstance(axis, int):
        axis = [axis]
    return tuple(a % x.dim() if x.dim() else a for a in axis)


def _check_kink(op, x):
    if x.numel() and x.detach().abs().min().item() < KINK_MARGIN:
        raise ValueError(f"{op}: an input is within {KINK_MARGIN} of the kink at 0")


def _check_domain(op, x):
    if x.numel() and x.detach().min().item() < DOMAIN_MARGIN:
        raise ValueError(f"{op}: an input is below {DOMAIN_MARGIN}")


def _check_no_ties(x, axes):
    if x.dim() == 0 or not axes:
        return
    rest = [d for d in range(x.dim()) if d not in axes]
    groups = x.detach().permute(rest + list(axes)).reshape(-1, math.prod(x.shape[d] for d in axes))
    if groups.shape[1] < 2:
        return
    top = torch.topk(groups.to(torch.float64), 2, dim=1).values
    if (top[:, 0] - top[:, 1]).min().item() < TIE_MARGIN:
        raise ValueError("max: two elements of a group are within the tie margin")


def _pow(x, exponent):
    if exponent != int(exponent) or exponent < 0:
        _check_domain("pow", x)
    return torch.pow(x, exponent)


def _reduce(fn):
    def run(x, axis=None, keepdim=False):
        return fn(x, dim=_axes(x, axis), keepdim=keepdim)

    return run


def _max(x, axis=None, keepdim=False):
    axes = _axes(x, axis)
    _check_no_ties(x, axes)
    # amax, not max: Kindling's max shares ties as amax does, and takes several axes.
    return torch.amax(x, dim=axes, keepdim=keepdim)


def _squeeze(x, dim=None):
    return x.squeeze() if dim is None else x.squeeze(dim)


def _checked(op, check, fn):
    def run(x):
        check(op, x)
        return fn(x)

    return run


# Kindling op name -> torch. Positional args are tensors (or a plain number for the second
# operand of add/sub/mul/div, or None for an absent bias); keyword args are the step's params.
OPS = {
    "add": lambda a, b: torch.add(a, b),
    "sub": lambda a, b: torch.sub(a, b),
    "mul": lambda a, b: torch.mul(a, b),
    "div": lambda a, b: torch.div(a, b),
    "neg": torch.neg,
    "exp": torch.exp,
    "log": _checked("log", _check_domain, torch.log),
    "sqrt": _checked("sqrt", _check_domain, torch.sqrt),
    "abs": _checked("abs", _check_kink, torch.abs),
    "relu": _checked("relu", _check_kink, torch.relu),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "pow": _pow,
    "sum": _reduce(torch.sum),
    "mean": _reduce(torch.mean),
    "max": _max,
    "matmul": torch.matmul,
    "reshape": lambda x, shape: x.reshape(shape),
    "permute": lambda x, dims: x.permute(dims),
    "transpose": lambda x, dim0, dim1: x.transpose(dim0, dim1),
    "expand": lambda x, shape: x.expand(shape),
    "narrow": lambda x, dim, start, length: x.narrow(dim, start, length),
    "unsqueeze": lambda x, dim: x.unsqueeze(dim),
    "squeeze": _squeeze,
    "flatten": lambda x, startDim=0, endDim=-1: x.flatten(startDim, endDim),
    "contiguous": lambda x: x.contiguous(),
    "conv1d": lambda x, w, b, stride=1, padding=0, dilation=1, groups=1: F.conv1d(
        x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups
    ),
    "convTranspose1d": lambda x, w, b, stride=1, padding=0, outputPadding=0, dilation=1, groups=1: F.conv_transpose1d(
        x, w, b, stride=stride, padding=padding, output_padding=outputPadding, groups=groups, dilation=dilation
    ),
    "mseLoss": lambda p, t, reduction="mean": F.mse_loss(p, t, reduction=reduction),
}


def step(op, args, **params):
    """One program step; `args` name inputs or earlier steps ('%0', '%1', ...)."""
    if op not in OPS:
        raise ValueError(f"unknown op {op}")
    return {"op": op, "args": list(args), "params": params}


def run_program(program, env):
    values = dict(env)
    out = None
    for k, s in enumerate(program):
        args = [values[a] if isinstance(a, str) else a for a in s["args"]]
        out = OPS[s["op"]](*args, **s["params"])
        values[f"%{k}"] = out
    return out


# ---- cases ----------------------------------------------------------------------------------


def encode(t):
    if t is None:
        return None
    t = t.detach()
    data = t.to(torch.float64).reshape(-1).tolist()
    if not all(math.isfinite(v) for v in data):
        raise ValueError("non-finite value in a fixture")
    return {"shape": list(t.shape), "dtype": DTYPE_NAMES[t.dtype], "data": data}


def _leaves(inputs, requires_grad):
    return {name: t.detach().clone().requires_grad_(requires_grad) for name, t in inputs}


def make_case(case_id, inputs, program, draw, second_order=None):
    """Runs `program` on `inputs` ([(name, tensor)]) and records output, gradients and, for
    all-float64 cases, the second-order data described in README.md."""
    names = [n for n, _ in inputs]
    dtypes = sorted({DTYPE_NAMES[t.dtype] for _, t in inputs})
    dtype = dtypes[0] if len(dtypes) == 1 else "mixed"
    env = _leaves(inputs, True)
    leaves = [env[n] for n in names]
    out = run_program(program, env)
    grad_output = draw.tensor(out.shape, DTYPE_NAMES[out.dtype])
    grads = torch.autograd.grad(out, leaves, grad_output, allow_unused=True)

    single = len(program) == 1
    case = {
        "id": case_id,
        "op": program[0]["op"] if single else "compose",
        "params": program[0]["params"] if single else None,
        "dtype": dtype,
        "inputs": [dict(name=n, **encode(t)) for n, t in inputs],
        "program": program,
        "output": encode(out),
        "gradOutput": encode(grad_output),
        "grads": [encode(g) for g in grads],
        "secondOrder": None,
    }
    if second_order is None:
        second_order = dtype == "float64"
    if second_order:
        case["secondOrder"] = _second_order(program, inputs, grad_output, draw)
    return case


def _second_order(program, inputs, grad_output, draw):
    names = [n for n, _ in inputs]
    env = _leaves(inputs, True)
    leaves = [env[n] for n in names]
    go = grad_output.detach().clone().requires_grad_(True)
    out = run_program(program, env)
    g = torch.autograd.grad(out, leaves, go, create_graph=True, allow_unused=True)
    # One v per first-order gradient, drawn in input order whether or not that gradient
    # exists, so the stream (and every later draw) does not depend on the graph's shape.
    v = [draw.tensor(leaf.shape, "float64") for leaf in leaves]
    v = [vi if gi is not None else None for gi, vi in zip(g, v)]
    terms = [(gi * vi).sum() for gi, vi in zip(g, v) if gi is not None and gi.requires_grad]
    wrt = leaves + [go]
    if terms:
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        second = torch.autograd.grad(total, wrt, allow_unused=True)
    else:
        second = [None] * len(wrt)
    torch_none = [s is None for s in second]
    zero = [s is None or not bool(s.detach().ne(0).any()) for s in second]
    recorded = [None if z else s for s, z in zip(second, zero)]
    return {
        "v": [encode(vi) for vi in v],
        "gradInputs": [encode(s) for s in recorded[:-1]],
        "gradGradOutput": encode(recorded[-1]),
        "torchNone": torch_none,
    }


# ---- writing --------------------------------------------------------------------------------


def check_unique(cases):
    seen = set()
    for c in cases:
        if c["id"] in seen:
            raise ValueError(f"duplicate case id {c['id']}")
        seen.add(c["id"])


def write(area, cases, out_dir):
    """One case per line: diffs of a regenerated file show which cases changed."""
    check_unique(cases)
    head = {"format": FORMAT, "area": area, "torch": torch.__version__.split("+")[0], "count": len(cases)}
    lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases]
    text = json.dumps(head, separators=(",", ":"))[:-1] + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"
    path = os.path.join(out_dir, f"{area}.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path, len(cases), len(text)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def nn_out_dir():
    """(repository root, the folder the nn_* areas write to: packages/nn/test/fixtures/torch)."""
    return ROOT, os.path.join(ROOT, "packages", "nn", "test", "fixtures", "torch")


def write_area(area, build, out_dir):
    """Creates the folder of `out_dir()` (a (root, folder) pair), writes `build()`'s cases there
    as `area`.json and prints the file's path (relative to root), case count and size; returns
    the size. What each area script's main() and generate.py do per area."""
    root, where = out_dir()
    os.makedirs(where, exist_ok=True)
    path, count, size = write(area, build(), where)
    print(f"{os.path.relpath(path, root)}: {count} cases, {size / 1024:.1f} KiB")
    return size


def program_cases(area, table, dtype):
    """One make_case per (label, [(input name, shape)], program) row of `table`, inputs drawn
    in `dtype`; the id is area/label/dtype."""
    cases = []
    for label, shapes, program in table:
        cid = f"{area}/{label}/{dtype}"
        d = Draw(cid)
        inputs = [(name, d.tensor(shape, dtype)) for name, shape in shapes]
        cases.append(make_case(cid, inputs, program, d))
    return cases


def both_dtypes(fn):
    """Runs a case builder for float64 and float32; the id ends in the dtype."""
    return [c for dtype in ("float64", "float32") for c in fn(dtype)]
