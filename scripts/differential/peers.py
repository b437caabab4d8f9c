"""Peer implementations for differential testing of TollgateSchema.

Verdict strings everywhere: "1" valid, "0" invalid, "E" instance is not JSON, "X" the peer crashed
on this instance, "S" the peer could not compile the schema (for the whole schema), "T" Tollgate did not
answer within the timeout (the driver is restarted).

Peers:
  tollgate  - the Swift driver `tgdiff` (see build_driver.sh), run in --batch mode
  pyjs      - python-jsonschema 4.x with Python `re` for pattern (its documented behaviour)
  pyjs_ecma - python-jsonschema with `pattern`/`patternProperties`/format "regex" evaluated by
              `regress` (a Rust ECMA-262 engine) with the u flag, so that regex dialect differences
              are not counted as disagreements
  jsrs      - jsonschema-rs (Rust), Python bindings
  ajv       - ajv 6 (Debian node-ajv) through node_oracle.js; drafts 4, 6, 7 only
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import warnings

import jsonschema
import jsonschema.validators
import jsonschema_rs
import referencing
import referencing.jsonschema
import regress

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ.get("TGDIFF", "/work/diff-driver/.build/release/tgdiff")

DRAFT_URIS = {
    "4": "http://json-schema.org/draft-04/schema#",
    "6": "http://json-schema.org/draft-06/schema#",
    "7": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}
PY_CLS = {
    "4": jsonschema.Draft4Validator,
    "6": jsonschema.Draft6Validator,
    "7": jsonschema.Draft7Validator,
    "2019-09": jsonschema.Draft201909Validator,
    "2020-12": jsonschema.Draft202012Validator,
}
RS_CLS = {
    "4": jsonschema_rs.Draft4Validator,
    "6": jsonschema_rs.Draft6Validator,
    "7": jsonschema_rs.Draft7Validator,
    "2019-09": jsonschema_rs.Draft201909Validator,
    "2020-12": jsonschema_rs.Draft202012Validator,
}


def draft_of(schema, default):
    """The draft a schema declares with a known $schema, else `default`."""
    if isinstance(schema, dict) and isinstance(schema.get("$schema"), str):
        s = schema["$schema"].rstrip("#").replace("https://", "http://")
        for d, u in DRAFT_URIS.items():
            if s == u.rstrip("#").replace("https://", "http://"):
                return d
    return default


# ---------------------------------------------------------------- python-jsonschema

_regex_cache = {}


def ecma_regex(p):
    r = _regex_cache.get(p)
    if r is None:
        r = regress.Regex(p, "u")  # raises on invalid
        _regex_cache[p] = r
    return r


def _pattern(validator, patrn, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    if ecma_regex(patrn).find(instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator, patternProperties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patternProperties.items():
        for k, v in instance.items():
            if ecma_regex(pattern).find(k) is not None:
                yield from validator.descend(v, subschema, path=k, schema_path=pattern)


def _ecma_format_checker():
    fc = jsonschema.FormatChecker()
    fc.checkers = dict(fc.checkers)

    @fc.checks("regex", raises=Exception)
    def is_regex(instance):
        if not isinstance(instance, str):
            return True
        ecma_regex(instance)
        return True

    return fc


_ECMA_FC = _ecma_format_checker()
_ECMA_CLS = {}


def _ecma_cls(cls):
    c = _ECMA_CLS.get(cls)
    if c is None:
        validators = dict(cls.VALIDATORS)
        validators["pattern"] = _pattern
        validators["patternProperties"] = _pattern_properties
        c = jsonschema.validators.extend(cls, {k: validators[k] for k in ("pattern", "patternProperties") if k in validators})
        _ECMA_CLS[cls] = c
    return c


def _file_retriever(uri):
    p = urllib.parse.urlparse(uri)
    if p.scheme != "file":
        raise referencing.exceptions.NoSuchResource(ref=uri)
    with open(urllib.parse.unquote(p.path)) as f:
        contents = json.load(f)
    return referencing.Resource.from_contents(contents, default_specification=referencing.jsonschema.DRAFT7)


def py_verdicts(schema, docs, draft, fmt, base_uri=None, ecma=False):
    """docs: list of JSON texts. Returns (list of verdicts, error-or-None)."""
    d = draft_of(schema, draft)
    cls = PY_CLS[d]
    if ecma:
        cls = _ecma_cls(cls)
    spec = referencing.jsonschema.specification_with(DRAFT_URIS[d].rstrip("#") + ("#" if d in "467" else ""),
                                                       default=referencing.jsonschema.DRAFT202012)
    registry = referencing.Registry(retrieve=_file_retriever)
    kw = {}
    if base_uri:
        # The retrieval URI is the base, unless the schema's own $id (resolved against it) says otherwise.
        resource = spec.create_resource(schema)
        base = urllib.parse.urljoin(base_uri, resource.id() or "")
        registry = registry.with_resource(base_uri, resource).with_resource(base, resource)
        kw["_resolver"] = registry.resolver(base)
    fc = (_ECMA_FC if ecma else jsonschema.FormatChecker()) if fmt else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = cls(schema, registry=registry, format_checker=fc, **kw)
    except Exception as e:  # noqa
        return ["S"] * len(docs), f"{type(e).__name__}: {e}"[:300]
    out = []
    for t in docs:
        try:
            inst = json.loads(t)
        except Exception:
            out.append("E")
            continue
        try:
            out.append("1" if v.is_valid(inst) else "0")
        except RecursionError:
            out.append("X")
        except Exception as e:  # noqa
            out.append("X")
    return out, None


# ---------------------------------------------------------------- jsonschema-rs

def rs_verdicts(schema, docs, draft, fmt, base_uri=None):
    d = draft_of(schema, draft)
    try:
        kw = dict(validate_formats=fmt)
        if base_uri:
            kw["base_uri"] = base_uri
        v = RS_CLS[d](schema, **kw)
    except Exception as e:  # noqa
        return ["S"] * len(docs), f"{type(e).__name__}: {e}"[:300]
    out = []
    for t in docs:
        try:
            inst = json.loads(t)
        except Exception:
            out.append("E")
            continue
        try:
            out.append("1" if v.is_valid(inst) else "0")
        except Exception:
            out.append("X")
    return out, None


# ---------------------------------------------------------------- node (ECMA regex oracle, ajv 6)

class Node:
    def __init__(self):
        env = dict(os.environ, NODE_PATH="/usr/share/nodejs")
        self.p = subprocess.Popen(["node", os.path.join(HERE, "node_oracle.js")], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=env, bufsize=1)
        self.lock = threading.Lock()

    def ask(self, req):
        with self.lock:
            self.p.stdin.write(json.dumps(req) + "\n")
            self.p.stdin.flush()
            return json.loads(self.p.stdout.readline())

    def regex(self, p, strings, flags="u"):
        return self.ask({"op": "regex", "p": p, "s": strings, "flags": flags})

    def ajv(self, schema, docs, draft, fmt):
        if draft not in ("4", "6", "7"):
            return None, "draft not supported by ajv 6"
        r = self.ask({"op": "ajv", "schema": schema, "docs": docs, "format": fmt, "draft": draft})
        if not r["ok"]:
            return ["S"] * len(docs), r["err"]
        return r["v"], None


# ---------------------------------------------------------------- tollgate

class Tollgate:
    """Runs tgdiff --batch; each job writes the schema and docs to temporary files."""

    def __init__(self, driver=DRIVER, workdir=None, timeout=int(os.environ.get("TGDIFF_TIMEOUT", "30"))):
        self.workdir = workdir or tempfile.mkdtemp(prefix="tgdiff-")
        self.driver = driver
        self.timeout = timeout
        self._start()
        self.n = 0

    def _start(self):
        self.p = subprocess.Popen([self.driver, "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def verdicts(self, schema_path, docs, draft, fmt):
        self.n += 1
        dp = os.path.join(self.workdir, f"d{self.n % 4}.jsonl")
        op = os.path.join(self.workdir, f"o{self.n % 4}.txt")
        with open(dp, "w") as f:
            for t in docs:
                f.write(t.replace("\n", " ") + "\n")
        self.p.stdin.write(f"{1 if fmt else 0}\t{draft}\t{schema_path}\t{dp}\t{op}\n")
        self.p.stdin.flush()
        ready, _, _ = select.select([self.p.stdout], [], [], self.timeout)
        if not ready:
            # Tollgate did not answer in time (a hang): restart the driver and report "T" verdicts.
            self.p.kill()
            self.p.wait()
            self._start()
            return ["T"] * len(docs), f"no answer within {self.timeout} s"
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("tgdiff died")
        if line.startswith("SCHEMAERR"):
            return ["S"] * len(docs), line[10:].strip()
        with open(op) as f:
            out = f.read().split("\n")[: len(docs)]
        return out, None


def dump(v):
    """Compact JSON text of a Python value, as every peer reads it (raw UTF-8 unless a lone surrogate needs escaping)."""
    t = json.dumps(v, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        t.encode("utf-8")
    except UnicodeEncodeError:
        t = json.dumps(v, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return t
