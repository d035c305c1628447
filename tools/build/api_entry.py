"""How an API entry reads on the docs pages: the renderer `tools/build/docs.py` hands to nbdev's `show_doc`.

nbdev 2.4's own renderer (fastcore's `MarkdownRenderer`) writes every entry as `def name(...)`, classes
included (`def Callback(*args, **kwargs)`), methods without their class (`def fit(`), and links to the
repository's source. This one writes an entry as a reader calls it:

    Learner.fit(n_epoch, lr=None, wd=None, ...)   the heading: the signature (a class:
                                                  `class Learner(dls, model, ...)`), id `learner.fit` (lower
                                                  case, as nbdev's links expect)
    Train for `n_epoch` epochs, ...               the docstring
    | Parameter | Default | Details |             the comments after the parameters, when there are any

The heading's `data-name` is the entry's name and `data-module` the module of the object shown (`__main__`
for one the notebook's own cells define, as nbdev runs them): tools/test/test_docs.py reads both.
`show_doc(Learner.fit)` and `show_doc(Learner.fit_one_cycle, name='Learner.fit_one_cycle')` (a function a
later notebook attaches to the Learner) both read as methods: no `self`, the name the reader calls."""
import html, inspect
from fastcore.docments import docments

MAXLINE = 100   # wrap signatures longer than this

def _unwrap(sym):
    "The function behind a staticmethod, classmethod or property; the object itself otherwise."
    if isinstance(sym, property): return sym.fget
    return getattr(sym, '__func__', sym)

def _constant_name(value, namespace):
    "The name of the UPPER_CASE constant of `namespace` (a function's globals) that `value` is, or None."
    if not isinstance(value, (str, bytes, dict, list, tuple, set, frozenset)) or not namespace: return None
    return next((k for k, v in namespace.items() if v is value and k.isupper()), None)

def _default(value, namespace=None):
    "A default as the reader would write it: classes, functions and module constants by name, else by repr."
    if inspect.isclass(value) or inspect.isfunction(value): return value.__name__
    name = _constant_name(value, namespace)
    if name: return name
    if type(value) in (tuple, list) and any(inspect.isfunction(v) or inspect.isclass(v) for v in value):
        items = [_default(v, namespace) for v in value]   # (valley,), not (<function valley at 0x...>,)
        if type(value) is list: return f"[{', '.join(items)}]"
        return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    return repr(value)

def _annotation(anno):
    if anno is inspect.Parameter.empty: return ''
    return anno if isinstance(anno, str) else getattr(anno, '__name__', None) or repr(anno)

def _params(sym, is_method):
    "[(name as in the signature, default or '', annotation or '', comment or '')] per parameter of `sym`."
    target = sym.__init__ if inspect.isclass(sym) else sym
    try: sig = inspect.signature(sym)   # for a class: its __init__'s, without self
    except (TypeError, ValueError): return None
    try: comments = {k: v.get('docment') or '' for k, v in docments(target, full=True).items()}
    except Exception: comments = {}   # no source to read the comments from (a builtin)
    params = list(sig.parameters.values())
    if is_method and params and params[0].name in ('self', 'cls'): params = params[1:]
    out = []
    for p in params:
        stars = '*' if p.kind is p.VAR_POSITIONAL else '**' if p.kind is p.VAR_KEYWORD else ''
        default = '' if p.default is p.empty else _default(p.default, getattr(target, '__globals__', None))
        out.append((stars + p.name, default, _annotation(p.annotation), comments.get(p.name, '')))
    return out

def _signature(prefix, params):
    "`prefix(a, b=1, ...)`, wrapped under the opening parenthesis when longer than MAXLINE."
    if params is None: return prefix
    parts = [name + (f'={default}' if default else '') for name, default, _, _ in params]
    lines, line = [], prefix + '('
    for i, part in enumerate(parts):
        part += ', ' if i < len(parts) - 1 else ''
        if len(line) + len(part.rstrip()) > MAXLINE and line.strip() != prefix + '(':
            lines.append(line.rstrip())
            line = ' ' * (len(prefix) + 1)
        line += part
    return '\n'.join(lines + [line + ')'])

def _cell(text): return text.replace('|', '\\|').replace('\n', ' ')

def _table(params):
    "A markdown table of the parameters that have a comment, default or annotation; '' if none has a comment."
    if not params or not any(comment for *_, comment in params): return ''
    typed = any(anno for _, _, anno, _ in params)
    head = '| Parameter |' + (' Type |' if typed else '') + ' Default | Details |'
    rows = [head, '|---|' + ('---|' if typed else '') + '---|---|']
    for name, default, anno, comment in params:
        if name in ('self', 'cls') and not comment: continue
        rows.append(f'| `{name}` |' + (f' {_cell(anno)} |' if typed else '') +
                    f" {'`' + _cell(default) + '`' if default else ''} | {_cell(comment)} |")
    return '\n'.join(rows)

class EntryRenderer:
    "One API entry, as markdown: heading (id = the name), signature, docstring, parameter table."
    def __init__(self, sym, name=None, title_level=3):
        self.sym, self.title_level = sym, title_level
        func = _unwrap(sym)
        self.name = name or getattr(func, '__qualname__', None) or getattr(func, '__name__', repr(sym))
        self.is_class = inspect.isclass(sym)
        self.is_method = '.' in self.name and not self.is_class
        self.is_property = isinstance(sym, property)
        self.module = getattr(func, '__module__', None) or ''   # `__main__`: defined by the notebook's cells
        self.doc = inspect.getdoc(func) or ''
        self.params = None if self.is_property else _params(func, self.is_method)

    def signature(self):
        if self.is_property: return f'{self.name}   # a property'
        if self.is_class: return _signature(f'class {self.name}', self.params)
        return _signature(self.name, self.params)

    def _repr_markdown_(self):
        "The entry: a heading that is the signature (id: the name in lower case), the docstring, the table."
        h, sig = self.title_level, html.escape(self.signature())
        # nbdev links `Learner.fit` to `callbacks.html#learner.fit`
        anchor = html.escape(self.name.lower(), quote=True)
        name = html.escape(self.name)
        sig = sig.replace(name, f'<b>{name}</b>', 1)
        parts = ['<div class="api-doc">',   # markdown resumes after the blank line that follows an HTML block
                 f'<h{h} class="api-entry" id="{anchor}" data-name="{name}" '
                 f'data-module="{html.escape(self.module)}">'
                 f'<code>{sig}</code>'
                 f'<a class="anchor-link" href="#{anchor}">¶</a></h{h}>']
        if self.doc: parts.append(self.doc)
        table = _table(self.params)
        if table: parts.append(table)
        return '\n\n'.join(parts + ['</div>'])

    def __repr__(self): return self.signature()
