"""conv1d and conv_transpose1d. The transposed cases go to their own file (conv_transpose.json)
so that they can be tested once Kindling has convTranspose1d, without holding up the rest."""

from common import Draw, both_dtypes, make_case, step

# (label, batch or None for an unbatched input, in channels, out channels, length, kernel,
#  options, bias?)
CONV1D = [
    ("basic", 2, 2, 3, 7, 3, {}, True),
    ("no-bias", 2, 2, 3, 7, 3, {}, False),
    ("unbatched", None, 2, 3, 6, 3, {}, True),
    ("unbatched-no-bias-strided", None, 2, 2, 7, 3, {"stride": 2, "padding": 1}, False),
    ("stride-2", 2, 2, 2, 8, 3, {"stride": 2}, True),
    ("stride-3-k1", 1, 3, 2, 7, 1, {"stride": 3}, True),
    ("padding-2", 1, 2, 2, 5, 3, {"padding": 2}, True),
    ("valid", 2, 2, 2, 6, 3, {"padding": "valid"}, True),
    ("same-odd-k", 2, 2, 2, 6, 3, {"padding": "same"}, True),
    # An even kernel needs an odd total padding: PyTorch puts the extra zero on the right.
    ("same-even-k", 1, 2, 3, 6, 4, {"padding": "same"}, True),
    ("same-dilated", 1, 2, 2, 7, 3, {"padding": "same", "dilation": 2}, False),
    ("dilation-2", 2, 1, 2, 8, 3, {"dilation": 2, "padding": 1}, True),
    ("groups-2", 2, 4, 4, 6, 3, {"groups": 2}, True),
    ("depthwise", 1, 3, 6, 6, 2, {"groups": 3, "padding": 1}, False),
    ("everything", 2, 4, 2, 11, 3, {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, True),
]

# (label, batch or None, in channels, out channels, length, kernel, options, bias?)
# output_padding must be below max(stride, dilation), as PyTorch requires.
CONV_TRANSPOSE1D = [
    ("basic", 2, 2, 3, 5, 3, {}, True),
    ("no-bias", 2, 2, 3, 5, 3, {}, False),
    ("unbatched", None, 2, 3, 4, 3, {}, True),
    ("stride-2", 1, 2, 2, 4, 3, {"stride": 2}, True),
    ("stride-2-output-padding-1", 2, 2, 2, 4, 3, {"stride": 2, "outputPadding": 1}, True),
    ("padding-1", 1, 3, 2, 5, 3, {"padding": 1}, True),
    ("dilation-2", 1, 2, 2, 4, 3, {"dilation": 2}, False),
    ("dilation-2-output-padding-1", 1, 2, 2, 4, 2, {"dilation": 2, "outputPadding": 1}, True),
    ("groups-2", 2, 4, 4, 4, 3, {"groups": 2}, True),
    ("unbatched-no-bias-strided", None, 2, 3, 4, 2, {"stride": 3, "padding": 1}, False),
    ("everything", 2, 4, 6, 4, 3, {"stride": 3, "padding": 2, "outputPadding": 1, "dilation": 2, "groups": 2}, True),
]


def _cases(area, op, table, weight_shape, dtype):
    cases = []
    for label, batch, cin, cout, length, k, opts, bias in table:
        cid = f"{area}/{op}/{label}/{dtype}"
        d = Draw(cid)
        x = d.tensor([cin, length] if batch is None else [batch, cin, length], dtype)
        w = d.tensor(weight_shape(cin, cout, k, opts.get("groups", 1)), dtype)
        inputs = [("input", x), ("weight", w)]
        if bias:
            inputs.append(("bias", d.tensor([cout], dtype)))
        args = ["input", "weight", "bias" if bias else None]
        cases.append(make_case(cid, inputs, [step(op, args, **opts)], d))
    return cases


def conv1d(dtype):
    return _cases("conv", "conv1d", CONV1D, lambda cin, cout, k, g: [cout, cin // g, k], dtype)


def conv_transpose1d(dtype):
    return _cases("conv_transpose", "convTranspose1d", CONV_TRANSPOSE1D, lambda cin, cout, k, g: [cin, cout // g, k], dtype)


def build():
    return both_dtypes(conv1d)


def build_transpose():
    return both_dtypes(conv_transpose1d)
