#!/bin/bash
# Signal handlers never do work (no logging, allocation, I/O or exit paths):
# every handler installed anywhere in userspace/ may only set flags declared
# volatile sig_atomic_t. Read from the code itself, so a new handler is
# checked the day it is added.
. "$(dirname "$0")/lib.sh"

python3 - "$TOP/userspace" <<'PY'
import pathlib, re, sys

files = {p: p.read_text() for p in pathlib.Path(sys.argv[1]).rglob("*.c")}
flags = set()
for text in files.values():
    flags.update(re.findall(r"volatile\s+sig_atomic_t\s+([^;]+);", text))
flag_names = {n.strip().split("=")[0].strip() for decl in flags for n in decl.split(",")}

handlers = set()
for path, text in files.items():
    for m in re.finditer(r"\bsignal\(\s*SIG\w+\s*,\s*(\w+)\s*\)|sa_handler\s*=\s*(\w+)", text):
        name = m.group(1) or m.group(2)
        if name not in ("SIG_IGN", "SIG_DFL"):
            handlers.add((path, name))

n = 0
def tap(ok, what):
    global n
    n += 1
    print(("ok" if ok else "not ok"), n, "-", what)

tap(len(handlers) >= 5, f"found the handlers ({len(handlers)}) and the flags they may set ({len(flag_names)})")
for path, name in sorted(handlers):
    text = files[path]
    m = re.search(r"static void " + name + r"\(int (\w+)\)\s*\{(.*?)\n\}", text, re.S)
    if not m:
        tap(False, f"{path.name}: handler {name} has a body we can read")
        continue
    param, body = m.group(1), re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S)
    calls = [c for c in re.findall(r"\b([A-Za-z_]\w*)\s*\(", body) if c not in ("if", "void")]
    assigned = set(re.findall(r"\b(\w+)\s*(?:=(?!=)|\+\+|--|\+=|-=)", body))
    assigned.discard(param)
    bad = sorted(v for v in assigned if v not in flag_names)
    tap(not calls and not bad,
        f"{path.name}: {name} only sets sig_atomic_t flags" +
        (f" (calls {calls}, writes {bad})" if calls or bad else ""))
print(f"1..{n}")
PY
