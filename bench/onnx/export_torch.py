#!/usr/bin/python3
"""Writes the PyTorch models that OnnxImport's tests import, with torch.onnx.export, and what PyTorch computes for them.

Run once, with Debian's python3-torch and python3-onnx (apt-get install python3-torch python3-onnx); written with
torch 1.13.1 and onnx 1.12.0:

    /usr/bin/python3 bench/onnx/export_torch.py onnx/src/test/resources/dev/myelin/onnx/torch

For each model NAME it writes NAME.onnx (opset 17, batch dimension dynamic) and NAME.txt: a line "input" and the
input's shape, then the inputs, one sample a line; a line "logits" and their shape, then PyTorch's logits (the
output of the last Linear, before any softmax), one sample a line. Every float is printed with 9 significant digits,
which gives back the float32 exactly. The models are in eval mode; the weights are PyTorch's default initialisation
from a fixed seed, and the batch normalisations have running statistics from a few training-mode passes.
"""
import os
import sys

import torch
import torch.nn as nn

OPSET = 17



def write_txt(path, x, logits):
    with open(path, "w") as f:
        for name, t in (("input", x), ("logits", logits)):
            f.write(name + " " + " ".join(str(d) for d in t.shape) + "\n")
            for row in t.reshape(t.shape[0], -1).tolist():
                f.write(" ".join("%.9g" % v for v in row) + "\n")


def export(folder, name, model, x, logits_of):
    model.eval()
    with torch.no_grad():
        logits = logits_of(x)
    path = os.path.join(folder, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=OPSET, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    write_txt(os.path.join(folder, name + ".txt"), x, logits)
    print("%s: %d bytes" % (path, os.path.getsize(path)))


def warm_up(model, shape):
    """A few training-mode passes, so that the batch normalisations' running statistics are not 0 and 1."""
    model.train()
    with torch.no_grad():
        for _ in range(5):
            model(torch.randn(*shape) * 2 + 0.5)


def main(folder):
    torch.manual_seed(20261207)
    os.makedirs(folder, exist_ok=True)

    # An MLP: Linear, BatchNorm1d (folded into the Linear on import), ReLU, Dropout, GELU (tanh form, which opset 17
    # spells out), Tanh, Sigmoid; ends at the logits.
    mlp = nn.Sequential(nn.Linear(20, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 16),
                        nn.GELU(approximate="tanh"), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 12), nn.Sigmoid(),
                        nn.Linear(12, 5))
    warm_up(mlp, (64, 20))
    export(folder, "mlp", mlp, torch.randn(16, 20), mlp)

    # A CNN on 3x12x12 images: Conv2d, BatchNorm2d, ReLU, MaxPool2d, Conv2d with stride, LeakyReLU, AvgPool2d, Flatten
    # in PyTorch's channels-first order, Linear; ends in a Softmax (which becomes the loss on import).
    body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 6, 3, stride=2, padding=1), nn.LeakyReLU(0.1), nn.AvgPool2d(3, stride=1, padding=1),
                         nn.Flatten(), nn.Linear(6 * 3 * 3, 10), nn.ReLU(), nn.Linear(10, 4))
    cnn = nn.Sequential(body, nn.Softmax(dim=1))
    warm_up(cnn, (32, 3, 12, 12))
    export(folder, "cnn", cnn, torch.randn(8, 3, 12, 12), body)

    # Global average pooling of a square image, then Flatten and a Linear.
    gap = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
    export(folder, "gap", gap, torch.randn(8, 3, 7, 7), gap)

    # GELU's erf form (PyTorch's default), which Myelin does not have: the import refuses it by name.
    erf = nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 2))
    export(folder, "gelu_erf", erf, torch.randn(2, 4), erf)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "onnx/src/test/resources/dev/myelin/onnx/torch")
