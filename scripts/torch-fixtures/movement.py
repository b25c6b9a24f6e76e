"""Chains of views (reshape, permute, transpose, expand, narrow, unsqueeze, squeeze, flatten),
some of them feeding an arithmetic op so that the gradient flows back through non-contiguous
strides and through expand's summing."""

from common import both_dtypes, program_cases, step

AREA = "movement"

# (label, [(input name, shape)], program)
CHAINS = [
    ("reshape-transpose-mul", [("x", [2, 6]), ("y", [4, 3])],
     [step("reshape", ["x"], shape=[3, 4]), step("transpose", ["%0"], dim0=0, dim1=1), step("mul", ["%1", "y"])]),
    ("permute-narrow", [("x", [2, 3, 4])],
     [step("permute", ["x"], dims=[2, 0, 1]), step("narrow", ["%0"], dim=0, start=1, length=2)]),
    # Reshaping a transposed tensor cannot be a view: Kindling copies, as PyTorch does.
    ("transpose-reshape", [("x", [2, 3, 4])],
     [step("transpose", ["x"], dim0=0, dim1=2), step("reshape", ["%0"], shape=[-1, 6])]),
    ("narrow-reshape", [("x", [4, 5])],
     [step("narrow", ["x"], dim=1, start=1, length=3), step("reshape", ["%0"], shape=[2, 6])]),
    ("narrow-narrow-sum", [("x", [6, 3])],
     [step("narrow", ["x"], dim=0, start=1, length=4), step("narrow", ["%0"], dim=0, start=2, length=2),
      step("sum", ["%1"], axis=0, keepdim=False)]),
    ("expand-mul", [("x", [3, 1]), ("y", [2, 3, 4])],
     [step("expand", ["x"], shape=[2, 3, 4]), step("mul", ["%0", "y"])]),
    ("expand-minus-one", [("x", [1, 3, 1])],
     [step("expand", ["x"], shape=[2, -1, 4]), step("tanh", ["%0"])]),
    ("unsqueeze-expand-flatten", [("x", [2, 3])],
     [step("unsqueeze", ["x"], dim=1), step("expand", ["%0"], shape=[2, 4, 3]), step("flatten", ["%1"], startDim=0, endDim=1),
      step("sigmoid", ["%2"])]),
    ("transpose-matmul", [("x", [3, 2]), ("y", [3, 4])],
     [step("transpose", ["x"], dim0=0, dim1=1), step("matmul", ["%0", "y"])]),
    ("permute-contiguous-add", [("x", [2, 3, 4]), ("y", [3])],
     [step("permute", ["x"], dims=[0, 2, 1]), step("contiguous", ["%0"]), step("reshape", ["%1"], shape=[8, 3]),
      step("add", ["%2", "y"])]),
    ("squeeze-all-and-one", [("x", [1, 3, 1, 2])],
     [step("squeeze", ["x"], dim=2), step("squeeze", ["%0"]), step("mul", ["%1", "%1"])]),
]


def build_dtype(dtype):
    return program_cases(AREA, CHAINS, dtype)


def build():
    return both_dtypes(build_dtype)
