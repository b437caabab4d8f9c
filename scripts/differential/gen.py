"""Instance generation for differential testing: hypothesis-jsonschema examples plus mutations."""
import copy
import json
import random
import re
import signal
import warnings

_PROP = re.compile(r"\\[pP]\{[^}]*\}")


def _sanitize_patterns(node):
    """A copy of the schema whose regexes Python `re` can compile (generation only, never validation)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                v = _PROP.sub(lambda m: "\\w" if m.group(0)[1] == "p" else "\\W", v)
                try:
                    re.compile(v)
                except re.error:
                    continue
            if k == "patternProperties" and isinstance(v, dict):
                nv = {}
                for pk, pv in v.items():
                    pk2 = _PROP.sub(lambda m: "\\w", pk)
                    try:
                        re.compile(pk2)
                    except re.error:
                        continue
                    nv[pk2] = _sanitize_patterns(pv)
                out[k] = nv
                continue
            if k == "format" and isinstance(v, str) and v not in KNOWN_FORMATS:
                continue
            out[k] = _sanitize_patterns(v) if k not in ("enum", "const", "examples", "default") else v
        return out
    if isinstance(node, list):
        return [_sanitize_patterns(x) for x in node]
    return node


KNOWN_FORMATS = {"date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4",
                 "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer",
                 "relative-json-pointer", "regex"}


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def hyp_examples(schema, n=15, seconds=8):
    """Up to n instances from hypothesis-jsonschema (which may fail on many real schemas: then [])."""
    from hypothesis import HealthCheck, Phase, given, settings, seed
    from hypothesis_jsonschema import from_schema

    s = _sanitize_patterns(schema)
    if isinstance(s, dict):
        s.pop("$schema", None)
    out = []
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            strat = from_schema(s)

            @seed(1234)
            @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.generate])
            @given(strat)
            def g(x):
                out.append(copy.deepcopy(x))

            g()
    except _Timeout:
        pass
    except BaseException:  # noqa: unsupported schema features, unsatisfiable, hypothesis StopTest ...
        pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return out


LEAF_POOL = [None, True, False, 0, -1, 1, 1.0, 1.5, -0.0, 2**53 + 1, 10**20, 1e300, -1e-300, "", "a", "0", "true",
             "x" * 300, "é", "😀", "e\u0301", "\U0001F600" * 3, "2024-02-30", "2024-01-01T00:00:00Z", "not a date",
             "a@b.c", "::1", "127.0.0.1", "http://example.com/x y", "#/a", "0/a", [], {}, [1, 1], [1, 1.0], {"a": 1}]


def _paths(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _set(root, path, value):
    if not path:
        return value
    root = copy.deepcopy(root)
    cur = root
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return root


def _drop(root, path):
    root = copy.deepcopy(root)
    cur = root
    for p in path[:-1]:
        cur = cur[p]
    del cur[path[-1]]
    return root


def mutations(inst, rng, limit=25):
    """Small variants of inst: a key dropped, a property added, a leaf replaced, an array element duplicated."""
    out = []
    paths = list(_paths(inst))
    rng.shuffle(paths)
    for path, node in paths:
        if len(out) >= limit:
            break
        if path:
            out.append(_drop(inst, path))
            out.append(_set(inst, path, rng.choice(LEAF_POOL)))
        if isinstance(node, dict):
            n2 = dict(node)
            n2["zzExtra"] = rng.choice(LEAF_POOL)
            out.append(_set(inst, path, n2))
        elif isinstance(node, list) and node:
            out.append(_set(inst, path, node + [copy.deepcopy(node[0])]))
        elif isinstance(node, str):
            out.append(_set(inst, path, node + rng.choice(["\n", " ", "-", "é", "😀", "\u0301", "A", "_"])))
            if node:
                out.append(_set(inst, path, node[:-1]))
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            out.append(_set(inst, path, node + 1))
            out.append(_set(inst, path, node - 1))
            out.append(_set(inst, path, float(node) + 0.5))
            if isinstance(node, int):
                out.append(_set(inst, path, float(node)))
    return out


def naive_example(schema, root, depth=0):
    """A cheap, often-valid instance by walking the schema (when hypothesis gives up)."""
    if depth > 6 or not isinstance(schema, dict):
        return None
    if "$ref" in schema and isinstance(schema["$ref"], str) and schema["$ref"].startswith("#/"):
        target = root
        try:
            for tok in schema["$ref"][2:].split("/"):
                target = target[tok.replace("~1", "/").replace("~0", "~")]
            return naive_example(target, root, depth + 1)
        except Exception:
            return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for comb in ("oneOf", "anyOf", "allOf"):
        if isinstance(schema.get(comb), list) and schema[comb]:
            return naive_example(schema[comb][0], root, depth + 1)
    t = schema.get("type")
    if isinstance(t, list):
        t = t[0] if t else None
    if t is None:
        t = "object" if "properties" in schema else ("array" if "items" in schema else "string")
    if t == "object":
        o = {}
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        for k in schema.get("required", []) if isinstance(schema.get("required"), list) else []:
            o[k] = naive_example(props.get(k, {}), root, depth + 1)
        for k in list(props)[:3]:
            if k not in o:
                o[k] = naive_example(props[k], root, depth + 1)
        return o
    if t == "array":
        it = schema.get("items")
        return [naive_example(it, root, depth + 1)] if isinstance(it, dict) else []
    if t in ("integer", "number"):
        lo = schema.get("minimum", 0)
        return lo if isinstance(lo, (int, float)) else 0
    if t == "boolean":
        return True
    if t == "null":
        return None
    n = schema.get("minLength", 1)
    return "a" * (n if isinstance(n, int) and n < 100 else 1)
