"""Make README.md from nbs/index.ipynb, with the real outputs of running it (nbdev_readme needs Quarto).

    python tools/readme.py           # execute nbs/index.ipynb in a Jupyter kernel and write README.md
    python tools/readme.py --check   # exit 1 if README.md is not what the notebook gives now

Cells marked `#| hide` are left out; `#| ` directive lines are dropped from code; text outputs are quoted as they
came. The check ignores what cannot repeat from run to run: times such as 00:03 and durations in seconds."""
import re, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

root = Path(__file__).resolve().parent.parent

def is_hidden(cell): return re.search(r'^#\|\s*hide\s*$', cell.source, re.M) is not None

def code_source(src): return '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()

def output_text(out):
    if out.output_type == 'stream': return out.text
    if out.output_type in ('execute_result', 'display_data'):
        data = out.get('data', {})
        if 'text/markdown' in data: return None  # shown as markdown below
        return data.get('text/plain')
    if out.output_type == 'error': raise RuntimeError(f"index.ipynb raised {out.ename}: {out.evalue}")

def to_markdown(nb):
    parts = []
    for cell in nb.cells:
        if is_hidden(cell): continue
        if cell.cell_type == 'markdown': parts.append(cell.source.strip()); continue
        if cell.cell_type != 'code' or not code_source(cell.source): continue
        parts.append(f"```python\n{code_source(cell.source)}\n```")
        for out in cell.get('outputs', []):
            text = output_text(out)
            if text and text.strip(): parts.append(f"```\n{text.rstrip()}\n```")
            md = out.get('data', {}).get('text/markdown') if out.output_type != 'stream' else None
            if md: parts.append(md.strip())
    return '<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n' + '\n\n'.join(parts) + '\n'

def render():
    nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(root/'nbs')}}).execute()
    return to_markdown(nb)

def stable(text):
    text = re.sub(r'\b\d\d:\d\d\b', 'MM:SS', text)
    return re.sub(r'\b\d+(\.\d+)?\s*(s|ms|µs)\b', 'T', text)

if __name__ == '__main__':
    md = render()
    if '--check' in sys.argv:
        if stable(md) != stable((root/'README.md').read_text()):
            sys.exit("README.md is out of sync with nbs/index.ipynb: run `python tools/readme.py`")
        print("README.md is in sync with nbs/index.ipynb")
    else:
        (root/'README.md').write_text(md)
        print("wrote README.md")
