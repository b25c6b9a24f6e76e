"""Writes packages/core/test/fixtures/torch/<area>.json (and the nn package's
nn_*.json) from PyTorch. Run through
`pnpm fixtures:torch` (generate.sh finds a python3 with torch)."""

import os
import sys

import common
import compositions
import conv
import elementwise
import linalg
import losses
import movement
import nn_conv_transpose
import nn_data
import nn_layers
import nn_losses
import nn_optim
import nn_safetensors
import nn_schedulers
import ops_index
import ops_math
import printing
import reductions
import weather_twin

AREAS = [
    ("elementwise", elementwise.build),
    ("reductions", reductions.build),
    ("linalg", linalg.build),
    ("conv", conv.build),
    ("conv_transpose", conv.build_transpose),
    ("losses", losses.build),
    ("movement", movement.build),
    ("compositions", compositions.build),
    ("ops_index", ops_index.build),
    ("ops_math", ops_math.build),
    ("factories", ops_index.build_factories),
    ("printing", printing.build),
]


def core_out_dir():
    return common.ROOT, os.path.join(common.ROOT, "packages", "core", "test", "fixtures", "torch")


def main():
    only = set(sys.argv[1:])
    total = 0
    for area, build in AREAS:
        if only and area not in only:
            continue
        total += common.write_area(area, build, core_out_dir)
    # Module-level cases for @kindling/nn go to that package's own fixtures folder (the
    # weather example's twin to @kindling/examples' own).
    for nn_area in (nn_conv_transpose, nn_schedulers, nn_data, nn_losses, nn_optim, nn_safetensors, nn_layers, weather_twin):
        if only and nn_area.AREA not in only:
            continue
        total += common.write_area(nn_area.AREA, nn_area.build, nn_area.out_dir)
    print(f"total {total / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
