"""Myelin's Fashion-MNIST networks, trained with PyTorch, for a side-by-side timing.

Same network (mlp: 784 -> Dense 128 ReLU -> Dense 10; cnn: Conv2D(32, 3x3, pad 1) ReLU MaxPool(2)
Conv2D(64, 3x3, pad 1) ReLU MaxPool(2) Flatten Dense(128) ReLU Dense(10)), loss (softmax cross-entropy,
mean over the batch), optimizer (Adam, lr 1e-3, PyTorch defaults for betas and eps), data (the IDX files,
pixels / 255 standardised with the training set's pixel mean and standard deviation, as Myelin's model
does), batch size, epochs and per-epoch shuffling as `myelin train`. Prints one JSON object:
{"framework": "pytorch", "model": M, "threads": T, "batch": B, "blas_core": K, "epoch_seconds": [...],
 "epoch_test_accuracy": [...], "test_accuracy": a}.

usage: python3 pytorch_fashion.py DATA_DIR EPOCHS BATCH THREADS SEED [mlp|cnn]
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


def main():
    data_dir, epochs, batch, threads, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    kind = sys.argv[6] if len(sys.argv) > 6 else "mlp"
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    xtr = torch.tensor(idx(find(data_dir, "train-images-idx3")).reshape(-1, 784), dtype=torch.float32) / 255
    ytr = torch.tensor(idx(find(data_dir, "train-labels-idx1")), dtype=torch.long)
    xte = torch.tensor(idx(find(data_dir, "t10k-images-idx3")).reshape(-1, 784), dtype=torch.float32) / 255
    yte = torch.tensor(idx(find(data_dir, "t10k-labels-idx1")), dtype=torch.long)
    mean, std = xtr.mean(), xtr.std()
    xtr = (xtr - mean) / std
    xte = (xte - mean) / std
    if kind == "cnn":
        xtr = xtr.reshape(-1, 1, 28, 28)
        xte = xte.reshape(-1, 1, 28, 28)
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
        with torch.no_grad():
            right = 0
            for i in range(0, xte.shape[0], 1000):
                right += (model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
            return right / xte.shape[0]

    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(xtr.shape[0])
        for i in range(0, xtr.shape[0], batch):
            idxs = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xtr[idxs]), ytr[idxs])
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
        accuracies.append(accuracy())
    print(json.dumps({"framework": "pytorch " + torch.__version__, "model": kind, "threads": threads, "batch": batch,
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
