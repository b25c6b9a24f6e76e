"""torch.optim.AdamW, RMSprop and Adagrad, for @kindling/nn's optimizers of the same names:
writes packages/nn/test/fixtures/torch/nn_optim.json.

Each case builds the optimizer from options in Kindling's names (and, for some, parameter groups
with their own overrides) over two or three seeded parameters, then for each step sets every
parameter's `.grad` to a seeded tensor (or None: the parameter is skipped that step) and calls
`step()`, recording every parameter after every step: the trajectory. At the end it records the
optimizer's per-parameter state in Kindling's names (`exp_avg` -> `expAvg`, `step` as a
number). float64 cases are compared to 1e-12 by the Kindling test, the float32 ones to 1e-5.

Run through `pnpm fixtures:torch nn_optim`, or on its own: `python3 scripts/torch-fixtures/nn_optim.py`.
"""


import torch

import common

AREA = "nn_optim"

KW = {
    "lr": "lr", "betas": "betas", "eps": "eps", "weightDecay": "weight_decay", "amsgrad": "amsgrad",
    "maximize": "maximize", "alpha": "alpha", "momentum": "momentum", "centered": "centered",
    "lrDecay": "lr_decay", "initialAccumulatorValue": "initial_accumulator_value",
}
STATE_KEYS = {
    "step": "step", "exp_avg": "expAvg", "exp_avg_sq": "expAvgSq", "max_exp_avg_sq": "maxExpAvgSq",
    "square_avg": "squareAvg", "momentum_buffer": "momentumBuffer", "grad_avg": "gradAvg", "sum": "sum",
}
SHAPES = [[3, 2], [4], [2, 1, 2]]


def torch_options(opts):
    out = {KW[k]: (tuple(v) if k == "betas" else v) for k, v in opts.items()}
    return out


def case(name, label, options, steps=15, dtype="float64", groups=None, n_params=2, skip=None):
    """groups: a list of (param indices, Kindling overrides); skip: (step, param) pairs whose grad is None."""
    cid = f"{AREA}/{name}/{label}/{dtype}"
    d = common.Draw(cid)
    skip = set(skip or [])
    params = [d.tensor(SHAPES[i], dtype).requires_grad_(True) for i in range(n_params)]
    initial = [common.encode(p) for p in params]
    if groups is None:
        opt_params = params
    else:
        opt_params = [{"params": [params[i] for i in idx], **torch_options(over)} for idx, over in groups]
    opt = getattr(torch.optim, name)(opt_params, **torch_options(options))
    order = [p for g in opt.param_groups for p in g["params"]]
    grads, trajectory = [], []
    for s in range(steps):
        row = []
        for i, p in enumerate(params):
            if (s, i) in skip:
                p.grad = None
                row.append(None)
            else:
                g = d.tensor(p.shape, dtype)
                p.grad = g.clone()
                row.append(common.encode(g))
        grads.append(row)
        opt.step()
        trajectory.append([common.encode(p) for p in params])
    state = {}
    for pos, p in enumerate(order):
        if p not in opt.state or not opt.state[p]:
            continue
        entry = {}
        for k, v in opt.state[p].items():
            # RMSprop keeps its step as a Python int, AdamW and Adagrad as a 0-d tensor.
            entry[STATE_KEYS[k]] = float(v) if k == "step" else common.encode(v)
        state[str(pos)] = entry
    return {
        "id": cid,
        "optimizer": name,
        "options": options,
        "groups": None if groups is None else [{"params": idx, "options": over} for idx, over in groups],
        "dtype": dtype,
        "params": initial,
        "grads": grads,
        "trajectory": trajectory,
        "state": state,
    }


def adamw_cases():
    A = "AdamW"
    return [
        case(A, "defaults", {}),
        case(A, "lr-weight-decay", {"lr": 0.05, "weightDecay": 0.1}),
        case(A, "betas-eps", {"lr": 0.02, "betas": [0.8, 0.95], "eps": 1e-3}),
        case(A, "amsgrad", {"lr": 0.03, "amsgrad": True, "weightDecay": 0.05}, steps=20),
        case(A, "maximize", {"lr": 0.01, "maximize": True}),
        case(A, "no-decay-beta1-0", {"lr": 0.01, "weightDecay": 0.0, "betas": [0.0, 0.5]}),
        case(A, "groups-and-skips", {"lr": 0.01}, n_params=3,
             groups=[([0, 2], {"weightDecay": 0.2, "amsgrad": True}), ([1], {"lr": 0.1, "betas": [0.5, 0.9]})],
             skip=[(0, 1), (3, 0), (4, 0), (7, 2)]),
        case(A, "decay-amsgrad", {"lr": 0.02, "weightDecay": 0.1, "amsgrad": True}, dtype="float32"),
    ]


def rmsprop_cases():
    R = "RMSprop"
    return [
        case(R, "defaults", {}),
        case(R, "alpha-eps", {"lr": 0.005, "alpha": 0.9, "eps": 1e-4}),
        case(R, "momentum", {"lr": 0.01, "momentum": 0.9}),
        case(R, "centered", {"lr": 0.01, "centered": True}, steps=20),
        case(R, "centered-momentum-decay", {"lr": 0.02, "centered": True, "momentum": 0.5, "weightDecay": 0.1, "alpha": 0.95}),
        case(R, "maximize-decay", {"lr": 0.01, "maximize": True, "weightDecay": 0.05}),
        case(R, "alpha-0", {"lr": 0.01, "alpha": 0.0}, steps=10),
        case(R, "groups-and-skips", {"lr": 0.01}, n_params=3,
             groups=[([0], {"momentum": 0.9}), ([1, 2], {"centered": True, "alpha": 0.8})],
             skip=[(0, 2), (2, 0), (5, 1)]),
        case(R, "centered-momentum", {"lr": 0.01, "momentum": 0.9, "centered": True}, dtype="float32"),
    ]


def adagrad_cases():
    G = "Adagrad"
    return [
        case(G, "defaults", {}),
        case(G, "lr-decay", {"lr": 0.1, "lrDecay": 0.05}),
        case(G, "initial-accumulator", {"lr": 0.05, "initialAccumulatorValue": 0.5}),
        case(G, "weight-decay-eps", {"lr": 0.05, "weightDecay": 0.2, "eps": 1e-3}, steps=20),
        case(G, "maximize", {"lr": 0.03, "maximize": True, "lrDecay": 0.01}),
        # torch fills every sum with the constructor's initial_accumulator_value (a group's own
        # value is never read), so the groups here override only what torch uses.
        case(G, "groups-and-skips", {"lr": 0.01, "initialAccumulatorValue": 0.3}, n_params=3,
             groups=[([2, 0], {"lrDecay": 0.1}), ([1], {"lr": 0.2, "weightDecay": 0.1})],
             skip=[(0, 0), (1, 0), (6, 1)]),
        case(G, "lr-decay-accumulator", {"lr": 0.1, "lrDecay": 0.02, "initialAccumulatorValue": 0.1}, dtype="float32"),
    ]


def build():
    return adamw_cases() + rmsprop_cases() + adagrad_cases()


out_dir = common.nn_out_dir


def main():
    common.write_area(AREA, build, out_dir)


if __name__ == "__main__":
    main()
