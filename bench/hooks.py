"""What ActivationStats costs a fit: the CNN of nbs/09_hooks.ipynb timed with and without it.

    OMP_NUM_THREADS=1 python bench/hooks.py [--repeats 9] [--epochs 3] [--device cpu] [--threads 1]

Needs trainlib only (the main venv). The job: `simple_cnn()` (8-16-32-64 channels with batch norm and
GeneralRelu, 25,282 parameters) on the 4,000 training digits of `get_mnist()`, normalised, bs 64 (63 batches
an epoch), SGD with momentum 0.9, `fit_one_cycle(epochs, 0.1)`, validating on the 1,000 validation digits.
Variants: no ActivationStats; ActivationStats() (every training batch, the 9 layers with parameters);
with_hist=True; every=10; every=50. Timed: making the Learner, the fit, and reading the stats (`stats`),
from the same initial weights, in CPU seconds of this process (`time.process_time`: on a machine shared with
other jobs, their load slows the wall clock far more than this count). Each variant runs in pairs with the fit
without it, back to back, the order alternating, the variants in a rotating order (round 0 is a warm-up); the
table gives each variant's median time, and the median and quartiles of its time over its pair's fit without
ActivationStats.
"""
import argparse, os, platform, re, statistics, time, warnings
from functools import partial
from pathlib import Path
import torch

import trainlib
from trainlib.data import Dataset, DataLoaders, get_mnist, normalize
from trainlib.learner import Learner
from trainlib.loss import cross_entropy
from trainlib.training import SGD
import trainlib.anneal  # noqa: F401  Learner.fit_one_cycle
from trainlib.hooks import ActivationStats, simple_cnn

warnings.filterwarnings("ignore")
VARIANTS = {'none': None,
            'ActivationStats()': dict(),
            'ActivationStats(with_hist=True)': dict(with_hist=True),
            'ActivationStats(every=10)': dict(every=10),
            'ActivationStats(every=50)': dict(every=50)}

def make_dls(device):
    x, y, xv, yv = get_mnist()
    mean, std = x.mean(), x.std()
    return DataLoaders.from_dsets(Dataset(normalize(x, mean, std), y), Dataset(normalize(xv, mean, std), yv),
                                  bs=64, device=device)

def run(dls, weights, kwargs, epochs):
    "One fit of the CNN from `weights`, with ActivationStats(**kwargs) unless kwargs is None; its stats read."
    model = simple_cnn().to(dls.device)
    model.load_state_dict(weights)
    learn = Learner(dls, model, loss_func=cross_entropy, opt_func=partial(SGD, mom=0.9), lr=0.1)
    cbs = None if kwargs is None else ActivationStats(**kwargs)
    with learn.no_logging(): learn.fit_one_cycle(epochs, cbs=cbs)
    n_recorded = 0 if cbs is None else len(cbs.stats)   # the one read of the stats, inside the timing
    if dls.device.type == 'cuda': torch.cuda.synchronize()
    return n_recorded

def machine():
    cpu = platform.processor() or platform.machine()
    try: cpu = re.search(r'model name\s*:\s*(.*)', Path('/proc/cpuinfo').read_text()).group(1)
    except Exception: pass
    dev = (torch.cuda.get_device_name() if torch.cuda.is_available()
           else f'{torch.get_num_threads()} torch threads')
    return (f"{cpu}, {os.cpu_count()} cores; {dev}; Python {platform.python_version()}, "
            f"torch {torch.__version__}, trainlib {trainlib.__version__}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeats', type=int, default=9)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    args = ap.parse_args()
    if args.repeats < 1: ap.error(f'--repeats must be >= 1, got {args.repeats}')
    torch.set_num_threads(args.threads)
    dls = make_dls(torch.device(args.device))
    torch.manual_seed(0)
    weights = simple_cnn().state_dict()
    names = [name for name in VARIANTS if name != 'none']
    ratios, times, recorded = {name: [] for name in names}, {name: [] for name in VARIANTS}, {}
    def timed(name):
        start = time.process_time()
        recorded[name] = run(dls, weights, VARIANTS[name], args.epochs)
        return time.process_time() - start
    for r in range(args.repeats + 1):   # round 0 warms up and is not counted
        for name in names[r % len(names):] + names[:r % len(names)]:
            # a pair, the fit without ActivationStats and with it, back to back (in turn first): what the
            # machine's other jobs take from this process changes slowly, and about equally for both
            pair = ('none', name) if r % 2 else (name, 'none')
            t = {v: timed(v) for v in pair}
            if not r: continue
            ratios[name].append(t[name] / t['none'])
            for v in pair: times[v].append(t[v])
    n_batches = args.epochs * len(dls.train)
    print(f"**simple_cnn() on {len(dls.train_ds):,} digits, bs 64, {args.epochs} epochs of fit_one_cycle "
          f"({n_batches} training batches), on {args.device}**\n")
    print("| variant | batches recorded | CPU seconds, median | × without: median of pairs | quartiles |")
    print("|---|---|---|---|---|")
    print(f"| none | 0 | {statistics.median(times['none']):.3f} | 1 | |")
    for name in names:
        q1, _, q3 = statistics.quantiles(ratios[name], n=4) if len(ratios[name]) > 1 else ratios[name] * 3
        print(f"| {name} | {recorded[name]} | {statistics.median(times[name]):.3f} | "
              f"{statistics.median(ratios[name]):.3f} | {q1:.3f} to {q3:.3f} |")
    command = (f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')} python bench/hooks.py "
               f"--repeats {args.repeats} --epochs {args.epochs} --device {args.device} "
               f"--threads {args.threads}")
    print(f"\nMachine: {machine()}. {args.repeats} pairs per variant, in a rotating order. "
          f"Command: `{command}`.")

if __name__ == '__main__': main()
