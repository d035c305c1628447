"""Open every page built into _docs/ (by tools/build/docs.py) in headless Chromium; check what a reader sees.

    python tools/test/test_docs.py                    # check every page; prints `N passed, N failed`
    python tools/test/test_docs.py --screenshots DIR  # also save each page, window by window, in DIR
    python tools/test/test_docs.py --docs DIR         # check the pages in DIR instead of _docs/

On every page, in a 1280 x 1000 window: it loads with no console errors; it shows its title and at least one
plot (unless its notebook is in PLOT_EXEMPT); its formulas render; no `In [n]:`/`Out[n]:` prompts and no
visible cell of test imports; every id is unique; every link to a page of the docs lands on a page and an id
that exist, and no link points to the placeholder repository or site of settings.ini. The page fits the
window: document.documentElement.scrollWidth <= window.innerWidth (long code lines and wide tables scroll in
their own box), and no box cuts off content wider than it. The navigation (`nav.trainlib`) links to every
page, and each of its links is shown inside the window, at the top of the page and scrolled to its end. A
contents list (`nav.toc`) links to each `##` and `###` heading of the page, each link to an id of the page.
On the page of each module (tools/build/docs.py's pages.json says which), an API entry for:
- every public function and class the module defines (one it imports or re-exports from another module, by
  `obj.__module__`, is documented on that module's page; a function a notebook attaches to a class,
  `Learner.f = f`, is shown under the class's name, `show_doc(Learner.f, name='Learner.f')`, and that entry
  counts for `f` too);
- every public method of each of its classes (methods defined in the class body; not the Callback event
  methods named in EVENTS, nor methods that implement an interface from outside trainlib, such as
  nn.Module.forward);
- every function of this module that a notebook attaches to a class (`Learner.fit_one_cycle` on the anneal
  page), by the function's module;
and the entries follow the order of the module's source. Missing entries are listed as the show_doc cells to
add. No page shows an entry for an object another module defines (api_entry.py's `data-module`), and no entry
name is on more than one page. Also: every public function and class has a one-line docstring, and the package
has a docstring."""
import importlib, inspect, json, re, sys, tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

root = Path(__file__).resolve().parents[2]
docs = root/'_docs'   # the built pages
if '--docs' in sys.argv: docs = Path(sys.argv[sys.argv.index('--docs') + 1]).resolve()
WIDTH, HEIGHT = 1280, 1000   # the browser window (screenshots are one window each)
IDS = "return [...document.querySelectorAll('[id]')].map(e => e.id)"   # every id on the page, in order
# Pages whose notebook is not a lesson with plots: the rule 'every page shows a plot' skips them (a stem here
# with no page is fine: it may be a notebook still to come).
PLOT_EXEMPT = {
    '03_callbacks': 'the overview page: re-exports the Learner and its callbacks from the 03a-03e notebooks',
    '00_core': 'helpers the other modules share: nothing to plot',
    '03b_test_utils': 'the synthetic data and models the tests use: nothing to plot',
    '03d_progress': 'what it shows are progress bars and an HTML table, not a plot',
}

def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 f'--window-size={WIDTH},{HEIGHT}', '--hide-scrollbars',
                 f'--user-data-dir={tempfile.mkdtemp()}'):
        opts.add_argument(flag)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)

# ---- what a module's page must document

def home(obj):
    "The name of the module that defines `obj`: a class's, a function's (a method's), a property's getter's."
    obj = obj.fget if isinstance(obj, property) else getattr(obj, '__func__', obj)
    return getattr(obj, '__module__', None)

def public_callables(mod):
    """Names of the functions and classes a module exports and defines itself, in the order of its __all__
    (its public names if it has none): a name it re-exports (`from .learner import *`) is documented where it
    is defined."""
    names = getattr(mod, '__all__', None) or [n for n in vars(mod) if not n.startswith('_')]
    objs = [(n, getattr(mod, n, None)) for n in names]
    return [n for n, o in objs if (inspect.isfunction(o) or inspect.isclass(o)) and home(o) == mod.__name__]

def events():
    "The Callback event names: EVENTS of whichever trainlib module defines it (callbacks, or where it moves)."
    importlib.import_module('trainlib.all')
    found = [m.EVENTS for name, m in sorted(sys.modules.items())
             if name.startswith('trainlib.') and isinstance(getattr(m, 'EVENTS', None), (list, tuple))]
    return set(found[0]) if found else set()

def _function(v):
    "The function behind a class attribute (method, staticmethod, classmethod), or None."
    f = getattr(v, '__func__', v)
    return f if inspect.isfunction(f) else None

def _outside_interface(cls, name):
    "True if `name` overrides a method of a base class from outside trainlib (nn.Module.forward, ...)."
    return any(name in vars(base) for base in cls.__mro__[1:]
               if base is not object and not base.__module__.startswith('trainlib'))

def required_entries(mod):
    """{entry name: (object, show_doc call to add)} that the module's page must show: only objects the module
    defines (a class's module, a function's; for a function attached to a class, the function's module).
    Methods and attached functions are looked up in every public trainlib class."""
    importlib.import_module('trainlib.all')   # every module: every attachment (Learner.lr_find = ...) made
    need, evs = {}, events()
    attached_to = {}   # function -> 'Class.name' for functions attached to a class
    classes = {c for m in list(sys.modules.values()) if getattr(m, '__name__', '').startswith('trainlib.')
               for c in vars(m).values() if inspect.isclass(c) and c.__module__.startswith('trainlib')
               and not c.__name__.startswith('_')}   # public ones: a private helper's methods need no entry
    for cls in classes:
        for name, value in vars(cls).items():
            f = _function(value)
            if f is None or name.startswith('_'): continue
            if f.__qualname__ != f'{cls.__qualname__}.{name}' and inspect.isfunction(value):   # C.f = f
                attached_to[f] = f'{cls.__qualname__}.{name}'
                if f.__module__ == mod.__name__:
                    full = f'{cls.__qualname__}.{name}'
                    need[full] = (f, f"show_doc({full}, name='{full}')")
            elif (f.__qualname__ == f'{cls.__qualname__}.{name}' and cls.__module__ == mod.__name__
                  and name not in evs and not _outside_interface(cls, name)):
                need[f'{cls.__qualname__}.{name}'] = (f, f'show_doc({cls.__qualname__}.{name})')
    for n in public_callables(mod):
        obj = getattr(mod, n)
        if obj in attached_to: continue   # shown under its class's name, required above
        need[n] = (obj, f'show_doc({n})')
    def where(item): return (source_line(item[1][0]) or ('', 0))[1]
    return dict(sorted(need.items(), key=where))   # in source order, as the entries must be

def source_line(obj):
    "(source file, first line) of a function or class, or None."
    obj = getattr(obj, '__func__', obj)
    try: return inspect.getsourcefile(obj), inspect.getsourcelines(obj)[1]
    except (TypeError, OSError): return None

def resolve(name, mod):
    "The object an entry named `name` (`Learner.fit`, `sched_lin`) documents, looked up from `mod`, or None."
    obj = mod
    for part in name.split('.'):
        obj = vars(obj).get(part) if inspect.isclass(obj) else getattr(obj, part, None)
        if obj is None: return None
    return obj

def order_problems(names, mod):
    "Entries (in page order) whose source comes before that of the entry shown above them."
    here = getattr(mod, '__file__', None)
    placed, problems = [], []
    for name in names:
        obj = resolve(name, mod)
        if obj is None or getattr(getattr(obj, '__func__', obj), '__name__', None) != name.split('.')[-1]:
            continue   # an alias
        at = source_line(obj)
        if at is None or at[0] != here: continue
        if placed and at[1] < placed[-1][1]:
            problems.append(f'{name} (line {at[1]}) comes after {placed[-1][0]} (line {placed[-1][1]})')
        placed.append((name, at[1]))
    return problems

# ---- the page in the browser

def check_page(driver, page, info, pages):
    "Problems found on one page (an empty list when it is fine), its number of plots, its entry names."
    driver.get(page.as_uri())
    problems = []
    state = driver.execute_script('return document.readyState')
    if state != 'complete': problems.append(f'page did not finish loading ({state})')
    errors = [e['message'] for e in driver.get_log('browser') if e['level'] == 'SEVERE']
    problems += [f'console error: {m}' for m in errors]
    title = driver.find_elements(By.CSS_SELECTOR, 'header.trainlib h1.title')
    if not title or not title[0].text.strip(): problems.append('no title')
    elif title[0].text.strip() != driver.title.strip():
        problems.append(f'h1 {title[0].text!r} differs from <title> {driver.title!r}')
    plots = driver.execute_script("return [...document.querySelectorAll('img')].filter(i => i.complete && "
                                  "i.src.startsWith('data:image/png') && i.naturalWidth > 0).length")
    exempt = Path(info.get('notebook', '')).stem in PLOT_EXEMPT
    if plots < 1 and not exempt: problems.append('no plot shown')
    katex_failed = driver.find_elements(By.CSS_SELECTOR, '.katex-error')
    if katex_failed: problems.append(f'{len(katex_failed)} formulas failed to render')
    text = driver.find_element(By.TAG_NAME, 'body').text
    prompts = re.findall(r'^(?:In|Out)\s*\[\d*\]:', text, re.M)
    if prompts: problems.append(f'{len(prompts)} In/Out prompts shown, such as {prompts[0]!r}')
    inputs = [e.text for e in driver.find_elements(By.CSS_SELECTOR, '.jp-InputArea') if e.is_displayed()]
    test_imports = [t.splitlines()[0] for t in inputs if t.lstrip().startswith('from fastcore.test import')]
    if test_imports: problems.append(f'a cell of test imports is shown: {test_imports[0]!r}')
    ids = driver.execute_script(IDS)
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups: problems.append(f'ids used more than once: {dups}')
    problems += link_problems(driver, pages)
    problems += width_problems(driver) + clipped_problems(driver)
    problems += nav_problems(driver, pages) + contents_problems(driver)
    entries = shown_entries(driver)
    names = [name for name, _ in entries]
    problems += foreign_entries(entries, info.get('module'))
    if info.get('module'): problems += entry_problems(names, info)
    return problems, plots, names

def shown_entries(driver):
    "(name, module of its object) of each API entry the page shows, in page order (api_entry.py's data-*)."
    return [(e.get_attribute('data-name'), e.get_attribute('data-module'))
            for e in driver.find_elements(By.CSS_SELECTOR, '.api-entry') if e.is_displayed()]

def foreign_entries(entries, module):
    """Entries for objects another module defines: each belongs on the page of the module that defines it. An
    object of module `__main__` is one the notebook defines itself (nbdev runs its cells to show entries)."""
    foreign = [f'{name} (defined in {owner})' for name, owner in entries if owner not in ('__main__', module)]
    if not foreign: return []
    return [f'{len(foreign)} entries for objects defined in another module (show each on that module\'s '
            'page): ' + ', '.join(foreign)]

def entry_problems(names, info):
    "Entries the page of module `info['module']` misses, shows out of source order, or shows twice."
    mod = importlib.import_module(info['module'])
    need = required_entries(mod)
    missing = [call for name, (_, call) in need.items() if name not in names]
    problems = []
    if missing:
        problems.append(f"{len(missing)} API entries missing: add these cells to {info['notebook']}, each "
                        f"after the cell that defines (or attaches) it, in this order:\n        "
                        + '\n        '.join(missing))
    problems += [f'entry out of source order: {p}' for p in order_problems(names, mod)]
    shown_twice = sorted({e for e in names if names.count(e) > 1})
    if shown_twice: problems.append(f'entries shown more than once: {shown_twice}')
    return problems

def across_pages(entries):
    "Entry names shown on more than one page: `entries` maps each page to the names it shows."
    pages_of = {}
    for page, names in entries.items():
        for name in dict.fromkeys(names): pages_of.setdefault(name, []).append(page)
    return [f"{name} ({', '.join(pages)})" for name, pages in pages_of.items() if len(pages) > 1]

def link_problems(driver, pages):
    "Links between the docs' pages that land nowhere; links to the placeholder repository or site."
    from nbdev.config import get_config
    cfg = get_config()
    placeholders = [cfg.git_url.rstrip('/'), cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/')]
    problems = []
    hrefs = driver.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    bad = sorted({h for h in hrefs if any(h.startswith(p) for p in placeholders)})
    if bad: problems.append(f'{len(bad)} links to the placeholder repository or site, such as {bad[0]}')
    for href in sorted(set(hrefs)):
        url = urlparse(href)
        if url.scheme != 'file' or not url.fragment: continue
        target = Path(unquote(url.path))
        if target.parent != docs or target.name not in pages:
            problems.append(f'link to a missing page: {href}')
        elif unquote(url.fragment) not in pages[target.name]:
            problems.append(f'link to a missing id: {target.name}#{url.fragment}')
    return problems

# a JavaScript function: `div.jp-InputArea-editor` for an element
NAME_OF = """const nameOf = e => e.tagName.toLowerCase() + (typeof e.className === 'string'
  && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');"""

OVERFLOWING = NAME_OF + """
const w = window.innerWidth, out = [];
const over = e => e.getBoundingClientRect().right > w + 1;
for (const e of document.body.querySelectorAll('*')) {
  if (!over(e) || (e.parentElement !== document.body && over(e.parentElement))) continue;   // the outermost
  let inBox = false;   // inside a box that scrolls (or clips) and that itself fits the window
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
    if (getComputedStyle(p).overflowX !== 'visible' && !over(p)) { inBox = true; break; }
  if (!inBox) out.push(`${nameOf(e)} (right edge at ${Math.round(e.getBoundingClientRect().right)} px)`);
}
return out;"""

def width_problems(driver):
    "The page is wider than the window (something sticks out instead of scrolling in its own box)."
    width, window = driver.execute_script('return [document.documentElement.scrollWidth, window.innerWidth]')
    if width <= window: return []
    culprits = ', '.join(driver.execute_script(OVERFLOWING)[:5]) or '?'
    return [f'the page is {width} px wide, wider than the {window} px window: {culprits}']

CLIPPED = NAME_OF + """
return [...document.body.querySelectorAll('*')].filter(e =>
  ['hidden', 'clip'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1
  && !e.closest('.katex')   // KaTeX hides its MathML copy of each formula on purpose
).map(nameOf);"""

def clipped_problems(driver):
    "Boxes that cut off the part of their content wider than them (a long code line) instead of scrolling."
    clipped = driver.execute_script(CLIPPED)
    if not clipped: return []
    return [f'{len(clipped)} boxes cut off content wider than them instead of scrolling it, '
            f'such as {clipped[0]}']

OUTSIDE = """
const w = window.innerWidth, h = window.innerHeight;
return [...document.querySelectorAll('nav.trainlib a')].filter(a => {
  const r = a.getBoundingClientRect();
  return r.width === 0 || r.height === 0 || r.left < 0 || r.top < 0 || r.right > w || r.bottom > h;
}).map(a => a.textContent.trim());"""

def nav_problems(driver, pages):
    """The navigation (`nav.trainlib`) lacks a link to some page, or a link is hidden or outside the window,
    at the top of the page or scrolled to its end (every page one click away from anywhere)."""
    links = driver.find_elements(By.CSS_SELECTOR, 'nav.trainlib a')
    if not links: return ['no navigation (nav.trainlib) links']
    targets = {Path(unquote(urlparse(a.get_attribute('href')).path)).name for a in links}
    problems = [f'the navigation has no link to {p}' for p in sorted(set(pages) - targets)]
    hidden = [a.text or a.get_attribute('href') for a in links if not a.is_displayed()]
    if hidden: problems.append(f'{len(hidden)} navigation links not displayed, such as {hidden[0]!r}')
    for where, y in (('top', '0'), ('end', 'document.body.scrollHeight')):
        driver.execute_script(f'window.scrollTo(0, {y})')
        outside = driver.execute_script(OUTSIDE)
        if outside: problems.append(f'{len(outside)} navigation links outside the window at the page\'s '
                                    f'{where}, such as {outside[0]!r}')
    driver.execute_script('window.scrollTo(0, 0)')
    return problems

SECTIONS = """return [...document.querySelectorAll('main h2[id], main h3[id]')]
  .filter(h => !h.classList.contains('api-entry')).map(h => h.id);"""

def contents_problems(driver):
    """The contents list (`nav.toc`) is missing or empty, a link of it lands on no id of this page, or a
    `##`/`###` section heading of the page (API entries aside) is not in it."""
    hrefs = [a.get_attribute('href') for a in driver.find_elements(By.CSS_SELECTOR, 'nav.toc a')]
    if not hrefs: return ['no contents list (nav.toc) or an empty one']
    here = urlparse(driver.current_url).path
    ids = set(driver.execute_script(IDS))
    listed, problems = [], []
    for href in hrefs:
        url = urlparse(href)
        if url.path != here or not url.fragment:
            problems.append(f'contents link to another page: {href}'); continue
        listed.append(unquote(url.fragment))
        if listed[-1] not in ids: problems.append(f'contents link to a missing id: #{url.fragment}')
    unlisted = [i for i in driver.execute_script(SECTIONS) if i not in listed]
    if unlisted:
        problems.append(f'{len(unlisted)} section headings not in the contents list, such as #{unlisted[0]}')
    return problems

def docstring_problems(modules):
    "Public functions and classes without a one-line docstring (an entry shows it under the signature)."
    import trainlib
    problems = [] if (trainlib.__doc__ or '').strip() else ['the trainlib package has no docstring']
    for module_name in modules:
        mod = importlib.import_module(module_name)
        for n in public_callables(mod):
            doc = getattr(mod, n).__doc__
            if not doc or not doc.strip(): problems.append(f'{module_name}.{n} has no docstring')
            elif '\n' in doc.strip():
                problems.append(f'{module_name}.{n} has a docstring of more than one line')
    return problems

def exemption(info):
    "' (exempt from the plot rule: reason)' for a page in PLOT_EXEMPT, '' for any other."
    reason = PLOT_EXEMPT.get(Path(info.get('notebook', '')).stem)
    return f' (exempt from the plot rule: {reason})' if reason else ''

def screenshots(driver, page, folder):
    "Save `page` window by window as folder/<page>-NN.png; return how many."
    driver.get(page.as_uri())
    height = driver.execute_script('return document.documentElement.scrollHeight')
    step = driver.execute_script('return window.innerHeight')
    for n, y in enumerate(range(0, height, step)):
        driver.execute_script(f'window.scrollTo(0, {y})')
        driver.save_screenshot(str(folder/f'{page.stem}-{n:02d}.png'))
    return n + 1

def main():
    manifest = docs/'pages.json'
    if not manifest.exists(): sys.exit("no _docs/pages.json: build the docs first (bash tools/build/docs.sh)")
    infos = {p['file']: p for p in json.loads(manifest.read_text())}
    shots = Path(sys.argv[sys.argv.index('--screenshots') + 1]) if '--screenshots' in sys.argv else None
    passed = failed = 0
    bad_docs = docstring_problems([p['module'] for p in infos.values()
                                   if p['module'] and p['file'] != 'index.html'])
    if bad_docs: failed += 1; print("FAIL docstrings: " + '; '.join(bad_docs))
    else:
        passed += 1
        print("ok   every public function and class has a one-line docstring; so has the package")
    driver = browser()
    try:
        ids, shown = {}, {}   # page -> its ids, for the link check; page -> the entry names it shows
        for name in infos:
            driver.get((docs/name).as_uri())
            ids[name] = set(driver.execute_script(IDS))
        for name, info in infos.items():
            page_info = info if name != 'index.html' else dict(info, module=None)
            problems, plots, shown[name] = check_page(driver, docs/name, page_info, ids)
            if problems:
                failed += 1; print(f"FAIL {name}: " + '\n     '.join(problems))
            else:
                passed += 1; print(f"ok   {name}: {plots} plot(s), {len(shown[name])} API entries, "
                                   f"title {driver.title!r}{exemption(info) if plots < 1 else ''}")
        twice = across_pages(shown)
        if twice: failed += 1; print("FAIL entries on more than one page (one per name): " + '; '.join(twice))
        else: passed += 1; print("ok   every API entry name is on one page only")
        driver.get((docs/'index.html').as_uri())
        driver.save_screenshot(str(docs/'index.png'))
        print(f"screenshot of the index page: {docs/'index.png'}")
        if shots:
            shots.mkdir(parents=True, exist_ok=True)
            n = sum(screenshots(driver, docs/name, shots) for name in infos)
            print(f"{n} screenshots in {shots}")
    finally:
        driver.quit()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
