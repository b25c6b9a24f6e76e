"""torch.utils.data's TensorDataset, DataLoader and random_split, for @kindling/nn's data
utilities: writes packages/nn/test/fixtures/torch/nn_data.json.

Only what does not depend on the random stream is recorded (Kindling's generator is its own,
so a shuffled order can never match torch's): for an unshuffled DataLoader over a
TensorDataset, `len(loader)` and every batch (the rows, which identify the indices, and the
shape of each tensor in it); for random_split, the lengths torch computes from counts or from
fractions (floor, then the remainder handed out round-robin), or the error it raises.

Run through `pnpm fixtures:torch nn_data`, or on its own: `python3 scripts/torch-fixtures/nn_data.py`.
"""

import warnings

import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

import common

AREA = "nn_data"

# random_split warns about a zero-length split; the cases with one are deliberate.
warnings.filterwarnings("ignore", message="Length of split at index")


def loader_cases():
    cases = []
    for n, batch_size, drop_last in [
        (10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 5, False), (2, 5, True),
        (1, 1, False), (7, 1, True), (6, 6, False), (0, 4, False), (12, 5, True),
    ]:
        x = torch.arange(n, dtype=torch.float64).reshape(n, 1).repeat(1, 2) * torch.tensor([1.0, -1.0], dtype=torch.float64)
        y = torch.arange(n, dtype=torch.float64) * 10
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False, drop_last=drop_last)
        batches = [{"x": common.encode(bx), "y": common.encode(by)} for bx, by in loader]
        cases.append({
            "id": f"{AREA}/DataLoader/n{n}-batch{batch_size}-{'drop' if drop_last else 'keep'}",
            "kind": "loader",
            "n": n,
            "batchSize": batch_size,
            "dropLast": drop_last,
            "length": len(loader),
            "batches": batches,
        })
    return cases


def split_cases():
    cases = []
    for n, lengths in [
        (10, [3, 7]), (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]),
        (7, [0.1, 0.2, 0.7]), (3, [0.1, 0.1, 0.8]), (5, [0.2, 0.2, 0.2, 0.2, 0.2]), (1, [1]),
        (4, [1]), (10, [3, 6]), (5, [0.5, 0.6]), (10, [-0.5, 1.5]), (6, [0, 6]), (9, [0.0, 1.0]),
    ]:
        label = "-".join(str(v) for v in lengths)
        try:
            parts = random_split(TensorDataset(torch.arange(n, dtype=torch.float64)), lengths, generator=torch.Generator().manual_seed(0))
            result, error = [len(p) for p in parts], None
        except ValueError as e:
            result, error = None, str(e)
        cases.append({"id": f"{AREA}/randomSplit/n{n}-{label}", "kind": "split", "n": n, "lengths": lengths, "result": result, "error": error})
    return cases


def build():
    return loader_cases() + split_cases()


out_dir = common.nn_out_dir


def main():
    common.write_area(AREA, build, out_dir)


if __name__ == "__main__":
    main()
