#!/usr/bin/env python3
"""ABI checks of include/zmq.h (and optionally a built libzmq.so) against libzmq.

What it checks, one output line per check:
  header_compile       zmq.h + zmq_utils.h compile warning-free as C99/C11/gnu99
                       and C++11/C++17, with and without ZMQ_BUILD_DRAFT_API
  abi_exports          exports.txt, draft_prototypes.txt, the reference header
                       and our header agree on the 97 function names
  abi_constants        every ZMQ_* / errno macro of the reference header exists
                       in ours with the same value, type size and signedness
  abi_constants_draft  DRAFT macros match draft_constants.txt (libzmq master),
                       and none of them leaks out without ZMQ_BUILD_DRAFT_API
  abi_types            sizes, alignments and field offsets of the public types
  abi_prototypes       each of our 97 declarations converts to a function-pointer
                       type built from the reference (stable) or from
                       draft_prototypes.txt (DRAFT), in C and in C++
  abi_symbols          (needs LIB) the 70 stable functions are global text symbols
  abi_symbols_draft    (needs LIB) the 27 DRAFT functions are too
  abi_soname           (needs LIB) SONAME is libzmq.so.5

Only the Python 3 standard library, a C and a C++ compiler (CC, CXX) and, for
the library checks, nm and readelf are needed. Scratch files go to a private
temporary directory that is removed at exit.

Usage: abi_check.py [LIB.so]
Environment: ZMQ_REF_HEADER (default /usr/include/zmq.h), CC, CXX, and
ZMQ_ABI_INCLUDE (default <project>/include: the headers under test).
"""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
OUR_INCLUDE = os.environ.get("ZMQ_ABI_INCLUDE", os.path.join(PROJECT, "include"))
OUR_HEADER = os.path.join(OUR_INCLUDE, "zmq.h")
REF_HEADER = os.environ.get("ZMQ_REF_HEADER", "/usr/include/zmq.h")
CC = os.environ.get("CC", "cc")
CXX = os.environ.get("CXX", "c++")

EXPORTS_TXT = os.path.join(HERE, "exports.txt")
DRAFT_CONSTANTS_TXT = os.path.join(HERE, "draft_constants.txt")
DRAFT_PROTOTYPES_TXT = os.path.join(HERE, "draft_prototypes.txt")

DRAFT_GUARD = "#ifdef ZMQ_BUILD_DRAFT_API"

# We implement 4.3.5; the reference header is Debian's 4.3.4. These are the
# only values allowed to differ from it, and they must have these values.
EXPECTED_OVERRIDES = {"ZMQ_VERSION_PATCH": "5", "ZMQ_VERSION": "40305"}

WARN = ["-Wall", "-Wextra", "-Werror"]


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


class Scratch:
    """A private temporary directory for generated sources and binaries."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="zmq-abi-")
        self.ref_include = os.path.join(self.path, "ref-include")
        if os.path.isfile(REF_HEADER):
            os.mkdir(self.ref_include)
            shutil.copy(REF_HEADER, os.path.join(self.ref_include, "zmq.h"))

    def file(self, name, text=None):
        p = os.path.join(self.path, name)
        if text is not None:
            with open(p, "w") as f:
                f.write(text)
        return p

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


def run(cmd, **kw):
    """Runs a command; returns (exit status, stdout + stderr)."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=60, **kw)
        return p.returncode, p.stdout
    except FileNotFoundError:
        return 127, "command not found: %s" % cmd[0]
    except subprocess.TimeoutExpired:
        return 124, "timed out: %s" % " ".join(cmd)


def compile_src(scratch, name, text, include, lang="c", std="gnu11",
                defines=(), flags=(), link=False):
    """Compiles text; returns (ok, diagnostics, path of the output)."""
    src = scratch.file(name + (".c" if lang == "c" else ".cpp"), text)
    out = scratch.file(name + (".bin" if link else ".o"))
    cmd = [CC if lang == "c" else CXX, "-std=" + std, "-I", include]
    cmd += ["-D" + d for d in defines] + list(flags)
    cmd += [src, "-o", out] if link else ["-c", src, "-o", out]
    rc, text_out = run(cmd)
    return rc == 0, text_out, out


def first_lines(text, n=4):
    lines = [l for l in text.splitlines() if l.strip()]
    return " | ".join(lines[:n])


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return text.replace("\\\n", " ")


def split_draft(text):
    """Splits a header's text into (stable part, DRAFT part)."""
    i = text.find(DRAFT_GUARD)
    return (text, "") if i < 0 else (text[:i], text[i:])


MACRO_NAME = re.compile(r"^(ZMQ_\w+|E[A-Z0-9]+)$")


def macros(text, whole=None):
    """{name: (params or None, body)} of the ZMQ_* and E* macros a text
    defines and the header (whole, default text) does not #undef again."""
    text = strip_comments(text)
    whole = text if whole is None else strip_comments(whole)
    found = {}
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)(\([^)]*\))?(.*)$",
                         text, re.M):
        name = m.group(1)
        if MACRO_NAME.match(name) and name not in found:
            found[name] = (m.group(2), m.group(3).strip())
    for name in re.findall(r"^[ \t]*#[ \t]*undef[ \t]+(\w+)", whole, re.M):
        found.pop(name, None)
    return found


def errno_fallbacks(text):
    """{errno name: n} for every '#define EXXX (ZMQ_HAUSNUMERO + n)'."""
    text = strip_comments(text)
    pat = r"#\s*define\s+(E[A-Z0-9]+)\s+\(\s*ZMQ_HAUSNUMERO\s*\+\s*(\d+)\s*\)"
    return {n: int(v) for n, v in re.findall(pat, text)}


def declarations(text):
    """[(name, return type, parameter text)] of the ZMQ_EXPORT functions."""
    text = strip_comments(text)
    out = []
    for m in re.finditer(r"ZMQ_EXPORT\s+(.*?);", text, re.S):
        decl = " ".join(m.group(1).split())
        f = re.match(r"(.*?)\b(zmq_\w+)\s*\((.*)\)$", decl)
        if f:
            out.append((f.group(2), f.group(1).strip(), f.group(3).strip()))
    return out


def read(path):
    with open(path) as f:
        return f.read()


def data_lines(path):
    """Non-comment, non-empty lines of one of our data files."""
    return [l.rstrip("\n") for l in read(path).splitlines()
            if l.strip() and not l.lstrip().startswith("#")]


def load_exports():
    rows = [l.split() for l in data_lines(EXPORTS_TXT)]
    return {r[0]: r[1] for r in rows}


def load_draft_prototypes():
    """{name: (return type, parameter types)} from draft_prototypes.txt."""
    out = {}
    for l in data_lines(DRAFT_PROTOTYPES_TXT):
        m = re.match(r"(.*?)\b(zmq_\w+)\s*\((.*)\)\s*$", l)
        out[m.group(2)] = (m.group(1).strip(), m.group(3).strip())
    return out


def load_draft_constants():
    out = []
    for l in data_lines(DRAFT_CONSTANTS_TXT):
        name, value = l.split(None, 1)
        out.append((name, value.strip()))
    return out


def have_reference():
    return os.path.isfile(REF_HEADER)


# ---------------------------------------------------------------------------
# Checks. Each returns (status, detail): status is PASS, FAIL or SKIP.
# ---------------------------------------------------------------------------


def check_header_compile(scratch):
    src = ("#include <zmq.h>\n#include <zmq_utils.h>\n"
           "int main (void)\n{\n    zmq_msg_t msg;\n    zmq_pollitem_t item;\n"
           "    (void) msg;\n    (void) item;\n"
           "    return ZMQ_VERSION == ZMQ_MAKE_VERSION (4, 3, 5) ? 0 : 1;\n}\n")
    variants = []
    for lang, std in (("c", "c99"), ("c", "c11"), ("c", "gnu99"),
                      ("c++", "c++11"), ("c++", "c++17")):
        for draft in (False, True):
            variants.append((lang, std, draft))

    def one(v):
        lang, std, draft = v
        name = "hc_%s_%s_%d" % (lang.replace("+", "x"), std.replace("+", "x"),
                                draft)
        ok, diag, _ = compile_src(
            scratch, name, src, OUR_INCLUDE, lang, std,
            ["ZMQ_BUILD_DRAFT_API"] if draft else [], WARN + ["-pedantic"])
        return v, ok, diag

    with concurrent.futures.ThreadPoolExecutor(len(variants)) as pool:
        results = list(pool.map(one, variants))
    bad = ["%s -std=%s%s: %s" % (l, s, " +DRAFT" if d else "", first_lines(diag, 2))
           for (l, s, d), ok, diag in results if not ok]
    if bad:
        return "FAIL", "; ".join(bad)
    return "PASS", "%d variants, -Wall -Wextra -Werror -pedantic" % len(results)


def declared_by_compiler(scratch):
    """(functions declared without DRAFT, with DRAFT) by our zmq.h and
    zmq_utils.h, as the compiler sees them (gcc's -aux-info lists every
    function declaration with its file). None if the compiler cannot."""
    src = scratch.file("aux.c", "#include <zmq.h>\n#include <zmq_utils.h>\n")
    include = os.path.realpath(OUR_INCLUDE)
    result = []
    for draft in (False, True):
        aux = scratch.file("aux_%d.txt" % draft)
        cmd = [CC, "-std=gnu11", "-I", OUR_INCLUDE, "-aux-info", aux, "-c", src,
               "-o", scratch.file("aux_%d.o" % draft)]
        if draft:
            cmd.insert(1, "-DZMQ_BUILD_DRAFT_API")
        rc, _ = run(cmd)
        if rc != 0 or not os.path.isfile(aux):
            return None
        names = set()
        for line in read(aux).splitlines():
            m = re.match(r"/\* (.*?):\d+:\w+ \*/.*?\b(\w+) \(", line)
            if m and os.path.realpath(m.group(1)).startswith(include + os.sep):
                names.add(m.group(2))
        result.append(names)
    return tuple(result)


def check_exports(scratch):
    problems = []
    exports = load_exports()
    stable = {n for n, k in exports.items() if k == "stable"}
    draft = {n for n, k in exports.items() if k == "draft"}
    other = {n for n, k in exports.items() if k not in ("stable", "draft")}
    if other:
        problems.append("bad kind for " + ", ".join(sorted(other)))
    if (len(stable), len(draft)) != (70, 27):
        problems.append("exports.txt has %d stable + %d draft, want 70 + 27"
                        % (len(stable), len(draft)))
    if have_reference():
        ref_stable = {d[0] for d in declarations(split_draft(read(REF_HEADER))[0])}
        if ref_stable != stable:
            problems.append("reference stable set differs: %s"
                            % ", ".join(sorted(ref_stable ^ stable)))
    if set(load_draft_prototypes()) != draft:
        problems.append("draft_prototypes.txt names differ from exports.txt")
    declared = declared_by_compiler(scratch)
    if declared is None:
        # Not gcc: fall back to reading the ZMQ_EXPORT lines of our header.
        ours_stable, ours_draft = split_draft(read(OUR_HEADER))
        names = [d[0] for d in declarations(ours_stable)]
        if len(names) != len(set(names)):
            problems.append("our header declares a stable function twice")
        declared = (set(names), set(names) | {d[0] for d in declarations(ours_draft)})
    plain, with_draft = declared
    if plain != stable:
        problems.append("without DRAFT our headers declare %s"
                        % ", ".join("%s%s" % ("+" if n in plain else "-", n)
                                    for n in sorted(plain ^ stable)))
    if with_draft != stable | draft:
        problems.append("with DRAFT our headers declare %s"
                        % ", ".join("%s%s" % ("+" if n in with_draft else "-", n)
                                    for n in sorted(with_draft ^ (stable | draft))))
    if problems:
        return "FAIL", "; ".join(problems)
    return "PASS", "70 stable + 27 draft"


NUM_PRINTER = r"""
#include <stdio.h>
#include <zmq.h>
#define ZABI_NUM(label, e) \
    printf ("%s %lld size=%d signed=%d\n", label, (long long) (e), \
            (int) sizeof (e), (int) ((e) * 0 - 1 < 0))
#define ZABI_STR(label, e) printf ("%s \"%s\"\n", label, e)
#define ZABI_FLAG(label) printf ("%s defined\n", label)
#define ZABI_MISSING(label) printf ("%s <undefined>\n", label)
int main (void)
{
"""


def printer_program(entries):
    """C source printing each (name, kind, expression) entry; kind is num,
    str or flag. Names that are not defined print <undefined>."""
    body = []
    for name, kind, expr in entries:
        guard = name.split("(")[0]
        body.append("#ifdef %s" % guard)
        if kind == "num":
            body.append('    ZABI_NUM ("%s", %s);' % (name, expr))
        elif kind == "str":
            body.append('    ZABI_STR ("%s", %s);' % (name, expr))
        else:
            body.append('    ZABI_FLAG ("%s");' % name)
        body.append("#else")
        body.append('    ZABI_MISSING ("%s");' % name)
        body.append("#endif")
    return NUM_PRINTER + "\n".join(body) + "\n    return 0;\n}\n"


def run_printer(scratch, name, entries, include, defines=()):
    """Builds and runs a printer; returns ({label: printed value}, error)."""
    ok, diag, exe = compile_src(scratch, name, printer_program(entries),
                                include, "c", "gnu11", defines, ["-w"],
                                link=True)
    if not ok:
        return None, "compile error: " + first_lines(diag)
    rc, out = run([exe])
    if rc != 0:
        return None, "printer exited %d" % rc
    values = {}
    for line in out.splitlines():
        label, value = line.split(" ", 1)
        values[label] = value
    return values, None


def macro_entries(found):
    """Printer entries for a {name: (params, body)} macro table."""
    entries = []
    for name, (params, body) in found.items():
        if params is not None:
            # Function-like (ZMQ_MAKE_VERSION): evaluate it on sample arguments.
            argc = len([p for p in params.strip("()").split(",") if p.strip()])
            call = "%s(%s)" % (name, ",".join(str(7 + i) for i in range(argc)))
            entries.append((call, "num", call))
        elif body == "":
            entries.append((name, "flag", name))
        elif body.startswith('"'):
            entries.append((name, "str", name))
        else:
            entries.append((name, "num", name))
    return entries


def check_constants(scratch):
    if not have_reference():
        return "SKIP", "no reference header at " + REF_HEADER
    ref_text, our_text = read(REF_HEADER), read(OUR_HEADER)
    ref_found = macros(split_draft(ref_text)[0], ref_text)
    ours_found = macros(split_draft(our_text)[0], our_text)
    entries = macro_entries(ref_found)
    ref_vals, err = run_printer(scratch, "const_ref", entries, scratch.ref_include)
    if err:
        return "FAIL", "reference: " + err
    our_vals, err = run_printer(scratch, "const_ours", entries, OUR_INCLUDE)
    if err:
        return "FAIL", "ours: " + err
    diffs, overridden = [], 0
    for label, _, _ in entries:
        want = ref_vals[label]
        if label in EXPECTED_OVERRIDES:
            want = EXPECTED_OVERRIDES[label] + " " + want.split(" ", 1)[1]
            overridden += 1
        if our_vals.get(label) != want:
            diffs.append("%s: ours %s, want %s" % (label, our_vals.get(label), want))
    # Fallback values of the POSIX errnos are hidden on Linux (errno.h wins),
    # so compare them as written.
    ref_fb, our_fb = errno_fallbacks(read(REF_HEADER)), errno_fallbacks(read(OUR_HEADER))
    for name, n in sorted(ref_fb.items()):
        if our_fb.get(name) != n:
            diffs.append("%s fallback: ours HAUSNUMERO+%s, want +%d"
                         % (name, our_fb.get(name), n))
    extra = sorted(set(ours_found) - set(ref_found))
    if diffs:
        return "FAIL", "%d differences: %s" % (len(diffs), "; ".join(diffs))
    detail = "%d macros + %d errno fallbacks compared, %d version values 4.3.5" % (
        len(entries), len(ref_fb), overridden)
    if extra:
        detail += ", only in ours: " + " ".join(extra)
    return "PASS", detail


def check_constants_draft(scratch):
    recorded = load_draft_constants()
    entries = []
    for name, value in recorded:
        kind = "flag" if value == "defined" else "str" if value.startswith('"') else "num"
        entries.append((name, kind, name))
    vals, err = run_printer(scratch, "draft_on", entries, OUR_INCLUDE,
                            ["ZMQ_BUILD_DRAFT_API"])
    if err:
        return "FAIL", err
    problems = []
    for name, value in recorded:
        got = vals.get(name, "<missing>")
        if got.split(" size=")[0] != value:
            problems.append("%s: ours %s, want %s" % (name, got.split(" size=")[0], value))
    # Without ZMQ_BUILD_DRAFT_API none of them may be visible.
    vals_off, err = run_printer(scratch, "draft_off", entries, OUR_INCLUDE)
    if err:
        return "FAIL", "without DRAFT: " + err
    leaked = [n for n, _ in recorded if vals_off.get(n) != "<undefined>"]
    if leaked:
        problems.append("visible without ZMQ_BUILD_DRAFT_API: " + " ".join(leaked))
    # And our DRAFT section defines nothing master does not.
    our_text = read(OUR_HEADER)
    ours_draft = macros(split_draft(our_text)[1], our_text)
    extra = sorted(set(ours_draft) - {n for n, _ in recorded})
    if extra:
        problems.append("DRAFT macros not in master: " + " ".join(extra))
    if problems:
        return "FAIL", "; ".join(problems)
    return "PASS", "%d DRAFT macros as in libzmq master 6b708e4a" % len(recorded)


TYPES_PROGRAM = r"""
#include <stddef.h>
#include <stdio.h>
#include <zmq.h>
#define SHOW(label, v) printf ("%s %d\n", label, (int) (v))
#define FIELD(t, f) \
    SHOW (#t "." #f " offset", offsetof (t, f)); \
    SHOW (#t "." #f " size", sizeof (((t *) 0)->f))
int main (void)
{
    zmq_pollitem_t item;
    zmq_poller_event_t event;
    zmq_fd_t fd = (zmq_fd_t) -1;
    SHOW ("zmq_msg_t size", sizeof (zmq_msg_t));
    SHOW ("zmq_msg_t align", _Alignof (zmq_msg_t));
    SHOW ("zmq_pollitem_t size", sizeof (zmq_pollitem_t));
    SHOW ("zmq_pollitem_t align", _Alignof (zmq_pollitem_t));
    FIELD (zmq_pollitem_t, socket);
    FIELD (zmq_pollitem_t, fd);
    FIELD (zmq_pollitem_t, events);
    FIELD (zmq_pollitem_t, revents);
    item.events = -1;
    item.revents = -1;
    SHOW ("zmq_pollitem_t.events signed", item.events < 0);
    SHOW ("zmq_pollitem_t.revents signed", item.revents < 0);
    SHOW ("zmq_poller_event_t size", sizeof (zmq_poller_event_t));
    SHOW ("zmq_poller_event_t align", _Alignof (zmq_poller_event_t));
    FIELD (zmq_poller_event_t, socket);
    FIELD (zmq_poller_event_t, fd);
    FIELD (zmq_poller_event_t, user_data);
    FIELD (zmq_poller_event_t, events);
    event.events = -1;
    SHOW ("zmq_poller_event_t.events signed", event.events < 0);
    SHOW ("zmq_fd_t size", sizeof (zmq_fd_t));
    SHOW ("zmq_fd_t signed", fd < (zmq_fd_t) 0);
    SHOW ("zmq_free_fn* size", sizeof (zmq_free_fn *));
    SHOW ("zmq_timer_fn* size", sizeof (zmq_timer_fn *));
    SHOW ("zmq_thread_fn* size", sizeof (zmq_thread_fn *));
    return 0;
}
"""


def check_types(scratch):
    if not have_reference():
        return "SKIP", "no reference header at " + REF_HEADER
    outputs = {}
    for who, inc in (("ref", scratch.ref_include), ("ours", OUR_INCLUDE)):
        ok, diag, exe = compile_src(scratch, "types_" + who, TYPES_PROGRAM, inc,
                                    "c", "gnu11", ["ZMQ_BUILD_DRAFT_API"],
                                    ["-w"], link=True)
        if not ok:
            return "FAIL", "%s: compile error: %s" % (who, first_lines(diag))
        rc, out = run([exe])
        if rc != 0:
            return "FAIL", "%s: program exited %d" % (who, rc)
        outputs[who] = out.splitlines()
    diffs = ["%s (ours) vs %s (ref)" % (o, r)
             for o, r in zip(outputs["ours"], outputs["ref"]) if o != r]
    if diffs or len(outputs["ours"]) != len(outputs["ref"]):
        return "FAIL", "; ".join(diffs) or "different output length"
    return "PASS", "%d properties: sizes, alignments, offsets, signedness" % len(
        outputs["ours"])


def check_prototypes(scratch):
    if not have_reference():
        return "SKIP", "no reference header at " + REF_HEADER
    ref_text = read(REF_HEADER)
    protos = [(n, r, p) for n, r, p in declarations(split_draft(ref_text)[0])]
    protos += [(n, r, p) for n, (r, p) in sorted(load_draft_prototypes().items())]
    lines = ["#include <zmq.h>", ""]
    # The callback typedefs, as the reference writes them.
    for ret, name, params in re.findall(
            r"typedef\s+([\w\s\*]*?)\s*\(\s*(zmq_\w+_fn)\s*\)\s*\(([^)]*)\)\s*;",
            strip_comments(ref_text)):
        lines.append("typedef %s (zabi_cb_%s) (%s);" % (ret, name, params))
        lines.append("zabi_cb_%s *zabi_cbp_%s = (%s *) 0;" % (name, name, name))
    for name, ret, params in protos:
        lines.append("typedef %s (*zabi_fn_%s) (%s);" % (ret, name, params))
        lines.append("zabi_fn_%s zabi_p_%s = %s;" % (name, name, name))
    src = "\n".join(lines) + "\n"
    flags = WARN + ["-Werror=incompatible-pointer-types"]
    for lang, std in (("c", "gnu11"), ("c++", "gnu++11")):
        ok, diag, _ = compile_src(scratch, "protos_" + lang.replace("+", "x"),
                                  src, OUR_INCLUDE, lang, std,
                                  ["ZMQ_BUILD_DRAFT_API"],
                                  flags if lang == "c" else WARN)
        if not ok:
            names = sorted(set(re.findall(r"zabi_(?:p|cbp)_(zmq_\w+)", diag)))
            return "FAIL", "%s: mismatch in %s: %s" % (
                lang, ", ".join(names) or "?", first_lines(diag, 3))
    return "PASS", "%d functions + 3 callback types, C and C++" % len(protos)


def library_symbols(lib):
    """({global text symbols}, {other defined symbols: type}, error)."""
    rc, out = run(["nm", "-D", "--defined-only", lib])
    if rc != 0:
        return None, None, "nm failed: " + first_lines(out, 2)
    text, other = set(), {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            (text.add(parts[2]) if parts[1] == "T" else
             other.__setitem__(parts[2], parts[1]))
    return text, other, None


def check_symbols(lib, kind):
    exports = load_exports()
    want = sorted(n for n, k in exports.items() if k == kind)
    text, other, err = library_symbols(lib)
    if err:
        return "FAIL", err
    missing = [n for n in want if n not in text]
    if missing:
        detail = "missing %d %s: %s" % (len(missing), kind, " ".join(
            "%s%s" % (n, "(type %s)" % other[n] if n in other else "")
            for n in missing))
        if kind == "draft":
            detail += " (expected for a library built without the DRAFT API," \
                      " such as Debian's libzmq5)"
        return "FAIL", detail
    extra = sorted(n for n in text if n.startswith("zmq_") and n not in exports)
    detail = "%d/%d %s functions exported as global text" % (len(want), len(want), kind)
    if kind == "stable" and extra:
        detail += "; also exports " + " ".join(extra)
    return "PASS", detail


def check_soname(lib):
    rc, out = run(["readelf", "-d", lib])
    if rc != 0:
        return "FAIL", "readelf failed: " + first_lines(out, 2)
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]*)\]", out)
    if not m:
        return "FAIL", "no SONAME"
    if m.group(1) != "libzmq.so.5":
        return "FAIL", "SONAME is %s, want libzmq.so.5" % m.group(1)
    return "PASS", "libzmq.so.5"


# ---------------------------------------------------------------------------


def main(argv):
    lib = argv[1] if len(argv) > 1 else None
    scratch = Scratch()
    results = []
    try:
        checks = [
            ("header_compile", lambda: check_header_compile(scratch)),
            ("abi_exports", lambda: check_exports(scratch)),
            ("abi_constants", lambda: check_constants(scratch)),
            ("abi_constants_draft", lambda: check_constants_draft(scratch)),
            ("abi_types", lambda: check_types(scratch)),
            ("abi_prototypes", lambda: check_prototypes(scratch)),
        ]
        if lib and not os.path.isfile(lib):
            checks.append(("abi_symbols", lambda: ("FAIL", "no such file: " + lib)))
        elif lib:
            checks += [
                ("abi_symbols", lambda: check_symbols(lib, "stable")),
                ("abi_symbols_draft", lambda: check_symbols(lib, "draft")),
                ("abi_soname", lambda: check_soname(lib)),
            ]
        else:
            checks.append(("abi_symbols", lambda: ("SKIP", "no library path given")))

        def run_check(item):
            name, fn = item
            try:
                return name, fn()
            except Exception as e:  # a broken check is a failed check
                return name, ("FAIL", "checker error: %r" % (e,))

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run_check, checks))
    finally:
        scratch.remove()

    passed = failed = 0
    for name, (status, detail) in results:
        if status == "PASS":
            passed += 1
            print("PASS %s (%s)" % (name, detail))
        elif status == "SKIP":
            print("SKIP %s (%s)" % (name, detail))
        else:
            failed += 1
            print("FAIL %s: %s" % (name, detail))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
