"""Math, comparison and reduction ops: eq ne lt le gt ge isnan isfinite (forward only: they
have no gradient), minimum maximum clamp square rsqrt reciprocal sign sin cos log1p expm1 erf,
the activations softplus leakyRelu elu gelu silu, the reductions min argmax argmin (forward
only) prod logsumexp var std norm, and cumsum softmax logSoftmax; some on transposed
(non-contiguous) inputs or feeding another op.

Kindling has no boolean or integer dtype: comparisons and isnan/isfinite give 0/1 in the
(promoted) float dtype of their inputs, argmax/argmin float64 indices; the torch side converts
its bool/long results the same way, so the JSON holds what Kindling should return.

Inputs avoid kinks and ties (see README.md), except where a case is about them: comparisons
of equal elements, argmax/argmin ties (the first index wins), prod with one and with two zeros
in a slice, clamp's bounds are kept at least 0.05 away."""

import math

import torch
import torch.nn.functional as F

import common
from common import Draw, both_dtypes, encode, make_case, step

AREA = "ops_math"
MARGIN = 0.05  # distance from a kink, bound or threshold
TIE = 1e-3  # distance between minimum/maximum operands


def _dims(x, axis):
    return common._axes(x, axis)


def _result_dtype(a, b):
    return torch.result_type(a, b)


def _cmp(fn):
    def run(a, b):
        return fn(a, b).to(_result_dtype(a, b))

    return run


def _binary_no_ties(fn, name):
    def run(a, b):
        bt = b if torch.is_tensor(b) else torch.tensor(b, dtype=a.dtype)
        if (a.detach() - bt.detach()).abs().min().item() < TIE:
            raise ValueError(f"{name}: operands within {TIE} of each other")
        return fn(a, bt)

    return run


def _away(name, x, points):
    for p in points:
        if p is not None and x.numel() and (x.detach() - p).abs().min().item() < MARGIN:
            raise ValueError(f"{name}: an input is within {MARGIN} of {p}")


def _clamp(x, min=None, max=None):
    _away("clamp", x, [min, max])
    return torch.clamp(x, min, max)


def _softplus(x, beta=1, threshold=20):
    _away("softplus", x * beta, [threshold])
    return F.softplus(x, beta, threshold)


def _kinked(fn, name):
    def run(x, **kw):
        _away(name, x, [0.0])
        return fn(x, **kw)

    return run


def _min(x, axis=None, keepdim=False):
    dims = _dims(x, axis)
    common._check_no_ties(-x, dims)
    return torch.amin(x, dim=dims, keepdim=keepdim)


def _arg(fn):
    def run(x, dim=None, keepdim=False):
        return fn(x, dim, keepdim).to(torch.float64)

    return run


def _prod(x, axis=None, keepdim=False):
    if axis is None:
        out = torch.prod(x)
        return out.reshape([1] * x.dim()) if keepdim else out
    out = x
    # torch.prod takes one dim: fold the axes one at a time, from the last.
    for d in sorted(_dims(x, axis), reverse=True):
        out = torch.prod(out, d, keepdim=True)
    if not keepdim:
        for d in sorted(_dims(x, axis), reverse=True):
            out = out.squeeze(d)
    return out


def _norm(x, p=2, axis=None, keepdim=False):
    p = math.inf if p == "Infinity" else p
    dims = _dims(x, axis)
    if p == 1:
        _away("norm", x, [0.0])
    if p == math.inf:
        common._check_no_ties(x.abs(), dims)
    return torch.linalg.vector_norm(x, ord=p, dim=dims, keepdim=keepdim)


# Kindling op name -> torch, with Kindling's parameter names (registered into common.OPS).
OPS = {
    "eq": _cmp(torch.eq),
    "ne": _cmp(torch.ne),
    "lt": _cmp(torch.lt),
    "le": _cmp(torch.le),
    "gt": _cmp(torch.gt),
    "ge": _cmp(torch.ge),
    "isnan": lambda x: torch.isnan(x).to(x.dtype),
    "isfinite": lambda x: torch.isfinite(x).to(x.dtype),
    "minimum": _binary_no_ties(torch.minimum, "minimum"),
    "maximum": _binary_no_ties(torch.maximum, "maximum"),
    "clamp": _clamp,
    "square": torch.square,
    "rsqrt": common._checked("rsqrt", common._check_domain, torch.rsqrt),
    "reciprocal": torch.reciprocal,
    "sign": _kinked(torch.sign, "sign"),
    "sin": torch.sin,
    "cos": torch.cos,
    "log1p": torch.log1p,
    "expm1": torch.expm1,
    "erf": torch.erf,
    "softplus": _softplus,
    "leakyRelu": _kinked(lambda x, negativeSlope=0.01: F.leaky_relu(x, negativeSlope), "leakyRelu"),
    "elu": _kinked(lambda x, alpha=1.0: F.elu(x, alpha), "elu"),
    "gelu": lambda x, approximate="none": F.gelu(x, approximate=approximate),
    "silu": F.silu,
    "min": _min,
    "argmax": _arg(torch.argmax),
    "argmin": _arg(torch.argmin),
    "prod": _prod,
    "logsumexp": lambda x, axis=None, keepdim=False: torch.logsumexp(x, _dims(x, axis), keepdim),
    "var": lambda x, axis=None, keepdim=False, correction=1: torch.var(x, dim=_dims(x, axis), correction=correction, keepdim=keepdim),
    "std": lambda x, axis=None, keepdim=False, correction=1: torch.std(x, dim=_dims(x, axis), correction=correction, keepdim=keepdim),
    "norm": _norm,
    "cumsum": lambda x, dim: torch.cumsum(x, dim),
    "softmax": lambda x, dim: torch.softmax(x, dim),
    "logSoftmax": lambda x, dim: torch.log_softmax(x, dim),
}
common.OPS.update(OPS)

NO_GRAD = {"eq", "ne", "lt", "le", "gt", "ge", "isnan", "isfinite", "argmax", "argmin"}


# ---- inputs ---------------------------------------------------------------------------------


def draw(d, shape, dtype, kind):
    """Draw kinds of common.Draw plus: ('range', lo, hi) uniform; ('ints', lo, hi) integers
    (exact in float32, so comparisons and argmax see real ties); ('scaled', s) normal times s."""
    if isinstance(kind, str):
        return d.tensor(shape, dtype, kind)
    tag = kind[0]
    if tag == "range":
        x = d.uniform(list(shape), kind[1], kind[2])
    elif tag == "ints":
        x = torch.floor(d.uniform(list(shape), kind[1], kind[2] + 1))
    elif tag == "scaled":
        x = d.normal(list(shape)) * kind[1]
    else:
        raise ValueError(f"unknown kind {kind}")
    return x.to(common.DTYPES[dtype])


def push(x, points):
    """Moves elements within MARGIN of any of `points` to 2·MARGIN from it, on the same side."""
    x = x.clone()
    for p in points:
        near = (x - p).abs() < MARGIN
        side = torch.where(x >= p, torch.ones_like(x), -torch.ones_like(x))
        x = torch.where(near, p + side * (2 * MARGIN), x)
    return x


def _set(x, index, value):
    x = x.clone()
    x[index] = value
    return x


# ---- cases ----------------------------------------------------------------------------------

AXES = [("all", None), ("0", 0), ("-1", -1), ("0,2", [0, 2])]

# (label, [(name, shape, kind)], program, edit): edit(inputs) may overwrite drawn values.
CASES = []


def case(label, inputs, program, edit=None, second_order=None):
    CASES.append((label, inputs, program, edit, second_order))


# comparisons: integer draws so that equal elements occur; broadcasting and a number operand
for op in ("eq", "ne", "lt", "le", "gt", "ge"):
    case(f"{op}/same", [("a", [3, 4], ("ints", -2, 2)), ("b", [3, 4], ("ints", -2, 2))], [step(op, ["a", "b"])])
    case(f"{op}/broadcast", [("a", [2, 1, 4], ("ints", -1, 1)), ("b", [3, 1], ("ints", -1, 1))], [step(op, ["a", "b"])])
    case(f"{op}/number", [("a", [2, 5], ("ints", -2, 2))], [step(op, ["a", 1.0])])
# masks of a quotient with zeros: x/0 is ±Infinity, 0/0 NaN (the JSON holds no NaN itself)
for op in ("isnan", "isfinite"):
    case(f"{op}/quotient", [("a", [3, 4], ("ints", -1, 1)), ("b", [3, 4], ("ints", 0, 1))],
         [step("div", ["a", "b"]), step(op, ["%0"])])

# minimum / maximum: no ties (checked), broadcasting, a number, a transposed operand
for op in ("minimum", "maximum"):
    case(f"{op}/same", [("a", [3, 4], "normal"), ("b", [3, 4], "normal")], [step(op, ["a", "b"])])
    case(f"{op}/broadcast", [("a", [2, 1, 4], "normal"), ("b", [3, 1], "normal")], [step(op, ["a", "b"])])
    case(f"{op}/number", [("a", [2, 5], "normal")], [step(op, ["a", 0.3])])
    case(f"{op}/transposed-tanh", [("a", [4, 3], "normal"), ("b", [3, 4], "normal")],
         [step("transpose", ["a"], dim0=0, dim1=1), step(op, ["%0", "b"]), step("tanh", ["%1"])])

# clamp: both bounds, one bound, feeding a square (so its second derivative is not all zero)
case("clamp/both", [("x", [3, 5], ("scaled", 1.5))], [step("clamp", ["x"], min=-0.5, max=0.8)], edit=lambda xs: [push(xs[0], [-0.5, 0.8])])
case("clamp/min", [("x", [3, 5], "normal")], [step("clamp", ["x"], min=-0.25)], edit=lambda xs: [push(xs[0], [-0.25])])
case("clamp/max-square", [("x", [3, 5], "normal")], [step("clamp", ["x"], max=0.4), step("mul", ["%0", "%0"])],
     edit=lambda xs: [push(xs[0], [0.4])])

# unary math
for op, kind in [
    ("square", "normal"),
    ("rsqrt", "positive"),
    ("reciprocal", "nonzero"),
    ("sign", "nonzero"),
    ("sin", ("scaled", 2.0)),
    ("cos", ("scaled", 2.0)),
    ("log1p", ("range", -0.75, 3.0)),
    ("expm1", "normal"),
    ("erf", ("scaled", 1.5)),
    ("silu", ("scaled", 3.0)),
]:
    case(op, [("x", [3, 4], kind)], [step(op, ["x"])])
case("erf/tails", [("x", [8], ("range", -5.5, 5.5))], [step("erf", ["x"])])
case("sin/permuted-mul", [("x", [2, 3, 4], "normal")], [step("permute", ["x"], dims=[2, 0, 1]), step("sin", ["%0"]), step("mul", ["%1", "%0"])])

# activations
case("softplus/default", [("x", [3, 4], ("scaled", 3.0))], [step("softplus", ["x"])])
case("softplus/beta-threshold", [("x", [3, 4], ("scaled", 3.0))], [step("softplus", ["x"], beta=2.0, threshold=3.0)],
     edit=lambda xs: [push(xs[0], [1.5])])
case("softplus/linear-region", [("x", [2, 3], ("range", -25.0, 25.0))], [step("softplus", ["x"], beta=1.0, threshold=5.0)],
     edit=lambda xs: [push(xs[0], [5.0])])
case("leakyRelu/default", [("x", [3, 4], "nonzero")], [step("leakyRelu", ["x"])])
case("leakyRelu/slope-square", [("x", [3, 4], "nonzero")], [step("leakyRelu", ["x"], negativeSlope=0.2), step("mul", ["%0", "%0"])])
case("elu/default", [("x", [3, 4], ("scaled", 2.0))], [step("elu", ["x"])], edit=lambda xs: [push(xs[0], [0.0])])
case("elu/alpha", [("x", [3, 4], ("scaled", 2.0))], [step("elu", ["x"], alpha=1.5)], edit=lambda xs: [push(xs[0], [0.0])])
case("gelu/none", [("x", [3, 4], ("scaled", 2.5))], [step("gelu", ["x"])])
case("gelu/tanh", [("x", [3, 4], ("scaled", 2.5))], [step("gelu", ["x"], approximate="tanh")])
case("gelu/transposed", [("x", [4, 3], "normal")], [step("transpose", ["x"], dim0=0, dim1=1), step("gelu", ["%0"])])

# reductions over every axis, one, a negative one and two, and once with keepdim
REDUCE_AXES = [(label, axis, False) for label, axis in AXES] + [("0", 0, True)]
for label, axis, keepdim in REDUCE_AXES:
    kd = str(keepdim).lower()
    for op in ("min", "prod", "logsumexp", "var", "std"):
        kind = ("range", 0.5, 1.5) if op == "prod" else "normal"
        case(f"{op}/axis={label}/keepdim={kd}", [("x", [2, 3, 4], kind)], [step(op, ["x"], axis=axis, keepdim=keepdim)])
    for p in (2, 1, "Infinity"):
        case(f"norm/p={p}/axis={label}/keepdim={kd}", [("x", [2, 3, 4], "nonzero")], [step("norm", ["x"], p=p, axis=axis, keepdim=keepdim)])
case("min/1d", [("x", [5], "normal")], [step("min", ["x"], axis=0, keepdim=False)])
case("logsumexp/large", [("x", [2, 4], ("range", 995.0, 1005.0))], [step("logsumexp", ["x"], axis=1, keepdim=False)])
case("logsumexp/very-negative", [("x", [2, 4], ("range", -1005.0, -995.0))], [step("logsumexp", ["x"], axis=[0, 1], keepdim=True)])
case("var/correction=0", [("x", [3, 4], "normal")], [step("var", ["x"], axis=1, keepdim=False, correction=0)])
case("var/correction=2", [("x", [3, 4], "normal")], [step("var", ["x"], axis=None, keepdim=False, correction=2)])
case("std/correction=0-transposed", [("x", [4, 3], "normal")],
     [step("transpose", ["x"], dim0=0, dim1=1), step("std", ["%0"], axis=-1, keepdim=True, correction=0)])
case("norm/transposed-mul", [("x", [4, 3], "nonzero")],
     [step("transpose", ["x"], dim0=0, dim1=1), step("norm", ["%0"], p=2, axis=1, keepdim=True), step("mul", ["%1", "%0"])])
# prod with zeros: one zero in a slice (that element gets the product of the others), two zeros
# in a slice (every gradient of that slice is 0), and a slice without zeros beside them
case("prod/one-zero", [("x", [3, 4], ("range", 0.5, 1.5))], [step("prod", ["x"], axis=1, keepdim=False)],
     edit=lambda xs: [_set(xs[0], (0, 2), 0.0)])
case("prod/two-zeros", [("x", [3, 4], ("range", 0.5, 1.5))], [step("prod", ["x"], axis=1, keepdim=False)],
     edit=lambda xs: [_set(_set(xs[0], (1, 0), 0.0), (1, 3), 0.0)])
case("prod/one-zero-all", [("x", [2, 3], ("range", 0.5, 1.5))], [step("prod", ["x"], axis=None, keepdim=False)],
     edit=lambda xs: [_set(xs[0], (1, 1), 0.0)])
# torch's full-reduction prod_backward returns zeros_like(input) (a constant) for two or more
# zeros, so its second derivative there is 0, not the true one: first order only.
case("prod/two-zeros-all", [("x", [2, 3], ("range", 0.5, 1.5))], [step("prod", ["x"], axis=None, keepdim=False)],
     edit=lambda xs: [_set(_set(xs[0], (0, 0), 0.0), (1, 2), 0.0)], second_order=False)
case("prod/zero-transposed", [("x", [4, 3], ("range", 0.5, 1.5))],
     [step("transpose", ["x"], dim0=0, dim1=1), step("prod", ["%0"], axis=0, keepdim=True)], edit=lambda xs: [_set(xs[0], (2, 1), 0.0)])

# argmax / argmin (forward only): flattened, along a dim, keepdim, ties (first index wins)
for op in ("argmax", "argmin"):
    case(f"{op}/flat", [("x", [3, 4], "normal")], [step(op, ["x"])])
    case(f"{op}/flat-keepdim", [("x", [3, 4], "normal")], [step(op, ["x"], keepdim=True)])
    case(f"{op}/dim0", [("x", [3, 4], "normal")], [step(op, ["x"], dim=0)])
    case(f"{op}/dim-1-keepdim", [("x", [2, 3, 4], "normal")], [step(op, ["x"], dim=-1, keepdim=True)])
    case(f"{op}/ties", [("x", [4, 5], ("ints", -1, 1))], [step(op, ["x"], dim=1)])
    case(f"{op}/transposed", [("x", [4, 3], "normal")], [step("transpose", ["x"], dim0=0, dim1=1), step(op, ["%0"], dim=1)])

# cumsum, softmax, logSoftmax along each dim, and on a transposed input
for op in ("cumsum", "softmax", "logSoftmax"):
    for dim in (0, 1, -1):
        case(f"{op}/dim={dim}", [("x", [2, 3, 4], "normal")], [step(op, ["x"], dim=dim)])
    case(f"{op}/transposed-mul", [("x", [4, 3], "normal")],
         [step("transpose", ["x"], dim0=0, dim1=1), step(op, ["%0"], dim=1), step("mul", ["%1", "%0"])])
case("softmax/large", [("x", [2, 3], ("range", 990.0, 1010.0))], [step("softmax", ["x"], dim=1)])
case("logSoftmax/large", [("x", [2, 3], ("range", -1010.0, -990.0))], [step("logSoftmax", ["x"], dim=0)])

# float32 with float64 (both dimensioned): float64 out, as arithmetic
MIXED = [
    ("lt/mixed", [("a", [2, 3], "float32", ("ints", -1, 1)), ("b", [3], "float64", ("ints", -1, 1))], [step("lt", ["a", "b"])]),
    ("maximum/mixed", [("a", [2, 3], "float32", "normal"), ("b", [3], "float64", "normal")], [step("maximum", ["a", "b"])]),
]


def forward_case(case_id, inputs, program):
    """A case of an op without a gradient: output only (README.md, "forward-only cases")."""
    names = [n for n, _ in inputs]
    dtypes = sorted({common.DTYPE_NAMES[t.dtype] for _, t in inputs})
    env = {n: t.detach().clone() for n, t in inputs}
    out = common.run_program(program, env)
    single = len(program) == 1
    return {
        "id": case_id,
        "op": program[0]["op"] if single else "compose",
        "params": program[0]["params"] if single else None,
        "dtype": dtypes[0] if len(dtypes) == 1 else "mixed",
        "inputs": [dict(name=n, **encode(t)) for n, t in inputs],
        "program": program,
        "output": encode(out),
        "gradOutput": None,
        "grads": [None for _ in names],
        "secondOrder": None,
    }


def _make(cid, inputs, program, d, second_order):
    if any(s["op"] in NO_GRAD for s in program):
        return forward_case(cid, inputs, program)
    return make_case(cid, inputs, program, d, second_order=second_order if second_order is False else None)


def build_dtype(dtype):
    cases = []
    for label, spec, program, edit, second_order in CASES:
        cid = f"{AREA}/{label}/{dtype}"
        d = Draw(cid)
        xs = [draw(d, shape, dtype, kind) for _, shape, kind in spec]
        if edit is not None:
            xs = edit(xs)
        try:
            cases.append(_make(cid, [(name, x) for (name, _, _), x in zip(spec, xs)], program, d, second_order))
        except ValueError as e:
            raise ValueError(f"{cid}: {e}") from e
    return cases


def mixed():
    cases = []
    for label, spec, program in MIXED:
        cid = f"{AREA}/{label}"
        d = Draw(cid)
        xs = [(name, draw(d, shape, dt, kind)) for name, shape, dt, kind in spec]
        cases.append(_make(cid, xs, program, d, None))
    return cases


def build():
    return both_dtypes(build_dtype) + mixed()
