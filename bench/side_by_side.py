"""A markdown table of Myelin's and PyTorch's training runs side by side, from the JSON files of a folder
(bench/compare-resnet writes bench/results/resnet/; bench/compare-cnn's bench/results/cnn/ reads the same way).

Reads both formats:
- PyTorch's (bench/pytorch_fashion.py): "framework": "pytorch ...", "threads", "epoch_seconds": [...],
  "epoch_test_accuracy": [...], "test_accuracy", "parameters" (newer runs);
- Myelin's (`myelin train --report`, cli/.../Report.java): "backend", "threads", "epochs": [{"epoch", "seconds",
  ...}], "testAccuracy" (the test set scored once, after the last epoch; a per-epoch "testAccuracy" inside
  "epochs" is used if a later report has one). Its parameter count is not in the JSON: it is read from the
  "model ..., N parameters" line of a NAME.log beside NAME.json, if compare-resnet kept one.

Rows: framework x threads. Columns: test accuracy after each epoch; seconds of the first epoch; the mean seconds of
epochs 2..E (the first epoch alone when there is one); Myelin / PyTorch seconds per epoch (that mean) at the row's
thread count; the speed-up of two threads over one (that mean at 1 thread / at 2) for each framework.

usage: python3 bench/side_by_side.py [FOLDER]      (default bench/results/resnet)
"""
import glob
import json
import os
import re
import sys


def load(path):
    """One run as {framework, threads, seconds: [...], accuracy: [... or None], parameters}, or None."""
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print(f"side_by_side.py: {path} skipped: {e}", file=sys.stderr)
        return None
    if not isinstance(r, dict):
        return None
    if str(r.get("framework", "")).startswith("pytorch"):
        seconds = list(r.get("epoch_seconds") or [])
        accuracy = list(r.get("epoch_test_accuracy") or [])
        if not accuracy and r.get("test_accuracy") is not None:
            accuracy = [None] * (len(seconds) - 1) + [r["test_accuracy"]]
        return {"framework": "PyTorch", "version": r["framework"], "threads": r.get("threads"), "seconds": seconds,
                "accuracy": accuracy, "parameters": r.get("parameters")}
    if "backend" in r and "epochs" in r:
        epochs = r.get("epochs") or []
        seconds = [e.get("seconds") for e in epochs]
        accuracy = [e.get("testAccuracy") for e in epochs]
        if accuracy and accuracy[-1] is None:
            accuracy[-1] = r.get("testAccuracy")
        return {"framework": "Myelin", "version": "myelin " + str(r.get("backend")), "threads": r.get("threads"),
                "seconds": seconds, "accuracy": accuracy, "parameters": logged_parameters(path)}
    print(f"side_by_side.py: {path} skipped: neither a PyTorch nor a Myelin report", file=sys.stderr)
    return None


def logged_parameters(json_path):
    log = os.path.splitext(json_path)[0] + ".log"
    try:
        with open(log) as f:
            m = re.search(r"^model .*?([\d,]+) parameters", f.read(), re.M)
    except OSError:
        return None
    return int(m.group(1).replace(",", "")) if m else None


def steady(seconds):
    """The mean seconds of epochs 2..E, or the first epoch's when there is only one; None without epochs."""
    rest = seconds[1:] if len(seconds) > 1 else seconds
    return sum(rest) / len(rest) if rest else None


def fmt(v, spec, missing="—"):
    return missing if v is None else format(v, spec)


def table(runs):
    """The markdown lines for the runs (dicts of load())."""
    by = {}
    for r in runs:
        key = (r["framework"], r["threads"])
        if key in by:
            print(f"side_by_side.py: two {r['framework']} runs at {r['threads']} threads; the later file is kept",
                  file=sys.stderr)
        by[key] = r
    epochs = max((max(len(r["seconds"]), len(r["accuracy"])) for r in runs), default=0)
    head = ["framework", "threads", "parameters"] + [f"test acc. epoch {e}" for e in range(1, epochs + 1)] + [
        "s, epoch 1", {1: "s/epoch", 2: "s, epoch 2"}.get(epochs, f"s/epoch, epochs 2..{epochs}"),
        "Myelin / PyTorch s/epoch", "2 threads' speed-up"]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|" + "---:|" * (len(head) - 2)]
    order = sorted(by, key=lambda k: (k[1] if k[1] is not None else 0, k[0] != "Myelin"))
    for framework, threads in order:
        r = by[(framework, threads)]
        acc = [100 * a if a is not None else None for a in r["accuracy"]]
        acc += [None] * (epochs - len(acc))
        mean = steady(r["seconds"])
        ratio = speedup = None
        torch = by.get(("PyTorch", threads))
        if framework == "Myelin" and torch and mean is not None and steady(torch["seconds"]):
            ratio = mean / steady(torch["seconds"])
        one = by.get((framework, 1))
        if threads == 2 and one and mean and steady(one["seconds"]) is not None:
            speedup = steady(one["seconds"]) / mean
        row = [framework, str(threads), fmt(r["parameters"], ",")] + [fmt(a, ".2f") + ("%" if a is not None else "")
                                                                      for a in acc]
        row += [fmt(r["seconds"][0] if r["seconds"] else None, ".1f"), fmt(mean, ".1f"),
                fmt(ratio, ".2f", "") + ("x" if ratio is not None else ""),
                fmt(speedup, ".2f", "") + ("x" if speedup is not None else "")]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "bench/results/resnet"
    runs = [r for r in (load(p) for p in sorted(glob.glob(os.path.join(folder, "*.json")))) if r]
    if not runs:
        raise SystemExit(f"side_by_side.py: no Myelin or PyTorch report in {folder}")
    print("\n".join(table(runs)))
    versions = sorted({r["version"] for r in runs})
    print()
    print("Runs: " + ", ".join(versions) + "." + (" A dash: not measured (Myelin's report scores the test set after "
          "the last epoch only)." if any(None in r["accuracy"] for r in runs) else ""))


if __name__ == "__main__":
    main()
