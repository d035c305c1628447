"""How much does trainlib's Learner cost beside the model? (issue 3, item 4)

    PYTHONPATH=. python bench/loop_overhead.py [--repeats 7] [--profile]

Trains a 784-50-10 MLP on the 4,000 offline MNIST digits of `get_mnist()`, batch size 64, 3 epochs of SGD
with validation after each epoch, two ways in the same process:
  - by hand: a plain PyTorch loop that slices the tensors directly, `torch.optim.SGD`, validation loss and
    accuracy summed on the device and read once per epoch;
  - with trainlib: `Learner.fit`, with its default callbacks (Recorder, ProgressCallback) and an accuracy
    metric, once with trainlib's SGD (passed as `opt_func`: the default is Adam; the ratio the target is
    about) and once with torch.optim.SGD, which takes more time per step than trainlib's SGD, so that both
    sides run the same optimizer.
For context it also times the hand-written loop over shuffled batches, which pays for gathering rows by index
as the Learner's shuffling DataLoader does. The runs alternate (so drift in the machine's speed hits both
alike), each repeat starting from the same weights, and the script prints the median time of each and their
ratio. The target is a ratio <= 1.25.
`--profile` runs cProfile over one trainlib fit and prints where its time goes."""
import argparse, contextlib, cProfile, io, pstats, statistics, sys, time
import torch
from torch import nn
from trainlib.all import *

def get_model(): return nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))

def hand_loop(model, x_train, y_train, x_valid, y_valid, epochs, bs, lr, shuffle=False):
    "The reference: a plain loop over slices (`shuffle`: a new random order each epoch, as DataLoader)."
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        idxs = torch.randperm(len(x_train), device=x_train.device) if shuffle else None
        for i in range(0, len(x_train), bs):
            if shuffle: xb, yb = x_train[idxs[i:i + bs]], y_train[idxs[i:i + bs]]
            else: xb, yb = x_train[i:i + bs], y_train[i:i + bs]
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with torch.no_grad():
            total_loss, total_acc = 0., 0.
            for i in range(0, len(x_valid), 2 * bs):
                xb, yb = x_valid[i:i + 2 * bs], y_valid[i:i + 2 * bs]
                pred = model(xb)
                total_loss += F.cross_entropy(pred, yb) * len(xb)
                total_acc += (pred.argmax(1) == yb).float().sum()
            valid_loss, valid_acc = (total_loss / len(x_valid)).item(), (total_acc / len(x_valid)).item()
    return valid_loss, valid_acc

def trainlib_fit(model, dls, epochs, lr, opt_func):
    learn = Learner(dls, model, loss_func=F.cross_entropy, opt_func=opt_func, lr=lr, metrics=accuracy)
    learn.fit(epochs)
    return learn.recorder.values[-1][1:]

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=11)
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--bs', type=int, default=64)
    parser.add_argument('--lr', type=float, default=0.1)
    parser.add_argument('--device', default=None, help='default: default_device()')
    parser.add_argument('--threads', type=int, default=None,
                        help="torch.set_num_threads; default: torch's own choice")
    parser.add_argument('--profile', action='store_true')
    args = parser.parse_args()
    if args.threads: torch.set_num_threads(args.threads)

    device = torch.device(args.device) if args.device else default_device()
    x_train, y_train, x_valid, y_valid = (t.to(device) for t in get_mnist())
    dls = DataLoaders.from_dsets(Dataset(x_train, y_train), Dataset(x_valid, y_valid), bs=args.bs,
                                 device=device)
    torch.manual_seed(0)
    init = get_model().state_dict()

    def fresh():
        model = get_model().to(device)
        model.load_state_dict(init)
        return model

    def sync():
        if device.type == 'cuda': torch.cuda.synchronize()

    runs = {
        'hand': lambda: hand_loop(fresh(), x_train, y_train, x_valid, y_valid, args.epochs, args.bs, args.lr),
        'trainlib': lambda: trainlib_fit(fresh(), dls, args.epochs, args.lr, SGD),
        'trainlib_torch_sgd': lambda: trainlib_fit(fresh(), dls, args.epochs, args.lr, torch.optim.SGD),
        'hand_shuffled': lambda: hand_loop(fresh(), x_train, y_train, x_valid, y_valid, args.epochs, args.bs,
                                           args.lr, shuffle=True),
    }
    table = io.StringIO()   # the Learner's per-epoch table (its bars go to stderr), kept out of the report
    with contextlib.redirect_stdout(table):
        for run in runs.values(): run()   # warm up: first-call costs (allocator, kernels, imports) not timed
    times = {name: [] for name in runs}
    results = {}
    for _ in range(args.repeats):
        for name, run in runs.items():
            with contextlib.redirect_stdout(table):
                sync(); start = time.perf_counter()
                results[name] = run()
                sync(); times[name].append(time.perf_counter() - start)

    if args.profile:
        profiler = cProfile.Profile()
        with contextlib.redirect_stdout(table):
            profiler.enable(); runs['trainlib'](); profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats('tottime').print_stats(25)
        print(out.getvalue())

    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"median of {args.repeats} repeats, {args.epochs} epochs, bs {args.bs}")
    hand, ours = results['hand'], results['trainlib']
    print(f"hand-written loop (torch.optim.SGD):              {med['hand'] * 1000:7.1f} ms  "
          f"valid loss, acc {hand[0]:.4f}, {hand[1]:.4f}")
    print(f"trainlib Learner.fit (opt_func=trainlib's SGD):    {med['trainlib'] * 1000:7.1f} ms  "
          f"valid loss, acc {ours[0]:.4f}, {ours[1]:.4f}")
    print(f"trainlib Learner.fit (opt_func=torch.optim.SGD):   {med['trainlib_torch_sgd'] * 1000:7.1f} ms")
    print(f"hand-written, shuffled batches (gathered by index): {med['hand_shuffled'] * 1000:7.1f} ms  "
          f"(what shuffling costs any loop)")
    print(f"ratio trainlib / hand-written: {med['trainlib'] / med['hand']:.3f}  (target <= 1.25)")
    print(f"ratio with torch.optim.SGD on both sides: {med['trainlib_torch_sgd'] / med['hand']:.3f}; "
          f"against the shuffled hand-written loop: {med['trainlib_torch_sgd'] / med['hand_shuffled']:.3f}")

if __name__ == '__main__': main()
