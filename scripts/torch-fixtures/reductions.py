"""sum, mean and max (amax: values only) over axes, with and without keepdim."""

from common import Draw, both_dtypes, make_case, step

AREA = "reductions"

# axis None reduces every axis (a 0-d result without keepdim).
AXES = [
    ("all", None),
    ("0", 0),
    ("1", 1),
    ("-1", -1),
    ("0,2", [0, 2]),
    ("-1,0", [-1, 0]),
]


def build_dtype(dtype):
    cases = []
    for op in ("sum", "mean", "max"):
        for label, axis in AXES:
            for keepdim in (False, True):
                cid = f"{AREA}/{op}/axis={label}/keepdim={str(keepdim).lower()}/{dtype}"
                d = Draw(cid)
                x = d.tensor([2, 3, 4], dtype)
                cases.append(make_case(cid, [("x", x)], [step(op, ["x"], axis=axis, keepdim=keepdim)], d))
        # A 1-d and a 0-d input: the edges of the axis bookkeeping.
        for label, shape, axis in [("1d", [5], 0), ("0d", [], None)]:
            cid = f"{AREA}/{op}/{label}/{dtype}"
            d = Draw(cid)
            x = d.tensor(shape, dtype)
            cases.append(make_case(cid, [("x", x)], [step(op, ["x"], axis=axis, keepdim=False)], d))
    return cases


def build():
    return both_dtypes(build_dtype)
