"""Reads and writes .safetensors files with the Python standard library and torch only.

Debian's python3-torch ships without the `safetensors` package; the format is simple enough
to handle directly: an 8-byte little-endian header length, a JSON header mapping each name to
{dtype, shape, data_offsets} (plus an optional "__metadata__" object of strings), then the
tensors' bytes, little-endian, back to back. See https://github.com/huggingface/safetensors.
"""
import json
import struct

import torch

# The float dtypes Kindling writes and reads (F32 and F64).
_FORMATS = {"F64": ("d", 8, torch.float64), "F32": ("f", 4, torch.float32)}
_BY_TORCH = {v[2]: k for k, v in _FORMATS.items()}


def load(path):
    """Returns {name: tensor} from a safetensors file (F32 / F64 tensors)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = raw[8 + n :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        code, size, dtype = _FORMATS[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = (end - begin) // size
        values = struct.unpack("<%d%s" % (count, code), data[begin:end])
        out[name] = torch.tensor(values, dtype=dtype).reshape(entry["shape"])
    return out


def save(path, tensors, metadata=None):
    """Writes {name: tensor} (float32 / float64) as a safetensors file, tensors in name order."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        code, size, _ = _FORMATS[_BY_TORCH[t.dtype]]
        values = t.reshape(-1).tolist()
        chunk = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": _BY_TORCH[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    if metadata:
        header["__metadata__"] = dict(metadata)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # Pad the header with spaces to a multiple of 8, as the reference writer does, so the data
    # that follows is aligned for readers that map it in place.
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)
