"""The benchmark jobs that bench/peers.py and bench/amp.py share: data on a device, a seeded model, a
score."""
import math
import torch
from torch import nn
import torch.nn.functional as F
import trainlib.all as tl

class Job:
    "Data, model and loss of one benchmark job; `score(model)` is what all variants must agree on."
    def __init__(self, name, x, y, xv, yv, make_model, bs, epochs, device,
                 loss_func=F.cross_entropy,
                 metric_name='accuracy'):   # metric_name: 'accuracy' or 'valid mse'
        self.name, self.make_model, self.bs, self.epochs = name, make_model, bs, epochs
        self.loss_func, self.metric_name, self.device = loss_func, metric_name, torch.device(device)
        self.x, self.y, self.xv, self.yv = (t.to(self.device) for t in (x, y, xv, yv))
        self.n_batches = epochs * math.ceil(len(x) / bs)

    def model(self, seed=0):
        torch.manual_seed(seed)
        return self.make_model().to(self.device)

    @torch.no_grad()
    def score(self, model):
        model.eval()
        pred = model(self.xv)
        if self.metric_name == 'accuracy': return (pred.argmax(1) == self.yv).float().mean().item()
        return F.mse_loss(pred, self.yv).item()

def mnist_job(device, epochs=3):
    "The MNIST MLP 784-50-10, bs 64, on the digits of `get_mnist()`."
    x, y, xv, yv = tl.get_mnist()
    mlp = lambda: nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    return Job('MNIST MLP 784-50-10, bs 64', x, y, xv, yv, mlp, 64, epochs, device)
