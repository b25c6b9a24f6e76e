"""torch.nn's classification and robust-regression losses, for @kindling/nn's CrossEntropyLoss,
NLLLoss, BCELoss, BCEWithLogitsLoss, HuberLoss and SmoothL1Loss: writes
packages/nn/test/fixtures/torch/nn_losses.json.

Each case builds the torch.nn module from options written in Kindling's names (tensor options
such as `weight` and `posWeight` as fixture tensors), runs it on a seeded input and target, and
records the output and `torch.autograd.grad(output, [input, target], gradOutput)` for a seeded
upstream gradient (a 0-d one for 'mean' and 'sum'). The target's gradient is recorded where
torch defines one (probability targets, the BCE losses, Huber, SmoothL1); class-index targets
are written as float64 tensors holding integers (Kindling's index convention). Every case comes
in float64 (the Kindling test compares to 1e-10) and float32 (1e-5).

Run through `pnpm fixtures:torch nn_losses`, or on its own:
`python3 scripts/torch-fixtures/nn_losses.py`.
"""


import torch

import common

AREA = "nn_losses"

# Kindling option name -> torch keyword.
KW = {
    "weight": "weight", "posWeight": "pos_weight", "ignoreIndex": "ignore_index", "reduction": "reduction",
    "labelSmoothing": "label_smoothing", "delta": "delta", "beta": "beta",
}

TENSOR_OPTIONS = ("weight", "posWeight")


def indices(d, shape, classes, ignore=None, n_ignored=0):
    """Seeded class indices in [0, classes); the first `n_ignored` positions of a seeded
    permutation are set to `ignore`."""
    shape = list(shape)
    t = torch.randint(0, classes, shape, generator=d.gen, dtype=torch.int64)
    if n_ignored:
        flat = t.reshape(-1)
        where = torch.randperm(flat.numel(), generator=d.gen)[:n_ignored]
        flat[where] = ignore
    return t


def probabilities(d, shape, class_dim, dtype):
    return torch.softmax(d.normal(shape), class_dim).to(common.DTYPES[dtype])


def case(loss, label, dtype, make_input, make_target, options=None, target_grad=False):
    """make_input(d, dtype) -> input; make_target(d, dtype) -> (target, kind) with kind
    'indices' (an int64 tensor) or 'values' (a float tensor of the input's dtype). Options may
    hold callables d, dtype -> tensor for the tensor-valued ones."""
    cid = f"{AREA}/{loss}/{label}/{dtype}"
    d = common.Draw(cid)
    options = dict(options or {})
    x = make_input(d, dtype).requires_grad_(True)
    target, kind = make_target(d, dtype)
    for k in TENSOR_OPTIONS:
        if k in options:
            options[k] = options[k](d, dtype)
    kw = {KW[k]: v for k, v in options.items()}
    module = getattr(torch.nn, loss)(**kw)
    if kind == "values" and target_grad:
        target = target.detach().clone().requires_grad_(True)
    out = module(x, target)
    grad_output = d.tensor(out.shape, dtype)
    wrt = [x] + ([target] if target.requires_grad else [])
    grads = torch.autograd.grad(out, wrt, grad_output)
    return {
        "id": cid,
        "loss": loss,
        "options": {k: (common.encode(v) if k in TENSOR_OPTIONS else v) for k, v in options.items()},
        "repr": str(module),
        "input": common.encode(x),
        "targetKind": kind,
        "target": common.encode(target.to(torch.float64) if kind == "indices" else target),
        "output": common.encode(out),
        "gradOutput": common.encode(grad_output),
        "grads": {"input": common.encode(grads[0]), "target": common.encode(grads[1]) if len(grads) > 1 else None},
    }


def normal(*shape, scale=1.0):
    return lambda d, dtype: (d.normal(list(shape)) * scale).to(common.DTYPES[dtype])


def uniform(lo, hi, *shape):
    return lambda d, dtype: d.uniform(list(shape), lo, hi).to(common.DTYPES[dtype])


def positive(*shape):
    return lambda d, dtype: d.tensor(list(shape), dtype, "positive")


def idx(shape, classes, ignore=None, n_ignored=0):
    return lambda d, dtype: (indices(d, shape, classes, ignore, n_ignored), "indices")


def probs(shape, class_dim):
    return lambda d, dtype: (probabilities(d, shape, class_dim, dtype), "values")


def values(make):
    return lambda d, dtype: (make(d, dtype), "values")


def cross_entropy_cases(dtype):
    C = "CrossEntropyLoss"
    out = []
    for r in ("mean", "sum", "none"):
        red = {"reduction": r}
        out += [
            case(C, f"indices-{r}", dtype, normal(4, 5), idx([4], 5), red),
            case(C, f"weight-{r}", dtype, normal(6, 4), idx([6], 4), {**red, "weight": positive(4)}),
            case(C, f"ignore-default-{r}", dtype, normal(6, 4), idx([6], 4, -100, 2), red),
            case(C, f"ignore-2-weight-{r}", dtype, normal(6, 4), idx([6], 4), {**red, "ignoreIndex": 2, "weight": positive(4)}),
            case(C, f"smoothing-{r}", dtype, normal(5, 4), idx([5], 4), {**red, "labelSmoothing": 0.1}),
            case(C, f"smoothing-weight-ignore-{r}", dtype, normal(7, 4), idx([7], 4, -1, 2),
                 {**red, "labelSmoothing": 0.25, "weight": positive(4), "ignoreIndex": -1}),
            case(C, f"kd-{r}", dtype, normal(2, 3, 4), idx([2, 4], 3), red),
            case(C, f"kd2-weight-ignore-smoothing-{r}", dtype, normal(2, 4, 2, 3), idx([2, 2, 3], 4, -100, 3),
                 {**red, "weight": positive(4), "labelSmoothing": 0.2}),
            case(C, f"unbatched-{r}", dtype, normal(5), idx([], 5), red),
            case(C, f"unbatched-smoothing-weight-{r}", dtype, normal(5), idx([], 5), {**red, "labelSmoothing": 0.3, "weight": positive(5)}),
            case(C, f"probs-{r}", dtype, normal(4, 5), probs([4, 5], 1), red, target_grad=True),
            case(C, f"probs-weight-smoothing-{r}", dtype, normal(4, 3), probs([4, 3], 1),
                 {**red, "weight": positive(3), "labelSmoothing": 0.15}, target_grad=True),
            case(C, f"probs-kd-weight-{r}", dtype, normal(2, 3, 4), probs([2, 3, 4], 1), {**red, "weight": positive(3)}, target_grad=True),
        ]
    out += [
        case(C, "probs-smoothing-mean", dtype, normal(3, 4), probs([3, 4], 1), {"labelSmoothing": 0.4}, target_grad=True),
        case(C, "probs-unbatched-mean", dtype, normal(6), probs([6], 0), {}, target_grad=True),
        case(C, "probs-unnormalised-sum", dtype, normal(3, 4), values(positive(3, 4)), {"reduction": "sum"}, target_grad=True),
        # Logits of about ±1000: the log-sum-exp must subtract the row maximum.
        case(C, "large-logits-mean", dtype, normal(4, 3, scale=1000.0), idx([4], 3), {}),
        case(C, "large-logits-smoothing-none", dtype, normal(4, 3, scale=1000.0), idx([4], 3), {"reduction": "none", "labelSmoothing": 0.1}),
        case(C, "kd3-ignore-all-but-one-mean", dtype, normal(1, 3, 2, 2, 2), idx([1, 2, 2, 2], 3, -100, 7), {"weight": positive(3)}),
    ]
    return out


def nll_cases(dtype):
    N = "NLLLoss"
    out = []
    for r in ("mean", "sum", "none"):
        red = {"reduction": r}
        out += [
            case(N, f"basic-{r}", dtype, normal(5, 4), idx([5], 4), red),
            case(N, f"weight-ignore-{r}", dtype, normal(6, 3), idx([6], 3, 1, 0), {**red, "weight": positive(3), "ignoreIndex": 1}),
            case(N, f"kd-weight-{r}", dtype, normal(2, 3, 5), idx([2, 5], 3, -100, 3), {**red, "weight": positive(3)}),
            case(N, f"unbatched-{r}", dtype, normal(4), idx([], 4), red),
        ]
    return out


def bce_cases(dtype):
    B = "BCELoss"
    out = []
    for r in ("mean", "sum", "none"):
        red = {"reduction": r}
        out += [
            case(B, f"soft-{r}", dtype, uniform(0.05, 0.95, 4, 3), values(uniform(0, 1, 4, 3)), red, target_grad=True),
            case(B, f"weight-{r}", dtype, uniform(0.05, 0.95, 4, 3), values(uniform(0, 1, 4, 3)), {**red, "weight": positive(4, 3)}, target_grad=True),
            case(B, f"weight-broadcast-kd-{r}", dtype, uniform(0.05, 0.95, 2, 3, 4), values(uniform(0, 1, 2, 3, 4)),
                 {**red, "weight": positive(3, 1)}, target_grad=True),
        ]
    # Inputs of exactly 0 and 1: the logs are clamped at -100, the gradient divides by 1e-12.
    # The target's gradient is -logit(x) = ±inf there, so it is not recorded.
    edge = lambda d, dtype: torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5], dtype=common.DTYPES[dtype])
    edge_t = lambda d, dtype: (torch.tensor([0.0, 1.0, 0.3, 0.6, 1.0], dtype=common.DTYPES[dtype]), "values")
    for r in ("mean", "none"):
        out.append(case(B, f"clamped-{r}", dtype, edge, edge_t, {"reduction": r}))
    return out


def bce_logits_cases(dtype):
    B = "BCEWithLogitsLoss"
    out = []
    for r in ("mean", "sum", "none"):
        red = {"reduction": r}
        out += [
            case(B, f"basic-{r}", dtype, normal(4, 3, scale=2.0), values(uniform(0, 1, 4, 3)), red, target_grad=True),
            case(B, f"weight-{r}", dtype, normal(4, 3), values(uniform(0, 1, 4, 3)), {**red, "weight": positive(3)}, target_grad=True),
            case(B, f"pos-weight-{r}", dtype, normal(5, 3, scale=2.0), values(uniform(0, 1, 5, 3)), {**red, "posWeight": positive(3)}, target_grad=True),
            case(B, f"both-kd-{r}", dtype, normal(2, 3, 4), values(uniform(0, 1, 2, 3, 4)),
                 {**red, "weight": positive(2, 1, 4), "posWeight": positive(3, 1)}, target_grad=True),
        ]
    # Logits of ±30 to ±60: the stable form stays finite and exact.
    out += [
        case(B, "large-logits-mean", dtype, normal(6, scale=40.0), values(uniform(0, 1, 6)), {}, target_grad=True),
        case(B, "large-logits-pos-weight-none", dtype, normal(6, scale=40.0), values(uniform(0, 1, 6)),
             {"reduction": "none", "posWeight": positive(6)}, target_grad=True),
    ]
    return out


def huber_cases(dtype):
    out = []
    for r in ("mean", "sum", "none"):
        red = {"reduction": r}
        out += [
            case("HuberLoss", f"delta-1-{r}", dtype, normal(4, 5, scale=2.0), values(normal(4, 5)), red, target_grad=True),
            case("HuberLoss", f"delta-0.5-kd-{r}", dtype, normal(2, 3, 4), values(normal(2, 3, 4)), {**red, "delta": 0.5}, target_grad=True),
            case("HuberLoss", f"delta-2.5-{r}", dtype, normal(10, scale=3.0), values(normal(10)), {**red, "delta": 2.5}, target_grad=True),
            case("SmoothL1Loss", f"beta-1-{r}", dtype, normal(4, 5, scale=2.0), values(normal(4, 5)), red, target_grad=True),
            case("SmoothL1Loss", f"beta-0.3-kd-{r}", dtype, normal(2, 3, 4), values(normal(2, 3, 4)), {**red, "beta": 0.3}, target_grad=True),
            case("SmoothL1Loss", f"beta-2-{r}", dtype, normal(10, scale=3.0), values(normal(10)), {**red, "beta": 2.0}, target_grad=True),
            case("SmoothL1Loss", f"beta-0-{r}", dtype, normal(3, 4), values(normal(3, 4)), {**red, "beta": 0.0}, target_grad=True),
        ]
    out.append(case("HuberLoss", "zero-d-mean", dtype, normal(), values(normal()), {}, target_grad=True))
    return out


def build():
    cases = []
    for fn in (cross_entropy_cases, nll_cases, bce_cases, bce_logits_cases, huber_cases):
        cases += common.both_dtypes(fn)
    return cases


out_dir = common.nn_out_dir


def main():
    common.write_area(AREA, build, out_dir)


if __name__ == "__main__":
    main()
