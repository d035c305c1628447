"""Make README.md from nbs/index.ipynb, with the real outputs of running it (nbdev_readme needs Quarto).

    python tools/build/readme.py           # execute nbs/index.ipynb in a Jupyter kernel and write README.md
    python tools/build/readme.py --check   # exit 1 if README.md is not what the notebook gives now

Cells marked `#| hide` are left out; `#| ` directive lines are dropped from code; text outputs are quoted as
they came, HTML tables as HTML; plots are left to the docs. The check ignores what cannot repeat from run to
run: times such as 00:03, durations in seconds, and digits past the second decimal."""
import re, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

root = Path(__file__).resolve().parents[2]
HEADER = '<!-- Generated from nbs/index.ipynb by tools/build/readme.py: edit the notebook, not this file. -->'

def is_hidden(cell): return re.search(r'^#\|\s*hide\s*$', cell.source, re.M) is not None

def code_source(src): return '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()

def fence(text): return f"```\n{text.rstrip()}\n```"

def output_markdown(out):
    "An output as README markdown: tables as HTML, text fenced; plots and stderr are left to the docs."
    if out.output_type == 'error': raise RuntimeError(f"index.ipynb raised {out.ename}: {out.evalue}")
    if out.output_type == 'stream':
        return fence(out.text) if out.name == 'stdout' and out.text.strip() else None
    data = out.get('data', {})
    if 'image/png' in data: return None
    if 'text/html' in data: return data['text/html'].strip()
    if 'text/markdown' in data: return data['text/markdown'].strip()
    if data.get('text/plain', '').strip(): return fence(data['text/plain'])

def to_markdown(nb):
    parts = []
    for cell in nb.cells:
        if is_hidden(cell): continue
        if cell.cell_type == 'markdown': parts.append(cell.source.strip()); continue
        if cell.cell_type != 'code' or not code_source(cell.source): continue
        parts.append(f"```python\n{code_source(cell.source)}\n```")
        parts += [md for md in map(output_markdown, cell.get('outputs', [])) if md]
    return HEADER + '\n\n' + '\n\n'.join(parts) + '\n'

def render():
    nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
    resources = {'metadata': {'path': str(root/'nbs')}}
    NotebookClient(nb, timeout=600, kernel_name='python3', resources=resources).execute()
    return to_markdown(nb)

def stable(text):
    text = re.sub(r'(\d+\.\d{2})\d+', r'\1', text)   # float noise past 2 decimals (threads, BLAS builds)
    text = re.sub(r'\b\d\d:\d\d\b', 'MM:SS', text)
    return re.sub(r'\b\d+(\.\d+)?\s*(s|ms|µs)\b', 'T', text)

if __name__ == '__main__':
    md = render()
    if '--check' in sys.argv:
        if stable(md) != stable((root/'README.md').read_text()):
            sys.exit("README.md is out of sync with nbs/index.ipynb: run `python tools/build/readme.py`")
        print("README.md is in sync with nbs/index.ipynb")
    else:
        (root/'README.md').write_text(md)
        print("wrote README.md")
