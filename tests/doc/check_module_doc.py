#!/usr/bin/env python3
"""Checks that the pchat module's documentation and its C sources name the same things.

    check_module_doc.py MODULE_DIR DOC_DIR

Run by make doc-test (tests/doc/run.sh). From MODULE_DIR/*.c it reads the module's
exports: parameters (param_export_t arrays), script functions (cmd_export_t), KEMI
functions (sr_kemi_t), RPC commands (rpc_export_t) and statistics (stat_export_t).
From DOC_DIR/*.xml it reads the sections whose id is pchat.p.NAME, pchat.f.NAME,
pchat.k.NAME, pchat.r.NAME (RPC pchat.NAME) or pchat.s.NAME (the convention is
stated at the top of doc/pchat_admin.xml). It fails when:
  - the code exports something the documentation has no section for (undocumented),
  - the documentation has a section for something the code lacks (stale),
  - a section's title does not name what its id says,
  - a parameter's type in the title, "(int)" or "(str)", is not its type in params[],
  - a parameter's "Default value is <literal>V</literal>" is not the initial value of
    its variable (parameters set through a function have no variable: not checked).

Exit status: 0 in sync; 1 out of sync, one line per difference; 2 usage.
"""

import glob
import os
import re
import sys

KINDS = {  # id letter: (what, how the title names NAME)
    "p": ("modparam", "{}"),
    "f": ("function", "{}"),
    "k": ("KEMI function", "KSR.pchat.{}"),
    "r": ("RPC", "pchat.{}"),
    "s": ("statistic", "{}"),
}
ARRAY = re.compile(
    r"\b(param_export_t|cmd_export_t|rpc_export_t|stat_export_t|sr_kemi_t)"
    r"\s+\w+\s*\[\s*\]\s*=\s*\{(.*?)\};",
    re.S,
)
PER_LINK = re.compile(r"\bper_link\s*\[\s*\]\s*=\s*\{(.*?)\};", re.S)
ENTRY = re.compile(r'\{\s*"([^"]+)"\s*,([^{}]*)\}')
KEMI_ENTRY = re.compile(r'str_init\("pchat"\)\s*,\s*str_init\("([^"]+)"\)')
SECTION = re.compile(r'<section\s+id="pchat\.(\w)\.([^"]+)"\s*>(.*?)</section>', re.S)
DEFAULT = re.compile(r"Default value is\s*<literal>(.*?)</literal>", re.S)


def strip_comments(src):
    """C source without comments (string literals kept, so "/*" in one is safe)."""
    token = re.compile(r'"(?:\\.|[^"\\])*"|/\*.*?\*/|//[^\n]*', re.S)
    return token.sub(lambda m: m.group(0) if m.group(0)[0] == '"' else " ", src)


def initial_value(sources, var):
    """The initializer of a global `int var = 3;`, `char *var = "x";` or
    `str var = str_init("x");` as documented text, or None if there is none."""
    decl = re.compile(
        r"^\s*(?:static\s+)?(?:int|char\s*\*|str)\s*" + re.escape(var) + r"\s*=\s*(.+?);",
        re.M,
    )
    for src in sources.values():
        m = decl.search(src)
        if m:
            value = m.group(1).strip()
            s = re.fullmatch(r'(?:str_init\(\s*)?"(.*)"\s*\)?', value)
            return s.group(1) if s else value
    return None


def code_exports(module_dir):
    """{(kind letter, NAME): (file, type or None, initial value or None)}."""
    sources = {}
    for path in sorted(glob.glob(os.path.join(module_dir, "*.c"))):
        with open(path, encoding="utf-8") as f:
            sources[os.path.basename(path)] = strip_comments(f.read())
    found = {}
    for name, src in sources.items():
        for array in ARRAY.finditer(src):
            kind, body = array.group(1), array.group(2)
            if kind == "sr_kemi_t":
                for m in KEMI_ENTRY.finditer(body):
                    found[("k", m.group(1))] = (name, None, None)
                continue
            for m in ENTRY.finditer(body):
                key, rest = m.group(1), m.group(2).split(",")
                if kind == "param_export_t":
                    ptype = "int" if "INT" in rest[0] else "str"
                    var = re.fullmatch(r"\s*\(?\s*&\s*(\w+)\s*\)?\s*", rest[1])
                    value = initial_value(sources, var.group(1)) if var else None
                    found[("p", key)] = (name, ptype, value)
                elif kind == "rpc_export_t":
                    found[("r", key[len("pchat."):] if key.startswith("pchat.") else key)] = (
                        name, None, None)
                else:
                    found[("f" if kind == "cmd_export_t" else "s", key)] = (name, None, None)
    # Per-link statistics (pchat_mod.c register_link_stats): "link%ld_%s" over the
    # names of its per_link[] table, documented once each as linkN_<name>.
    for name, src in sources.items():
        table = PER_LINK.search(src)
        if table and '"link%ld_%s"' in src:
            for m in ENTRY.finditer(table.group(1)):
                found[("s", "linkN_" + m.group(1))] = (name, None, None)
    return found


def doc_sections(doc_dir):
    """{(kind letter, NAME): (file, title text, section body)}."""
    found = {}
    for path in sorted(glob.glob(os.path.join(doc_dir, "*.xml"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in SECTION.finditer(text):
            title = re.search(r"<title>(.*?)</title>", m.group(3), re.S)
            title = " ".join(re.sub(r"<[^>]+>", "", title.group(1)).split()) if title else ""
            found[(m.group(1), m.group(2))] = (os.path.basename(path), title, m.group(3))
    return found


def compare(code, doc):
    """The differences, as lines."""
    out = []
    for key in sorted(code.keys() - doc.keys()):
        what, named = KINDS[key[0]]
        out.append("undocumented %s %s (%s): no section pchat.%s.%s in the documentation"
                   % (what, named.format(key[1]), code[key][0], key[0], key[1]))
    for key in sorted(doc.keys() - code.keys()):
        what, named = KINDS.get(key[0], ("section of unknown kind", "{}"))
        out.append("stale documentation: %s %s (section pchat.%s.%s in %s) is not in the code"
                   % (what, named.format(key[1]), key[0], key[1], doc[key][0]))
    for key in sorted(code.keys() & doc.keys()):
        what, named = KINDS[key[0]]
        name = named.format(key[1])
        _, ptype, value = code[key]
        _, title, body = doc[key]
        if not re.search(r"(?<![\w.])%s(?![\w.])" % re.escape(name), title):
            out.append("section pchat.%s.%s: its title %r does not name %s %s"
                       % (key[0], key[1], title, what, name))
        if ptype and "(%s)" % ptype not in title:
            out.append("modparam %s is %s in the code; the title says %r" % (name, ptype, title))
        if value is not None:
            doc_default = DEFAULT.search(body)
            if not doc_default:
                out.append("modparam %s: no 'Default value is <literal>%s</literal>'"
                           % (name, value))
            elif doc_default.group(1).strip() != value:
                out.append("modparam %s: the default is %s in the code, %s in the documentation"
                           % (name, value, doc_default.group(1).strip()))
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    code, doc = code_exports(argv[1]), doc_sections(argv[2])
    if not code or not doc:
        print("check_module_doc: found no %s" % ("exports in %s" % argv[1] if not code
              else "documented sections in %s" % argv[2]), file=sys.stderr)
        return 2
    differences = compare(code, doc)
    for line in differences:
        print("check_module_doc: " + line)
    if differences:
        return 1
    print("check_module_doc: %d exports of %s documented in %s, nothing stale"
          % (len(code), argv[1], argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
