#!/usr/bin/env bash
# One command to set up the benchmarks' own virtualenv, bench/.venv: CPU PyTorch, trainlib without its dev extra,
# fastai and Lightning. fastai needs fastcore 2.x (the nbdev 2 dev tools pin fastcore 1.x, hence a separate venv)
# and declares torchvision, which has no CPU wheel here: it is installed with --no-deps plus its pure-Python
# requirements (`from fastai.basics import *` does not need torchvision).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv bench/.venv
. bench/.venv/bin/activate
pip install -q "torch==2.13.0"            # the CPU wheel on these machines; a bare `torch` pulls CUDA wheels
pip install -q .                           # trainlib, runtime requirements only
pip install -q --no-deps "fastai==2.8.12"
pip install -q "fastcore>=2.2.22" "fastdownload>=0.0.8,<2" "fasttransform>=0.0.3" "fastprogress>=0.2.4" \
  matplotlib pandas requests pyyaml "pillow>=9" scikit-learn scipy packaging "plum-dispatch<2.10" cloudpickle
pip install -q "lightning>=2.1"            # torch 2.13.0 already satisfies its torch requirement
python -c "import trainlib, fastai, lightning, torch; print('bench venv: trainlib', trainlib.__version__, '| fastai', fastai.__version__, '| lightning', lightning.__version__, '| torch', torch.__version__)"
