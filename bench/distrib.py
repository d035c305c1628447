"""Data-parallel scaling: the MNIST job trained by 1 and by 2 processes (torchrun, gloo, one thread each).

    python bench/distrib.py [--epochs 5] [--repeats 3] [--write results-distrib-cpu.md]

The job: the MNIST MLP (784-50-10) on the digits shipped with trainlib (4,000 training images), Adam,
fit_one_cycle, global batch size 64, validation each epoch. One process: batches of 64, run with plain
`python`, where `distrib_ctx` is a no-op (no DDP). Two processes: batches of 32 each, under torchrun (gloo,
127.0.0.1). After a first, untimed one-epoch fit (DDP's setup and gloo's first connections), rank 0 times a
second `fit_one_cycle` alone (after a barrier: not the start of the processes, nor the imports) and reports
training samples per second (epochs x 4,000 / seconds) and the time per step; the two-process runs also time
one all-reduce of a scalar and of all the gradients. Launches alternate 1 and 2 processes; the median of
`--repeats` is reported, with the scaling (2 processes' samples/s over 1's; 2.0 would be perfect). With
--write, the table goes to bench/<file> as markdown."""
import argparse, json, os, platform, socket, statistics, subprocess, sys, tempfile, time
from pathlib import Path

root = Path(__file__).resolve().parents[1]

def worker(epochs, out):
    "Under torchrun: train the MNIST job inside distrib_ctx, rank 0 writing the time of the fit to `out`."
    import torch
    import torch.distributed as dist
    from trainlib.all import (Learner, DataLoaders, Dataset, get_mnist, accuracy, nn, F, setup_distrib,
                              teardown_distrib, num_distrib, rank_distrib)
    torch.set_num_threads(1)
    setup_distrib()
    world = num_distrib()
    torch.manual_seed(0)
    x, y, xv, yv = get_mnist()
    dls = DataLoaders.from_dsets(Dataset(x, y), Dataset(xv, yv), bs=64 // world, device='cpu')
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    learn = Learner(dls, model, F.cross_entropy, metrics=accuracy)
    with learn.distrib_ctx(), learn.no_logging():
        learn.fit_one_cycle(1, 1e-2)   # untimed: the first fit pays for DDP's setup, gloo's first connections
        if world > 1: dist.barrier()
        start = time.perf_counter()
        learn.fit_one_cycle(epochs, 1e-2)
        seconds = time.perf_counter() - start
    # batches: this rank's training batches
    result = dict(seconds=seconds, samples=epochs * len(x), batches=learn.train_iter)
    if world > 1:   # what an all-reduce costs here: a scalar (the loss), all the gradients (DDP's each step)
        n_params = sum(p.numel() for p in learn.model.parameters())
        for name, n in (('allreduce_scalar_us', 1), ('allreduce_grads_us', n_params)):
            t = torch.zeros(n)
            dist.barrier(); start = time.perf_counter()
            for _ in range(50): dist.all_reduce(t)
            result[name] = (time.perf_counter() - start) / 50 * 1e6
    if rank_distrib() == 0: Path(out).write_text(json.dumps(result))
    teardown_distrib()

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def launch(nproc, epochs):
    "One torchrun launch of `nproc` processes; rank 0's samples per second."
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)/'result.json'
        env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(root))
        torchrun = [sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', f'--nproc_per_node={nproc}',
                    '--master_addr=127.0.0.1', f'--master_port={free_port()}']
        # one process: plain `python` (under torchrun distrib_ctx would train through DDP, even alone)
        cmd = ((torchrun if nproc > 1 else [sys.executable])
               + [__file__, '--worker', str(out), '--epochs', str(epochs)])
        subprocess.run(cmd, env=env, check=True, timeout=600, stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--write', default=None, help='a file name under bench/ for the markdown table')
    p.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker: return worker(args.epochs, args.worker)
    results = {1: [], 2: []}
    for _ in range(args.repeats):
        for nproc in results: results[nproc].append(launch(nproc, args.epochs))
    runs = {n: [r['samples'] / r['seconds'] for r in rs] for n, rs in results.items()}
    med = {n: statistics.median(v) for n, v in runs.items()}
    step_us = {n: statistics.median(r['seconds'] / r['batches'] * 1e6 for r in rs)
               for n, rs in results.items()}
    scalar_us = statistics.median(r['allreduce_scalar_us'] for r in results[2])
    grads_us = statistics.median(r['allreduce_grads_us'] for r in results[2])
    import torch
    cpu = platform.processor() or platform.machine()
    lines = [f'Data-parallel MNIST MLP (global batch 64, {args.epochs} epochs, Adam, one-cycle), '
             f'torchrun + gloo, one thread a process, median of {args.repeats} launches; '
             f'{cpu}, {os.cpu_count()} cores, torch {torch.__version__}.',
             '', '| processes | training samples/s | µs per step (a batch on every process) | scaling |',
             '|---|---|---|---|']
    for n in runs: lines.append(f'| {n} | {med[n]:,.0f} | {step_us[n]:,.0f} | {med[n] / med[1]:.2f}x |')
    lines += ['', f'One gloo all-reduce between the two processes here: {scalar_us:,.0f} µs for a scalar '
              f'(the loss, each step), {grads_us:,.0f} µs for all the gradients (what DDP sends each step).']
    table = '\n'.join(lines)
    print(table)
    print('all runs (samples/s):', {n: [round(v) for v in vs] for n, vs in runs.items()})
    if args.write:
        command = (f'python bench/distrib.py --epochs {args.epochs} --repeats {args.repeats} '
                   f'--write {args.write}')
        (root/'bench'/args.write).write_text(f'<!-- {command} -->\n' + table + '\n')

if __name__ == '__main__': main()
