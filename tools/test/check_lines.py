"""Check that no line is longer than 110 characters: every line of every code cell of nbs/*.ipynb, and every
line of tools/**/*.py, bench/*.py and .ci/run.

    python tools/test/check_lines.py      # prints each offender, then a count; exit 1 if there is any

An offender prints as `nbs/03_callbacks.ipynb:cell 12:line 3: 131 chars` (cells counted from 1 over all the
notebook's cells, markdown included, as Jupyter shows them; lines from 1 within the cell) or
`tools/build/docs.py:line 40: 118 chars`. Length is in characters, not bytes."""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parents[2]
LIMIT = 110

def long_lines(lines):
    "(line number from 1, length) of each line of `lines` longer than LIMIT."
    return [(n, len(line)) for n, line in enumerate(lines, 1) if len(line) > LIMIT]

def notebook_offenders(path):
    "`path:cell N:line M: L chars` for each long line in the code cells of notebook `path`."
    cells = json.loads(path.read_text(encoding='utf-8'))['cells']
    rel = path.relative_to(root)
    found = []
    for c, cell in enumerate(cells, 1):
        if cell['cell_type'] != 'code': continue
        source = ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']
        found += [f'{rel}:cell {c}:line {n}: {length} chars' for n, length in long_lines(source.splitlines())]
    return found

def file_offenders(path):
    "`path:line M: L chars` for each long line of the text file `path`."
    rel = path.relative_to(root)
    lines = path.read_text(encoding='utf-8').splitlines()
    return [f'{rel}:line {n}: {length} chars' for n, length in long_lines(lines)]

def files():
    "The scripts checked line by line: tools/**/*.py, bench/*.py, .ci/run."
    return sorted((root/'tools').rglob('*.py')) + sorted((root/'bench').glob('*.py')) + [root/'.ci'/'run']

def main():
    in_notebooks = [o for p in sorted((root/'nbs').glob('*.ipynb')) for o in notebook_offenders(p)]
    in_files = [o for p in files() if p.exists() for o in file_offenders(p)]
    for offender in in_notebooks + in_files: print(offender)
    total = len(in_notebooks) + len(in_files)
    print(f'{total} lines over {LIMIT} characters: {len(in_notebooks)} in the code cells of nbs/*.ipynb, '
          f'{len(in_files)} in tools/**/*.py, bench/*.py and .ci/run')
    sys.exit(1 if total else 0)

if __name__ == '__main__': main()
