"""trainlib against its peers: the same jobs, one process, variants alternated, medians over repeats.

    bash bench/setup.sh                  # once: bench/.venv with trainlib (no dev extra), fastai, Lightning
    bench/.venv/bin/python bench/peers.py [--repeats 5] [--device cpu|cuda] [--write-readme]

Jobs (see issue 6): the MNIST MLP (784-50-10, bs 64, SGD momentum 0.9, one-cycle lr 0.1, 3 epochs, validation
each epoch) and a near-zero-compute job (Linear(1,1), bs 16) where per-batch overhead dominates, each as
- floor: a hand-written loop slicing tensors, torch.optim.SGD + OneCycleLR stepped per batch;
- floor shuffled: the same loop over shuffled batches (what trainlib's and torch's loaders do), with
  torch.optim.SGD and with trainlib's SGD (its lr and momentum set by hand each batch): beside the latter,
  what trainlib's Learner itself costs shows;
- torch DataLoader: the same loop over torch.utils.data.DataLoader(TensorDataset), shuffled;
- fastai: Learner.fit_one_cycle (fastai's SGD made with mom=0.9, else it drops momentum);
- Lightning: a Trainer with OneCycleLR stepped per batch;
- trainlib: Learner.fit_one_cycle, with trainlib's SGD and with torch.optim.SGD, both with momentum 0.9 and
  passed explicitly (the Learner's default optimizer is Adam, as fastai's is: here every variant runs SGD,
  like for like).
Then lr_find(num_it=100), trainlib against fastai, and DataLoader throughput, trainlib against torch. With
--device cuda it also trains once with CUDA's sync debug mode set to 'error' over every training epoch (this
path has not been run on a GPU yet: no GPU was lent to the session that wrote it).
Every one-cycle schedule is the same: lr from 0.1/25 up to 0.1 over the first 25% (cosine), down to 0.1/1e5;
momentum 0.95 -> 0.85 -> 0.95. Progress bars and loggers are off everywhere. Timed: building the
Learner/Trainer/optimizer and training; not timed: making the model (same seed, same initial weights for
all)."""
import argparse, contextlib, io, logging, os, platform, re, statistics, subprocess, sys, tempfile, time
import warnings
from functools import partial
from pathlib import Path
import torch
from torch import nn
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader as TorchDL

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)   # Lightning announces devices and tips through logging on every Trainer
logging.getLogger('lightning').setLevel(logging.ERROR)
logging.getLogger('lightning.pytorch').setLevel(logging.ERROR)

import trainlib.all as tl
import fastai.basics as fa
import fastai.callback.all  # noqa: F401  fit_one_cycle, lr_find, the progress bar, as a fastai user has them
import lightning as L
from jobs import Job, mnist_job   # bench/jobs.py

ROOT = Path(__file__).resolve().parent.parent
LR, EPOCHS, DIV, DIV_FINAL, PCT, MOMS = 0.1, 3, 25., 1e5, 0.25, (0.95, 0.85, 0.95)

# ---------------------------------------------------------------- jobs (the MNIST one shared with amp.py)
def overhead_job(device):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1600, 1, generator=g); xv = torch.randn(320, 1, generator=g)
    f = lambda t: 2 * t + 3 + 0.1 * torch.randn(t.shape, generator=g)
    return Job('Linear(1,1), bs 16 (overhead)', x, f(x), xv, f(xv), lambda: nn.Linear(1, 1), 16, EPOCHS,
               device, F.mse_loss, 'valid mse')

# ---------------------------------------------------------------- variants
def one_cycle(opt, total_steps):
    "torch's OneCycleLR as fastai's one-cycle: div 25, div_final 1e5, pct_start 0.25, cos, moms .95-.85-.95."
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=total_steps, pct_start=PCT,
        div_factor=DIV, final_div_factor=DIV_FINAL / DIV, base_momentum=MOMS[1], max_momentum=MOMS[0])

def torch_sgd(model, total_steps):
    "torch.optim.SGD with momentum 0.9, stepped through the one-cycle by OneCycleLR."
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    return opt, one_cycle(opt, total_steps)

class HandOneCycle:
    "The same one-cycle for trainlib's SGD, set by hand: step `i` gets lr and momentum at `i/total_steps`."
    def __init__(self, opt, total_steps):
        self.opt, self.total_steps, self.i = opt, total_steps, 0
        self.lr, self.mom = tl.combined_cos(PCT, LR / DIV, LR, LR / DIV_FINAL), tl.combined_cos(PCT, *MOMS)
        self.set()
    def set(self):
        group, pos = self.opt.param_groups[0], self.i / self.total_steps
        group['lr'], group['mom'] = self.lr(pos), self.mom(pos)
    def step(self):
        self.i += 1
        self.set()

def trainlib_sgd(model, total_steps):
    "trainlib's SGD with momentum 0.9, its one-cycle set by hand."
    opt = tl.SGD(model.parameters(), lr=LR, mom=0.9)
    return opt, HandOneCycle(opt, total_steps)

def hand_loop(job, model, batches, valid_batches, make_opt=torch_sgd):
    opt, sched = make_opt(model, job.n_batches)
    for epoch in range(EPOCHS):
        model.train()
        for xb, yb in batches():
            loss = job.loss_func(model(xb), yb)
            loss.backward(); opt.step(); sched.step(); opt.zero_grad()
        model.eval()
        with torch.no_grad():
            for xb, yb in valid_batches(): job.loss_func(model(xb), yb)
    return model

def valid_slices(job):
    "The hand-written loops' validation batches: slices of 2*bs rows, in order, as every loader here has."
    bs, nv = 2 * job.bs, len(job.xv)
    return lambda: ((job.xv[i:i + bs], job.yv[i:i + bs]) for i in range(0, nv, bs))

def floor(job, model):
    "A hand-written loop slicing tensors."
    n, bs = len(job.x), job.bs
    batches = lambda: ((job.x[i:i + bs], job.y[i:i + bs]) for i in range(0, n, bs))
    return hand_loop(job, model, batches, valid_slices(job))

def floor_shuffled(job, model, make_opt=torch_sgd):
    "The hand-written loop over batches of shuffled rows (one `index_select` each), as real training needs."
    n, bs = len(job.x), job.bs
    def batches():
        perm = torch.randperm(n, device=job.device)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            yield job.x.index_select(0, idx), job.y.index_select(0, idx)
    return hand_loop(job, model, batches, valid_slices(job), make_opt)

def floor_shuffled_trainlib_sgd(job, model):
    "The shuffled hand-written loop with trainlib's SGD: what trainlib's Learner costs beside the same SGD."
    return floor_shuffled(job, model, trainlib_sgd)

def torch_loaders(job):
    "torch's DataLoader(TensorDataset) for training (shuffled, bs) and validation (in order, 2*bs)."
    return (TorchDL(TensorDataset(job.x, job.y), batch_size=job.bs, shuffle=True),
            TorchDL(TensorDataset(job.xv, job.yv), batch_size=2 * job.bs))

def torch_dataloader(job, model):
    "The same loop over torch's DataLoader(TensorDataset), shuffled."
    train, valid = torch_loaders(job)
    return hand_loop(job, model, lambda: train, lambda: valid)

@contextlib.contextmanager
def quiet_fastai(learn):
    "No logging, and no progress bar where fastai.callback.progress added one."
    bar = learn.no_bar() if hasattr(type(learn), 'no_bar') else contextlib.nullcontext()
    with bar, learn.no_logging(): yield

def fa_learner(job, model):
    "fastai's Learner on the job's data, fastai's SGD made with mom=0.9."
    dls = fa.DataLoaders(fa.DataLoader(TensorDataset(job.x, job.y), bs=job.bs, shuffle=True),
                         fa.DataLoader(TensorDataset(job.xv, job.yv), bs=2 * job.bs), device=job.device)
    return fa.Learner(dls, model, loss_func=job.loss_func, opt_func=partial(fa.SGD, mom=0.9),
                      path=tempfile.mkdtemp())

def fastai(job, model):
    "fastai's Learner.fit_one_cycle, SGD with mom=0.9."
    learn = fa_learner(job, model)
    with quiet_fastai(learn):
        learn.fit_one_cycle(EPOCHS, LR, div=DIV, div_final=DIV_FINAL, pct_start=PCT, moms=MOMS)
    return learn.model

class LitModule(L.LightningModule):
    def __init__(self, model, loss_func, total_steps):
        super().__init__()
        self.model, self.loss_func, self.total_steps = model, loss_func, total_steps
    def training_step(self, batch, batch_idx):
        xb, yb = batch
        return self.loss_func(self.model(xb), yb)
    def validation_step(self, batch, batch_idx):
        xb, yb = batch
        return self.loss_func(self.model(xb), yb)
    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=LR, momentum=0.9)
        sched = {'scheduler': one_cycle(opt, self.total_steps), 'interval': 'step'}
        return {'optimizer': opt, 'lr_scheduler': sched}

def lightning(job, model):
    "A Lightning Trainer, OneCycleLR stepped per batch."
    train, valid = torch_loaders(job)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        accelerator = 'gpu' if job.device.type == 'cuda' else 'cpu'
        trainer = L.Trainer(max_epochs=EPOCHS, accelerator=accelerator, devices=1,
                            logger=False, enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, num_sanity_val_steps=0)
        trainer.fit(LitModule(model, job.loss_func, job.n_batches), train, valid)
    return model

def tl_learner(job, model, opt_func=partial(tl.SGD, mom=0.9)):
    "trainlib's Learner on the job's data."
    dls = tl.DataLoaders.from_dsets(tl.Dataset(job.x, job.y), tl.Dataset(job.xv, job.yv), bs=job.bs,
                                    device=job.device)
    return tl.Learner(dls, model, loss_func=job.loss_func, opt_func=opt_func, path=tempfile.mkdtemp())

def trainlib(job, model, opt_func=partial(tl.SGD, mom=0.9)):
    "trainlib's Learner.fit_one_cycle, with trainlib's SGD."
    learn = tl_learner(job, model, opt_func)
    with learn.no_logging():
        learn.fit_one_cycle(EPOCHS, LR, div=DIV, div_final=DIV_FINAL, pct_start=PCT, moms=MOMS)
    return learn.model

def trainlib_torch_sgd(job, model):
    "trainlib's Learner.fit_one_cycle with torch.optim.SGD, the floor's optimizer."
    return trainlib(job, model, opt_func=partial(torch.optim.SGD, momentum=0.9))

VARIANTS = [floor, floor_shuffled, floor_shuffled_trainlib_sgd, torch_dataloader, fastai, lightning, trainlib,
            trainlib_torch_sgd]

# ---------------------------------------------------------------- measuring
def timed(f, *args):
    if torch.cuda.is_available(): torch.cuda.synchronize()
    start = time.perf_counter()
    out = f(*args)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return time.perf_counter() - start, out

def bench_job(job, repeats):
    "Median seconds and last score of each variant, the variants alternated in a rotating order."
    times, scores = {v.__name__: [] for v in VARIANTS}, {}
    for r in range(repeats + 1):               # round 0 warms up and is not counted
        for v in VARIANTS[r % len(VARIANTS):] + VARIANTS[:r % len(VARIANTS)]:
            secs, model = timed(v, job, job.model(seed=0))
            if r: times[v.__name__].append(secs)
            scores[v.__name__] = job.score(model)
    return {k: statistics.median(t) for k, t in times.items()}, scores

class SyncCheck(tl.Callback):
    "CUDA's sync debug mode 'error' over each training epoch, batch fetching included; off in after_train."
    order = -1000   # first: on before an epoch's first batch is fetched, off before the Recorder's one read
    def before_train(self): torch.cuda.set_sync_debug_mode('error')
    def after_train(self): torch.cuda.set_sync_debug_mode(0)

def check_no_sync(job):
    "On CUDA: train with trainlib, any host-device sync inside a training batch raising an error."
    learn = tl_learner(job, job.model())
    try:
        with learn.no_logging(): learn.fit_one_cycle(EPOCHS, LR, cbs=SyncCheck())
    finally: torch.cuda.set_sync_debug_mode(0)
    return (f"**No host-device sync per batch**: {EPOCHS} epochs of trainlib's fit_one_cycle ran with "
            f"`torch.cuda.set_sync_debug_mode('error')` over every training epoch, batch fetching included.")

def bench_lr_find(job, repeats):
    "Median seconds of lr_find(num_it=100) on the job's model, trainlib against fastai."
    def tl_find(): return tl_learner(job, job.model()).lr_find(num_it=100, show_plot=False)
    def fa_find():
        learn = fa_learner(job, job.model())
        with quiet_fastai(learn): return learn.lr_find(num_it=100, show_plot=False)
    times = {'trainlib': [], 'fastai': []}
    for r in range(repeats + 1):
        pair = [('trainlib', tl_find), ('fastai', fa_find)]
        for name, f in (pair if r % 2 else pair[::-1]):
            secs, _ = timed(f)
            if r: times[name].append(secs)
    return {k: statistics.median(t) for k, t in times.items()}

def bench_dataloader(job, repeats):
    "Median batches per second over one shuffled epoch of in-memory tensors, trainlib against torch."
    ours = tl.DataLoader(tl.Dataset(job.x, job.y), bs=job.bs, shuffle=True)
    theirs = TorchDL(TensorDataset(job.x, job.y), batch_size=job.bs, shuffle=True)
    def epoch(dl):
        for _ in range(10):
            for xb, yb in dl: pass
    times = {'trainlib': [], 'torch': []}
    for r in range(repeats + 1):
        pair = [('trainlib', ours), ('torch', theirs)]
        for name, dl in (pair if r % 2 else pair[::-1]):
            secs, _ = timed(epoch, dl)
            if r: times[name].append(10 * len(dl) / secs)
    return {k: statistics.median(t) for k, t in times.items()}

# ---------------------------------------------------------------- report
def machine():
    cpu = platform.processor() or platform.machine()
    try: cpu = re.search(r'model name\s*:\s*(.*)', Path('/proc/cpuinfo').read_text()).group(1)
    except Exception: pass
    import fastai as fa_pkg, trainlib as trainlib_pkg
    dev = (torch.cuda.get_device_name() if torch.cuda.is_available()
           else f'CPU only, {torch.get_num_threads()} torch threads')
    return (f"{cpu}, {os.cpu_count()} cores; {dev}; Python {platform.python_version()}, "
            f"torch {torch.__version__}, trainlib {trainlib_pkg.__version__}, fastai {fa_pkg.__version__}, "
            f"lightning {L.__version__}")

LABELS = {'floor': 'hand-written loop, slicing (the floor)',
          'floor_shuffled': 'hand-written loop, shuffled batches',
          'floor_shuffled_trainlib_sgd': "hand-written loop, shuffled batches, trainlib's SGD",
          'torch_dataloader': "hand-written loop over torch's DataLoader",
          'fastai': 'fastai 2.8 fit_one_cycle',
          'lightning': 'Lightning Trainer', 'trainlib': 'trainlib fit_one_cycle',
          'trainlib_torch_sgd': 'trainlib fit_one_cycle, torch.optim.SGD'}

def job_table(job, times, scores):
    floor_t = times.get('floor', float('nan'))
    rows = [f"| variant | seconds | µs per batch | × floor | {job.metric_name} |", "|---|---|---|---|---|"]
    for name, secs in times.items():
        score = f"{scores[name]:.4f}" if job.metric_name == 'accuracy' else f"{scores[name]:.5f}"
        rows.append(f"| {LABELS.get(name, name)} | {secs:.3f} | {secs / job.n_batches * 1e6:.0f} | "
                    f"{secs / floor_t:.2f} | {score} |")
    head = f"**{job.name}**, {EPOCHS} epochs, {job.n_batches} training batches, on {job.device.type}"
    return head + '\n\n' + '\n'.join(rows)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--threads', type=int, default=1,
                    help='torch intra-op threads (1: small models gain nothing from more)')
    ap.add_argument('--only', default='',
                    help='comma-separated variant names, for a quick look (no lr_find/DataLoader parts)')
    ap.add_argument('--write-readme', action='store_true',
                    help='put the tables into nbs/index.ipynb and regenerate README.md')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.only: VARIANTS[:] = [v for v in VARIANTS if v.__name__ in args.only.split(',')]
    sections, problems = [], []
    for make in (mnist_job, overhead_job):
        job = make(args.device)
        times, scores = bench_job(job, args.repeats)
        sections.append(job_table(job, times, scores)); print(sections[-1] + '\n', flush=True)
        if job.metric_name == 'accuracy':
            spread = max(scores.values()) - min(scores.values())
            if spread > 0.01:
                problems.append(f"{job.name}: accuracies differ by {spread:.3f} (> one point): {scores}")
    if args.only: return
    mnist = mnist_job(args.device)
    if mnist.device.type == "cuda": sections.append(check_no_sync(mnist))
    lf = bench_lr_find(mnist, args.repeats)
    sections.append(f"**lr_find(num_it=100)** on the MNIST MLP: trainlib {lf['trainlib']:.3f} s, "
                    f"fastai {lf['fastai']:.3f} s ({lf['fastai'] / lf['trainlib']:.1f}× faster)")
    dl = bench_dataloader(mnist, args.repeats)
    sections.append(f"**DataLoader alone**, MNIST tensors, bs 64, shuffled: "
                    f"trainlib {dl['trainlib']:,.0f} batches/s, "
                    f"torch {dl['torch']:,.0f} batches/s ({dl['trainlib'] / dl['torch']:.1f}×)")
    print('\n\n'.join(sections[2:]), flush=True)
    cmd = (f"bench/.venv/bin/python bench/peers.py --repeats {args.repeats} --device {args.device} "
           f"--threads {args.threads}")
    text = '\n\n'.join(sections) + (f"\n\nMachine: {machine()}. Medians of {args.repeats} alternated "
                                     f"repeats. Command: `{cmd}` (after `bash bench/setup.sh`).")
    (ROOT/'bench'/f'results-{args.device}.md').write_text(text + '\n')
    if args.write_readme: write_readme(text, args.device)
    for p in problems: print('PROBLEM:', p)
    sys.exit(1 if problems else 0)

def write_readme(text, device):
    "Put `text` between the bench markers of nbs/index.ipynb (the README's source); then run readme.py."
    import json
    path = ROOT/'nbs'/'index.ipynb'
    nb = json.loads(path.read_text())
    start, end = f'<!-- bench:{device}:start -->', f'<!-- bench:{device}:end -->'
    cells = [c for c in nb['cells'] if c['cell_type'] == 'markdown' and start in ''.join(c['source'])]
    if not cells: sys.exit(f"nbs/index.ipynb has no markdown cell with {start} ... {end}")
    src = ''.join(cells[0]['source'])
    src = src[:src.index(start) + len(start)] + '\n' + text + '\n' + src[src.index(end):]
    cells[0]['source'] = src.splitlines(True)
    # as nbdev_clean writes it
    path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + '\n')
    print(f"wrote the results into {path}: regenerate README.md with `python tools/build/readme.py` "
          f"(dev tools)")

if __name__ == '__main__': main()
