"""torch.nn.ConvTranspose1d as a module, for @kindling/nn's ConvTranspose1d: writes
packages/nn/test/fixtures/torch/nn_conv_transpose.json (the nn package's own fixtures folder;
the op itself, F.conv_transpose1d, is covered by conv.py's conv_transpose.json in core).

Each case builds the module with PyTorch's constructor, records what PyTorch says about it
(str(module), the weight's fan-in from torch.nn.init._calculate_fan_in_and_fan_out, and the
bounds its reset_parameters draws within), then overwrites weight and bias with seeded draws
and records forward and the first-order gradients for a seeded upstream gradient. float64
only: the Kindling test compares to 1e-10.

Run through `pnpm fixtures:torch nn_conv_transpose`, or on its own:
`python3 scripts/torch-fixtures/nn_conv_transpose.py`.
"""

import math

import torch

import common

AREA = "nn_conv_transpose"

# (label, batch or None for an unbatched input, in channels, out channels, kernel, length,
#  Kindling options (camelCase, as passed to the layer), bias?)
CASES = [
    ("basic", 2, 2, 3, 3, 5, {}, True),
    ("no-bias", 2, 2, 3, 3, 5, {}, False),
    ("unbatched", None, 3, 2, 2, 4, {}, True),
    ("stride-2", 2, 4, 2, 3, 4, {"stride": 2}, True),
    ("stride-2-output-padding-1", 1, 2, 2, 3, 4, {"stride": 2, "outputPadding": 1}, True),
    ("padding-1", 2, 3, 2, 3, 5, {"padding": 1}, True),
    ("dilation-2-output-padding-1", 1, 2, 3, 2, 4, {"dilation": 2, "outputPadding": 1}, True),
    ("groups-2", 2, 4, 6, 3, 4, {"groups": 2}, True),
    ("everything", 2, 4, 6, 3, 4, {"stride": 3, "padding": 2, "outputPadding": 1, "dilation": 2, "groups": 2}, False),
]


def module(cin, cout, k, opts, bias):
    return torch.nn.ConvTranspose1d(
        cin,
        cout,
        k,
        stride=opts.get("stride", 1),
        padding=opts.get("padding", 0),
        output_padding=opts.get("outputPadding", 0),
        groups=opts.get("groups", 1),
        bias=bias,
        dilation=opts.get("dilation", 1),
        dtype=torch.float64,
    )


def init_record(m):
    """What PyTorch's reset_parameters computes: kaiming_uniform_(a=sqrt(5)) on the weight, then
    the bias on ±1/sqrt(fan_in), both with torch's own helpers, plus how far this module's
    default-initialised values actually reach (they must stay inside)."""
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(m.weight)
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    return {
        "fanIn": fan_in,
        "weightBound": gain * math.sqrt(3.0 / fan_in),
        "biasBound": 1 / math.sqrt(fan_in) if m.bias is not None else None,
        "weightMaxAbs": m.weight.detach().abs().max().item(),
        "biasMaxAbs": m.bias.detach().abs().max().item() if m.bias is not None else None,
    }


def build():
    cases = []
    for label, batch, cin, cout, k, length, opts, bias in CASES:
        cid = f"{AREA}/ConvTranspose1d/{label}/float64"
        d = common.Draw(cid)
        torch.manual_seed(common.case_seed(cid))  # the module's own default init
        m = module(cin, cout, k, opts, bias)
        init = init_record(m)
        weight = d.tensor(m.weight.shape, "float64")
        b = d.tensor(m.bias.shape, "float64") if bias else None
        with torch.no_grad():
            m.weight.copy_(weight)
            if bias:
                m.bias.copy_(b)
        x = d.tensor([cin, length] if batch is None else [batch, cin, length], "float64").requires_grad_(True)
        out = m(x)
        grad_output = d.tensor(out.shape, "float64")
        params = [m.weight] + ([m.bias] if bias else [])
        grads = torch.autograd.grad(out, [x] + params, grad_output)
        cases.append({
            "id": cid,
            "args": {"inChannels": cin, "outChannels": cout, "kernelSize": k, "options": {**opts, **({} if bias else {"bias": False})}},
            "repr": str(m),
            "init": init,
            "weight": common.encode(weight),
            "bias": common.encode(b),
            "input": common.encode(x),
            "output": common.encode(out),
            "gradOutput": common.encode(grad_output),
            "grads": {
                "input": common.encode(grads[0]),
                "weight": common.encode(grads[1]),
                "bias": common.encode(grads[2]) if bias else None,
            },
        })
    return cases


out_dir = common.nn_out_dir


def main():
    common.write_area(AREA, build, out_dir)


if __name__ == "__main__":
    main()
