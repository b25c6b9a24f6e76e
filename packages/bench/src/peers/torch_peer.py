#!/usr/bin/env python3
"""PyTorch peer of the Kindling benchmark (protocol: proc.ts; server loop: peer_server.py).

Written as a PyTorch user writes the training step:

    model = nn.Conv1d(Cin, Cout, K, padding=p, stride=s)      # or the MLP's nn.Sequential
    model.load_state_dict(...)                                 # the workload's initial numbers
    loss_fn = nn.MSELoss(); opt = torch.optim.SGD(model.parameters(), lr=lr)
    # per step
    opt.zero_grad(); x.grad = None
    loss = loss_fn(model(x), y); loss.backward(); opt.step(); loss.item()

with x requiring grad for the conv workloads (so dX is computed, as in every peer) and not for
the MLP. Options: threads (torch.set_num_threads), dtype ("float32" | "float64", default the
workload's).
"""
import numpy as np
import torch
from torch import nn

from peer_server import serve


class TorchTrainer:
    def __init__(self, header, parts, options):
        threads = int(options.get("threads") or 0)
        if threads > 0:
            torch.set_num_threads(threads)
        dt = {"float32": torch.float32, "float64": torch.float64}[options.get("dtype") or header["dtype"]]
        self.dtype = dt
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(dt)  # noqa: E731
        self.mlp = header["kind"] == "mlp"
        if self.mlp:
            x, y, rest = parts[0], parts[1], parts[2:]
            sizes = header["sizes"]
            layers = []
            for i in range(len(sizes) - 1):
                layers.append(nn.Linear(sizes[i], sizes[i + 1]))
                if i < len(sizes) - 2:
                    layers.append(nn.ReLU())
            self.model = nn.Sequential(*layers).to(dt)
            self.linears = [m for m in self.model if isinstance(m, nn.Linear)]
            sd = {}
            for i, m in enumerate(self.model):
                if isinstance(m, nn.Linear):
                    j = self.linears.index(m)
                    sd[f"{i}.weight"] = t(rest[2 * j])
                    sd[f"{i}.bias"] = t(rest[2 * j + 1])
            self.model.load_state_dict(sd)
            self.x = t(x)
        else:
            x, w, b, y = parts
            self.model = nn.Conv1d(header["cin"], header["cout"], header["k"], stride=header["stride"], padding=header["padding"]).to(dt)
            self.model.load_state_dict({"weight": t(w), "bias": t(b)})
            self.linears = [self.model]
            self.x = t(x).requires_grad_(True)
        self.y = t(y)
        self.loss_fn = nn.MSELoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=float(header["lr"]))
        self.loss = float("nan")
        self.steps = 0
        cap = None
        try:
            cap = torch.backends.cpu.get_cpu_capability()  # PyTorch >= 2.0
        except Exception:
            pass
        self.info = {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "dtype": str(dt).replace("torch.", ""),
            "mkldnn": bool(torch.backends.mkldnn.is_available()),
            "cpu_capability": cap,
            "parallel": torch.__config__.parallel_info().splitlines()[0:3],
        }

    def step(self):
        self.opt.zero_grad()
        self.x.grad = None
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        self.loss = loss.item()
        self.steps += 1

    def state(self):
        ws = [m.weight.detach().double().numpy() for m in self.linears]
        bs = [m.bias.detach().double().numpy() for m in self.linears]
        return self.loss, ws, bs

    def dx(self):
        return None if self.mlp or self.x.grad is None else self.x.grad.detach().double().numpy()


if __name__ == "__main__":
    serve(TorchTrainer)
