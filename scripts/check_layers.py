#!/usr/bin/env python3
"""Layering check for pchatd: an object never references a symbol of a higher layer.

Called by scripts/check-layers.sh (see there and backend/README.md, "Layers").

    check_layers.py MAP [OBJECT...]

MAP lists the layers, lowest first (format: the header of backend/layers.txt).
OBJECTs are the compiled objects to check (default: every *.o beside MAP); each must
belong to a layer. Entries of MAP that are static libraries (.a) add their members.

For every object (or archive member), each undefined symbol (nm -u) that is defined
(nm --defined-only: global T/D/R/B and the like) by an object of a higher layer is a
violation. Symbols defined by no mapped object (libc, libevent, MariaDB...) are
ignored, and so are those that an object of the same or a lower layer defines too.

Exit status: 0 clean, 1 layer violations, 2 a broken map or a missing object (the
violations that could still be computed are printed as well).
"""

import fnmatch
import os
import re
import subprocess
import sys

# nm --defined-only -P types that are global definitions: text, data, read-only data,
# bss, small data/bss, common, and weak definitions.
DEFINED_TYPES = set("TDRBGSCVW")
LAYER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
GLOB_CHARS = set("*?[")


class MapError(Exception):
    pass


def nm(path, *opts):
    """[(member or None, symbol, type)] from nm -P -A over one object or archive."""
    cmd = [os.environ.get("NM", "nm"), "-P", "-A", *opts, path]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise MapError("nm failed on %s: %s" % (path, res.stderr.strip()))
    out = []
    for line in res.stdout.splitlines():
        if not line.startswith(path):
            continue
        rest = line[len(path):]
        member = None
        if rest.startswith("["):
            end = rest.index("]")
            member, rest = rest[1:end], rest[end + 1:]
        if not rest.startswith(": "):
            continue
        fields = rest[2:].split()
        if len(fields) >= 2:
            out.append((member, fields[0], fields[1]))
    return out


def parse_map(path):
    """[(layer name, [entry, ...]), ...] lowest first; entry = [alternative, ...]."""
    layers = []
    seen = set()
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = "%s:%d" % (path, lineno)
            name, colon, rest = line.partition(":")
            name = name.strip()
            if not colon or not LAYER_NAME.match(name):
                raise MapError("%s: expected 'layer: objects...', got %r" % (where, line))
            if name in seen:
                raise MapError("%s: layer %r defined twice" % (where, name))
            seen.add(name)
            entries = [e.split("|") for e in rest.split()]
            if not entries:
                raise MapError("%s: layer %r lists nothing" % (where, name))
            for alts in entries:
                if any(not a for a in alts):
                    raise MapError("%s: empty alternative in %r" % (where, "|".join(alts)))
            layers.append((name, entries))
    if not layers:
        raise MapError("%s: no layers" % path)
    return layers


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    map_path = argv[1]
    map_dir = os.path.dirname(os.path.abspath(map_path))
    errors = []

    try:
        layers = parse_map(map_path)
    except (OSError, MapError) as e:
        print("LAYER MAP ERROR: %s" % e)
        return 2

    objects = argv[2:]
    if not objects:
        objects = sorted(os.path.join(map_dir, f) for f in os.listdir(map_dir)
                         if f.endswith(".o"))
    by_stem = {}  # "sessions" -> path of sessions.o
    for o in objects:
        if not os.path.isfile(o):
            errors.append("object %s does not exist (run make build)" % o)
            continue
        stem = os.path.basename(o)
        stem = stem[:-2] if stem.endswith(".o") else stem
        if stem in by_stem:
            errors.append("two objects named %s.o: %s and %s" % (stem, by_stem[stem], o))
            continue
        by_stem[stem] = o

    # units: (label, file, member or None) -> (layer index, layer name)
    units = {}
    stem_layer = {}
    for idx, (lname, entries) in enumerate(layers):
        for alts in entries:
            found = []
            for alt in alts:
                if alt.endswith(".a"):
                    path = alt if os.path.isabs(alt) else os.path.join(map_dir, alt)
                    if os.path.isfile(path):
                        found.append(("archive", path))
                elif GLOB_CHARS & set(alt):
                    pat = alt[:-2] if alt.endswith(".o") else alt
                    found += [("stem", s) for s in sorted(by_stem) if fnmatch.fnmatchcase(s, pat)]
                else:
                    stem = alt[:-2] if alt.endswith(".o") else alt
                    if stem in by_stem:
                        found.append(("stem", stem))
            if not found:
                what = "nothing matches" if len(alts) > 1 or GLOB_CHARS & set(alts[0]) \
                    else "no such object:"
                errors.append("layer %s: %s %s" % (lname, what, "|".join(alts)))
            for kind, x in found:
                if kind == "stem":
                    if x in stem_layer and stem_layer[x] != lname:
                        errors.append("%s.o is in two layers: %s and %s"
                                      % (x, stem_layer[x], lname))
                        continue
                    stem_layer[x] = lname
                    units[("%s.o" % x, by_stem[x], None)] = (idx, lname)
                else:
                    try:
                        members = {m for m, _, _ in nm(x, "--defined-only")}
                        members |= {m for m, _, _ in nm(x, "-u")}
                    except MapError as e:
                        errors.append(str(e))
                        continue
                    for m in sorted(members - {None}):
                        label = "%s(%s)" % (os.path.basename(x), m)
                        units[(label, x, m)] = (idx, lname)

    for stem in sorted(set(by_stem) - set(stem_layer)):
        errors.append("%s is in no layer of %s" % (by_stem[stem], map_path))

    # symbol -> [(layer index, layer name, label)] of its definers
    defined = {}
    undefined = {}
    for path in sorted({f for _, f, _ in units}):
        try:
            defs = nm(path, "--defined-only")
            undefs = nm(path, "-u")
        except MapError as e:
            errors.append(str(e))
            continue
        for (label, f, member), (idx, lname) in units.items():
            if f != path:
                continue
            for m, sym, typ in defs:
                if m == member and typ in DEFINED_TYPES:
                    defined.setdefault(sym, []).append((idx, lname, label))
            undefined[label] = sorted({sym for m, sym, _ in undefs if m == member})

    violations = []
    for (label, _, _), (idx, lname) in sorted(units.items(), key=lambda u: (u[1][0], u[0][0])):
        for sym in undefined.get(label, []):
            definers = defined.get(sym, [])
            if not definers or min(d[0] for d in definers) <= idx:
                continue
            d = min(definers)
            violations.append("LAYER VIOLATION: %s (%s) -> %s defined in %s (%s)"
                              % (label, lname, sym, d[2], d[1]))

    for v in violations:
        print(v)
    for e in errors:
        print("LAYER MAP ERROR: %s" % e)
    print("%d layer violation%s, %d map error%s (%s, %d objects)"
          % (len(violations), "" if len(violations) == 1 else "s",
             len(errors), "" if len(errors) == 1 else "s", map_path, len(units)))
    if errors:
        return 2
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
