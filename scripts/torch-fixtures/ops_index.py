"""Indexing, slicing and joining ops (slice, split, chunk, cat, indexSelect, gather, scatterAdd,
where, flip, roll, pad in its four modes), alone and feeding a nonlinear op so that the second
derivatives are not all zero; plus the values of the deterministic factories (arange, linspace,
eye), which have no inputs and are written to their own file.

Integer arguments (indices, the condition of where) are step params, not inputs: every input of
a case is a float leaf that requires grad. They are plain JSON lists; the interpreter turns them
into torch.long / torch.bool tensors."""

import torch
import torch.nn.functional as F

import common
from common import both_dtypes, encode, program_cases, step

AREA = "ops_index"


def _slice(x, dim, start=None, end=None, step=1):
    idx = [slice(None)] * x.dim()
    idx[dim] = slice(start, end, step)
    return x[tuple(idx)]


def _pad(x, pad, mode="constant", value=None):
    if mode == "constant":
        return F.pad(x, pad, mode=mode, value=0.0 if value is None else value)
    return F.pad(x, pad, mode=mode)


def _long(index):
    return torch.tensor(index, dtype=torch.long)


# Kindling op name -> torch, for the steps of this area (registered into common.OPS).
OPS = {
    "slice": _slice,
    "split": lambda x, splitSizeOrSections, dim=0, piece=0: torch.split(x, splitSizeOrSections, dim)[piece],
    "chunk": lambda x, chunks, dim=0, piece=0: torch.chunk(x, chunks, dim)[piece],
    "cat": lambda *xs, dim=0: torch.cat(xs, dim),
    "indexSelect": lambda x, dim, index: torch.index_select(x, dim, _long(index)),
    "gather": lambda x, dim, index: torch.gather(x, dim, _long(index)),
    "scatterAdd": lambda x, src, dim, index: x.scatter_add(dim, _long(index), src),
    "where": lambda a, b, cond: torch.where(torch.tensor(cond, dtype=torch.bool), a, b),
    "flip": lambda x, dims: torch.flip(x, dims),
    "roll": lambda x, shifts, dims=None: torch.roll(x, shifts, dims) if dims is not None else torch.roll(x, shifts),
    "pad": _pad,
}
common.OPS.update(OPS)

# (label, [(input name, shape)], program)
CASES = [
    # slice: Python's start:end:step on one dim, as a view
    ("slice/step2", [("x", [4, 6])], [step("slice", ["x"], dim=1, start=1, end=None, step=2)]),
    ("slice/negative-bounds", [("x", [5, 3])], [step("slice", ["x"], dim=0, start=-4, end=-1, step=1)]),
    ("slice/clamped-step3", [("x", [3, 7])], [step("slice", ["x"], dim=-1, start=-10, end=100, step=3)]),
    ("slice/empty", [("x", [3, 4])], [step("slice", ["x"], dim=0, start=3, end=1, step=1)]),
    ("slice/permuted-tanh", [("x", [3, 4, 5])],
     [step("permute", ["x"], dims=[2, 0, 1]), step("slice", ["%0"], dim=0, start=1, end=5, step=2), step("tanh", ["%1"])]),
    ("slice/twice-mul", [("x", [6, 5])],
     [step("slice", ["x"], dim=0, start=None, end=None, step=2), step("slice", ["%0"], dim=1, start=1, end=-1, step=1),
      step("mul", ["%1", "%1"])]),
    # split / chunk (pieces picked by `piece`), cat
    ("split/even", [("x", [6, 2])], [step("split", ["x"], splitSizeOrSections=2, dim=0, piece=1)]),
    ("split/uneven-cat", [("x", [3, 5])],
     [step("split", ["x"], splitSizeOrSections=2, dim=1, piece=0), step("split", ["x"], splitSizeOrSections=2, dim=1, piece=2),
      step("tanh", ["%0"]), step("mul", ["%1", "%1"]), step("cat", ["%3", "%2"], dim=1)]),
    ("split/sections", [("x", [2, 6])], [step("split", ["x"], splitSizeOrSections=[1, 3, 2], dim=-1, piece=1)]),
    ("chunk/uneven-last", [("x", [5, 3])], [step("chunk", ["x"], chunks=3, dim=0, piece=2)]),
    ("chunk/fewer-pieces", [("x", [2, 6])],
     [step("chunk", ["x"], chunks=4, dim=1, piece=2), step("chunk", ["x"], chunks=4, dim=1, piece=0), step("mul", ["%0", "%1"])]),
    ("cat/three", [("a", [2, 1]), ("b", [2, 3]), ("c", [2, 2])], [step("cat", ["a", "b", "c"], dim=1)]),
    # indexSelect
    ("indexSelect/dim0-repeats", [("x", [4, 3])], [step("indexSelect", ["x"], dim=0, index=[3, 0, 3, 1, 3])]),
    ("indexSelect/last-dim", [("x", [2, 3, 4])], [step("indexSelect", ["x"], dim=-1, index=[2, 2, 0])]),
    ("indexSelect/transposed-square", [("x", [3, 4])],
     [step("transpose", ["x"], dim0=0, dim1=1), step("indexSelect", ["%0"], dim=1, index=[1, 1, 2]), step("mul", ["%1", "%1"])]),
    # gather / scatterAdd
    ("gather/dim0", [("x", [3, 4])], [step("gather", ["x"], dim=0, index=[[2, 0, 1, 1], [0, 0, 2, 1]])]),
    ("gather/dim1-smaller-index", [("x", [3, 4])], [step("gather", ["x"], dim=1, index=[[3, 3, 0], [1, 0, 2]])]),
    ("gather/3d-tanh", [("x", [2, 3, 2])],
     [step("gather", ["x"], dim=1, index=[[[2, 0], [1, 1], [0, 2], [2, 2]], [[0, 0], [1, 2], [2, 1], [1, 0]]]), step("tanh", ["%0"])]),
    ("scatterAdd/dim0-repeats", [("x", [3, 4]), ("src", [2, 4])],
     [step("scatterAdd", ["x", "src"], dim=0, index=[[2, 0, 2, 1], [2, 2, 0, 1]])]),
    ("scatterAdd/dim1", [("x", [2, 5]), ("src", [2, 3])], [step("scatterAdd", ["x", "src"], dim=1, index=[[4, 4, 0], [1, 3, 1]])]),
    ("scatterAdd/nonlinear", [("x", [2, 3]), ("src", [2, 2])],
     [step("mul", ["src", "src"]), step("scatterAdd", ["x", "%0"], dim=1, index=[[0, 0], [2, 1]]), step("tanh", ["%1"])]),
    # where
    ("where/broadcast", [("a", [3, 4]), ("b", [4])], [step("where", ["a", "b"], cond=[[1], [0], [1]])]),
    ("where/number-other", [("a", [2, 3])], [step("where", ["a", 0.5], cond=[[1, 0, 1], [0, 0, 1]])]),
    ("where/nonlinear", [("a", [2, 3]), ("b", [2, 3])],
     [step("mul", ["a", "a"]), step("tanh", ["b"]), step("where", ["%0", "%1"], cond=[1, 0, 1]), step("mul", ["%2", "b"])]),
    # flip / roll
    ("flip/dim0", [("x", [3, 2])], [step("flip", ["x"], dims=[0])]),
    ("flip/two-dims", [("x", [2, 3, 4])], [step("flip", ["x"], dims=[0, -1])]),
    ("flip/permuted-square", [("x", [3, 4])],
     [step("transpose", ["x"], dim0=0, dim1=1), step("flip", ["%0"], dims=[1]), step("mul", ["%1", "%1"])]),
    ("roll/flat", [("x", [2, 3])], [step("roll", ["x"], shifts=4)]),
    ("roll/two-dims", [("x", [3, 4])], [step("roll", ["x"], shifts=[1, -2], dims=[0, 1])]),
    ("roll/wraps", [("x", [2, 3])], [step("roll", ["x"], shifts=7, dims=1)]),
    ("roll/tanh", [("x", [4, 2])], [step("roll", ["x"], shifts=[-1], dims=[0]), step("tanh", ["%0"])]),
    # pad, last dims first
    ("pad/constant-1d", [("x", [2, 3, 4])], [step("pad", ["x"], pad=[1, 2])]),
    ("pad/constant-2d-value", [("x", [2, 3])], [step("pad", ["x"], pad=[1, 0, 2, 1], value=0.5)]),
    ("pad/constant-crop", [("x", [3, 5])], [step("pad", ["x"], pad=[-1, 2, 0, -2], value=-1.5)]),
    ("pad/constant-all-dims", [("x", [2, 2, 2])], [step("pad", ["x"], pad=[1, 0, 0, 1, 1, 1])]),
    ("pad/reflect-1d", [("x", [2, 3, 5])], [step("pad", ["x"], pad=[2, 4], mode="reflect")]),
    ("pad/reflect-2d", [("x", [1, 2, 4, 5])], [step("pad", ["x"], pad=[1, 2, 3, 1], mode="reflect")]),
    ("pad/reflect-unbatched", [("x", [2, 4])], [step("pad", ["x"], pad=[3, 1], mode="reflect")]),
    ("pad/reflect-negative", [("x", [1, 2, 5])], [step("pad", ["x"], pad=[-1, 2], mode="reflect")]),
    ("pad/replicate-1d", [("x", [1, 2, 3])], [step("pad", ["x"], pad=[3, 1], mode="replicate")]),
    ("pad/replicate-2d", [("x", [2, 2, 3, 3])], [step("pad", ["x"], pad=[2, 0, 1, 3], mode="replicate")]),
    ("pad/circular-1d", [("x", [1, 2, 4])], [step("pad", ["x"], pad=[2, 4], mode="circular")]),
    ("pad/circular-2d", [("x", [1, 1, 3, 4])], [step("pad", ["x"], pad=[1, 1, 3, 0], mode="circular")]),
    ("pad/reflect-square", [("x", [1, 2, 4])], [step("pad", ["x"], pad=[2, 1], mode="reflect"), step("mul", ["%0", "%0"])]),
    ("pad/constant-tanh", [("x", [2, 3])], [step("pad", ["x"], pad=[1, 1, -1, 1], value=0.25), step("tanh", ["%0"])]),
]


def build_dtype(dtype):
    return program_cases(AREA, CASES, dtype)


def build():
    return both_dtypes(build_dtype)


# ---- factories ------------------------------------------------------------------------------

# (label, op, params): params use Kindling's names and argument order.
FACTORIES = [
    ("arange/n", "arange", {"n": 5}),
    ("arange/start-end", "arange", {"start": 2, "end": 5}),
    ("arange/negative-step", "arange", {"start": 1, "end": 0, "step": -0.25}),
    ("arange/tenths", "arange", {"start": 0, "end": 1, "step": 0.1}),
    ("arange/ceil", "arange", {"start": 0, "end": 1, "step": 0.3}),
    ("arange/fractional-start", "arange", {"start": -3.5, "end": 2.25, "step": 0.75}),
    ("arange/count-down", "arange", {"start": 10, "end": 3, "step": -2}),
    ("arange/empty", "arange", {"start": 3, "end": 3, "step": 1}),
    ("linspace/quarters", "linspace", {"start": 0, "end": 1, "steps": 5}),
    ("linspace/negative", "linspace", {"start": -2, "end": 3, "steps": 7}),
    ("linspace/descending", "linspace", {"start": 1, "end": 0, "steps": 4}),
    ("linspace/thirteen", "linspace", {"start": 0.1, "end": 0.7, "steps": 13}),
    ("linspace/one", "linspace", {"start": 3, "end": 3, "steps": 1}),
    ("linspace/zero", "linspace", {"start": 0, "end": 1, "steps": 0}),
    ("linspace/two", "linspace", {"start": 5, "end": -5, "steps": 2}),
    ("eye/square", "eye", {"n": 3}),
    ("eye/wide", "eye", {"n": 2, "m": 4}),
    ("eye/tall", "eye", {"n": 4, "m": 2}),
    ("eye/empty", "eye", {"n": 0}),
    ("eye/no-columns", "eye", {"n": 1, "m": 0}),
]


def _factory(op, p, dtype):
    t = common.DTYPES[dtype]
    if op == "arange":
        return torch.arange(p["n"], dtype=t) if "n" in p else torch.arange(p["start"], p["end"], p.get("step", 1), dtype=t)
    if op == "linspace":
        return torch.linspace(p["start"], p["end"], p["steps"], dtype=t)
    if op == "eye":
        return torch.eye(p["n"], p["m"], dtype=t) if "m" in p else torch.eye(p["n"], dtype=t)
    raise ValueError(f"unknown factory {op}")


def build_factories():
    """Cases without inputs: {id, op, params, dtype, output} (see README.md, "factories.json")."""
    return [
        {"id": f"factories/{label}/{dtype}", "op": op, "params": p, "dtype": dtype, "output": encode(_factory(op, p, dtype))}
        for dtype in ("float64", "float32")
        for label, op, p in FACTORIES
    ]
