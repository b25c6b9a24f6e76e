"""The PyTorch twin of the kindling-weather example (packages/examples/src/weather/): writes
packages/examples/test/fixtures/torch/weather_twin.json, which
packages/examples/test/weather-twin.test.ts replays with Kindling and compares to 1e-10.

Independent of Kindling's code, this script rebuilds the example from the committed CSV
(packages/examples/data/seattle-weather.csv): the training-only normalisation, the 11 features
per day, the 21-day windows and the temperature-change target; the model (the same module tree,
so the state-dict keys match); the loss (CrossEntropyLoss with square-root inverse-frequency
class weights + HuberLoss); and AdamW. It initialises the model with torch's own default
initialisation (seeded), records those weights, and trains for 20 steps in float64 on the first
20 batches of the training set in time order (no shuffling: batch k holds training examples
32k .. 32k + 31), with BatchNorm in training mode (batch statistics, running averages updated).

Dropout: torch's and Kindling's random streams differ, so neither library's Dropout draws the
masks. The model keeps p = 0.2, and the twin replaces the Dropout module on both sides with one
that multiplies by a committed noise tensor, mask / (1 - p) with mask ~ Bernoulli(1 - p) drawn
here from a seeded torch.Generator (one [32, 27] mask per step, recorded as strings of 0/1).
That is what torch.nn.Dropout computes for a given mask, and it keeps dropout's effect on the
gradients in the comparison.

Recorded: the inputs' checks (normaliser, class weights, each batch's labels and sums), the
initial state dict, the masks, the 20 losses (total, cross-entropy, Huber) and the state dict
after the 20 steps.

Run through `pnpm fixtures:torch weather_twin`, or on its own:
`python3 scripts/torch-fixtures/weather_twin.py`.
"""

import csv
import math
import os

import torch
import torch.nn as nn

import common

AREA = "weather_twin"
LABELS = ["drizzle", "fog", "rain", "snow", "sun"]
WINDOW = 21
BATCH = 32
STEPS = 20
HIDDEN = 16
DROPOUT = 0.2
LR = 3e-3
WEIGHT_DECAY = 1e-2
TRAIN_YEARS = (2012, 2013)
CUMULATIVE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]


def root_dir():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def out_dir():
    root = root_dir()
    return root, os.path.join(root, "packages", "examples", "test", "fixtures", "torch")


def read_days():
    path = os.path.join(root_dir(), "packages", "examples", "data", "seattle-weather.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    days = []
    for r in rows:
        y, m, d = (int(v) for v in r["date"].split("-"))
        days.append({
            "year": y,
            # a 365-day calendar: Feb 29 shares Feb 28's day of the year
            "doy": CUMULATIVE[m - 1] + min(d, 28 if m == 2 else d) - 1,
            "raw": [math.log1p(float(r["precipitation"])), float(r["temp_max"]), float(r["temp_min"]), float(r["wind"])],
            "label": LABELS.index(r["weather"]),
        })
    return days


def normaliser(days):
    train = torch.tensor([d["raw"] for d in days if d["year"] in TRAIN_YEARS], dtype=torch.float64)
    # population standard deviation (divide by n), as the example does
    return train.mean(0), train.std(0, unbiased=False), len(train)


def features(day, mean, std):
    z = [(v - m) / s for v, m, s in zip(day["raw"], mean.tolist(), std.tolist())]
    phase = 2 * math.pi * day["doy"] / 365
    return z + [math.sin(phase), math.cos(phase)] + [1.0 if k == day["label"] else 0.0 for k in range(len(LABELS))]


def training_set(days, mean, std):
    feats = [features(d, mean, std) for d in days]
    targets = [i for i in range(WINDOW, len(days)) if days[i]["year"] in TRAIN_YEARS]
    x = torch.tensor([[list(col) for col in zip(*feats[i - WINDOW:i])] for i in targets], dtype=torch.float64)  # [n, C, W]
    labels = torch.tensor([days[i]["label"] for i in targets])
    sd = std[1].item()
    change = torch.tensor([(days[i]["raw"][1] - days[i - 1]["raw"][1]) / sd for i in targets], dtype=torch.float64)
    return x, labels, change


def class_weights(days):
    counts = [0] * len(LABELS)
    n = 0
    for d in days:
        if d["year"] in TRAIN_YEARS:
            counts[d["label"]] += 1
            n += 1
    return [1.0 if c == 0 else math.sqrt(n / (len(LABELS) * c)) for c in counts]


class FixedNoise(nn.Module):
    """Dropout with a committed mask: multiplies by noise = mask / (1 - p) in training mode."""

    def __init__(self):
        super().__init__()
        self.noise = None

    def forward(self, x):
        return x * self.noise if self.training else x


class WeatherNet(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(channels, HIDDEN, 3, padding=1, bias=False), nn.BatchNorm1d(HIDDEN), nn.GELU(), nn.MaxPool1d(2),
            nn.Conv1d(HIDDEN, HIDDEN, 3, padding=1, bias=False), nn.BatchNorm1d(HIDDEN), nn.GELU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(),
        )
        self.dropout = nn.Dropout(DROPOUT)
        self.head = nn.Linear(HIDDEN + channels, len(LABELS) + 1)

    def forward(self, x):
        today = x[:, :, -1]
        return self.head(self.dropout(torch.cat([self.features(x), today], 1)))


def state(model):
    return {k: common.encode(v.to(torch.float64)) for k, v in model.state_dict().items()}


def build():
    case_id = f"{AREA}/first-{STEPS}-steps"
    days = read_days()
    mean, std, count = normaliser(days)
    x, labels, change = training_set(days, mean, std)
    weights = class_weights(days)

    torch.manual_seed(common.case_seed(case_id))
    model = WeatherNet(x.shape[1]).to(torch.float64)
    initial = state(model)
    model.dropout = FixedNoise()  # after recording: the state dict has no dropout entries either way
    model.train()
    ce = nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float64))
    huber = nn.HuberLoss()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    gen = torch.Generator().manual_seed(common.case_seed(case_id + "/masks"))

    masks, losses, batches = [], [], []
    width = HIDDEN + x.shape[1]
    for step in range(STEPS):
        rows = slice(step * BATCH, (step + 1) * BATCH)
        bx, by, bt = x[rows], labels[rows], change[rows]
        mask = torch.bernoulli(torch.full((BATCH, width), 1 - DROPOUT, dtype=torch.float64), generator=gen)
        model.dropout.noise = mask / (1 - DROPOUT)
        opt.zero_grad()
        out = model(bx)
        l_ce = ce(out[:, : len(LABELS)], by)
        l_huber = huber(out[:, len(LABELS)], bt)
        total = l_ce + l_huber
        total.backward()
        opt.step()
        masks.append(["".join(str(int(v)) for v in row) for row in mask.tolist()])
        losses.append({"total": total.item(), "crossEntropy": l_ce.item(), "huber": l_huber.item()})
        batches.append({"labels": by.tolist(), "xSum": bx.sum().item(), "xAbsSum": bx.abs().sum().item(), "tempChangeSum": bt.sum().item()})

    return [{
        "id": case_id,
        "window": WINDOW, "batchSize": BATCH, "steps": STEPS, "hidden": HIDDEN, "dropout": DROPOUT,
        "lr": LR, "weightDecay": WEIGHT_DECAY, "huberDelta": 1.0,
        "trainExamples": len(labels),
        "normalizer": {"mean": mean.tolist(), "std": std.tolist(), "count": count},
        "classWeights": weights,
        "batches": batches,
        "initial": initial,
        "masks": masks,
        "losses": losses,
        "final": state(model),
    }]


def main():
    torch.set_num_threads(1)
    root, where = out_dir()
    os.makedirs(where, exist_ok=True)
    path, count, size = common.write(AREA, build(), where)
    print(f"{os.path.relpath(path, root)}: {count} cases, {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
