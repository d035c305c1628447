#!/usr/bin/env bash
# trainlib's GPU check, for anyone with a CUDA machine. From the repository root, in the dev environment
# (CUDA PyTorch and `pip install -e ".[dev]"`):
#
#     bash tools/test/gpu_check.sh              # every step below, then a one-screen summary
#     bash tools/test/gpu_check.sh bench        # one step alone (several: bash tools/test/gpu_check.sh cuda fp16)
#
# Steps:
#   cuda         torch sees a CUDA device and trainlib's default_device() picks it (every other step needs this)
#   notebooks    nbdev_test over every notebook (default_device() is CUDA there), 07_fp16 and 08_distributed aside
#   bench        bench/peers.py --device cuda: the speed table, and a fit under CUDA's sync debug mode 'error'
#                (bench/.venv is made by bench/setup.sh first if it is missing)
#   fp16         nbs/07_fp16.ipynb (mixed precision), skipped with a note while the notebook does not exist
#   distributed  nbs/08_distributed.ipynb (its torchrun tests run on the CPU, gloo)
#   nccl         one process on GPU 0 under torchrun: distrib_ctx on NCCL, the model on cuda:0 trained through DDP
#   fsdp         the same with distrib_ctx(strategy='fsdp'): FSDP2's shards on cuda:0 (the plain model waits in
#                host memory), a full checkpoint that loads into the plain model
# Each step's full output goes to a log in $GPU_CHECK_LOGS (default: a new folder under /tmp); a failed step shows
# its last lines. Exits 1 if a step failed, or at once if there is no CUDA.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python}
logs=${GPU_CHECK_LOGS:-$(mktemp -d /tmp/gpu_check.XXXXXX)}
mkdir -p "$logs"
ALL_STEPS=(cuda notebooks bench fp16 distributed nccl fsdp)
summary=()
passed=0; failed=0; skipped=0

step_cuda() {
  "$PY" - <<'EOF'
import sys, torch
if not torch.cuda.is_available():
    build = f"a CUDA {torch.version.cuda} build" if torch.version.cuda else "a CPU-only build"
    sys.exit(f"no CUDA: torch {torch.__version__} is {build} and sees no CUDA device. This check needs a machine with an "
             f"NVIDIA GPU, its driver (nvidia-smi lists the GPU), and a CUDA build of PyTorch (`pip install torch`).")
from trainlib.data import default_device
device = default_device()
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), {torch.cuda.device_count()} GPU(s): "
      + ', '.join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())))
print(f"trainlib's default_device(): {device}")
if device.type != 'cuda': sys.exit(f"default_device() picked {device}, not cuda")
EOF
}

step_notebooks() {  # the other notebooks, as CI runs them, but on CUDA
  command -v nbdev_test >/dev/null || { echo "nbdev_test is missing: pip install -e \".[dev]\""; return 1; }
  nbdev_test --skip_file_re '^[_.]|^(07_fp16|08_distributed)\.ipynb$' --timing
}

step_bench() {
  touch "$logs/bench.start"
  if [ ! -x bench/.venv/bin/python ]; then echo "bench/.venv is missing: running bash bench/setup.sh"; bash bench/setup.sh || return 1; fi
  bench/.venv/bin/python -c "import torch, sys; torch.cuda.is_available() or sys.exit(
    f'bench/.venv has torch {torch.__version__}, which sees no CUDA device: make it again with a CUDA build of torch')" || return 1
  bench/.venv/bin/python bench/peers.py --device cuda   # writes bench/results-cuda.md; exits 1 on a problem
}

run_notebook() {  # run_notebook NAME: one notebook's tests, or a note that it does not exist yet
  if [ ! -f "nbs/$1.ipynb" ]; then echo "SKIP: nbs/$1.ipynb does not exist yet"; return 0; fi
  nbdev_test --path "nbs/$1.ipynb" --timing
}
step_fp16() { run_notebook 07_fp16; }
step_distributed() { run_notebook 08_distributed; }

job_dir() {  # job_dir: a new folder holding job_common.py, what the torchrun jobs below import
  local dir; dir=$(mktemp -d)
  cat >"$dir/job_common.py" <<'EOF'
"What the GPU check's torchrun jobs share: the shipped MNIST digits and a callback that notes what trains."
from trainlib.all import *
class Seen(Callback):
    "The model's type and device in training."
    def before_fit(self): self.seen = set()
    def before_batch(self):
        if self.training: self.seen.add((type(self.learn.model).__name__, str(next(self.learn.model.parameters()).device)))
x, y, xv, yv = get_mnist()
dls = DataLoaders.from_dsets(Dataset(x, y), Dataset(xv, yv), bs=64)
EOF
  echo "$dir"
}

step_nccl() {  # the NCCL path of 08_distributed: one process is enough (a group of one still trains through DDP)
  local dir; dir=$(job_dir)
  cat >"$dir/nccl_job.py" <<'EOF'
import torch, torch.distributed as dist
from trainlib.all import *
from job_common import Seen, dls
learn = Learner(dls, nn.Sequential(nn.Linear(784, 50), nn.BatchNorm1d(50), nn.ReLU(), nn.Linear(50, 10)), F.cross_entropy,
                metrics=accuracy)
seen = Seen()
setup_distrib()
backend = dist.get_backend()
with learn.distrib_ctx(), learn.no_logging(): learn.fit_one_cycle(2, 1e-2, cbs=seen)
teardown_distrib()
acc = learn.recorder.values[-1][2]
print(f"backend {backend}, training through {sorted(seen.seen)}, accuracy {acc:.4f}")
assert backend == 'nccl' and seen.seen == {('DistributedDataParallel', 'cuda:0')} and acc > 0.85, (backend, seen.seen, acc)
EOF
  PYTHONPATH="$PWD" timeout 600 "$PY" -m torch.distributed.run --nproc_per_node=1 --master_addr=127.0.0.1 \
    --master_port=29517 "$dir/nccl_job.py"
}

step_fsdp() {  # 08_distributed's FSDP on NCCL: one process, one GPU, a full checkpoint
  local dir; dir=$(job_dir)
  cat >"$dir/fsdp_job.py" <<'EOF'
import tempfile, torch, torch.distributed as dist
from trainlib.all import *
from trainlib.tracker import SaveModelCallback
from job_common import Seen, dls
mlp = lambda: nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
learn, seen = Learner(dls, mlp(), F.cross_entropy, metrics=accuracy, path=tempfile.mkdtemp()), Seen()
with learn.distrib_ctx(strategy='fsdp'), learn.no_logging():
    learn.fit_one_cycle(2, 1e-2, cbs=[seen, SaveModelCallback(fname='final', at_end=True, with_opt=True)])
backend, acc = dist.get_backend(), learn.recorder.values[-1][2]
plain = Learner(dls, mlp(), F.cross_entropy, path=learn.path).load('final')
loads = all(torch.equal(v, learn.model.state_dict()[k]) for k, v in plain.model.state_dict().items())
where = {str(p.device) for p in learn.model.parameters()}
print(f"backend {backend}, training through {sorted(seen.seen)}, accuracy {acc:.4f}, plain model back on {where}, "
      f"checkpoint loads into the plain model: {loads}")
assert backend == 'nccl' and seen.seen == {('FSDPSequential', 'cuda:0')} and acc > 0.85, (backend, seen.seen, acc)
assert loads and where == {'cuda:0'}, (loads, where)
EOF
  PYTHONPATH="$PWD" timeout 600 "$PY" -m torch.distributed.run --nproc_per_node=1 --master_addr=127.0.0.1 \
    --master_port=29518 "$dir/fsdp_job.py"
}

run_step() {  # run_step NAME: run step_NAME, log it, add a line to the summary
  local name=$1 log="$logs/$1.log" start=$SECONDS status
  echo "== $name (log: $log)"
  if "step_$name" >"$log" 2>&1; then
    if grep -q '^SKIP: ' "$log"; then status="SKIP"; skipped=$((skipped+1)); else status="PASS"; passed=$((passed+1)); fi
  else
    status="FAIL"; failed=$((failed+1)); tail -n 30 "$log" | sed 's/^/   /'
  fi
  summary+=("$(printf '%-5s %-12s %4ss  %s' "$status" "$name" "$((SECONDS-start))" "$(grep -v '^\s*$' "$log" | tail -n 1 | cut -c1-90)")")
  [ "$status" != FAIL ]
}

steps=("$@"); [ ${#steps[@]} -gt 0 ] || steps=("${ALL_STEPS[@]}")
for s in "${steps[@]}"; do
  [[ " ${ALL_STEPS[*]} " == *" $s "* ]] || { echo "unknown step '$s': choose from ${ALL_STEPS[*]}"; exit 2; }
done
if [[ " ${steps[*]} " != *" cuda "* ]]; then steps=(cuda "${steps[@]}"); fi   # every step needs CUDA: check it first
for s in "${steps[@]}"; do
  if ! run_step "$s" && [ "$s" = cuda ]; then
    echo; echo "no CUDA here: nothing else was run (log: $logs/cuda.log)"; exit 1
  fi
done

echo
echo "==== trainlib GPU check: $(head -n 1 "$logs/cuda.log")"
printf '%s\n' "${summary[@]}"
if [ -f "$logs/bench.start" ] && [ bench/results-cuda.md -nt "$logs/bench.start" ]; then   # written by this run
  echo; echo "---- bench/results-cuda.md, the overhead table left out"
  awk '/^\*\*/{skip = /^\*\*Linear/} /^Machine:/{skip = 0} !skip' bench/results-cuda.md | grep -v '^\s*$'   # all but the overhead table
fi
echo
echo "logs: $logs"
echo "gpu check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
