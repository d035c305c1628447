"""trainlib: a literate PyTorch training library built up from scratch along the fast.ai course, with fastai v2's API.

`from trainlib.all import *` brings in the whole public API. The package is generated from the notebooks in the
repository's nbs/ folder by nbdev (this docstring is the one part written by hand: nbdev only updates the
`__version__` line below)."""
__version__ = "0.0.1"
