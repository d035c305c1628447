"""Build trainlib's docs offline into _docs/: one HTML page per notebook, with its plots and API entries.

Quarto, nbdev's renderer, cannot be installed on the project's machines (the GitHub Pages workflow still uses
it), so this renders the processed notebooks with nbconvert:
1. execute each notebook of nbs/ in a Jupyter kernel (notebooks are committed without outputs); every notebook
   there is a page, so a new `nbs/NN_name.ipynb` joins the pages and the navigation by itself;
2. ready the executed copies (the notebooks in nbs/ are not touched):
   - API entries in source order: after each exported cell, a `show_doc(name)` cell for each public function
     and class it defines, in the order it defines them, unless the notebook shows that name itself (nbdev's
     own insertion, switched off here, puts one cell's entries in reverse order), and only where the cell's
     module (trainlib imported) defines the object of that name itself: a name the module takes from another
     (`from .learner import *`, a re-export) gets its entry on that module's page. A function shown under a
     class's name, `show_doc(Learner.fit_one_cycle, name='Learner.fit_one_cycle')`, is shown once, under that
     name;
   - the test-import cells hidden: code cells of imports only, not exported, before the first `## ` section
     (the `from fastcore.test import ...` cell each lesson opens with);
3. process them with nbdev's processors for the docs (what `nbdev_proc_nbs` runs: front matter, hidden and
   exported cells removed, show_doc cells run; its add_show_docs left out for the step above), with
   tools/build/api_entry.py as show_doc's renderer: `class Learner(dls, model, ...)`,
   `Learner.fit(n_epoch, ...)`, the docstring, a parameter table; no links to a source repository;
4. render each processed notebook to HTML with a JupyterLab-style template that loads nothing from the
   network (math by KaTeX from Debian's libjs-katex, copied beside the pages), without In/Out prompts; links
   nbdev made to the docs site become links between these pages (plain text where no page has the entry they
   name); every id on a page is unique (an API entry keeps its id, a heading with the same id gets a suffix);
   a side column, fixed at the left, links to every page and lists the page's own `##` and `###` headings
   ("On this page"); code, tables and formulas wider than the page scroll in their own box; add an index page
   and `pages.json`, which tells tools/test/test_docs.py which page documents which module.
Run it through `bash tools/build/docs.sh`, which installs what it needs. `--executed DIR` takes the notebooks
found in DIR as already executed (CI passes the ones its `jupyter nbconvert --execute` check wrote) instead of
running them again."""
import ast, html, importlib, json, os, re, shutil, sys
from pathlib import Path
import nbformat, yaml
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

root = Path(__file__).resolve().parents[2]
KATEX = Path('/usr/share/javascript/katex')
RENDERER = 'api_entry.EntryRenderer'   # tools/build/api_entry.py (this script's folder is on sys.path)

def notebooks():
    "Every notebook of nbs/ in order, the index last (it becomes the first page)."
    lessons = sorted(p for p in (root/'nbs').glob('*.ipynb') if p.name != 'index.ipynb')
    return lessons + [root/'nbs'/'index.ipynb']

def execute(src, dst):
    "Run notebook `src` top to bottom in a Jupyter kernel (working folder: nbs/); write it, run, to `dst`."
    nb = nbformat.read(src, as_version=4)
    resources = {'metadata': {'path': str(src.parent)}}
    NotebookClient(nb, timeout=600, kernel_name='python3', resources=resources).execute()
    nbformat.write(nb, dst)

def directives(cell):
    "The `#| name args` lines of a cell, as {name: args}."
    found = {}
    for line in cell.source.splitlines():
        m = re.match(r'#\|\s*([\w-]+:?)\s*(.*)', line)
        if m: found[m.group(1)] = m.group(2).strip()
    return found

def code_tree(cell):
    "The cell's code parsed (directives and magics dropped), or None if it does not parse."
    src = '\n'.join(l for l in cell.source.splitlines() if not l.lstrip().startswith(('#|', '%', '!')))
    try: return ast.parse(src)
    except SyntaxError: return None

def is_exported(cell):
    "Cells whose definitions get API entries (nbdev's rule): exported, not hidden, not excluded."
    d = directives(cell)
    return (cell.cell_type == 'code' and bool({'export', 'exports', 'exec_doc'} & d.keys())
            and 'hide' not in d and d.get('include:') != 'false')

def dotted(node):
    "`Learner.fit` for the AST of `Learner.fit`, `fit` for `fit`; None for anything else."
    if isinstance(node, ast.Name): return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return base and f'{base}.{node.attr}'

def shown_names(nb):
    "Names the notebook shows itself: the first argument of each show_doc call, and the last part of `name=`."
    shown = set()
    for cell in nb.cells:
        tree = code_tree(cell) if cell.cell_type == 'code' else None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Call) and dotted(node.func) == 'show_doc' and node.args:
                shown.add(dotted(node.args[0]))
                for kw in node.keywords:
                    if kw.arg == 'name' and isinstance(kw.value, ast.Constant):
                        # show_doc(Learner.f, name='Learner.f') shows f
                        shown.add(str(kw.value.value).split('.')[-1])
    return shown

def public_defs(cell):
    "Public functions and classes a cell defines at its top level, in source order."
    tree = code_tree(cell)
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [n.name for n in (tree.body if tree else []) if isinstance(n, defs) and not n.name.startswith('_')]

def cell_module(cell, default):
    "The module an exported cell goes to: `#| export core` -> trainlib.core, `#| export` -> `default`."
    d = directives(cell)
    target = next((d[k] for k in ('export', 'exports', 'exporti') if d.get(k)), '')
    return f'trainlib.{target}' if target else default

def defines(module, name):
    "True if module `module` defines `name` itself; False for a name it imports or re-exports from another."
    try: obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, TypeError): return False   # TypeError: no module (`module` is None)
    obj = obj.fget if isinstance(obj, property) else getattr(obj, '__func__', obj)
    return getattr(obj, '__module__', None) == module

def add_entries(nb, module):
    """A show_doc cell after each exported cell for each public name it defines, in source order (see the
    docstring), when the cell's module (`module`, the notebook's default_exp, unless the cell names another)
    defines that name: an object it re-exports from another module gets its entry on that module's page."""
    shown, cells = shown_names(nb), []
    for cell in nb.cells:
        cells.append(cell)
        if not is_exported(cell): continue
        home = cell_module(cell, module)
        names = [n for n in public_defs(cell) if n not in shown and defines(home, n)]
        cells += [nbformat.v4.new_code_cell(f'show_doc({name})') for name in names]
    nb.cells = cells
    return nb

def is_import_only(cell):
    "True for a code cell of imports only."
    tree = code_tree(cell)
    return bool(tree and tree.body) and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body)

def hide_test_imports(nb):
    "Mark `#| hide` the unexported import-only code cells before the first `## ` (the tests' imports)."
    for cell in nb.cells:
        if cell.cell_type == 'markdown' and re.search(r'^##\s', cell.source, re.M): break
        if cell.cell_type == 'code' and not directives(cell) and is_import_only(cell):
            cell.source = '#| hide\n' + cell.source
    return nb

def ready(executed, proc):
    "Steps 2 and 3 of the docstring: the executed notebooks in `executed`, processed by nbdev into `proc`."
    from execnb.nbio import read_nb, write_nb
    from nbdev.config import get_config
    from nbdev.doclinks import _build_modidx
    from nbdev.process import Processor
    from nbdev.processors import FilterDefaults, add_show_docs

    class entries_added(Processor):
        "Stands in for nbdev's add_show_docs: add_entries has put the show_doc cells in, in source order."
        def begin(self): self.nb.has_docs_ = True   # exec_show_docs runs the show_doc cells

    class Processors(FilterDefaults):
        "nbdev's processors for the docs (what nbdev_proc_nbs runs), with add_show_docs replaced."
        def base_procs(self):
            return [entries_added if p is add_show_docs else p for p in super().base_procs()]

    get_config()['renderer'] = RENDERER   # nbdev's setting, for this process only (settings.ini unchanged)
    _build_modidx()
    shutil.rmtree(proc, ignore_errors=True); proc.mkdir(parents=True)
    os.environ['IN_TEST'] = '1'           # as nbdev_proc_nbs runs them
    for p in sorted(executed.glob('*.ipynb')):
        nb = nbformat.read(p, as_version=4)
        nbformat.write(no_mixed_imports(hide_test_imports(add_entries(nb, default_module(nb)))), p)
        nb = read_nb(p)
        Processors()(nb)
        write_nb(nb, proc/p.name)
    del os.environ['IN_TEST']
    return proc

def no_mixed_imports(nb):
    """Mark `#| eval: false` the test cells that import and also run other code: nbdev's docs processor runs
    every cell with an import, alone in a fresh kernel, where such a test fails on names from cells it did not
    run. Cells that only import (and exported cells) still run, so each `show_doc` finds its names."""
    for cell in nb.cells:
        if cell.cell_type != 'code' or re.search(r'^#\|\s*export', cell.source, re.M): continue
        code = '\n'.join(l for l in cell.source.splitlines() if not l.lstrip().startswith(('%', '!')))
        try: body = ast.parse(code).body
        except SyntaxError: continue
        imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
        if imports and len(imports) < len(body): cell.source = '#| eval: false\n' + cell.source
    return nb

def front_matter(nb):
    "The YAML front matter nbdev puts in a raw cell: title, description, output-file."
    raw = [c for c in nb.cells if c.cell_type == 'raw' and c.source.startswith('---')]
    return yaml.safe_load(raw[0].source.strip().strip('-')) if raw else {}

def default_module(nb):
    "The module a notebook exports to (`#| default_exp data` -> trainlib.data), or None."
    for cell in nb.cells:
        m = re.search(r'^#\|\s*default_exp\s+(\S+)', cell.source, re.M) if cell.cell_type == 'code' else None
        if m: return f'trainlib.{m.group(1)}'
    return None

def module_of(path):
    "The module the notebook at `path` exports to, or None."
    return default_module(nbformat.read(path, as_version=4))

def prepare(nb):
    "Drop raw cells and directive lines; hide the code of `echo: false` cells (the show_doc calls)."
    nb.cells = [c for c in nb.cells if c.cell_type != 'raw']
    for c in nb.cells:
        if c.cell_type != 'code': continue
        lines = c.source.splitlines()
        if any(re.match(r'#\|\s*echo:\s*false', l) for l in lines):
            c.metadata.setdefault('tags', []).append('remove_input')
        c.source = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
    nb.cells = [c for c in nb.cells if c.cell_type != 'code' or c.source or c.get('outputs')]
    return nb

def local_links(body):
    "nbdev links names to the docs site (settings.ini's doc_host): link to these pages instead."
    from nbdev.config import get_config
    cfg = get_config()
    site = re.escape(cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/') + '/')
    return re.sub(rf'href="{site}([\w.-]+\.html(?:#[^"]*)?)"', r'href="\1"', body)

def drop_dead_links(body, ids):
    """Unlink what nbdev linked to an entry no page has (a private helper, an event method): keep the text.
    `ids` maps each page to its ids."""
    def check(m):
        page, frag, text = m.group(1), m.group(2), m.group(3)
        return m.group(0) if page in ids and frag in ids[page] else text
    return re.sub(r'<a href="([\w.-]+\.html)#([^"]*)"[^>]*>(.*?)</a>', check, body, flags=re.S)

_heading = re.compile(r'<h([1-6])([^>]*?)\sid="([^"]*)"([^>]*)>(.*?)</h\1>', re.S)

def unique_ids(body):
    "Give each heading a unique id: API entries keep theirs (links point there), others get `-2`, `-3`..."
    taken = {m.group(3) for m in _heading.finditer(body) if 'api-entry' in m.group(0).split('>', 1)[0]}
    taken |= set(re.findall(r'<(?!h[1-6])\w+[^>]*\sid="([^"]*)"', body))   # cells' ids
    def rename(m):
        level, before, old, after, inner = m.groups()
        if 'api-entry' in before + after: return m.group(0)
        new, n = old, 1
        while new in taken: n += 1; new = f'{old}-{n}'
        taken.add(new)
        inner = inner.replace(f'href="#{old}"', f'href="#{new}"')
        return f'<h{level}{before} id="{new}"{after}>{inner}</h{level}>'
    return _heading.sub(rename, body)

CONTENTS = '<!-- trainlib: contents -->'   # where the page's contents list goes, once its ids are final

def nav(pages, current):
    """The side column: a link to every page (the notebook's number, then the page's title), and the place of
    the page's contents list."""
    def item(p):
        number = Path(p['notebook']).stem.split('_')[0] if p['file'] != 'index.html' else ''
        mark = ' class="current" aria-current="page"' if p['file'] == current else ''
        return (f'<li><a href="{p["file"]}"{mark}><span class="num">{html.escape(number)}</span>'
                f'<span class="name">{html.escape(p["title"])}</span></a></li>')
    links = ''.join(item(p) for p in pages)
    return (f'<aside class="trainlib-side"><nav class="trainlib" aria-label="Pages"><ol>{links}</ol></nav>'
            f'{CONTENTS}</aside>')

def section_headings(body):
    "(level, id, inner HTML) of each `##` and `###` heading of a page, API entries left out."
    return [(int(m.group(1)), m.group(3), m.group(5)) for m in _heading.finditer(body)
            if m.group(1) in '23' and 'api-entry' not in m.group(2) + m.group(4)]

def heading_text(inner):
    "A heading's inner HTML without its ¶ anchor and its links and markup (`<code>` kept)."
    inner = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', '', inner, flags=re.S)
    return re.sub(r'<(?!/?code[\s>])[^>]*>', '', inner).strip()

def contents(body):
    "The page's 'On this page' list: a link to each `##` and `###` heading (### indented under its ##)."
    items = ''.join(f'<li class="toc-h{level}"><a href="#{hid}">{heading_text(inner)}</a></li>'
                    for level, hid, inner in section_headings(body))
    if not items: return ''
    return (f'<nav class="toc" aria-label="On this page"><p class="toc-title">On this page</p>'
            f'<ul>{items}</ul></nav>')

def index_list(pages):
    "The index page's list of the other pages, in order, each with its description."
    def inline(text): return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))   # markdown's `code`
    def item(p):
        return f'<li><a href="{p["file"]}">{html.escape(p["title"])}</a>: {inline(p["description"])}</li>'
    items = ''.join(item(p) for p in pages if p['file'] != 'index.html')
    return (f'<div class="jp-Cell jp-MarkdownCell">'
            f'<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">'
            f'<h2 id="contents">The notebooks, in order</h2><ol>{items}</ol></div></div>')

def page_info(path, nb):
    "The pages.json entry of notebook `path` (processed: `nb`): file, title, description, notebook, module."
    fm = front_matter(nb)
    file = 'index.html' if path.name == 'index.ipynb' else fm.get('output-file', path.stem + '.html')
    return {'file': file, 'title': fm.get('title', path.stem), 'description': fm.get('description', ''),
            'notebook': f'nbs/{path.name}', 'module': module_of(path)}

def render(proc, out):
    templates = str(root/'tools'/'build'/'templates')
    exporter = HTMLExporter(template_name='trainlib', extra_template_basedirs=[templates],
                            exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    loaded = [nbformat.read(proc/p.name, as_version=4) for p in notebooks()]
    pages = [page_info(p, nb) for p, nb in zip(notebooks(), loaded)]
    pages = pages[-1:] + pages[:-1]   # the index first
    loaded = loaded[-1:] + loaded[:-1]
    bodies = {}
    for page, nb in zip(pages, loaded):
        resources = {'trainlib_nav': nav(pages, page['file']), 'trainlib_title': page['title'],
                     'trainlib_description': page['description'], 'metadata': {'name': page['title']}}
        body, _ = exporter.from_notebook_node(prepare(nb), resources=resources)
        if page['file'] == 'index.html': body = body.replace('</main>', index_list(pages) + '</main>', 1)
        body = unique_ids(local_links(body))
        bodies[page['file']] = body.replace(CONTENTS, contents(body), 1)
    ids = {name: set(re.findall(r'\sid="([^"]*)"', body)) for name, body in bodies.items()}
    for name, body in bodies.items():
        (out/name).write_text(drop_dead_links(body, ids))
        print(f"wrote {out/name}")
    (out/'pages.json').write_text(json.dumps(pages, indent=1) + '\n')
    return pages

def main():
    if not KATEX.exists():
        sys.exit(f"{KATEX} is missing: install Debian's libjs-katex (tools/build/docs.sh does)")
    executed, out = root/'_build'/'nbs', root/'_docs'
    shutil.rmtree(executed, ignore_errors=True); executed.mkdir(parents=True)
    for f in ('_quarto.yml', 'nbdev.yml', 'styles.css'):
        if (root/'nbs'/f).exists(): shutil.copy(root/'nbs'/f, executed/f)
    ran = Path(sys.argv[sys.argv.index('--executed') + 1]) if '--executed' in sys.argv else None
    for p in notebooks():
        if ran is not None and (ran/p.name).exists(): shutil.copy(ran/p.name, executed/p.name)   # already run
        else: print(f"executing {p.name}"); execute(p, executed/p.name)
    proc = ready(executed, root/'_build'/'proc')
    shutil.rmtree(out, ignore_errors=True); out.mkdir()
    shutil.copytree(KATEX, out/'katex')
    render(proc, out)

if __name__ == '__main__': main()
