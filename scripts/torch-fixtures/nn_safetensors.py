"""safetensors files written from torch tensors, for @kindling/nn's reader and writer: writes
packages/nn/test/fixtures/torch/nn_safetensors.json and, beside it, safetensors/*.safetensors.

Debian's python3-torch has no `safetensors` module, so the files are written here with the
standard library (the format: an 8-byte little-endian header length, a JSON header of
{dtype, shape, data_offsets} per tensor, the raw little-endian bytes). The bytes of each tensor
are torch's own (`tensor.view(torch.uint8)`), so what Kindling reads is what torch holds.

Files:
- `dtypes.safetensors`: one tensor per dtype torch 1.13 has a safetensors name for (F64, F32,
  F16, BF16, I64, I32, I16, I8, U8, BOOL), with the edge values of each (subnormal, infinite and
  NaN halves, ±2^53 in I64, the extremes of each integer type). The case records each tensor's
  values as torch converts them to float64 (non-finite ones as strings) and, for F16 / BF16, the
  bits of torch's float32 conversion.
- `i64-beyond-2p53.safetensors`: an I64 tensor holding 2^53 + 1, which Kindling must refuse.
- `model.safetensors`: the state dict of Sequential(Linear(3, 4), BatchNorm1d(4), ReLU(),
  Linear(4, 2)) in float64 after three training-mode forward passes (so `1.num_batches_tracked`
  is the int64 3 and the running statistics have moved), written in exactly the layout Kindling's
  writer uses (state-dict order, compact JSON, space padding to 8 bytes): Kindling's
  saveSafetensors of the same state must give these bytes. The case records an input and the
  model's eval-mode output.

`python3 nn_safetensors.py --check FILE` is the reader check for a file Kindling wrote: it reads
FILE with the standard library, loads it into the same torch model with `load_state_dict`
(strict), and prints a JSON summary (each tensor's torch dtype, `num_batches_tracked`, and the
largest difference between the model's eval output on the recorded input and the recorded
output). The Kindling test runs it when `/usr/bin/python3 -c 'import torch'` works.

Run through `pnpm fixtures:torch nn_safetensors`, or on its own:
`python3 scripts/torch-fixtures/nn_safetensors.py`.
"""

import json
import math
import os
import struct
import sys

import torch

import common

AREA = "nn_safetensors"

DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}
BY_NAME = {v: k for k, v in DTYPES.items()}


def tensor_bytes(t):
    """torch's own bytes of a tensor, row-major (the host is little-endian, as the format is)."""
    assert sys.byteorder == "little"
    t = t.detach().contiguous().reshape(-1)
    return bytes(t.view(torch.uint8).tolist()) if t.numel() else b""


def encode_file(tensors):
    """Kindling's layout: tensors in the given order, compact JSON, header padded with spaces to
    a multiple of 8."""
    parts, chunks, offset = [], [], 0
    for name, t in tensors:
        chunk = tensor_bytes(t)
        parts.append(f'{json.dumps(name)}:{{"dtype":"{DTYPES[t.dtype]}","shape":[{",".join(str(d) for d in t.shape)}],'
                     f'"data_offsets":[{offset},{offset + len(chunk)}]}}')
        chunks.append(chunk)
        offset += len(chunk)
    text = ("{" + ",".join(parts) + "}").encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def decode_file(raw):
    """{name: tensor} from safetensors bytes, for the dtypes above."""
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = BY_NAME[entry["dtype"]]
        begin, end = entry["data_offsets"]
        chunk = torch.tensor(list(data[begin:end]), dtype=torch.uint8)
        out[name] = chunk.view(dtype).reshape(entry["shape"]).clone()
    return out


def number(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0 and math.copysign(1, v) < 0:
        return "-0"
    return v


def dtype_tensors():
    half_edges = [0.0, -0.0, 1.0, -2.5, 65504.0, -65504.0, 6.103515625e-05, 5.960464477539063e-08, -1.1920928955078125e-07,
                  float("inf"), float("-inf"), float("nan"), 0.1, 3.14159]
    bf16_edges = [0.0, -0.0, 1.0, -2.5, 3.3895313892515355e38, 1.1754943508222875e-38, 9.183549615799121e-41,
                  float("inf"), float("-inf"), float("nan"), 0.1, -123456.0]
    return [
        ("f64", torch.tensor([[1.5, -0.0], [2.0 ** -1074, 1e308]], dtype=torch.float64)),
        ("f32", torch.tensor([0.1, -3.4028234663852886e38, 1.401298464324817e-45], dtype=torch.float32)),
        ("f16", torch.tensor(half_edges, dtype=torch.float16)),
        # A NaN with a payload other than the default quiet one: the bits must survive.
        ("f16_nan_payload", torch.tensor([0x7E01, -0x0201], dtype=torch.int16).view(torch.float16)),
        ("bf16", torch.tensor(bf16_edges, dtype=torch.bfloat16).reshape(3, 4)),
        # Signalling NaNs (quiet bit clear) in both: torch's float32 conversion sets the bit for
        # F16 and keeps BF16's bits as they are.
        ("f16_snan", torch.tensor([0x7C01, -0x01FF], dtype=torch.int16).view(torch.float16)),
        ("bf16_nan_payload", torch.tensor([0x7F81, -0x003F, 0x7FC1], dtype=torch.int16).view(torch.bfloat16)),
        ("i64", torch.tensor([0, -1, 2 ** 53, -(2 ** 53), 2 ** 32 + 7, -(2 ** 32) - 7, 123456789012345], dtype=torch.int64)),
        ("i32", torch.tensor([-(2 ** 31), 2 ** 31 - 1, -1, 0, 65536], dtype=torch.int32)),
        ("i16", torch.tensor([-(2 ** 15), 2 ** 15 - 1, -1, 300], dtype=torch.int16)),
        ("i8", torch.tensor([[-128, 127], [-1, 0]], dtype=torch.int8)),
        ("u8", torch.tensor([0, 1, 128, 255], dtype=torch.uint8)),
        ("bool", torch.tensor([[True, False, True]], dtype=torch.bool)),
        ("i64_scalar", torch.tensor(42, dtype=torch.int64)),
        ("empty_i32", torch.zeros(0, 3, dtype=torch.int32)),
    ]


def model():
    torch.manual_seed(common.case_seed(f"{AREA}/model"))
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    d = common.Draw(f"{AREA}/model/batches")
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(d.normal([5, 3]) * 2 + 1)
    m.eval()
    x = d.normal([4, 3])
    return m, x


out_dir = common.nn_out_dir


def build():
    _, where = out_dir()
    files = os.path.join(where, "safetensors")
    os.makedirs(files, exist_ok=True)
    cases = []

    tensors = dtype_tensors()
    with open(os.path.join(files, "dtypes.safetensors"), "wb") as f:
        f.write(encode_file(tensors))
    entries = []
    for name, t in tensors:
        e = {"name": name, "dtype": DTYPES[t.dtype], "shape": list(t.shape),
             "values": [number(v) for v in t.to(torch.float64).reshape(-1).tolist()]}
        if t.dtype in (torch.float16, torch.bfloat16):
            e["float32Bits"] = [v & 0xFFFFFFFF for v in t.to(torch.float32).reshape(-1).view(torch.int32).tolist()]
        entries.append(e)
    cases.append({"id": f"{AREA}/dtypes", "file": "safetensors/dtypes.safetensors", "tensors": entries})

    with open(os.path.join(files, "i64-beyond-2p53.safetensors"), "wb") as f:
        f.write(encode_file([("ok", torch.tensor([2 ** 53], dtype=torch.int64)), ("counter", torch.tensor([1, 2 ** 53 + 1], dtype=torch.int64))]))
    cases.append({"id": f"{AREA}/i64-beyond-2p53", "file": "safetensors/i64-beyond-2p53.safetensors", "key": "counter", "value": str(2 ** 53 + 1)})

    m, x = model()
    sd = m.state_dict()
    with open(os.path.join(files, "model.safetensors"), "wb") as f:
        f.write(encode_file(list(sd.items())))
    with torch.no_grad():
        y = m(x)
    cases.append({
        "id": f"{AREA}/model",
        "file": "safetensors/model.safetensors",
        "keys": list(sd.keys()),
        "dtypes": {k: DTYPES[v.dtype] for k, v in sd.items()},
        "numBatchesTracked": int(sd["1.num_batches_tracked"]),
        "input": common.encode(x),
        "output": common.encode(y),
    })
    return cases


def check(path):
    """The reader check for a file Kindling wrote: strict load into the torch model, then eval."""
    with open(path, "rb") as f:
        tensors = decode_file(f.read())
    m, _ = model()
    m.load_state_dict(tensors, strict=True)
    with open(os.path.join(out_dir()[1], f"{AREA}.json"), encoding="utf-8") as f:
        case = next(c for c in json.load(f)["cases"] if c["id"] == f"{AREA}/model")
    x = torch.tensor(case["input"]["data"], dtype=torch.float64).reshape(case["input"]["shape"])
    want = torch.tensor(case["output"]["data"], dtype=torch.float64).reshape(case["output"]["shape"])
    with torch.no_grad():
        y = m(x)
    print(json.dumps({
        "dtypes": {k: DTYPES[v.dtype] for k, v in tensors.items()},
        "modelDtypes": {k: DTYPES[v.dtype] for k, v in m.state_dict().items()},
        "numBatchesTracked": int(m.state_dict()["1.num_batches_tracked"]),
        "maxOutputDiff": float((y - want).abs().max()),
    }))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    common.write_area(AREA, build, out_dir)


if __name__ == "__main__":
    main()
