"""Open every page built into _docs/ in headless Chromium and check what a reader would see: the page loads with no
console errors, shows its title, an API entry for each public function and class of its module, and at least one
plot. Saves a screenshot of the index page to _docs/index.png. Prints `N passed, N failed`; exits 1 on a failure."""
import importlib, importlib.util, inspect, sys, tempfile
from pathlib import Path
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

root = Path(__file__).resolve().parent.parent
docs = root/'_docs'
MODULES = {'data.html': 'trainlib.data', 'loss.html': 'trainlib.loss', 'training.html': 'trainlib.training',
           'callbacks.html': 'trainlib.callbacks', 'anneal.html': 'trainlib.anneal', 'lrfind.html': 'trainlib.lrfind'}

def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 '--window-size=1280,1600', f'--user-data-dir={tempfile.mkdtemp()}'):
        opts.add_argument(flag)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)

def public_callables(module_name):
    "Names of the functions and classes a module exports."
    mod = importlib.import_module(module_name)
    return [n for n in mod.__all__ if inspect.isfunction(getattr(mod, n)) or inspect.isclass(getattr(mod, n))]

def check_page(driver, page):
    "Problems found on one page (an empty list when it is fine)."
    driver.get(page.as_uri())
    problems = []
    state = driver.execute_script('return document.readyState')
    if state != 'complete': problems.append(f'page did not finish loading ({state})')
    errors = [e['message'] for e in driver.get_log('browser') if e['level'] == 'SEVERE']
    problems += [f'console error: {m}' for m in errors]
    title = driver.find_elements(By.CSS_SELECTOR, 'header.trainlib h1.title')
    if not title or not title[0].text.strip(): problems.append('no title')
    elif title[0].text.strip() != driver.title.strip(): problems.append(f'h1 {title[0].text!r} differs from <title> {driver.title!r}')
    plots = driver.execute_script(
        "return [...document.querySelectorAll('img')].filter(i => i.src.startsWith('data:image/png') && i.complete && i.naturalWidth > 0).length")
    if plots < 1: problems.append('no plot shown')
    if page.name in MODULES:
        shown = {e.get_attribute('id') for e in driver.find_elements(By.CSS_SELECTOR, 'h3, h4') if e.is_displayed()}
        missing = [n for n in public_callables(MODULES[page.name]) if n not in shown]
        if missing: problems.append(f'no API entry for {missing}')
    katex_failed = driver.find_elements(By.CSS_SELECTOR, '.katex-error')
    if katex_failed: problems.append(f'{len(katex_failed)} formulas failed to render')
    return problems, plots

def docstring_problems():
    "Public functions and classes without a one-line docstring (show_doc renders it under the signature)."
    problems = []
    for module_name in MODULES.values():
        if importlib.util.find_spec(module_name) is None: continue
        mod = importlib.import_module(module_name)
        for n in public_callables(module_name):
            doc = getattr(mod, n).__doc__
            if not doc or not doc.strip(): problems.append(f'{module_name}.{n} has no docstring')
            elif '\n' in doc.strip(): problems.append(f'{module_name}.{n} has a docstring of more than one line')
    return problems

def main():
    pages = sorted(docs.glob('*.html'))
    if not pages: sys.exit("no pages in _docs/: run tools/docs.py first")
    passed = failed = 0
    bad_docs = docstring_problems()
    if bad_docs: failed += 1; print("FAIL docstrings: " + '; '.join(bad_docs))
    else: passed += 1; print("ok   every public function and class has a one-line docstring")
    driver = browser()
    try:
        for page in pages:
            problems, plots = check_page(driver, page)
            if problems:
                failed += 1; print(f"FAIL {page.name}: " + '; '.join(problems))
            else:
                passed += 1; print(f"ok   {page.name}: {plots} plot(s), title {driver.title!r}")
        driver.get((docs/'index.html').as_uri())
        driver.save_screenshot(str(docs/'index.png'))
        print(f"screenshot of the index page: {docs/'index.png'}")
    finally:
        driver.quit()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
