"""str(tensor) as PyTorch prints it, for Kindling's Tensor.toString (the values part: PyTorch
adds dtype= only for non-default dtypes and Kindling always does, so the test compares the
text before the suffix)."""

import math

import torch

import common


def enc(v):
    # JSON has no NaN/Infinity: spell them as strings.
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def case(case_id, t, **opts):
    full = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80}
    full.update(opts)
    torch.set_printoptions(**full)
    text = str(t)
    torch.set_printoptions(profile="default")
    return {
        "id": case_id,
        "shape": list(t.shape),
        "dtype": "float32" if t.dtype == torch.float32 else "float64",
        "data": [enc(v) for v in t.reshape(-1).tolist()],
        "options": {"precision": full["precision"], "threshold": full["threshold"], "edgeItems": full["edgeitems"], "lineWidth": full["linewidth"]},
        "torch": text,
    }


def build():
    # Restored on the way out: generate.py runs every area in one process, and a later area
    # built under this default would come out in float64 (nn_safetensors did).
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return cases_()
    finally:
        torch.set_default_dtype(prev)


def cases_():
    g = common.Draw("printing")
    return [
        case("scalar", torch.tensor(3.0)),
        case("scalar-frac", torch.tensor(-2.25)),
        case("ints", torch.tensor([1.0, 2.0, 3.0])),
        case("negative-ints", torch.tensor([[-1.0, 20.0], [300.0, 4.0]])),
        case("fixed", g.normal([2, 3])),
        case("fixed-precision-2", g.normal([3, 2]), precision=2),
        case("sci-small", torch.tensor([1e-5, 1.0, 2.5])),
        case("sci-range", torch.tensor([1.0, 12345.0, 0.5])),
        case("sci-big", torch.tensor([1e9, 2.0])),
        case("int-sci", torch.tensor([1.0, 1e9])),
        case("nonfinite", torch.tensor([float("nan"), float("inf"), -1.5, float("-inf")])),
        case("zeros", torch.zeros([2, 2])),
        case("3d", g.normal([2, 2, 3])),
        case("wrap", g.normal([30])),
        case("wrap-2d", g.normal([2, 25])),
        case("narrow-lines", g.normal([12]), linewidth=40),
        case("summary-1d", g.normal([2000])),
        case("summary-2d", g.normal([40, 40])),
        case("summary-3d", g.normal([20, 10, 10])),
        case("summary-threshold", g.normal([4, 5]), threshold=10, edgeitems=2),
        case("float32", g.normal([2, 3]).to(torch.float32)),
        case("4d", g.normal([2, 1, 2, 2])),
    ]
