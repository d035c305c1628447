"""Data-parallel scaling: trainlib's DDP and FSDP, Lightning's DDP, with 1 and 2 processes (torchrun, gloo).

    python bench/distrib.py [--epochs 3] [--repeats 3] [--write results-distrib-cpu.md]

Run it with bench/.venv's python (bash bench/setup.sh makes it) for the Lightning rows; without Lightning they
say so and the rest runs. Two jobs on the MNIST digits shipped with trainlib (4,000 training images), global
batch 64 (32 a process with 2), one-cycle schedule, validation each epoch:

- `mlp`: the MNIST MLP 784-50-10 (40 thousand parameters: a step takes well under a millisecond);
- `wide`: an MLP 784-1024-1024-10 (1.9 million parameters: a step takes milliseconds).

Each launch is one torchrun (or, for the `python` row, one plain process, where `distrib_ctx` is a no-op: no
DDP) of one variant: trainlib `distrib_ctx()` (DDP), trainlib `distrib_ctx(strategy='fsdp')`, or a Lightning
Trainer with strategy='ddp' on the same model, data, batch size, optimizer (AdamW, as trainlib's Adam) and
one-cycle schedule. After a first, untimed one-epoch fit (the wrappers' setup, gloo's first connections), rank
0 times a second fit of `--epochs` epochs (after a barrier) and reports training samples per second (epochs x
4,000 / seconds). Launches go round the variants `--repeats` times; the median is reported, with the scaling
(2 processes' samples/s over 1's). With --write, the table goes to bench/<file> as markdown."""
import argparse, json, os, platform, socket, statistics, subprocess, sys, tempfile, time
from pathlib import Path

root = Path(__file__).resolve().parents[1]
JOBS = {'mlp': 'MNIST MLP 784-50-10 (40k parameters)', 'wide': 'MLP 784-1024-1024-10 (1.9M parameters)'}
VARIANTS = {'python': 'trainlib, one plain process (no DDP)', 'ddp': 'trainlib distrib_ctx() (DDP)',
            'fsdp': "trainlib distrib_ctx(strategy='fsdp')", 'lightning': "Lightning Trainer(strategy='ddp')"}
LR = 1e-2

def make_model(job):
    import torch
    from torch import nn
    torch.manual_seed(0)
    if job == 'mlp': return nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                         nn.Linear(1024, 10))

def trainlib_fit(job, variant, epochs):
    "trainlib's fit_one_cycle under distrib_ctx (DDP or FSDP); the seconds of the timed fit."
    import torch
    import torch.distributed as dist
    from trainlib.all import Learner, DataLoaders, Dataset, get_mnist, accuracy, F
    from trainlib.distributed import setup_distrib, num_distrib
    setup_distrib()
    x, y, xv, yv = get_mnist()
    dls = DataLoaders.from_dsets(Dataset(x, y), Dataset(xv, yv), bs=64 // num_distrib(), device='cpu')
    learn = Learner(dls, make_model(job), F.cross_entropy, metrics=accuracy)
    strategy = 'fsdp' if variant == 'fsdp' else 'ddp'
    with learn.distrib_ctx(strategy=strategy), learn.no_logging():
        learn.fit_one_cycle(1, LR)   # untimed: the first fit pays for the setup and gloo's first connections
        if dist.is_initialized(): dist.barrier()
        start = time.perf_counter()
        learn.fit_one_cycle(epochs, LR)
        return time.perf_counter() - start

def lightning_fit(job, epochs):
    "A Lightning Trainer (DDP over torchrun's processes) on the same job; the seconds of the timed fit."
    import contextlib, io, logging
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset
    import lightning as L
    from trainlib.all import get_mnist
    logging.getLogger('lightning.pytorch').setLevel(logging.ERROR)
    world = int(os.environ.get('WORLD_SIZE', 1))
    x, y, xv, yv = get_mnist()
    train = DataLoader(TensorDataset(x, y), batch_size=64 // world, shuffle=True)
    valid = DataLoader(TensorDataset(xv, yv), batch_size=128 // world)

    class Lit(L.LightningModule):
        def __init__(self, n_epochs):
            super().__init__()
            self.model, self.n_epochs = make_model(job), n_epochs
        def training_step(self, batch, batch_idx): return F.cross_entropy(self.model(batch[0]), batch[1])
        def validation_step(self, batch, batch_idx):
            self.log('valid_loss', F.cross_entropy(self.model(batch[0]), batch[1]), sync_dist=True)
        def configure_optimizers(self):
            opt = torch.optim.AdamW(self.parameters(), lr=LR, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)
            steps = self.n_epochs * len(train) // world + self.n_epochs   # per rank, with room for the last
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=steps)
            return {'optimizer': opt, 'lr_scheduler': {'scheduler': sched, 'interval': 'step'}}

    def fit(n_epochs):
        trainer = L.Trainer(max_epochs=n_epochs, accelerator='cpu', devices=world, strategy='ddp',
                            logger=False, enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, num_sanity_val_steps=0)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            trainer.fit(Lit(n_epochs), train, valid)

    fit(1)   # untimed, as trainlib's
    dist.barrier()
    start = time.perf_counter()
    fit(epochs)
    return time.perf_counter() - start

def worker(job, variant, epochs, out):
    "One process of a launch: rank 0 writes the training samples per second of the timed fit to `out`."
    import torch
    torch.set_num_threads(1)
    seconds = lightning_fit(job, epochs) if variant == 'lightning' else trainlib_fit(job, variant, epochs)
    if int(os.environ.get('RANK', 0)) == 0:
        Path(out).write_text(json.dumps(dict(seconds=seconds, samples_per_s=epochs * 4000 / seconds)))

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def launch(job, variant, nproc, epochs):
    "One launch; rank 0's samples per second (None if the variant cannot run here)."
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)/'result.json'
        env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(root))
        torchrun = [sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', f'--nproc_per_node={nproc}',
                    '--master_addr=127.0.0.1', f'--master_port={free_port()}']
        cmd = (([sys.executable] if variant == 'python' else torchrun)
               + [__file__, '--worker', str(out), '--job', job, '--variant', variant,
                  '--epochs', str(epochs)])
        subprocess.run(cmd, env=env, check=True, timeout=900, stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())['samples_per_s']

def has_lightning():
    try:
        import lightning   # noqa: F401
        return True
    except ImportError: return False

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--jobs', default='mlp,wide')
    p.add_argument('--write', default=None, help='a file name under bench/ for the markdown table')
    p.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    p.add_argument('--job', default='mlp', help=argparse.SUPPRESS)
    p.add_argument('--variant', default='ddp', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker: return worker(args.job, args.variant, args.epochs, args.worker)
    lightning = has_lightning()
    runs = {}   # (job, variant, nproc) -> samples/s of each repeat
    cases = [(job, variant, nproc) for job in args.jobs.split(',') for variant in VARIANTS
             for nproc in ((1,) if variant == 'python' else (1, 2)) if variant != 'lightning' or lightning]
    for _ in range(args.repeats):
        for case in cases:
            runs.setdefault(case, []).append(launch(*case, args.epochs))
            print(case, f'{runs[case][-1]:,.0f} samples/s', flush=True)
    med = {case: statistics.median(v) for case, v in runs.items()}
    import torch
    cpu = platform.processor() or platform.machine()
    cores = f'{len(os.sched_getaffinity(0))} of its {os.cpu_count()} cores for these processes'
    lines = [f'Data-parallel training, global batch 64, {args.epochs} epochs of the 4,000 MNIST digits, '
             f'one-cycle, AdamW-style Adam; torchrun + gloo on 127.0.0.1, one thread a process; median of '
             f'{args.repeats} launches; {cpu}, {cores}, torch {torch.__version__}.', '']
    for job in args.jobs.split(','):
        lines += [f'**{JOBS[job]}**', '',
                  '| variant | 1 process (samples/s) | 2 processes (samples/s) | scaling |',
                  '|---|---|---|---|']
        for variant, name in VARIANTS.items():
            if variant == 'lightning' and not lightning:
                lines.append(f'| {name} | not installed | | |')
                continue
            one, two = med.get((job, variant, 1)), med.get((job, variant, 2))
            if two is None: lines.append(f'| {name} | {one:,.0f} | | |')
            else: lines.append(f'| {name} | {one:,.0f} | {two:,.0f} | {two / one:.2f}x |')
        lines.append('')
    table = '\n'.join(lines).rstrip()
    print(table)
    print('all runs (samples/s):', {'/'.join(map(str, c)): [round(v) for v in vs] for c, vs in runs.items()})
    if args.write:
        command = (f'python bench/distrib.py --epochs {args.epochs} --repeats {args.repeats} '
                   f'--write {args.write}')
        (root/'bench'/args.write).write_text(f'<!-- {command} -->\n' + table + '\n')

if __name__ == '__main__': main()
