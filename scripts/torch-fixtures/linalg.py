"""matmul in every form torch.matmul accepts with at least one dimension per operand."""

from common import Draw, both_dtypes, make_case, step

AREA = "linalg"

SHAPES = [
    ("1d-1d", [4], [4]),
    ("1d-2d", [3], [3, 2]),
    ("2d-1d", [2, 3], [3]),
    ("2d-2d", [2, 3], [3, 4]),
    ("1d-3d", [3], [2, 3, 2]),
    ("3d-1d", [2, 2, 3], [3]),
    ("3d-3d", [2, 2, 3], [2, 3, 2]),
    ("3d-2d", [2, 2, 3], [3, 2]),
    ("2d-3d", [2, 3], [2, 3, 4]),
    ("broadcast-batch", [2, 1, 2, 3], [3, 3, 2]),
    ("broadcast-batch-1", [1, 2, 3], [2, 3, 2]),
]


def build_dtype(dtype):
    cases = []
    for label, sa, sb in SHAPES:
        cid = f"{AREA}/matmul/{label}/{dtype}"
        d = Draw(cid)
        a = d.tensor(sa, dtype)
        b = d.tensor(sb, dtype)
        cases.append(make_case(cid, [("a", a), ("b", b)], [step("matmul", ["a", "b"])], d))
    return cases


def build():
    return both_dtypes(build_dtype)
