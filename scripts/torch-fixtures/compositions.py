"""Random programs of 2 to 4 ops, drawn from a seeded stream. Each step is chosen among the
ops whose preconditions hold on the values actually reached (positive for log and sqrt, away
from zero for relu and abs, no near-ties for max), so a program never sits on a kink."""

import random

import torch

from common import Draw, case_seed, make_case, run_program, step

AREA = "compositions"
COUNT = 8


def _candidates(cur, ref, rng, fresh):
    """(weight, thunk) pairs; a thunk returns the steps to append (fresh inputs drawn on demand)."""
    c = cur.detach().to(torch.float64)
    lo, hi = (c.min().item(), c.max().item()) if c.numel() else (0.0, 0.0)
    absmin = c.abs().min().item() if c.numel() else 0.0
    shape = list(cur.shape)
    out = [
        (1, lambda: [step("tanh", [ref])]),
        (1, lambda: [step("sigmoid", [ref])]),
        (1, lambda: [step("neg", [ref])]),
        (1, lambda: [step("pow", [ref], exponent=rng.choice([2, 3]))]),
        (1, lambda: [step("mul", [ref, ref])]),
    ]
    if hi < 2.5:
        out.append((1, lambda: [step("exp", [ref])]))
    if absmin > 0.1:
        out.append((1, lambda: [step(rng.choice(["relu", "abs"]), [ref])]))
        out.append((1, lambda: [step("div", [fresh(shape, "normal"), ref])]))
    if lo > 0.1:
        out.append((1, lambda: [step(rng.choice(["log", "sqrt"]), [ref])]))
        out.append((1, lambda: [step("pow", [ref], exponent=rng.choice([0.5, -1]))]))

    def binary():
        op = rng.choice(["add", "sub", "mul", "div"])
        if shape:
            other = rng.choice([shape, shape[-1:], [1] + shape[1:] if len(shape) > 1 else [1]])
        else:
            other = []
        return [step(op, [ref, fresh(other, "nonzero" if op == "div" else "normal")])]

    out.append((3, binary))
    if shape:
        def reduce():
            op = rng.choice(["sum", "mean", "max"])
            axis = rng.randrange(-len(shape), len(shape))
            return [step(op, [ref], axis=axis, keepdim=rng.choice([False, True]))]

        out.append((2, reduce))
        out.append((1, lambda: [step("matmul", [ref, fresh([shape[-1], 2], "normal")])]))
        out.append((1, lambda: [step("mseLoss", [ref, fresh(shape, "normal")], reduction=rng.choice(["mean", "sum", "none"]))]))
    if len(shape) >= 2:
        out.append((1, lambda: [step("transpose", [ref], dim0=0, dim1=-1)]))
        out.append((1, lambda: [step("reshape", [ref], shape=[-1])]))
    wide = [i for i, n in enumerate(shape) if n >= 2]
    if wide:
        def narrow():
            dim = rng.choice(wide)
            return [step("narrow", [ref], dim=dim, start=1, length=shape[dim] - 1)]

        out.append((1, narrow))
    ones = [i for i, n in enumerate(shape) if n == 1]
    if ones:
        def expand():
            target = list(shape)
            target[rng.choice(ones)] = 3
            return [step("expand", [ref], shape=target)]

        out.append((2, expand))
    return out


def build_one(index, dtype):
    cid = f"{AREA}/random-{index}/{dtype}"
    d = Draw(cid)
    rng = random.Random(case_seed(cid))
    inputs = [("x0", d.tensor(rng.choice([[3, 4], [2, 3, 4], [4, 3], [2, 1, 3]]), dtype))]

    def fresh(shape, kind):
        name = f"x{len(inputs)}"
        inputs.append((name, d.tensor(shape, dtype, kind)))
        return name

    program = []
    target = rng.randint(2, 4)
    while len(program) < target:
        env = dict(inputs)
        cur = run_program(program, env) if program else inputs[0][1]
        ref = f"%{len(program) - 1}" if program else "x0"
        options = _candidates(cur, ref, rng, fresh)
        weights = [w for w, _ in options]
        for _ in range(20):
            saved = len(inputs)
            steps = rng.choices(options, weights)[0][1]()
            try:
                run_program(program + steps, dict(inputs))
            except ValueError:
                del inputs[saved:]
                continue
            program += steps
            break
        else:
            raise RuntimeError(f"{cid}: no valid step found")
    return make_case(cid, inputs, program, d)


def build():
    return [build_one(i, dtype) for dtype in ("float64", "float32") for i in range(COUNT)]
