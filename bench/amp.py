"""Mixed precision against float32: trainlib's to_bf16() and to_fp16() timed beside float32, and beside a
hand-written loop.

    python bench/amp.py [--device cpu|cuda] [--repeats 5] [--threads 1] [--only NAMES]

Needs trainlib only (the main venv, or bench/.venv). Jobs:
- the MNIST MLP (784-50-10, bs 64) of bench/peers.py, on the digits of `get_mnist()`;
- a small CNN on the same digits as 28x28 images (three stride-2 3x3 convolutions 1-16-32-64 with BatchNorm
  and ReLU, average pool, linear; bs 64), one epoch over the first 2,048 training images (32 batches):
  convolutions are where 16-bit matrix units pay off first, and on a CPU float16's convolution backward can be
  very slow (the first run of this benchmark took 158 s for the float16 hand-written loop over 3 full epochs,
  9 s in float32).
Each job runs in three precisions, float32, bfloat16 (autocast) and float16 (autocast + GradScaler), each as
- a hand-written loop: autocast around the forward pass, `scaler.scale(loss).backward(); scaler.step(opt);
  scaler.update()`, torch.optim.SGD with momentum 0.9 at the one-cycle schedule of torch's OneCycleLR;
- trainlib: `Learner.fit_one_cycle` with trainlib's SGD (momentum 0.9), after `to_bf16()` / `to_fp16()`.
Timed: building the Learner/optimizer/scaler and training the job's epochs with validation; not timed: making
the model (same seed, same initial weights everywhere). Variants alternate in a rotating order, medians over
repeats, round 0 is a warm-up. The "× float32" column divides by the same variant's float32 time: what the
precision costs or saves.
"""
import argparse, os, platform, re, statistics, tempfile, time, warnings
from functools import partial
from pathlib import Path
import torch
from torch import nn
import torch.nn.functional as F

import trainlib.all as tl
from jobs import Job, mnist_job   # bench/jobs.py
import trainlib.fp16  # noqa: F401  Learner.to_fp16/to_bf16, whether or not trainlib.all imports 07_fp16 yet

warnings.filterwarnings("ignore")
LR, DIV, DIV_FINAL, PCT, MOMS = 0.1, 25., 1e5, 0.25, (0.95, 0.85, 0.95)
PRECISIONS = ['fp32', 'bf16', 'fp16']
NAMES = {'fp32': 'float32', 'bf16': 'bfloat16 autocast', 'fp16': 'float16 autocast + GradScaler'}

# ---------------------------------------------------------------- jobs (Job and mnist_job: bench/jobs.py)
def conv(ni, nf):
    return [nn.Conv2d(ni, nf, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(nf), nn.ReLU()]

def cnn_job(device):
    x, y, xv, yv = tl.get_mnist()
    images = lambda t: t.view(-1, 1, 28, 28)
    cnn = lambda: nn.Sequential(*conv(1, 16), *conv(16, 32), *conv(32, 64), nn.AdaptiveAvgPool2d(1),
                                nn.Flatten(), nn.Linear(64, 10))
    return Job('MNIST CNN 1-16-32-64 with BatchNorm, bs 64, 2,048 images', images(x[:2048]), y[:2048],
               images(xv), yv, cnn, 64, 1, device)

# ---------------------------------------------------------------- variants
def dtype_of(precision): return {'bf16': torch.bfloat16, 'fp16': torch.float16}.get(precision)

def loop(job, model, precision):
    "A hand-written loop over shuffled batches in `precision`: what autocast and the scaler cost, no Learner."
    dtype, device = dtype_of(precision), job.device.type
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMS[0])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=job.n_batches, pct_start=PCT,
        div_factor=DIV, final_div_factor=DIV_FINAL / DIV, base_momentum=MOMS[1], max_momentum=MOMS[0])
    scaler = torch.amp.GradScaler(device, enabled=precision == 'fp16')
    autocast = lambda: torch.autocast(device, dtype=dtype or torch.float32, enabled=dtype is not None)
    n, bs = len(job.x), job.bs
    for epoch in range(job.epochs):
        model.train()
        perm = torch.randperm(n, device=job.device)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xb, yb = job.x.index_select(0, idx), job.y.index_select(0, idx)
            with autocast(): pred = model(xb)
            scaler.scale(F.cross_entropy(pred.float(), yb)).backward()
            scaler.step(opt); scaler.update(); sched.step(); opt.zero_grad()
        model.eval()
        with torch.no_grad():
            for i in range(0, len(job.xv), 2 * bs):
                with autocast(): pred = model(job.xv[i:i + 2 * bs])
                F.cross_entropy(pred.float(), job.yv[i:i + 2 * bs])
    return model

def trainlib(job, model, precision):
    "trainlib's Learner.fit_one_cycle after to_bf16() / to_fp16()."
    dls = tl.DataLoaders.from_dsets(tl.Dataset(job.x, job.y), tl.Dataset(job.xv, job.yv), bs=job.bs,
                                    device=job.device)
    learn = tl.Learner(dls, model, loss_func=F.cross_entropy, opt_func=partial(tl.SGD, mom=0.9),
                       path=tempfile.mkdtemp())
    if precision == 'bf16': learn.to_bf16()
    if precision == 'fp16': learn.to_fp16()
    with learn.no_logging():
        learn.fit_one_cycle(job.epochs, LR, div=DIV, div_final=DIV_FINAL, pct_start=PCT, moms=MOMS)
    return learn.model

VARIANTS = [(v, p) for v in (loop, trainlib) for p in PRECISIONS]

# ---------------------------------------------------------------- measuring
def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()

def bench_job(job, variants, repeats):
    "Median seconds and last accuracy of each (variant, precision), alternated in a rotating order."
    times, scores = {(v.__name__, p): [] for v, p in variants}, {}
    for r in range(repeats + 1):               # round 0 warms up and is not counted
        for v, p in variants[r % len(variants):] + variants[:r % len(variants)]:
            model = job.model(seed=0)
            sync(job.device)
            start = time.perf_counter()
            v(job, model, p)
            sync(job.device)
            if r: times[v.__name__, p].append(time.perf_counter() - start)
            scores[v.__name__, p] = job.score(model)
    return {k: statistics.median(t) for k, t in times.items()}, scores

LABELS = {'loop': 'hand-written loop', 'trainlib': 'trainlib fit_one_cycle'}

def job_table(job, times, scores):
    rows = ["| variant | precision | seconds | µs per batch | × float32 | accuracy |",
            "|---|---|---|---|---|---|"]
    for (name, p), secs in times.items():
        base = times.get((name, 'fp32'), float('nan'))
        rows.append(f"| {LABELS[name]} | {NAMES[p]} | {secs:.3f} | {secs / job.n_batches * 1e6:.0f} | "
                    f"{secs / base:.2f} | {scores[name, p]:.4f} |")
    head = f"**{job.name}**, {job.epochs} epochs, {job.n_batches} training batches, on {job.device.type}"
    return head + '\n\n' + '\n'.join(rows)

def machine():
    cpu = platform.processor() or platform.machine()
    try: cpu = re.search(r'model name\s*:\s*(.*)', Path('/proc/cpuinfo').read_text()).group(1)
    except Exception: pass
    try: flags = re.search(r'flags\s*:\s*(.*)', Path('/proc/cpuinfo').read_text()).group(1).split()
    except Exception: flags = []
    units = [f for f in ('avx512_bf16', 'amx_bf16', 'avx512_fp16', 'amx_fp16') if f in flags]
    import trainlib as trainlib_pkg
    dev = (torch.cuda.get_device_name() if torch.cuda.is_available() else
           f"CPU only, {torch.get_num_threads()} torch threads; 16-bit units: {', '.join(units) or 'none'}")
    return (f"{cpu}, {os.cpu_count()} cores; {dev}; Python {platform.python_version()}, "
            f"torch {torch.__version__}, trainlib {trainlib_pkg.__version__}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--threads', type=int, default=1,
                    help='torch intra-op threads (1: small models gain nothing from more)')
    ap.add_argument('--only', default='',
                    help='comma-separated variant names (loop, trainlib) or jobs (mlp, cnn)')
    args = ap.parse_args()
    if args.repeats < 1: ap.error(f'--repeats must be >= 1, got {args.repeats}')
    torch.set_num_threads(args.threads)
    only = set(filter(None, args.only.split(',')))
    variants = [(v, p) for v, p in VARIANTS if not only & {'loop', 'trainlib'} or v.__name__ in only]
    jobs = [j for name, j in (('mlp', mnist_job), ('cnn', cnn_job))
            if not only & {'mlp', 'cnn'} or name in only]
    out = []
    for make_job in jobs:
        job = make_job(args.device)
        times, scores = bench_job(job, variants, args.repeats)
        out.append(job_table(job, times, scores))
        print(out[-1] + '\n', flush=True)
    command = f"python bench/amp.py --repeats {args.repeats} --device {args.device} --threads {args.threads}"
    if args.only: command += f" --only {args.only}"
    print(f"Machine: {machine()}. Medians of {args.repeats} alternated repeats. Command: `{command}`.")

if __name__ == '__main__': main()
