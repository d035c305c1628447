"""The progress bars and the per-epoch table as a Jupyter user sees them: a Learner fit in a real IPython
kernel.

    python tools/test/test_jupyter.py

nbdev_test runs the notebooks outside Jupyter, where ProgressCallback prints a text table. This starts a
kernel (jupyter_client), fits a Learner in it, and reads the messages the kernel sends to the front end: one
HTML display, updated in place, that shows an epoch bar and a batch bar in every update while training (none
blinks out) and ends as the table alone. Nothing may go to stdout or stderr. A second, fast fit (epochs far
shorter than tqdm's 0.1 s between redraws) must still show each finished epoch on its epoch bar, and never
only one bar."""
import re, sys
from jupyter_client.manager import start_new_kernel

N_TRAIN, N_EPOCH = 20, 2
CODE = f'''
import time
from trainlib.all import *
class Slow(Callback):
    "20 ms a batch: long enough for tqdm, which redraws at most every 0.1 s, to redraw the bars mid-epoch."
    def after_batch(self): time.sleep(0.02)
learn = synth_learner(n_trn={N_TRAIN}, n_val=2, cbs=Slow())
learn.fit({N_EPOCH})
'''
FAST = f"from trainlib.all import *\nsynth_learner().fit({N_EPOCH})"   # epochs far shorter than tqdm's 0.1 s

def run(code):
    "Execute `code` in a fresh kernel; return the iopub messages it caused and its execute reply's content."
    km, kc = start_new_kernel(kernel_name='python3')
    try:
        msg_id = kc.execute(code)
        reply = kc.get_shell_msg(timeout=300)
        while reply['parent_header'].get('msg_id') != msg_id: reply = kc.get_shell_msg(timeout=300)
        msgs = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg['parent_header'].get('msg_id') != msg_id: continue
            if msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle': break
            msgs.append(msg)
        return msgs, reply['content']
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

def displays(msgs):
    "The display messages: the first showing of an output and its updates."
    return [m for m in msgs if m['msg_type'] in ('display_data', 'update_display_data')]

def html_of(shown): return [m['content']['data'].get('text/html', '') for m in shown]

def failure(reply):
    "The cell's error as a one-item list, or an empty list if it ran."
    if reply['status'] == 'ok': return []
    return [f"the cell failed: {reply.get('ename')}: {reply.get('evalue')}"]

def check(msgs, reply):
    "The problems found in what the kernel sent; an empty list if none."
    problems = failure(reply)
    shown = displays(msgs)
    streams = [m['content']['text'] for m in msgs if m['msg_type'] == 'stream']
    if streams: problems.append(f"text went to stdout/stderr: {''.join(streams)[:300]!r}")
    types = [m['msg_type'] for m in shown]
    if types[:1] != ['display_data'] or types.count('display_data') != 1:
        problems.append(f"expected one display, then updates of it: {types}")
    ids = {m['content'].get('transient', {}).get('display_id') for m in shown}
    if len(ids) != 1 or None in ids:
        problems.append(f"the updates should all name the first display's id: {ids}")
    html = html_of(shown)

    # while training: both bars, the batch bar part of the way through an epoch
    moved = [int(n) for h in html for n in re.findall(rf'train:\s+\d+%\|[^|]*\| (\d+)/{N_TRAIN}', h)]
    if not any(0 < n < N_TRAIN for n in moved):
        problems.append(f"the train bar never showed progress mid-epoch: {moved}")
    if not any('valid:' in h for h in html): problems.append("no update showed the valid bar")
    problems += flicker_problems(html) + epoch_bar_problems(html)

    # at the end: the table alone, a row per epoch
    final = html[-1] if html else ''
    if '<pre' in final: problems.append(f"bars left in the final display: {final[:300]!r}")
    header = re.findall(r'<th>(.*?)</th>', final)
    if header != ['epoch', 'train_loss', 'valid_loss', 'time']: problems.append(f"table header {header}")
    rows = [re.findall(r'<td>(.*?)</td>', row) for row in re.findall(r'<tr><td>.*?</tr>', final)]
    if [r[0] for r in rows] != [str(i) for i in range(N_EPOCH)]: problems.append(f"table rows {rows}")
    for r in rows:
        losses_ok = len(r) == 4 and all(re.fullmatch(r'\d+\.\d{6}', v) for v in r[1:3])
        if not losses_ok or not re.fullmatch(r'\d\d:\d\d', r[3]):
            problems.append(f"a row should be epoch, two losses with 6 decimals, mm:ss: {r}")
    return problems

def flicker_problems(html):
    "Every update before the final table shows the epoch bar and the train or valid bar: none blinks out."
    both = lambda h: 'epoch:' in h and re.search(r'(train|valid):', h)
    missing = [h for h in html[:-1] if not both(h)]
    if not missing: return []
    return [f"{len(missing)} of the {len(html) - 1} updates during the fit lack a bar (flicker), "
            f"e.g. {missing[0][:200]!r}"]

def epoch_bar_problems(html):
    "Every finished epoch but the last shows on the epoch bar (the last ends the fit, which clears the bars)."
    seen = {int(n) for h in html for n in re.findall(rf'epoch:\s+\d+%\|[^|]*\| (\d+)/{N_EPOCH}', h)}
    missing = set(range(N_EPOCH)) - seen
    return [f"the epoch bar never showed {sorted(missing)} epochs done"] if missing else []

def check_fast(msgs, reply):
    "A fit whose epochs are far shorter than tqdm's redraw interval still shows each finished epoch."
    html = html_of(displays(msgs))
    return failure(reply) + flicker_problems(html) + epoch_bar_problems(html)

if __name__ == '__main__':
    msgs, reply = run(CODE)
    problems = check(msgs, reply) + check_fast(*run(FAST))
    for p in problems: print('FAIL:', p)
    if problems: sys.exit(1)
    n_updates = sum(m['msg_type'] == 'update_display_data' for m in msgs)
    print(f"OK: one HTML display updated {n_updates} times: the epoch bar and the train or valid bar in "
          f"every update while training, then a table of {N_EPOCH} epochs and no bars; "
          f"nothing on stdout/stderr; a fast fit's epoch bar shows each epoch")
