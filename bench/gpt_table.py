"""The markdown tables of bench/compare-gpt's runs, Myelin and PyTorch side by side, from the files it writes in a
folder (default bench/results/gpt):
- gpt-{myelin,pytorch}-t{1,2}.log: the training's console lines, in the format of `myelin train --text`'s (and of
  bench/pytorch_gpt.py's, which prints the same): "model SPEC, N parameters; ..." and one line per evaluation,
  "epoch E/N  loss ..  accuracy ..%  validation loss L nats/byte  validation accuracy ..%  S s  R tokens/s";
- gpt-{myelin,pytorch}-t{1,2}.gen: the generation's timing line ("prompt: ...; generation: N tokens in X ms, ...",
  `myelin generate`'s standard error) and, in gpt-*-t*.txt, the generated text.
An evaluation line's step is E times STEPS / N (the steps per evaluation, the first argument after the folder).

Tables: the validation loss after each evaluation (Myelin / PyTorch at each thread count); then per framework and
thread count the parameters, the training tokens per second over all steps (the tokens over the sum of the
epochs' seconds, which leave out the evaluations) and over the steps after the first evaluation (past the JIT's
warm-up), Myelin / PyTorch, two threads' speed-up over one, and the generation's tokens per second.

usage: python3 bench/gpt_table.py [FOLDER] [EVAL_EVERY]
"""
import os
import re
import sys

EPOCH = re.compile(r"^epoch\s+(\d+)/(\d+)\s.*?validation loss ([\d.]+) nats/byte.*?\s([\d.]+) s\s+([\d,]+) tokens/s")
MODEL = re.compile(r"^model .*?([\d,]+) parameters")
GENERATION = re.compile(r"generation: (\d+) tokens in ([\d.]+) ms")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def load(folder, framework, threads):
    """One run as {epochs: [(epoch, loss, tokens/s)], parameters, generation: tokens/s, sample}, or None."""
    stem = os.path.join(folder, f"gpt-{framework.lower()}-t{threads}")
    log = read(stem + ".log")
    if log is None:
        return None
    epochs, parameters = [], None
    for line in log.splitlines():
        m = EPOCH.match(line)
        if m:
            epochs.append((int(m.group(1)), float(m.group(3)), float(m.group(5).replace(",", ""))))
        m = MODEL.match(line)
        if m:
            parameters = int(m.group(1).replace(",", ""))
    m = GENERATION.search(read(stem + ".gen") or "")
    generation = int(m.group(1)) / (float(m.group(2)) / 1e3) if m and float(m.group(2)) > 0 else None
    return {"epochs": epochs, "parameters": parameters, "generation": generation, "sample": read(stem + ".txt")}


def tokens_per_second(epochs, skip):
    """Tokens over seconds of the epochs after the first `skip`: each epoch trains as many tokens, so the harmonic
    mean of the epochs' rates."""
    rates = [r for _, _, r in epochs[skip:]]
    return len(rates) / sum(1 / r for r in rates) if rates and all(rates) else None


def fmt(v, spec, missing="—"):
    return missing if v is None else format(v, spec)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "bench/results/gpt"
    every = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    runs = {(f, t): load(folder, f, t) for t in (1, 2) for f in ("Myelin", "PyTorch")}
    runs = {k: v for k, v in runs.items() if v}
    if not runs:
        raise SystemExit(f"gpt_table.py: no gpt-*-t*.log in {folder}")
    keys = list(runs)
    lines = ["| step | " + " | ".join(f"{f}, {t} thread{'s' if t > 1 else ''}" for f, t in keys)
             + " | Myelin / PyTorch, 1 thread |", "|---:|" + "---:|" * (len(keys) + 1)]
    count = max(len(r["epochs"]) for r in runs.values())
    for i in range(count):
        losses = [r["epochs"][i][1] if i < len(r["epochs"]) else None for r in runs.values()]
        m, p = runs.get(("Myelin", 1)), runs.get(("PyTorch", 1))
        ratio = (m["epochs"][i][1] / p["epochs"][i][1] if m and p and i < len(m["epochs"]) and i < len(p["epochs"])
                 else None)
        lines.append(f"| {(i + 1) * every:,} | " + " | ".join(fmt(v, ".4f") for v in losses) + " | "
                     + fmt(ratio, ".4f", "") + " |")
    print("Validation loss, nats per byte:\n")
    print("\n".join(lines))
    head = ["framework", "threads", "parameters", "training tokens/s", "after the first evaluation",
            "Myelin / PyTorch", "2 threads' speed-up", "generation tokens/s"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for f, t in keys:
        r = runs[(f, t)]
        rate, later = tokens_per_second(r["epochs"], 0), tokens_per_second(r["epochs"], 1)
        torch, one = runs.get(("PyTorch", t)), runs.get((f, 1))
        ratio = later / tokens_per_second(torch["epochs"], 1) if f == "Myelin" and torch and later and \
            tokens_per_second(torch["epochs"], 1) else None
        speedup = later / tokens_per_second(one["epochs"], 1) if t == 2 and one and later and \
            tokens_per_second(one["epochs"], 1) else None
        lines.append("| " + " | ".join([f, str(t), fmt(r["parameters"], ","), fmt(rate, ",.0f"), fmt(later, ",.0f"),
                                        fmt(ratio, ".2f", "") + ("x" if ratio else ""),
                                        fmt(speedup, ".2f", "") + ("x" if speedup else ""),
                                        fmt(r["generation"], ",.0f")]) + " |")
    print("\nSpeed (Myelin / PyTorch and the speed-up on the steps after the first evaluation):\n")
    print("\n".join(lines))
    for f, t in keys:
        if runs[(f, t)]["sample"]:
            print(f"\nSample, {f}, {t} thread{'s' if t > 1 else ''}:\n")
            print("\n".join("    " + line for line in runs[(f, t)]["sample"].rstrip("\n").splitlines()))


if __name__ == "__main__":
    main()
