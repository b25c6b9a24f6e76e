"""torch.optim.lr_scheduler and torch.nn.utils.clip_grad_*, for @kindling/nn's schedulers and
gradient clipping: writes packages/nn/test/fixtures/torch/nn_schedulers.json.

A scheduler case builds an optimizer (SGD or Adam over tiny float64 parameters, one or more
param groups), wraps it in a scheduler described in Kindling's names, and records after
construction and after each `step()` what the scheduler reports (`get_last_lr()`) and what the
param groups hold (`lr`, and the momentum that OneCycleLR cycles: SGD's `momentum` or Adam's
`betas[0]`). The optimizer never steps: the schedules do not depend on the parameters, and
torch only warns about the order. A clip case records `clip_grad_norm_` / `clip_grad_value_` on
seeded float64 gradients. float64 throughout; the Kindling test compares to 1e-12.

Run through `pnpm fixtures:torch nn_schedulers`, or on its own:
`python3 scripts/torch-fixtures/nn_schedulers.py`.
"""

import math
import warnings

import torch
import torch.optim.lr_scheduler as S

import common

AREA = "nn_schedulers"

# The optimizer is never stepped here, so torch's "lr_scheduler.step() before optimizer.step()"
# warning is expected; so is the deprecation warning SequentialLR's step(0) raises internally.
warnings.filterwarnings("ignore", category=UserWarning)

# Kindling option name -> torch keyword, per scheduler.
KW = {
    "StepLR": {"gamma": "gamma", "lastEpoch": "last_epoch"},
    "MultiStepLR": {"gamma": "gamma", "lastEpoch": "last_epoch"},
    "ExponentialLR": {"lastEpoch": "last_epoch"},
    "CosineAnnealingLR": {"etaMin": "eta_min", "lastEpoch": "last_epoch"},
    "LinearLR": {"startFactor": "start_factor", "endFactor": "end_factor", "totalIters": "total_iters", "lastEpoch": "last_epoch"},
    "OneCycleLR": {
        "totalSteps": "total_steps", "epochs": "epochs", "stepsPerEpoch": "steps_per_epoch", "pctStart": "pct_start",
        "annealStrategy": "anneal_strategy", "cycleMomentum": "cycle_momentum", "baseMomentum": "base_momentum",
        "maxMomentum": "max_momentum", "divFactor": "div_factor", "finalDivFactor": "final_div_factor",
        "threePhase": "three_phase", "lastEpoch": "last_epoch",
    },
    "ReduceLROnPlateau": {
        "mode": "mode", "factor": "factor", "patience": "patience", "threshold": "threshold",
        "thresholdMode": "threshold_mode", "cooldown": "cooldown", "minLr": "min_lr", "eps": "eps",
    },
    "SequentialLR": {"lastEpoch": "last_epoch"},
}


def make_optimizer(spec):
    """spec: {"type": "SGD" | "Adam", "options": {...Kindling names}, "groups": [{"lr", "initialLr"?...}]}"""
    params = [torch.zeros(2, dtype=torch.float64, requires_grad=True) for _ in spec["groups"]]
    groups = []
    for p, g in zip(params, spec["groups"]):
        group = {"params": [p], "lr": g["lr"]}
        if "initialLr" in g:
            group["initial_lr"] = g["initialLr"]
        groups.append(group)
    o = spec.get("options", {})
    if spec["type"] == "SGD":
        return torch.optim.SGD(groups, lr=1e-3, momentum=o.get("momentum", 0))
    return torch.optim.Adam(groups, lr=1e-3, betas=tuple(o.get("betas", (0.9, 0.999))))


def make_scheduler(spec, opt):
    t = spec["type"]
    kw = {KW[t][k]: v for k, v in spec.get("options", {}).items()}
    args = spec.get("args", [])
    if t == "SequentialLR":
        subs = [make_scheduler(s, opt) for s in spec["schedulers"]]
        return S.SequentialLR(opt, subs, spec["milestones"], **kw)
    return getattr(S, t)(opt, *args, **kw)


def momentum_of(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"][0] if "betas" in g else g["momentum"])
    return out


def record(opt, sched):
    return {
        # torch 1.13's ReduceLROnPlateau sets _last_lr only in step(); before that it reports
        # the groups' lrs, as torch >= 2.2 (and Kindling) do.
        "lastLr": [float(v) for v in getattr(sched, "_last_lr", [g["lr"] for g in opt.param_groups])],
        "groupLr": [float(g["lr"]) for g in opt.param_groups],
        "momentum": [float(v) for v in momentum_of(opt)],
    }


def scheduler_case(label, optimizer, scheduler, steps, metrics=None, extra_step_error=False):
    opt = make_optimizer(optimizer)
    sched = make_scheduler(scheduler, opt)
    trace = [record(opt, sched)]
    for i in range(steps):
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        trace.append(record(opt, sched))
    error = None
    if extra_step_error:
        try:
            sched.step()
        except ValueError as e:
            error = str(e)
        else:
            raise AssertionError(f"{label}: expected the extra step to raise")
    return {
        "id": f"{AREA}/{scheduler['type']}/{label}",
        "kind": "scheduler",
        "optimizer": optimizer,
        "scheduler": scheduler,
        "steps": steps,
        "metrics": metrics,
        "initialLr": [g.get("initial_lr") for g in opt.param_groups],
        "lastLr": [r["lastLr"] for r in trace],
        "groupLr": [r["groupLr"] for r in trace],
        "momentum": [r["momentum"] for r in trace],
        "error": error,
    }


SGD1 = {"type": "SGD", "options": {"momentum": 0.9}, "groups": [{"lr": 0.1}]}
SGD2 = {"type": "SGD", "options": {"momentum": 0.9}, "groups": [{"lr": 0.1}, {"lr": 0.03}]}
ADAM2 = {"type": "Adam", "options": {"betas": [0.9, 0.99]}, "groups": [{"lr": 0.01}, {"lr": 0.002}]}


def metric_sequence(draw, n):
    """A loss that falls, then plateaus with noise, then falls again, then rises: every branch
    of ReduceLROnPlateau (improvement, bad epochs, reduction, cooldown) is visited."""
    noise = draw.uniform([n], -0.02, 0.02).tolist()
    out = []
    for i in range(n):
        if i < 8:
            base = 1.0 - 0.08 * i
        elif i < 22:
            base = 0.44
        elif i < 30:
            base = 0.44 - 0.03 * (i - 21)
        else:
            base = 0.2 + 0.01 * (i - 29)
        out.append(base + noise[i])
    return out


def scheduler_cases():
    cases = []
    add = cases.append
    add(scheduler_case("step3-gamma0.5-two-groups", SGD2, {"type": "StepLR", "args": [3], "options": {"gamma": 0.5}}, 40))
    add(scheduler_case("step7-default-gamma", SGD1, {"type": "StepLR", "args": [7]}, 40))
    add(scheduler_case("adam-step1-gamma0.9", ADAM2, {"type": "StepLR", "args": [1], "options": {"gamma": 0.9}}, 30))
    add(scheduler_case("resume-last-epoch-9", {"type": "SGD", "groups": [{"lr": 0.02, "initialLr": 0.08}]},
                       {"type": "StepLR", "args": [4], "options": {"gamma": 0.5, "lastEpoch": 9}}, 20))
    add(scheduler_case("milestones-repeated", SGD2, {"type": "MultiStepLR", "args": [[5, 12, 12, 20]], "options": {"gamma": 0.3}}, 40))
    add(scheduler_case("milestones-default-gamma", SGD1, {"type": "MultiStepLR", "args": [[10, 20]]}, 30))
    add(scheduler_case("gamma0.9", SGD1, {"type": "ExponentialLR", "args": [0.9]}, 40))
    add(scheduler_case("gamma0.97-two-groups", SGD2, {"type": "ExponentialLR", "args": [0.97]}, 40))
    add(scheduler_case("tmax10-etamin-past-tmax", SGD2, {"type": "CosineAnnealingLR", "args": [10], "options": {"etaMin": 0.001}}, 60))
    add(scheduler_case("tmax7", SGD1, {"type": "CosineAnnealingLR", "args": [7]}, 40))
    add(scheduler_case("tmax25-adam", ADAM2, {"type": "CosineAnnealingLR", "args": [25], "options": {"etaMin": 1e-4}}, 50))
    add(scheduler_case("resume-last-epoch-5", {"type": "SGD", "groups": [{"lr": 0.05, "initialLr": 0.1}]},
                       {"type": "CosineAnnealingLR", "args": [12], "options": {"etaMin": 0.01, "lastEpoch": 5}}, 30))
    add(scheduler_case("defaults", SGD1, {"type": "LinearLR"}, 30))
    add(scheduler_case("warmup-0.1-to-1-over-10", SGD2, {"type": "LinearLR", "options": {"startFactor": 0.1, "endFactor": 1.0, "totalIters": 10}}, 30))
    add(scheduler_case("decay-1-to-0.2-over-8", SGD1, {"type": "LinearLR", "options": {"startFactor": 1.0, "endFactor": 0.2, "totalIters": 8}}, 30))
    add(scheduler_case("sgd-total50", SGD1, {"type": "OneCycleLR", "args": [0.1], "options": {"totalSteps": 50}}, 50, extra_step_error=True))
    add(scheduler_case("adam-epochs-linear-per-group-maxlr", ADAM2,
                       {"type": "OneCycleLR", "args": [[0.01, 0.02]], "options": {"epochs": 5, "stepsPerEpoch": 10, "annealStrategy": "linear"}}, 49))
    add(scheduler_case("three-phase", SGD2,
                       {"type": "OneCycleLR", "args": [0.5], "options": {"totalSteps": 40, "pctStart": 0.25, "threePhase": True, "divFactor": 10.0, "finalDivFactor": 100.0}}, 39))
    add(scheduler_case("no-momentum-cycling", ADAM2,
                       {"type": "OneCycleLR", "args": [0.02], "options": {"totalSteps": 30, "cycleMomentum": False, "pctStart": 0.4}}, 30))
    add(scheduler_case("custom-momenta-per-group", SGD2,
                       {"type": "OneCycleLR", "args": [0.2], "options": {"totalSteps": 35, "baseMomentum": [0.8, 0.7], "maxMomentum": [0.9, 0.99]}}, 34))
    d = common.Draw(f"{AREA}/ReduceLROnPlateau/metrics")
    metrics = metric_sequence(d, 45)
    neg = [-m for m in metrics]
    add(scheduler_case("min-rel-patience3", SGD2, {"type": "ReduceLROnPlateau", "options": {"patience": 3}}, 45, metrics))
    add(scheduler_case("min-abs-cooldown2-minlr-per-group", SGD2,
                       {"type": "ReduceLROnPlateau", "options": {"patience": 2, "thresholdMode": "abs", "threshold": 0.01, "cooldown": 2, "factor": 0.5, "minLr": [0.02, 0.01]}}, 45, metrics))
    add(scheduler_case("max-rel", SGD1, {"type": "ReduceLROnPlateau", "options": {"mode": "max", "patience": 1, "threshold": 0.05, "factor": 0.3}}, 45, neg))
    add(scheduler_case("max-abs-eps-blocks", SGD1,
                       {"type": "ReduceLROnPlateau", "options": {"mode": "max", "thresholdMode": "abs", "patience": 0, "factor": 0.5, "eps": 0.02, "minLr": 0.001}}, 45, neg))
    add(scheduler_case("default-patience10", ADAM2, {"type": "ReduceLROnPlateau"}, 45, metrics))
    add(scheduler_case("linear-warmup-then-exponential", SGD2, {
        "type": "SequentialLR",
        "schedulers": [{"type": "LinearLR", "options": {"startFactor": 0.1, "totalIters": 5}}, {"type": "ExponentialLR", "args": [0.9]}],
        "milestones": [5]}, 40))
    add(scheduler_case("linear-warmup-then-cosine", SGD1, {
        "type": "SequentialLR",
        "schedulers": [{"type": "LinearLR", "options": {"startFactor": 0.2, "totalIters": 4}}, {"type": "CosineAnnealingLR", "args": [20], "options": {"etaMin": 0.001}}],
        "milestones": [4]}, 40))
    add(scheduler_case("step-multistep-exponential", SGD1, {
        "type": "SequentialLR",
        "schedulers": [{"type": "StepLR", "args": [2], "options": {"gamma": 0.8}},
                       {"type": "MultiStepLR", "args": [[3, 6]], "options": {"gamma": 0.5}},
                       {"type": "ExponentialLR", "args": [0.95]}],
        "milestones": [6, 15]}, 40))
    return cases


def clip_cases():
    cases = []
    shapes = [[3, 4], [5], [2, 2, 2]]
    configs = [
        ("norm2", "norm", 1.0, 2.0, shapes, None),
        ("norm2-no-clip", "norm", 100.0, 2.0, shapes, None),
        ("norm1", "norm", 2.0, 1.0, shapes, None),
        ("norm-inf", "norm", 0.5, math.inf, shapes, None),
        ("norm3", "norm", 1.5, 3.0, shapes, None),
        ("norm0.5", "norm", 4.0, 0.5, shapes, None),
        ("norm2-one-grad-missing", "norm", 0.7, 2.0, shapes, 1),
        ("norm2-single", "norm", 0.3, 2.0, [[4, 3]], None),
        ("value0.5", "value", 0.5, None, shapes, None),
        ("value0.1-one-grad-missing", "value", 0.1, None, shapes, 0),
    ]
    for label, kind, limit, norm_type, shps, missing in configs:
        cid = f"{AREA}/clip/{label}"
        d = common.Draw(cid)
        params = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shps]
        grads = [d.tensor(s, "float64") for s in shps]
        for i, (p, g) in enumerate(zip(params, grads)):
            p.grad = None if i == missing else g.clone()
        if kind == "norm":
            total = torch.nn.utils.clip_grad_norm_(params, limit, norm_type=norm_type)
        else:
            total = None
            torch.nn.utils.clip_grad_value_(params, limit)
        cases.append({
            "id": cid,
            "kind": "clip" + kind.capitalize(),
            "maxNorm" if kind == "norm" else "clipValue": limit,
            "normType": None if norm_type is None else ("Infinity" if math.isinf(norm_type) else norm_type),
            "grads": [None if i == missing else common.encode(g) for i, g in enumerate(grads)],
            "totalNorm": None if total is None else float(total),
            "clipped": [None if p.grad is None else common.encode(p.grad) for p in params],
        })
    return cases


def build():
    return scheduler_cases() + clip_cases()


out_dir = common.nn_out_dir


def main():
    common.write_area(AREA, build, out_dir)


if __name__ == "__main__":
    main()
