"""Build trainlib's docs offline into _docs/: one HTML page per notebook, with its plots and API entries.

Quarto, nbdev's renderer, cannot be installed on the project's machines (the GitHub Pages workflow still uses it),
so this renders the same processed notebooks with nbconvert:
1. execute each notebook of nbs/ in a Jupyter kernel (notebooks are committed without outputs);
2. process the executed notebooks with nbdev (`nbdev_proc_nbs`' processor chain: frontmatter, hidden cells,
   show_doc API entries for every exported name);
3. render each processed notebook to HTML with a JupyterLab-style template that loads nothing from the network
   (math by KaTeX from Debian's libjs-katex, copied beside the pages), and add a navigation bar and an index page.
Run it through `bash tools/docs.sh`, which installs what it needs. `--executed DIR` takes the notebooks found in DIR
as already executed (CI passes the ones its `jupyter nbconvert --execute` check wrote) instead of running them again."""
import html, re, shutil, sys
from pathlib import Path
import nbformat, yaml
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

root = Path(__file__).resolve().parent.parent
KATEX = Path('/usr/share/javascript/katex')

def notebooks(): return sorted(p for p in (root/'nbs').glob('*.ipynb') if p.name != 'index.ipynb') + [root/'nbs'/'index.ipynb']

def execute(src, dst):
    "Run notebook `src` top to bottom in a Jupyter kernel (working folder: nbs/) and write it with outputs to `dst`."
    nb = nbformat.read(src, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(src.parent)}}).execute()
    nbformat.write(nb, dst)

def process(executed):
    "nbdev's processing of the executed notebooks into _proc/ (the first half of nbdev_docs)."
    from nbdev.serve import proc_nbs
    from nbdev.doclinks import _build_modidx
    _build_modidx()
    proc_nbs(path=executed, force=True, n_workers=0)
    return root/'_proc'

def front_matter(nb):
    "The YAML front matter nbdev puts in a raw cell: title, description, output-file."
    raw = [c for c in nb.cells if c.cell_type == 'raw' and c.source.startswith('---')]
    return yaml.safe_load(raw[0].source.strip().strip('-')) if raw else {}

def quarto_links(md):
    "show_doc writes Quarto's `[source](url){attrs}`; plain markdown renderers want an HTML link."
    return re.sub(r'\[source\]\(([^)]+)\)\{[^}]*\}', r'<a href="\1" target="_blank" class="source-link">source</a>', md)

def prepare(nb):
    "Drop raw cells and directive lines; hide the code of `echo: false` cells (the show_doc calls)."
    nb.cells = [c for c in nb.cells if c.cell_type != 'raw']
    for c in nb.cells:
        if c.cell_type != 'code': continue
        lines = c.source.splitlines()
        if any(re.match(r'#\|\s*echo:\s*false', l) for l in lines): c.metadata.setdefault('tags', []).append('remove_input')
        c.source = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
        for out in c.get('outputs', []):
            md = out.get('data', {}).get('text/markdown')
            if md: out['data']['text/markdown'] = quarto_links(md)
    nb.cells = [c for c in nb.cells if c.cell_type != 'code' or c.source or c.get('outputs')]
    return nb

def nav(pages, current):
    links = ''.join(f'<a href="{p["file"]}"{" class=current" if p["file"] == current else ""}>{html.escape(p["title"])}</a>'
                    for p in pages)
    return f'<nav class="trainlib">{links}</nav>'

def index_list(pages):
    items = ''.join(f'<li><a href="{p["file"]}">{html.escape(p["title"])}</a>: {html.escape(p["description"])}</li>'
                    for p in pages if p['file'] != 'index.html')
    return (f'<div class="jp-Cell jp-MarkdownCell"><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">'
            f'<h2 id="contents">The notebooks, in order</h2><ol>{items}</ol></div></div>')

def render(proc, out):
    exporter = HTMLExporter(template_name='trainlib', extra_template_basedirs=[str(root/'tools'/'templates')])
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    loaded = [nbformat.read(proc/p.name, as_version=4) for p in notebooks()]
    pages = []
    for p, nb in zip(notebooks(), loaded):
        fm = front_matter(nb)
        pages.append({'file': 'index.html' if p.name == 'index.ipynb' else fm.get('output-file', p.stem + '.html'),
                      'title': fm.get('title', p.stem), 'description': fm.get('description', '')})
    pages = pages[-1:] + pages[:-1]   # the index first
    loaded = loaded[-1:] + loaded[:-1]
    for page, nb in zip(pages, loaded):
        resources = {'trainlib_nav': nav(pages, page['file']), 'trainlib_title': page['title'],
                     'trainlib_description': page['description'], 'metadata': {'name': page['title']}}
        body, _ = exporter.from_notebook_node(prepare(nb), resources=resources)
        if page['file'] == 'index.html': body = body.replace('</main>', index_list(pages) + '</main>', 1)
        (out/page['file']).write_text(body)
        print(f"wrote {out/page['file']}")
    return pages

def main():
    if not KATEX.exists(): sys.exit(f"{KATEX} is missing: install Debian's libjs-katex (tools/docs.sh does)")
    executed, out = root/'_build'/'nbs', root/'_docs'
    shutil.rmtree(executed, ignore_errors=True); executed.mkdir(parents=True)
    for f in ('_quarto.yml', 'nbdev.yml', 'styles.css'):
        if (root/'nbs'/f).exists(): shutil.copy(root/'nbs'/f, executed/f)
    ran = Path(sys.argv[sys.argv.index('--executed') + 1]) if '--executed' in sys.argv else None
    for p in notebooks():
        if ran is not None and (ran/p.name).exists(): shutil.copy(ran/p.name, executed/p.name)   # already run
        else: print(f"executing {p.name}"); execute(p, executed/p.name)
    proc = process(executed)
    shutil.rmtree(out, ignore_errors=True); out.mkdir()
    shutil.copytree(KATEX, out/'katex')
    render(proc, out)

if __name__ == '__main__': main()
