"""Myelin's Fashion-MNIST networks, trained with PyTorch, for a side-by-side timing.

Same network (mlp: 784 -> Dense 128 ReLU -> Dense 10; cnn: Conv2D(32, 3x3, pad 1) ReLU MaxPool(2)
Conv2D(64, 3x3, pad 1) ReLU MaxPool(2) Flatten Dense(128) ReLU Dense(10); resnet: issue 21's residual network,
see resnet() below), loss (softmax cross-entropy,
mean over the batch), optimizer (Adam, lr 1e-3, PyTorch defaults for betas and eps), data (the IDX files,
pixels / 255 standardised with the training set's pixel mean and standard deviation, as Myelin's model
does), batch size, epochs and per-epoch shuffling as `myelin train`. Every layer keeps PyTorch's default
initialisation. The model is in train() mode while it trains and in eval() mode (batch normalization from its
running statistics) for the test accuracy after each epoch; the seconds of an epoch are its training steps only,
not that evaluation. Prints one JSON object:
{"framework": "pytorch", "model": M, "threads": T, "batch": B, "parameters": P, "blas_core": K,
 "epoch_seconds": [...], "epoch_test_accuracy": [...], "test_accuracy": a}
(P: trainable parameters; batch normalization's running statistics are buffers, not counted).

usage: python3 pytorch_fashion.py DATA_DIR EPOCHS BATCH THREADS SEED [mlp|cnn|resnet] [--steps N] [--test N]
  --steps N  a smoke test: stop each epoch after N steps and print each step's loss to stderr
  --test N   score only the first N test images
"""
import ctypes
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(data_dir, stem):
    for name in (stem + "-ubyte.gz", stem + "-ubyte", stem + ".gz", stem):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise SystemExit(f"pytorch_fashion.py: {stem} not found in {data_dir}")


class Residual(torch.nn.Module):
    """relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)): two 3x3 convolutions (padding 1, no bias), the first at
    `stride`; the shortcut is the identity, or where the shape changes a 1x1 convolution at `stride` (no bias) and
    batch normalization."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        nn = torch.nn
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def resnet():
    """Issue 21's network: stem conv 3x3 16 (pad 1, no bias) BN ReLU; residual blocks at 16 (stride 1, identity
    shortcut), 32 (stride 2) and 64 (stride 2), 28x28 -> 28x28 -> 14x14 -> 7x7; global average pooling;
    Linear(64, 10). BatchNorm2d at its defaults (momentum 0.1, eps 1e-5). 77,754 trainable parameters:
    stem 144 + 32; block 16: 2 x 2,304 + 2 x 32 = 4,672; block 32: 4,608 + 9,216 + 512 (shortcut) + 3 x 64 = 14,528;
    block 64: 18,432 + 36,864 + 2,048 (shortcut) + 3 x 128 = 57,728; Linear 640 + 10 = 650. Plus 672 running
    statistics (mean and variance of 336 channels) and 9 num_batches_tracked counters, buffers."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        Residual(16, 16, 1), Residual(16, 32, 2), Residual(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def main():
    args = sys.argv[1:]
    steps = tests = None
    for flag in ("--steps", "--test"):
        if flag in args:
            i = args.index(flag)
            value = int(args[i + 1])
            del args[i:i + 2]
            if flag == "--steps":
                steps = value
            else:
                tests = value
    data_dir, epochs, batch, threads, seed = args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4])
    kind = args[5] if len(args) > 5 else "mlp"
    if kind not in ("mlp", "cnn", "resnet"):
        raise SystemExit(f"pytorch_fashion.py: unknown model {kind}; mlp, cnn or resnet")
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    xtr = torch.tensor(idx(find(data_dir, "train-images-idx3")).reshape(-1, 784), dtype=torch.float32) / 255
    ytr = torch.tensor(idx(find(data_dir, "train-labels-idx1")), dtype=torch.long)
    xte = torch.tensor(idx(find(data_dir, "t10k-images-idx3")).reshape(-1, 784), dtype=torch.float32) / 255
    yte = torch.tensor(idx(find(data_dir, "t10k-labels-idx1")), dtype=torch.long)
    mean, std = xtr.mean(), xtr.std()
    xtr = (xtr - mean) / std
    xte = (xte - mean) / std
    if tests is not None:
        xte, yte = xte[:tests], yte[:tests]
    if kind in ("cnn", "resnet"):
        xtr = xtr.reshape(-1, 1, 28, 28)
        xte = xte.reshape(-1, 1, 28, 28)
    if kind == "resnet":
        model = resnet()
    elif kind == "cnn":
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(64 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    else:
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    seconds = []
    accuracies = []

    def accuracy():
        model.eval()
        with torch.no_grad():
            right = 0
            for i in range(0, xte.shape[0], 1000):
                right += (model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
            return right / xte.shape[0]

    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(xtr.shape[0])
        for step, i in enumerate(range(0, xtr.shape[0], batch)):
            if steps is not None and step == steps:
                break
            idxs = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xtr[idxs]), ytr[idxs])
            loss.backward()
            opt.step()
            if steps is not None:
                print(f"step {step + 1} loss {loss.item():.4f}", file=sys.stderr)
        seconds.append(time.perf_counter() - t0)
        accuracies.append(accuracy())
    print(json.dumps({"framework": "pytorch " + torch.__version__, "model": kind, "threads": threads, "batch": batch,
                      "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
                      "blas_core": blas_core(), "epoch_seconds": seconds, "epoch_test_accuracy": accuracies,
                      "test_accuracy": accuracies[-1]}))


def blas_core():
    """The kernel OpenBLAS chose in this process (openblas_get_corename), or why it is not known."""
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError) as e:
        return "unknown (" + str(e) + ")"


if __name__ == "__main__":
    main()
