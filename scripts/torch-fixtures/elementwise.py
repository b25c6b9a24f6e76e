"""add sub mul div with broadcasting, the unary ops and pow(k)."""

from common import Draw, both_dtypes, make_case, step

AREA = "elementwise"

# (label, shape of a, shape of b): same shape, row and column broadcasting, both sides
# broadcasting at once, and a 0-d operand of the same dtype (mixing a 0-d tensor with a
# dimensioned one of another dtype promotes differently in PyTorch; see README.md).
BINARY_SHAPES = [
    ("same", [2, 3], [2, 3]),
    ("row", [2, 3], [3]),
    ("both", [2, 1, 4], [3, 1]),
    ("scalar-tensor", [2, 3], []),
]

UNARY = [
    ("neg", "normal"),
    ("exp", "normal"),
    ("log", "positive"),
    ("sqrt", "positive"),
    ("abs", "nonzero"),
    ("relu", "nonzero"),
    ("sigmoid", "normal"),
    ("tanh", "normal"),
]

POWERS = [2, 3, 0.5, -1, 0]

# A plain-number second operand takes the tensor's dtype in both libraries.
NUMBER_OPERANDS = {"add": -2.0, "sub": 0.5, "mul": 1.5, "div": 3.0}


def binary(dtype):
    cases = []
    for op in ("add", "sub", "mul", "div"):
        for label, sa, sb in BINARY_SHAPES:
            cid = f"{AREA}/{op}/{label}/{dtype}"
            d = Draw(cid)
            a = d.tensor(sa, dtype)
            # A denominator at least 0.25 from zero keeps div's gradients moderate.
            b = d.tensor(sb, dtype, "nonzero" if op == "div" else "normal")
            cases.append(make_case(cid, [("a", a), ("b", b)], [step(op, ["a", "b"])], d))
        cid = f"{AREA}/{op}/number/{dtype}"
        d = Draw(cid)
        a = d.tensor([2, 3], dtype)
        cases.append(make_case(cid, [("a", a)], [step(op, ["a", NUMBER_OPERANDS[op]])], d))
    return cases


def unary(dtype):
    cases = []
    for op, kind in UNARY:
        cid = f"{AREA}/{op}/{dtype}"
        d = Draw(cid)
        x = d.tensor([3, 4], dtype, kind)
        cases.append(make_case(cid, [("x", x)], [step(op, ["x"])], d))
    for k in POWERS:
        cid = f"{AREA}/pow/{k}/{dtype}"
        d = Draw(cid)
        x = d.tensor([3, 4], dtype, "positive")
        cases.append(make_case(cid, [("x", x)], [step("pow", ["x"], exponent=k)], d))
    return cases


def mixed():
    """float32 with float64, both dimensioned: float64 out in both libraries."""
    cases = []
    for op, sa, sb in [("add", [2, 3], [3]), ("mul", [3, 1], [3, 4])]:
        cid = f"{AREA}/{op}/mixed"
        d = Draw(cid)
        a = d.tensor(sa, "float32")
        b = d.tensor(sb, "float64")
        cases.append(make_case(cid, [("a", a), ("b", b)], [step(op, ["a", "b"])], d))
    return cases


def build():
    return both_dtypes(binary) + both_dtypes(unary) + mixed()
