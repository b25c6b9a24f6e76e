"""The round-2 torch.nn layers as modules, for @kindling/nn: writes
packages/nn/test/fixtures/torch/nn_layers.json.

Two kinds of case, both float64 (the Kindling tests compare to 1e-10):

- a layer case builds the module with PyTorch's constructor, copies seeded values into its
  parameters and buffers (`state`, under PyTorch's state-dict keys), runs `preInputs` through it
  in training mode (BatchNorm1d's running statistics over several batches), then the recorded
  `input` (training mode): `output`, the gradients of `gradOutput` with respect to the input and
  every parameter, the state after it (`stateAfter`: buffers updated by the forward), and the
  output of the same input in eval mode (`evalOutput`); max pools also record `indices`
  (`return_indices=True`), embeddings take integer `indices` as their input;
- a repr case records only `str(module)`, for every layer Kindling has (the existing ones too)
  and containers of them.

A module is described the way the Kindling test builds it: `{"layer", "args", "options"}`
with Kindling's positional arguments and camelCase options (containers: `children`).

Run through `pnpm fixtures:torch nn_layers`, or on its own:
`python3 scripts/torch-fixtures/nn_layers.py`.
"""

import re

import torch
import torch.nn.functional as F

import common

AREA = "nn_layers"


def snake(name):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def spec(layer, *args, children=None, **options):
    s = {"layer": layer, "args": list(args), "options": options}
    if children is not None:
        s["children"] = children
    return s


def module(s):
    """The torch module a spec describes (Kindling's camelCase options as torch's keywords)."""
    layer, args, opts = s["layer"], s["args"], dict(s["options"])
    cls = getattr(torch.nn, layer)
    if layer == "Sequential":
        return cls(*[module(c) for c in s.get("children", [])])
    if layer == "ModuleList":
        return cls([module(c) for c in s.get("children", [])])
    if layer == "ModuleDict":
        return cls({k: module(c) for k, c in s.get("children", [])})
    if layer == "Unflatten":
        return cls(args[0], tuple(args[1]))
    if layer == "LayerNorm" and opts.get("bias") is False:
        # PyTorch 1.13 has no bias=False (2.1 added it): the same module is a LayerNorm
        # whose bias is registered as None, which F.layer_norm takes.
        del opts["bias"]
        m = cls(*args, **{snake(k): v for k, v in opts.items()}, dtype=torch.float64)
        m.register_parameter("bias", None)
        return m
    if layer == "MaxPool1d":
        # A Kindling 1-element array is Python's 1-tuple (PyTorch keeps MaxPool1d's sizes as given).
        args = [tuple(a) if isinstance(a, list) else a for a in args]
        opts = {k: tuple(v) if isinstance(v, list) else v for k, v in opts.items()}
    kwargs = {snake(k): v for k, v in opts.items()}
    if layer in ("BatchNorm1d", "LayerNorm", "Embedding", "Conv1d", "Linear"):
        kwargs["dtype"] = torch.float64
    return cls(*args, **kwargs)


# ---- layer cases ------------------------------------------------------------------------------
# (label, spec, input shape, input kind, number of extra training batches before the recorded one)

BN = [
    ("2d", spec("BatchNorm1d", 4), [6, 4], "normal", 0),
    ("3d", spec("BatchNorm1d", 4), [3, 4, 5], "normal", 0),
    ("3d-three-batches", spec("BatchNorm1d", 3), [2, 3, 4], "normal", 2),
    ("momentum-null-cumulative", spec("BatchNorm1d", 3, momentum=None), [2, 3, 4], "normal", 2),
    ("no-affine-eps-momentum", spec("BatchNorm1d", 4, eps=1e-3, momentum=0.3, affine=False), [5, 4], "normal", 1),
    ("no-running-stats", spec("BatchNorm1d", 4, trackRunningStats=False), [5, 4, 2], "normal", 0),
    ("no-running-stats-no-affine", spec("BatchNorm1d", 2, affine=False, trackRunningStats=False, momentum=None), [3, 2], "normal", 0),
    ("batch-of-two", spec("BatchNorm1d", 3), [2, 3], "normal", 0),
]

LN = [
    ("last-dim", spec("LayerNorm", 5), [3, 5], "normal", 0),
    ("two-dims", spec("LayerNorm", [4, 5], eps=1e-3), [2, 4, 5], "normal", 0),
    ("no-affine", spec("LayerNorm", 4, elementwiseAffine=False), [2, 3, 4], "normal", 0),
    ("no-bias", spec("LayerNorm", [3, 4], bias=False), [2, 3, 4], "normal", 0),
    ("1d-input", spec("LayerNorm", [6]), [6], "normal", 0),
]

MAXPOOL = [
    ("k2", spec("MaxPool1d", 2), [2, 3, 8], "normal", 0),
    ("k3-s1-p1", spec("MaxPool1d", 3, stride=1, padding=1), [2, 2, 7], "normal", 0),
    ("k3-s2-p1-d2", spec("MaxPool1d", 3, stride=2, padding=1, dilation=2), [1, 2, 9], "normal", 0),
    ("k2-ceil-partial-last", spec("MaxPool1d", 2, ceilMode=True), [1, 2, 5], "normal", 0),
    # L 5, K 2, s 2, p 1: ceil would give 4 windows, but the 4th would start in the right padding.
    ("k2-s2-p1-ceil-drops-last", spec("MaxPool1d", 2, stride=2, padding=1, ceilMode=True), [1, 2, 5], "normal", 0),
    ("k3-s2-p1-ceil", spec("MaxPool1d", 3, stride=2, padding=1, ceilMode=True), [2, 1, 6], "normal", 0),
    ("k4-s3-p2-d1-ceil", spec("MaxPool1d", 4, stride=3, padding=2, ceilMode=True), [1, 2, 8], "normal", 0),
    ("ties-k3-s1", spec("MaxPool1d", 3, stride=1), [2, 2, 9], "ties", 0),
    ("ties-k2-p1", spec("MaxPool1d", 2, padding=1), [1, 3, 6], "ties", 0),
    ("ties-k3-d2-ceil", spec("MaxPool1d", 3, stride=2, dilation=2, ceilMode=True), [1, 2, 10], "ties", 0),
    ("unbatched", spec("MaxPool1d", 3, stride=2), [3, 7], "normal", 0),
]

AVGPOOL = [
    ("k2", spec("AvgPool1d", 2), [2, 3, 8], "normal", 0),
    ("k3-s1-p1-include-pad", spec("AvgPool1d", 3, stride=1, padding=1), [2, 2, 6], "normal", 0),
    ("k3-s1-p1-exclude-pad", spec("AvgPool1d", 3, stride=1, padding=1, countIncludePad=False), [2, 2, 6], "normal", 0),
    ("k3-s2-p1-ceil-include-pad", spec("AvgPool1d", 3, stride=2, padding=1, ceilMode=True), [1, 2, 6], "normal", 0),
    ("k3-s2-p1-ceil-exclude-pad", spec("AvgPool1d", 3, stride=2, padding=1, ceilMode=True, countIncludePad=False), [1, 2, 6], "normal", 0),
    ("k4-s3-p2-ceil-include-pad", spec("AvgPool1d", 4, stride=3, padding=2, ceilMode=True), [1, 2, 7], "normal", 0),
    ("k2-s2-p1-ceil-drops-last", spec("AvgPool1d", 2, stride=2, padding=1, ceilMode=True), [1, 2, 5], "normal", 0),
    ("k2-ceil-partial-last", spec("AvgPool1d", 2, ceilMode=True), [2, 1, 5], "normal", 0),
    ("unbatched", spec("AvgPool1d", 3, stride=2, padding=1), [3, 7], "normal", 0),
]

ADAPTIVE = [
    ("avg-7-to-3", spec("AdaptiveAvgPool1d", 3), [2, 3, 7], "normal", 0),
    ("avg-4-to-4", spec("AdaptiveAvgPool1d", 4), [1, 2, 4], "normal", 0),
    ("avg-3-to-5", spec("AdaptiveAvgPool1d", 5), [1, 2, 3], "normal", 0),
    ("avg-to-1", spec("AdaptiveAvgPool1d", 1), [2, 2, 5], "normal", 0),
    ("avg-unbatched", spec("AdaptiveAvgPool1d", 2), [3, 5], "normal", 0),
    ("max-7-to-3", spec("AdaptiveMaxPool1d", 3), [2, 3, 7], "normal", 0),
    ("max-3-to-5", spec("AdaptiveMaxPool1d", 5), [1, 2, 3], "normal", 0),
    ("max-ties-10-to-4", spec("AdaptiveMaxPool1d", 4), [2, 2, 10], "ties", 0),
    ("max-unbatched", spec("AdaptiveMaxPool1d", 2), [3, 5], "normal", 0),
]

EMBEDDING = [
    ("repeats", spec("Embedding", 5, 3), [[0, 2, 4], [2, 2, 1]]),
    ("padding-idx", spec("Embedding", 6, 2, paddingIdx=1), [[1, 0, 1], [3, 1, 5]]),
    ("negative-padding-idx", spec("Embedding", 4, 3, paddingIdx=-1), [3, 0, 3, 2]),
    ("scalar-index", spec("Embedding", 4, 2), 2),
]

SIMPLE = [
    ("Unflatten/dim-1", spec("Unflatten", 1, [2, 3]), [4, 6], "normal", 0),
    ("Unflatten/negative-dim-inferred", spec("Unflatten", -1, [3, -1]), [2, 2, 6], "normal", 0),
    ("Softmax/dim-1", spec("Softmax", 1), [3, 4], "normal", 0),
    ("Softmax/dim-0-3d", spec("Softmax", 0), [3, 2, 2], "normal", 0),
    ("LogSoftmax/dim-minus-1", spec("LogSoftmax", -1), [2, 3, 4], "normal", 0),
    ("GELU/none", spec("GELU"), [3, 4], "normal", 0),
    ("GELU/tanh", spec("GELU", approximate="tanh"), [3, 4], "normal", 0),
    ("LeakyReLU/default", spec("LeakyReLU"), [3, 4], "nonzero", 0),
    ("LeakyReLU/0.2", spec("LeakyReLU", 0.2), [3, 4], "nonzero", 0),
    ("ELU/default", spec("ELU"), [3, 4], "nonzero", 0),
    ("ELU/0.5", spec("ELU", 0.5), [3, 4], "nonzero", 0),
    ("SiLU/default", spec("SiLU"), [3, 4], "normal", 0),
    ("Softplus/default", spec("Softplus"), [3, 4], "normal", 0),
    ("Softplus/beta-2-threshold-1", spec("Softplus", beta=2, threshold=1), [3, 4], "nonzero", 0),
    ("Dropout/p-0-train", spec("Dropout", 0.0), [3, 4], "normal", 0),
    ("Dropout/p-1-train", spec("Dropout", 1.0), [3, 4], "normal", 0),
]


def draw_input(d, shape, kind):
    if kind == "ties":
        # Small integers: many equal values inside a window and across overlapping windows.
        return torch.randint(-2, 3, shape, generator=d.gen).to(torch.float64)
    return d.tensor(shape, "float64", kind)


def draw_state(d, m):
    """Seeded values for every parameter and buffer, under PyTorch's keys (variances positive)."""
    state = {}
    for key, t in m.state_dict().items():
        if key == "num_batches_tracked":
            state[key] = torch.tensor(0, dtype=torch.float64)
        elif key == "running_var":
            state[key] = d.uniform(list(t.shape), 0.5, 2.0)
        else:
            state[key] = d.normal(list(t.shape))
    return state


def load(m, state):
    with torch.no_grad():
        for key, v in state.items():
            target = dict(m.named_parameters(), **dict(m.named_buffers()))[key]
            target.copy_(v.to(target.dtype))


def encode_state(m):
    return {k: common.encode(v.to(torch.float64)) for k, v in m.state_dict().items()}


def layer_case(group, label, s, shape, kind, pre):
    cid = f"{AREA}/{group}/{label}/float64"
    d = common.Draw(cid)
    m = module(s)
    state = draw_state(d, m)
    load(m, state)
    m.train()
    pre_inputs = [draw_input(d, shape, kind) for _ in range(pre)]
    with torch.no_grad():
        for p in pre_inputs:
            m(p)
    x = draw_input(d, shape, kind).requires_grad_(True)
    params = [p for _, p in m.named_parameters()]
    indices = None
    if s["layer"] in ("MaxPool1d", "AdaptiveMaxPool1d"):
        m.return_indices = True
        out, idx = m(x)
        m.return_indices = False
        indices = common.encode(idx.to(torch.float64))
    else:
        out = m(x)
    grad_output = d.tensor(out.shape, "float64")
    grads = torch.autograd.grad(out, [x] + params, grad_output)
    state_after = encode_state(m)
    m.eval()
    with torch.no_grad():
        eval_out = m(x)
    return {
        "id": cid,
        "module": s,
        "repr": str(m),
        "state": {k: common.encode(v) for k, v in state.items()},
        "preInputs": [common.encode(p) for p in pre_inputs],
        "input": common.encode(x),
        "indices": indices,
        "output": common.encode(out),
        "gradOutput": common.encode(grad_output),
        "grads": {"input": common.encode(grads[0]), **{n: common.encode(g) for (n, _), g in zip(m.named_parameters(), grads[1:])}},
        "stateAfter": state_after,
        "evalOutput": common.encode(eval_out),
    }


def embedding_case(label, s, idx):
    cid = f"{AREA}/Embedding/{label}/float64"
    d = common.Draw(cid)
    m = module(s)
    state = draw_state(d, m)  # the padding row too: lookups return it, its gradient stays 0
    load(m, state)
    index = torch.tensor(idx, dtype=torch.long)
    out = m(index)
    grad_output = d.tensor(out.shape, "float64")
    (gw,) = torch.autograd.grad(out, [m.weight], grad_output)
    return {
        "id": cid,
        "module": s,
        "repr": str(m),
        "state": {k: common.encode(v) for k, v in state.items()},
        "preInputs": [],
        "input": common.encode(index.to(torch.float64)),
        "indices": None,
        "output": common.encode(out),
        "gradOutput": common.encode(grad_output),
        "grads": {"input": None, "weight": common.encode(gw)},
        "stateAfter": encode_state(m),
        "evalOutput": common.encode(m.eval()(index)),
    }


# ---- repr cases -------------------------------------------------------------------------------

REPRS = [
    spec("Conv1d", 1, 4, 3),
    spec("Conv1d", 2, 4, 3, padding="same", groups=2, bias=False),
    spec("Conv1d", 2, 4, 3, padding="valid"),
    spec("Conv1d", 2, 4, 3, stride=2, padding=1, dilation=2),
    spec("Linear", 3, 2),
    spec("Linear", 3, 2, bias=False),
    spec("ReLU"), spec("Tanh"), spec("Sigmoid"), spec("Identity"),
    spec("Flatten"), spec("Flatten", 0, 2),
    spec("Unflatten", 1, [2, 3]), spec("Unflatten", -1, [6]),
    spec("Dropout"), spec("Dropout", 0.25), spec("Dropout", 1e-05), spec("Dropout", 0.0),
    spec("BatchNorm1d", 4),
    spec("BatchNorm1d", 4, eps=1e-3, momentum=None, affine=False, trackRunningStats=False),
    spec("BatchNorm1d", 16, eps=1e-10, momentum=0.01),
    spec("LayerNorm", 4), spec("LayerNorm", [2, 3], eps=1e-6, elementwiseAffine=False), spec("LayerNorm", 8, eps=0.1),
    spec("MaxPool1d", 2), spec("MaxPool1d", 3, stride=1, padding=1, dilation=2, ceilMode=True), spec("MaxPool1d", [3], stride=[2], padding=[1], dilation=[1]),
    spec("AvgPool1d", 2), spec("AvgPool1d", 3, stride=2, padding=1, ceilMode=True, countIncludePad=False),
    spec("AdaptiveAvgPool1d", 3), spec("AdaptiveMaxPool1d", 1),
    spec("Embedding", 5, 3), spec("Embedding", 5, 3, paddingIdx=-1), spec("Embedding", 5, 3, paddingIdx=0),
    spec("Softmax", 1), spec("LogSoftmax", -1),
    spec("GELU"), spec("GELU", approximate="tanh"),
    spec("LeakyReLU"), spec("LeakyReLU", 0.2), spec("LeakyReLU", 1e-20),
    spec("ELU"), spec("ELU", 0.5), spec("ELU", 2.0),
    spec("SiLU"),
    spec("Softplus"), # Softplus's defaults are Python ints (beta=1, threshold=20); a JavaScript number cannot say
    # whether it was 2 or 2.0, so Kindling prints integers as ints, and these cases pass ints.
    spec("Softplus", beta=2, threshold=10.5), spec("Softplus", beta=0.5),
    spec("Sequential"),
    spec("Sequential", children=[
        spec("Conv1d", 1, 4, 3, padding=1), spec("BatchNorm1d", 4), spec("ReLU"), spec("MaxPool1d", 2),
        spec("Dropout", 0.1), spec("Flatten"), spec("Linear", 8, 2),
    ]),
    spec("Sequential", children=[spec("Sequential", children=[spec("ReLU")]), spec("Linear", 2, 2)]),
    spec("ModuleList"),
    spec("ModuleList", children=[spec("ReLU"), spec("LayerNorm", 3)]),
    spec("ModuleDict", children=[["act", spec("GELU")], ["pool", spec("AdaptiveAvgPool1d", 1)]]),
]


def repr_case(i, s):
    return {"id": f"{AREA}/repr/{i:02d}-{s['layer']}", "module": s, "repr": str(module(s))}


def build():
    cases = []
    for group, table in (("BatchNorm1d", BN), ("LayerNorm", LN), ("MaxPool1d", MAXPOOL), ("AvgPool1d", AVGPOOL)):
        for label, s, shape, kind, pre in table:
            cases.append(layer_case(group, label, s, shape, kind, pre))
    for label, s, shape, kind, pre in ADAPTIVE:
        cases.append(layer_case(s["layer"], label, s, shape, kind, pre))
    for label, s, idx in EMBEDDING:
        cases.append(embedding_case(label, s, idx))
    for label, s, shape, kind, pre in SIMPLE:
        group, name = label.split("/")
        cases.append(layer_case(group, name, s, shape, kind, pre))
    cases += [repr_case(i, s) for i, s in enumerate(REPRS)]
    return cases


out_dir = common.nn_out_dir


def main():
    common.write_area(AREA, build, out_dir)


if __name__ == "__main__":
    main()
