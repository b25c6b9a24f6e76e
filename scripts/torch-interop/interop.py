#!/usr/bin/env python3
"""Kindling <-> PyTorch weights, checked: the torch side of packages/onnx/test/torch-interop.test.ts.

The model is the one docs/moving-on.md walks through, Conv1d -> ReLU -> Flatten -> Linear, in
float64, described by a JSON config shared with the Kindling side:
  {"in_channels": 2, "channels": 4, "kernel": 3, "padding": 1, "length": 10, "out": 3}

  interop.py check --config JSON --weights W --io IO
      Loads Kindling's weights (W, written by saveSafetensors) into the torch model with
      load_state_dict(strict=True), runs it on IO's "x" and compares with Kindling's output
      IO["y"]. Prints {"max_abs_diff": ..., "keys": [...]}.
  interop.py train --config JSON --data D --out W --steps N --lr LR --seed S
      Initialises the torch model from torch.manual_seed(S), trains N steps of SGD(lr) on MSE
      over D's "x" -> "y", writes the state dict to W, plus under "test.y" the outputs on D's
      "x_test", and under "next.<key>" the weights after one more step (which Kindling then
      takes itself and compares). Prints the losses.
"""
import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import safetensors_stdlib as st  # noqa: E402


def build(cfg):
    """The torch twin of Kindling's Sequential(Conv1d, ReLU, Flatten, Linear); keys 0.weight, 0.bias, 3.weight, 3.bias."""
    conv_len = cfg["length"] + 2 * cfg["padding"] - cfg["kernel"] + 1
    return torch.nn.Sequential(
        torch.nn.Conv1d(cfg["in_channels"], cfg["channels"], cfg["kernel"], padding=cfg["padding"]),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(cfg["channels"] * conv_len, cfg["out"]),
    ).double()


def check(args):
    cfg = json.loads(args.config)
    model = build(cfg)
    weights = st.load(args.weights)
    model.load_state_dict(weights, strict=True)
    io = st.load(args.io)
    with torch.no_grad():
        y = model(io["x"])
    diff = (y - io["y"]).abs().max().item()
    print(json.dumps({"max_abs_diff": diff, "keys": sorted(weights)}))


def train(args):
    cfg = json.loads(args.config)
    torch.manual_seed(args.seed)
    model = build(cfg)
    data = st.load(args.data)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.MSELoss()
    losses = []

    def step():
        opt.zero_grad()
        loss = loss_fn(model(data["x"]), data["y"])
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(args.steps):
        losses.append(step())
    out = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        out["test.y"] = model(data["x_test"])
    step()
    for k, v in model.state_dict().items():
        out["next." + k] = v.clone()
    st.save(args.out, out, {"producer": "scripts/torch-interop/interop.py", "torch": torch.__version__})
    print(json.dumps({"losses": losses, "torch": torch.__version__}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--config", required=True)
    c.add_argument("--weights", required=True)
    c.add_argument("--io", required=True)
    t = sub.add_parser("train")
    t.add_argument("--config", required=True)
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--steps", type=int, default=5)
    t.add_argument("--lr", type=float, default=0.05)
    t.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    check(args) if args.cmd == "check" else train(args)


if __name__ == "__main__":
    main()
