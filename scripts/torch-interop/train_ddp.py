#!/usr/bin/env python3
"""Continues training Kindling weights with PyTorch's DistributedDataParallel (docs/moving-on.md).

One process per GPU (or per CPU worker), on one machine or many; torchrun starts them:
  torchrun --standalone --nproc_per_node=2 train_ddp.py --config JSON --weights kindling.safetensors \\
      --data data.safetensors --out trained.safetensors --steps 10 --lr 0.05
  (several machines: torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d \\
      --rdzv_endpoint=HOST:29500 train_ddp.py ... on each)
Without torchrun, `python3 train_ddp.py --nproc 2 ...` starts the processes on this machine
itself (torch.multiprocessing): Debian bookworm's torchrun (torch 1.13 on Python 3.11) fails
parsing its own --redirects default, so the test uses this form.

Every process loads the same Kindling state dict (written by saveSafetensors); each trains on
its shard of the data ("x", "y"), and DDP averages the gradients, so every step equals one
full-batch SGD step on all of it. Rank 0 writes the result back as float64 safetensors with
Kindling's keys (from model.module: DDP's wrapper would prefix them with "module."), ready for
loadSafetensorsFile and loadStateDict. NCCL on GPUs, gloo on CPUs (the test runs it that way).
"""
import argparse
import json
import os
import socket
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
import safetensors_stdlib as st  # noqa: E402
from interop import build  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--nproc", type=int, default=1, help="processes to start when not run by torchrun")
    return p.parse_args()


def worker(local, args, port):
    """A process started by --nproc: the environment torchrun would have given it."""
    os.environ.update(RANK=str(local), LOCAL_RANK=str(local), WORLD_SIZE=str(args.nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    train(args)


def main():
    args = parse()
    if "RANK" in os.environ:  # started by torchrun
        train(args)
        return
    with socket.socket() as s:  # a free port for the processes to meet on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    torch.multiprocessing.spawn(worker, args=(args, port), nprocs=args.nproc, join=True)


def train(args):
    use_cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if use_cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32

    model = build(json.loads(args.config)).to(device=device, dtype=dtype)
    model.load_state_dict(st.load(args.weights), strict=True)
    ddp = DDP(model, device_ids=[local] if use_cuda else None)

    data = st.load(args.data)
    dataset = TensorDataset(data["x"].to(dtype), data["y"].to(dtype))
    # Equal shards, one batch each: the average of the shards' mean-loss gradients is the
    # full batch's, so the run is plain full-batch SGD, split across processes.
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=False, drop_last=True)
    loader = DataLoader(dataset, batch_size=len(dataset) // world, sampler=sampler)
    opt = torch.optim.SGD(ddp.parameters(), lr=args.lr)
    loss_fn = torch.nn.MSELoss()
    losses = []
    for step in range(args.steps):
        sampler.set_epoch(step)
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = loss_fn(ddp(x), y)
            loss.backward()  # DDP all-reduces (averages) the gradients here
            opt.step()
            losses.append(loss.item())

    if rank == 0:
        state = {k: v.detach().to("cpu", torch.float64) for k, v in model.state_dict().items()}
        st.save(args.out, state, {"producer": "scripts/torch-interop/train_ddp.py", "world_size": str(world)})
        print(json.dumps({"world_size": world, "backend": dist.get_backend(), "rank0_losses": losses}))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
