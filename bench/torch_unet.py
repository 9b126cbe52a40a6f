#!/usr/bin/python3
"""PyTorch on the CPU: the same UNet as src/model/unet.ts, trained the same way, as a peer for the whole
training step in the Node bench (bench/torch-peer.ts spawns it; bench/README.md, "PyTorch on the CPU").

The preset comes from the TypeScript config as JSON (--config), so the two sides cannot drift: same layers,
shapes and parameter count (printed; the Node side checks it against model.params). One step is what our
Trainer.encodeStep does: draw a batch of random images, timesteps and labels (10 % dropped to the null
class), noise them (x_t = √ᾱ_t·x0 + √(1 − ᾱ_t)·ε), UNet forward, MSE on the prediction target ε, backward,
AdamW (lr 1e-3, β 0.9/0.999, ε 1e-8, no weight decay), EMA of the weights (decay min(0.995, (1+t)/(10+t))).
float32, NCHW. CPU work in PyTorch is synchronous, so time.perf_counter() around a step times all of it.

  torch_unet.py --config JSON --batch B [--threads 1] [--warmup 1] --steps N   → one JSON line, median ms
  torch_unet.py --config JSON --batch B --count                                 → {"params": …}
  torch_unet.py --config JSON --batch B --serve    → {"ready": …} after warm-up, then one step per "step"
                                                     line on stdin, answered {"ms": …}; EOF or "quit" ends
Without torch it prints {"error": "no-torch", …} and exits with status 3.
"""
import argparse
import json
import math
import statistics
import sys
import time

NO_TORCH_EXIT = 3


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def build(torch, cfg):
    nn = torch.nn
    F = torch.nn.functional
    G = cfg["groups"]
    heads = cfg["heads"]
    D = cfg["timeEmbedDim"]
    C0 = cfg["channels"][0]

    class Norm(nn.Module):
        def __init__(self, c, silu):
            super().__init__()
            self.gn = nn.GroupNorm(G, c, eps=1e-5)
            self.silu = silu

        def forward(self, x):
            y = self.gn(x)
            return F.silu(y) if self.silu else y

    class ResBlock(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.norm1 = Norm(cin, True)
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.temb = nn.Linear(D, cout)
            self.norm2 = Norm(cout, True)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

        def forward(self, x, emb):
            h = self.conv1(self.norm1(x))
            h = h + self.temb(emb)[:, :, None, None]
            h = self.conv2(self.norm2(h))
            return h + (x if self.skip is None else self.skip(x))

    class Attention(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.norm = Norm(c, False)
            self.qkv = nn.Conv2d(c, 3 * c, 1)
            self.proj = nn.Conv2d(c, c, 1)

        def forward(self, x):
            N, C, H, W = x.shape
            L = H * W
            d = C // heads
            # Channel layout as ours: [q | k | v], each head a contiguous block of d channels.
            qkv = self.qkv(self.norm(x)).reshape(N, 3, heads, d, L)
            q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]  # [N, heads, d, L]
            p = torch.softmax(torch.matmul(q.transpose(2, 3), k) * (1.0 / math.sqrt(d)), dim=-1)  # [N, heads, L, L]
            o = torch.matmul(v, p.transpose(2, 3)).reshape(N, C, H, W)
            return x + self.proj(o)

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            ch = cfg["channels"]
            levels = len(ch)
            self.lin1 = nn.Linear(C0, D)
            self.lin2 = nn.Linear(D, D)
            self.classes = cfg["classes"]
            if self.classes > 0:
                self.class_embedding = nn.Embedding(self.classes + 1, D)
                nn.init.uniform_(self.class_embedding.weight, -1.0, 1.0)  # ours: U(±1)
            half = C0 // 2
            self.register_buffer("freqs", torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / (half - 1))))
            self.conv_in = nn.Conv2d(cfg["inChannels"], C0, 3, padding=1)
            self.down = nn.ModuleList()
            c = C0
            skip_ch = [c]
            for l in range(levels):
                for _ in range(cfg["blocksPerLevel"]):
                    self.down.append(ResBlock(c, ch[l]))
                    c = ch[l]
                    if l in cfg["attentionLevels"]:
                        self.down.append(Attention(c))
                    skip_ch.append(c)
                if l < levels - 1:
                    self.down.append(nn.Conv2d(c, ch[l], 3, stride=2, padding=1))
                    skip_ch.append(ch[l])
            self.mid = nn.ModuleList([ResBlock(c, ch[-1]), Attention(ch[-1]), ResBlock(ch[-1], ch[-1])])
            c = ch[-1]
            self.up = nn.ModuleList()
            for l in reversed(range(levels)):
                for _ in range(cfg["blocksPerLevel"] + 1):
                    self.up.append(ResBlock(c + skip_ch.pop(), ch[l]))
                    c = ch[l]
                    if l in cfg["attentionLevels"]:
                        self.up.append(Attention(c))
                if l > 0:
                    self.up.append(nn.Conv2d(c, ch[l], 3, padding=1))  # after a 2× nearest upsample
            self.norm_out = Norm(c, True)
            self.conv_out = nn.Conv2d(c, cfg["inChannels"], 3, padding=1)
            nn.init.zeros_(self.conv_out.weight)
            nn.init.zeros_(self.conv_out.bias)

        def forward(self, x, t, labels):
            arg = t.to(torch.float32)[:, None] * self.freqs[None, :]
            e = self.lin2(F.silu(self.lin1(torch.cat([torch.sin(arg), torch.cos(arg)], dim=1))))
            if self.classes > 0:
                e = e + self.class_embedding(labels)
            emb = F.silu(e)
            h = self.conv_in(x)
            skips = [h]
            for m in self.down:
                if isinstance(m, ResBlock):
                    h = m(h, emb)
                    skips.append(h)
                elif isinstance(m, Attention):
                    h = m(h)
                    skips[-1] = h  # the skip is taken after the block's attention
                else:
                    h = m(h)
                    skips.append(h)
            h = self.mid[2](self.mid[1](self.mid[0](h, emb)), emb)
            for m in self.up:
                if isinstance(m, ResBlock):
                    h = m(torch.cat([h, skips.pop()], dim=1), emb)
                elif isinstance(m, Attention):
                    h = m(h)
                else:
                    h = m(F.interpolate(h, scale_factor=2, mode="nearest"))
            return self.conv_out(self.norm_out(h))

    return UNet()


def trainer(torch, cfg, batch, seed=0):
    """The model and one training step (a closure), as Trainer.encodeStep does it."""
    torch.manual_seed(seed)
    model = build(torch, cfg)
    params = [p for p in model.parameters()]
    ema = [p.detach().clone() for p in params]
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    S, Cin, classes = cfg["imageSize"], cfg["inChannels"], cfg["classes"]
    count = 256
    data = torch.rand(count, Cin, S, S) * 2 - 1
    data_labels = torch.randint(0, max(classes, 1), (count,))
    T = 1000
    betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    abar = torch.cumprod(1 - betas, 0)
    sqrt_ab, sqrt_1mab = abar.sqrt().float(), (1 - abar).sqrt().float()
    state = {"t": 0}

    def step():
        state["t"] += 1
        idx = torch.randint(0, count, (batch,))
        x0 = data[idx]
        t = torch.randint(0, T, (batch,))
        labels = None
        if classes > 0:
            labels = torch.where(torch.rand(batch) < 0.1, torch.full((batch,), classes), data_labels[idx])
        eps = torch.randn_like(x0)
        xt = sqrt_ab[t][:, None, None, None] * x0 + sqrt_1mab[t][:, None, None, None] * eps
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(xt, t, labels), eps)
        loss.backward()
        opt.step()
        with torch.no_grad():
            d = min(0.995, (1 + state["t"]) / (10 + state["t"]))
            torch._foreach_mul_(ema, d)
            torch._foreach_add_(ema, params, alpha=1 - d)

    return model, step


def timed(step):
    t0 = time.perf_counter()
    step()
    return (time.perf_counter() - t0) * 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="the UNetConfig as JSON (src/model/config.ts)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--count", action="store_true", help="print the parameter count and exit")
    mode.add_argument("--serve", action="store_true", help="step on request (stdin lines), for interleaved timing")
    a = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        emit({"error": "no-torch", "message": str(e), "python": sys.executable})
        sys.exit(NO_TORCH_EXIT)
    torch.set_num_threads(a.threads)
    cfg = json.loads(a.config)
    model, step = trainer(torch, cfg, a.batch)
    info = {
        "params": sum(p.numel() for p in model.parameters()),
        # Every parameter's shape, sorted: the Node side compares them with ours, not only the total.
        "shapes": sorted("x".join(map(str, p.shape)) for p in model.parameters()),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": a.batch,
        "python": sys.executable,
    }
    if a.count:
        emit(info)
        return
    for _ in range(a.warmup):
        step()
    if a.serve:
        emit({"ready": True, "warmup": a.warmup, **info})
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "quit":
                break
            if cmd == "step":
                emit({"ms": timed(step)})
            elif cmd:
                emit({"error": f"unknown command {cmd!r}"})
        return
    times = [timed(step) for _ in range(a.steps)]
    emit({**info, "warmup": a.warmup, "steps": a.steps, "ms_median": statistics.median(times), "ms": times,
          "timing": "wall clock, time.perf_counter around a whole step (synchronous on the CPU)"})


if __name__ == "__main__":
    main()
