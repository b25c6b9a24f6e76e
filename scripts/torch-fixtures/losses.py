"""mse_loss with each reduction."""

from common import Draw, both_dtypes, make_case, step

AREA = "losses"

SHAPES = [("2d", [2, 3]), ("3d", [2, 1, 3]), ("0d", [])]


def build_dtype(dtype):
    cases = []
    for reduction in ("mean", "sum", "none"):
        for label, shape in SHAPES:
            cid = f"{AREA}/mseLoss/{reduction}/{label}/{dtype}"
            d = Draw(cid)
            p = d.tensor(shape, dtype)
            t = d.tensor(shape, dtype)
            cases.append(make_case(cid, [("prediction", p), ("target", t)], [step("mseLoss", ["prediction", "target"], reduction=reduction)], d))
    return cases


def build():
    return both_dtypes(build_dtype)
