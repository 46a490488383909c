"""Myelin's GPT-style byte-level language model (issue 22), trained with PyTorch, for a side-by-side run.

The same as `myelin train --text DIR --layers gpt:L:H:C:M --context T --batch-size B --optimizer adamw
--weight-decay W --windows EVAL*B --epochs STEPS/EVAL` (see bench/compare-gpt):
- the text: a file, or a folder's regular files in name order, each once (a link to a file read already is skipped),
  without hidden files and files holding a NUL byte (fortune .dat indices); their bytes one after another, each a
  token (vocabulary 256); the last `validation` of them (rounded) held out (TextCorpus);
- the windows, the same ones in the same order: Myelin's "epoch" e (0-based) is EVAL steps; it draws EVAL*B window
  offsets uniformly from [0, start - T) with Java's SplittableRandom seeded seed * 0xC2B2AE3D27D4EB4F + e *
  0x9E3779B97F4A7C15 + 1 (TextCorpus.training), then visits them in the Fisher-Yates order of a SplittableRandom
  seeded seed * 0x9E3779B97F4A7C15 + e (Trainer.shuffle), B at a time; SplittableRandom is reimplemented below;
- the validation windows: the held-out tail cut into consecutive windows of T + 1 bytes overlapping by one, as many
  as fit (TextCorpus.validation); the loss is the mean of -ln p(next byte) over every position of every window, in
  nats per byte, scored after every EVAL steps, B windows at a time;
- the model: token embedding (256, C) + learned positions (T, C), then L pre-normalization blocks x + proj(attn(
  ln(x))), x + fc2(gelu(fc1(ln(x)))) (one (C, 3C) projection to Q, K and V with bias, causal softmax(Q K^T /
  sqrt(D)) V per head, an output projection (C, C) with bias; GELU's tanh form), a final LayerNorm (eps 1e-5, as
  every LayerNorm here) and a per-position Linear(C, 256) with bias, not tied to the embedding;
- the initialization scheme: every weight matrix and both embeddings normal(0, 0.02), biases 0, LayerNorm 1 and 0
  (Init.GPT2; no extra scaling of the residual projections). The scheme, not the values: Myelin's draws come from
  Java's SplittableRandom.nextGaussian, these from torch.manual_seed(seed);
- the loss: softmax cross-entropy, the mean over the B*T positions of a step;
- the optimizer: AdamW (betas 0.9, 0.999, eps 1e-8 after the square root of the bias-corrected second moment, the
  decay W -= lr * wd * W before the step: torch.optim.AdamW's rule), constant rate, no decay on biases, LayerNorm
  parameters and the two embeddings (Parameter.withoutDecay).
Printed, one line per EVAL steps in the format of Myelin's epoch line (the seconds and tokens per second are the
training steps' only, without the validation), then generation: the prompt (or a newline when it is empty, not
printed) fed one position at a time, then N bytes drawn one at a time as Myelin's Generator draws them (temperature
0 greedy, else softmax(logits / temperature) in double and one Java nextDouble() of SplittableRandom(seed) a byte),
each new byte one position with a cache of every block's keys and values, and a full window of T restarted on its
latest T / 2 bytes (Generator.feed). PyTorch 1.13 has no KV cache of its own: the cache is this script's, a (T, C)
tensor of keys and one of values per block, written a row per position; attention at a position is two matrix-vector
products and a softmax over the rows so far. Then the timing line in the format of `myelin generate`'s stderr line
and the sample.

usage: python3 pytorch_gpt.py TEXT [--blocks 4] [--heads 4] [--width 128] [--mlp 512] [--context 128] [--batch 32]
       [--steps 1000] [--eval-every 100] [--threads 1] [--seed 42] [--lr 1e-3] [--weight-decay 0.1]
       [--validation 0.1] [--tokens 500] [--temperature 1.0] [--prompt TEXT] [--sample FILE]
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from pytorch_fashion import blas_core

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


class SplittableRandom:
    """java.util.SplittableRandom(seed) (JDK 17 and later): nextInt(bound), nextDouble(), the same values."""

    def __init__(self, seed):
        self.seed = seed & MASK64

    def _next_seed(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & MASK64
        return self.seed

    @staticmethod
    def _mix32(z):
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & MASK64
        return (((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & MASK64) >> 32

    @staticmethod
    def _mix64(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_int(self, bound):
        """Uniform in [0, bound): RandomSupport.boundedNextInt, rejecting the over-represented draws."""
        r = self._mix32(self._next_seed())           # the int's 32 bits, unsigned
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = r >> 1
        while True:
            r = u % bound
            if u + m - r <= 0x7FFFFFFF:               # Java: u + m - r < 0 when the int overflows
                return r
            u = self._mix32(self._next_seed()) >> 1

    def next_double(self):
        return (self._mix64(self._next_seed()) >> 11) * 2.0 ** -53


def java_long(x):
    """x as Java's long arithmetic leaves it (two's complement, 64 bits)."""
    return x & MASK64


def read_text(path):
    """The bytes TextCorpus.read reads: a file, or a folder's text files in name order, each once."""
    if not os.path.isdir(path):
        with open(path, "rb") as f:
            return np.frombuffer(f.read(), dtype=np.uint8)
    parts, seen = [], set()
    for name in sorted(os.listdir(path)):
        p = os.path.join(path, name)
        if not os.path.isfile(p) or name.startswith("."):
            continue
        real = os.path.realpath(p)
        if real in seen:
            continue
        seen.add(real)
        with open(p, "rb") as f:
            data = f.read()
        if b"\0" not in data:
            parts.append(data)
    text = b"".join(parts)
    if not text:
        raise SystemExit(f"pytorch_gpt.py: no text in {path}")
    return np.frombuffer(text, dtype=np.uint8)


def training_offsets(start, context, windows, seed, epoch):
    """Epoch `epoch`'s window offsets in the order the steps take them (TextCorpus.training, Trainer.shuffle)."""
    rnd = SplittableRandom(java_long(seed * 0xC2B2AE3D27D4EB4F + epoch * GOLDEN_GAMMA + 1))
    offsets = [rnd.next_int(start - context) for _ in range(windows)]
    order = list(range(windows))
    rnd = SplittableRandom(java_long(seed * GOLDEN_GAMMA + epoch))
    for i in range(windows - 1, 0, -1):
        j = rnd.next_int(i + 1)
        order[i], order[j] = order[j], order[i]
    return np.array([offsets[i] for i in order], dtype=np.int64)


class Block(torch.nn.Module):
    """x + proj(attention(ln1(x))), then x + fc2(gelu(fc1(ln2(x)))): GPT-2's pre-normalization block."""

    def __init__(self, width, heads, mlp):
        super().__init__()
        nn = torch.nn
        self.heads = heads
        self.ln1 = nn.LayerNorm(width, eps=1e-5)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width, eps=1e-5)
        self.fc1 = nn.Linear(width, mlp)
        self.fc2 = nn.Linear(mlp, width)

    def forward(self, x, mask):
        b, t, c = x.shape
        h, d = self.heads, c // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, h, d).transpose(1, 2) for z in (q, k, v))          # (B, H, T, D)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
        p = F.softmax(scores.masked_fill(mask[:t, :t], float("-inf")), dim=-1)
        x = x + self.proj((p @ v).transpose(1, 2).reshape(b, t, c))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))

    def step(self, x, position, keys, values):
        """One position, x (1, C): its key and value into row `position` of the caches (T, C); returns (1, C)."""
        c = x.shape[1]
        h, d = self.heads, c // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=1)
        keys[position] = k[0]
        values[position] = v[0]
        kk = keys[:position + 1].view(position + 1, h, d).transpose(0, 1)              # (H, t, D)
        vv = values[:position + 1].view(position + 1, h, d).transpose(0, 1)
        p = F.softmax((kk @ q.view(h, d, 1)) * (1.0 / math.sqrt(d)), dim=1)            # (H, t, 1)
        x = x + self.proj((vv.transpose(1, 2) @ p).view(1, c))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class Gpt(torch.nn.Module):
    def __init__(self, blocks, heads, width, mlp, context, vocabulary=256):
        super().__init__()
        nn = torch.nn
        if width % heads:
            raise SystemExit(f"pytorch_gpt.py: --width {width} is not a multiple of --heads {heads}")
        self.context = context
        self.tokens = nn.Embedding(vocabulary, width)
        self.positions = nn.Parameter(torch.zeros(context, width))
        self.blocks = nn.ModuleList(Block(width, heads, mlp) for _ in range(blocks))
        self.ln = nn.LayerNorm(width, eps=1e-5)
        self.head = nn.Linear(width, vocabulary)
        self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).triu(1), persistent=False)
        for m in self.modules():                       # Init.GPT2: normal(0, 0.02) weights and tables, biases 0
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.positions, 0.0, 0.02)

    def forward(self, idx):
        x = self.tokens(idx) + self.positions[:idx.shape[1]]
        for b in self.blocks:
            x = b(x, self.mask)
        return self.head(self.ln(x))

    def parameter_groups(self, weight_decay):
        """AdamW's groups: decay on the Linear weights only (Parameter.withoutDecay: biases, LayerNorm, embeddings)."""
        decay = [m.weight for m in self.modules() if isinstance(m, torch.nn.Linear)]
        ids = {id(p) for p in decay}
        rest = [p for p in self.parameters() if id(p) not in ids]
        return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


class Decoder:
    """The model one position at a time, with a (T, C) key cache and value cache per block."""

    def __init__(self, model):
        self.model = model
        width = model.ln.normalized_shape[0]
        self.keys = [torch.zeros(model.context, width) for _ in model.blocks]
        self.values = [torch.zeros(model.context, width) for _ in model.blocks]
        self.position = 0

    def next(self, token):
        """Feeds `token` at the next position; returns that position's 256 logits."""
        m = self.model
        x = m.tokens.weight[token].view(1, -1) + m.positions[self.position]
        for b, k, v in zip(m.blocks, self.keys, self.values):
            x = b.step(x, self.position, k, v)
        self.position += 1
        return m.head(m.ln(x))[0]


def sample(logits, temperature, rnd):
    """Generator.sample: greedy at temperature 0, else the first byte whose running weight exceeds u * total."""
    values = logits.tolist()
    best = max(range(len(values)), key=lambda j: (values[j], -j))
    if temperature == 0:
        return best
    top = values[best]
    weights = [math.exp((l - top) / temperature) for l in values]
    target = rnd.next_double() * sum(weights)
    total, last = 0.0, 0
    for j, w in enumerate(weights):
        total += w
        if w > 0:
            last = j
            if target < total:
                return j
    return last


def generate(model, prompt, tokens, temperature, seed):
    """The generated bytes and (prompt tokens, prompt seconds, generated tokens, generation seconds)."""
    window = model.context
    start = list(prompt) if prompt else [ord("\n")]
    if len(start) > window:
        raise SystemExit(f"pytorch_gpt.py: --prompt is {len(start)} bytes, more than the window of {window}")
    decoder = Decoder(model)
    context = [0] * window

    def feed(token):
        nonlocal decoder
        if decoder.position == window:              # restart on the latest half window (Generator.feed)
            keep = window // 2
            context[:keep] = context[window - keep:]
            decoder.position = 0
            for i in range(keep):
                decoder.next(context[i])
        context[decoder.position] = token
        return decoder.next(token)

    out = []
    with torch.inference_mode():
        t0 = time.perf_counter()
        for b in start:
            logits = feed(b)
        t1 = time.perf_counter()
        rnd = SplittableRandom(seed)
        for n in range(tokens):
            nxt = sample(logits, temperature, rnd)
            out.append(nxt)
            if n + 1 < tokens:
                logits = feed(nxt)
        t2 = time.perf_counter()
    return bytes(out), (len(start), t1 - t0, tokens, t2 - t1)


def windows(text, offsets, context):
    """Inputs and labels (n, T) of the windows of T + 1 bytes at `offsets`."""
    rows = text[offsets[:, None] + np.arange(context + 1)].astype(np.int64)
    return torch.from_numpy(rows[:, :-1].copy()), torch.from_numpy(rows[:, 1:].copy())


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("text")
    for name, default in (("blocks", 4), ("heads", 4), ("width", 128), ("mlp", 512), ("context", 128), ("batch", 32),
                          ("steps", 1000), ("eval-every", 100), ("threads", 1), ("seed", 42), ("tokens", 500)):
        a.add_argument("--" + name, type=int, default=default)
    for name, default in (("lr", 1e-3), ("weight-decay", 0.1), ("validation", 0.1), ("temperature", 1.0)):
        a.add_argument("--" + name, type=float, default=default)
    a.add_argument("--prompt", default="")
    a.add_argument("--sample", metavar="FILE", help="write the prompt and the generated text there, not to stdout")
    args = a.parse_args()
    for name in ("blocks", "heads", "width", "mlp", "context", "batch", "steps", "eval_every", "threads", "tokens"):
        if getattr(args, name) < 1:
            raise SystemExit(f"pytorch_gpt.py: --{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.steps % args.eval_every:
        raise SystemExit(f"pytorch_gpt.py: --steps {args.steps} must be a multiple of --eval-every {args.eval_every} "
                         "(Myelin evaluates after each epoch of --eval-every steps)")
    if not 0 < args.validation < 1:
        raise SystemExit(f"pytorch_gpt.py: --validation must be in (0, 1), got {args.validation}")
    if not (args.temperature >= 0 and math.isfinite(args.temperature)):
        raise SystemExit(f"pytorch_gpt.py: --temperature must be finite and >= 0, got {args.temperature}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    T, B = args.context, args.batch
    text = read_text(args.text)
    start = len(text) - int(math.floor(args.validation * len(text) + 0.5))    # Java's Math.round
    if start < T + 1 or len(text) - start < T + 1:
        raise SystemExit(f"pytorch_gpt.py: {args.text} has {len(text)} bytes: too few for windows of {T + 1} in the "
                         f"training part ({start}) and the held-out tail ({len(text) - start})")
    val_offsets = start + T * np.arange((len(text) - start - 1) // T)
    vx, vy = windows(text, val_offsets, T)
    model = Gpt(args.blocks, args.heads, args.width, args.mlp, T)
    opt = torch.optim.AdamW(model.parameter_groups(args.weight_decay), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    epochs = args.steps // args.eval_every
    per = args.eval_every * B
    print(f"pytorch {torch.__version__}, threads {torch.get_num_threads()}, OpenBLAS core {blas_core()}")
    print(f"text {args.text}: {len(text):,} bytes; training on the first {start:,}, validation on the last "
          f"{len(text) - start:,} ({len(val_offsets):,} windows of {T + 1})")
    print(f"model gpt:{args.blocks}:{args.heads}:{args.width}:{args.mlp}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters; adamw {args.lr} (weight decay "
          f"{args.weight_decay}), batch {B}, {per:,} windows an epoch ({args.eval_every} steps)")
    sys.stdout.flush()
    for e in range(epochs):
        x, y = windows(text, training_offsets(start, T, per, args.seed, e), T)
        model.train()
        loss_sum, correct = 0.0, 0
        t0 = time.perf_counter()
        for s in range(0, per, B):
            logits = model(x[s:s + B])
            loss = F.cross_entropy(logits.view(-1, 256), y[s:s + B].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * B
            correct += (logits.detach().argmax(-1) == y[s:s + B]).sum().item()
        seconds = time.perf_counter() - t0
        model.eval()
        val_sum, val_correct = 0.0, 0
        with torch.no_grad():
            for s in range(0, len(val_offsets), B):
                logits = model(vx[s:s + B])
                val_sum += F.cross_entropy(logits.view(-1, 256), vy[s:s + B].reshape(-1), reduction="sum").item()
                val_correct += (logits.argmax(-1) == vy[s:s + B]).sum().item()
        scored = len(val_offsets) * T
        print(f"epoch {e + 1:2d}/{epochs}  loss {loss_sum / per:.4f}  accuracy {100 * correct / (per * T):.2f}%  "
              f"validation loss {val_sum / scored:.4f} nats/byte  validation accuracy {100 * val_correct / scored:.2f}%  "
              f"{seconds:.1f} s  {per * T / seconds:,.0f} tokens/s")
        sys.stdout.flush()
    model.eval()
    out, (pn, ps, gn, gs) = generate(model, args.prompt.encode("utf-8"), args.tokens, args.temperature, args.seed)
    generated = args.prompt + out.decode("utf-8", errors="replace") + "\n"
    if args.sample:
        with open(args.sample, "w", encoding="utf-8") as f:
            f.write(generated)
    else:
        sys.stdout.write(generated)
    print(f"prompt: {pn} tokens in {ps * 1e3:.1f} ms, {pn / max(ps, 1e-9):,.0f} tokens/s; generation: {gn} tokens in "
          f"{gs * 1e3:.1f} ms, {gn / max(gs, 1e-9):,.0f} tokens/s; pytorch, threads {torch.get_num_threads()}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
