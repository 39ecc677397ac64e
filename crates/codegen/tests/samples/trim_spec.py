#!/usr/bin/env python3
"""Trim an OpenAPI 3.x document to a chosen set of operations.

Usage:
    trim_spec.py INPUT OUTPUT --op "GET /path" [--op "POST /other" ...]
                 [--drop-top-level x-KEY ...]

What is kept (everything else is dropped, nothing is rewritten):
  * top-level `openapi`, `info`, `servers`, `security`, `externalDocs`,
    every top-level `x-*` key (unless named with --drop-top-level), and
    `tags` reduced to the tags used by the kept operations (source order);
  * `paths`: only the kept path items; inside each, only the kept HTTP
    methods, plus every non-method field of the path item (`parameters`,
    `summary`, `description`, `servers`, `$ref`, `x-*`);
  * `components`: the transitive closure of every `$ref` reachable from the
    kept material (a ref *into* a component, e.g.
    `#/components/schemas/Foo/properties/bar`, keeps the whole component
    `Foo`), every discriminator `mapping` target, and every security scheme
    named in a kept security requirement; `components`-level `x-*` keys are
    kept as they are.  Sections and entries keep their source order.

Output format follows the input:
  * JSON in -> JSON out, `json.dumps(indent=2)`; `ensure_ascii` is switched
    off when the input contains raw non-ASCII characters, and `<`, `>`, `&`
    are written as `\u003c`, `\u003e`, `\u0026` when the input (e.g. a
    Go-generated file) spells them that way and never raw.
  * YAML in -> YAML out by *copying the source text line ranges* of every
    kept node (so quoting, block scalars, comments and key order are exactly
    the source's).  The result is re-parsed and compared structurally with
    the dict-level trim; any difference is a hard error.

Checks run on the written file (exit status 1 on failure):
  * it parses;
  * every `$ref` (and discriminator mapping target) resolves inside it
    (JSON-pointer `~1` / `~0` escapes decoded);
  * every security scheme named in a security requirement exists;
  * every requested operation is present;
  * every kept top-level/path/component value equals the source value.

Standard library + PyYAML only.
"""
import argparse
import copy
import json
import sys

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
COMPONENT_SECTIONS = (
    "schemas", "responses", "parameters", "examples", "requestBodies",
    "headers", "securitySchemes", "links", "callbacks", "pathItems",
)
# Keys whose value (when a mapping) has arbitrary *names* as keys and
# OpenAPI/JSON-Schema nodes as values.
NAME_MAP_KEYS = {
    "properties", "patternProperties", "$defs", "definitions",
    "dependentSchemas", "paths", "responses", "content", "headers", "links",
    "callbacks", "encoding", "variables", "schemas", "parameters",
    "requestBodies", "securitySchemes", "pathItems", "webhooks", "x-webhooks",
}
# Keys whose values are literal data, never OpenAPI nodes.
LITERAL_KEYS = {"example", "default", "enum", "const"}


# --------------------------------------------------------------------------
# JSON pointer helpers
# --------------------------------------------------------------------------
def pointer_tokens(ref):
    """'#/a/b~1c' -> ['a', 'b/c'] (decoding ~1 before ~0, per RFC 6901)."""
    if not ref.startswith("#"):
        raise ValueError("external ref: %r" % ref)
    frag = ref[1:]
    if frag == "":
        return []
    if not frag.startswith("/"):
        raise ValueError("not a JSON pointer fragment: %r" % ref)
    # URI fragment may be percent-encoded
    from urllib.parse import unquote
    out = []
    for tok in frag[1:].split("/"):
        tok = unquote(tok)
        out.append(tok.replace("~1", "/").replace("~0", "~"))
    return out


def resolve(doc, tokens):
    cur = doc
    for tok in tokens:
        if isinstance(cur, dict):
            if tok not in cur:
                raise KeyError(tok)
            cur = cur[tok]
        elif isinstance(cur, list):
            if not tok.isdigit() or int(tok) >= len(cur):
                raise KeyError(tok)
            cur = cur[int(tok)]
        else:
            raise KeyError(tok)
    return cur


# --------------------------------------------------------------------------
# Reference collection (context aware: literal example/default/enum data is
# not searched; name maps such as `properties` or `responses` are).
# --------------------------------------------------------------------------
class Refs:
    def __init__(self):
        self.refs = []            # (ref string, where)
        self.mappings = []        # discriminator mapping targets (ref form)
        self.security_names = []  # names from security requirements
        self.literal_refs = []    # "$ref" found inside literal data (info only)


def walk(node, refs, where="#", mode="node"):
    if isinstance(node, list):
        for i, item in enumerate(node):
            walk(item, refs, "%s/%d" % (where, i), "node")
        return
    if not isinstance(node, dict):
        return
    if mode == "examples":
        # map of Example objects (or refs); their `value` is literal
        for k, v in node.items():
            w = "%s/%s" % (where, esc(k))
            if isinstance(v, dict):
                if isinstance(v.get("$ref"), str):
                    refs.refs.append((v["$ref"], w))
                for kk, vv in v.items():
                    if kk.startswith("x-"):
                        walk(vv, refs, "%s/%s" % (w, esc(kk)))
                    elif kk == "value":
                        scan_literal(vv, refs, "%s/value" % w)
        return
    if mode == "map":
        for k, v in node.items():
            walk(v, refs, "%s/%s" % (where, esc(k)), "node")
        return
    if isinstance(node.get("$ref"), str):
        refs.refs.append((node["$ref"], where))
    for k, v in node.items():
        w = "%s/%s" % (where, esc(k))
        if k == "$ref":
            continue
        if k in LITERAL_KEYS:
            scan_literal(v, refs, w)
        elif k == "examples":
            if isinstance(v, dict):
                walk(v, refs, w, "examples")
            else:
                scan_literal(v, refs, w)
        elif k == "discriminator" and isinstance(v, dict):
            for name, target in (v.get("mapping") or {}).items():
                if isinstance(target, str):
                    t = target if target.startswith("#") or "/" in target or "." in target \
                        else "#/components/schemas/" + target
                    refs.mappings.append((t, "%s/mapping/%s" % (w, esc(name))))
        elif k == "security" and isinstance(v, list):
            for req in v:
                if isinstance(req, dict):
                    for name in req:
                        refs.security_names.append((name, w))
        elif k in NAME_MAP_KEYS and isinstance(v, dict):
            walk(v, refs, w, "map")
        else:
            walk(v, refs, w, "node")


def scan_literal(node, refs, where):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            refs.literal_refs.append((node["$ref"], where))
        for k, v in node.items():
            scan_literal(v, refs, "%s/%s" % (where, esc(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            scan_literal(v, refs, "%s/%d" % (where, i))


def esc(k):
    return str(k).replace("~", "~0").replace("/", "~1")


# --------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------
class Selection:
    """Which parts of the source document to keep."""

    def __init__(self, src, ops, drop_top):
        self.src = src
        self.ops = ops  # list of (method, path)
        self.drop_top = set(drop_top)
        self.paths = {}        # path -> set(methods)
        self.components = {}   # section -> set(names)
        self.tags = set()
        self.notes = []
        self._compute()

    def _compute(self):
        src = self.src
        paths = src.get("paths") or {}
        for method, path in self.ops:
            if path not in paths:
                raise SystemExit("error: path not in spec: %s" % path)
            if method not in paths[path]:
                raise SystemExit("error: %s %s not in spec" % (method.upper(), path))
            self.paths.setdefault(path, set()).add(method)

        refs = Refs()
        # Roots: kept top-level keys (except paths/components/tags) ...
        for k, v in src.items():
            if k in ("openapi", "info", "servers", "security", "externalDocs") or \
                    (k.startswith("x-") and k not in self.drop_top):
                walk({k: v}, refs, "#")
        # ... and kept path items
        for path, methods in self.paths.items():
            item = paths[path]
            pw = "#/paths/%s" % esc(path)
            for k, v in item.items():
                if k in HTTP_METHODS and k not in methods:
                    continue
                walk({k: v}, refs, pw)
                if k in methods:
                    for t in v.get("tags") or []:
                        self.tags.add(t)

        comps = src.get("components") or {}
        done = set()
        # `$ref`s found inside literal data (e.g. a `$ref` written inside an
        # `example`) are not references per the spec, but they are followed
        # too, so that the trimmed file stays self-consistent for lenient tools.
        queue = list(refs.refs) + list(refs.mappings) + list(refs.literal_refs)
        sec_names = list(refs.security_names)
        self.literal_refs = list(refs.literal_refs)
        while queue or sec_names:
            while sec_names:
                name, where = sec_names.pop()
                if name not in (comps.get("securitySchemes") or {}):
                    raise SystemExit("error: security scheme %r (used at %s) not in components"
                                     % (name, where))
                key = ("securitySchemes", name)
                if key not in done:
                    done.add(key)
                    self.components.setdefault("securitySchemes", set()).add(name)
                    r = Refs()
                    walk(comps["securitySchemes"][name], r,
                         "#/components/securitySchemes/" + esc(name))
                    queue += r.refs + r.mappings + r.literal_refs
                    sec_names += r.security_names
                    self.literal_refs += r.literal_refs
            if not queue:
                break
            ref, where = queue.pop()
            if not ref.startswith("#"):
                self.notes.append("external $ref left as is: %s (at %s)" % (ref, where))
                continue
            toks = pointer_tokens(ref)
            try:
                resolve(src, toks)
            except KeyError:
                if (ref, where) in self.literal_refs:
                    self.notes.append("literal-data $ref does not resolve in source: %s (at %s)"
                                      % (ref, where))
                    continue
                raise SystemExit("error: $ref %s (at %s) does not resolve in the SOURCE"
                                 % (ref, where))
            if len(toks) >= 3 and toks[0] == "components":
                key = (toks[1], toks[2])
                if len(toks) > 3:
                    self.notes.append("ref into a component: %s (at %s)" % (ref, where))
                if key in done:
                    continue
                done.add(key)
                self.components.setdefault(toks[1], set()).add(toks[2])
                r = Refs()
                mode = "node"
                walk(comps[toks[1]][toks[2]], r,
                     "#/components/%s/%s" % (esc(toks[1]), esc(toks[2])), mode)
                queue += r.refs + r.mappings + r.literal_refs
                sec_names += r.security_names
                self.literal_refs += r.literal_refs
            elif toks and toks[0].startswith("x-") and toks[0] not in self.drop_top:
                self.notes.append("ref into top-level %s (kept): %s" % (toks[0], ref))
            elif len(toks) >= 3 and toks[0] == "paths" and toks[1] in self.paths and \
                    (toks[2] not in HTTP_METHODS or toks[2] in self.paths[toks[1]]):
                self.notes.append("ref into a kept path item: %s (at %s)" % (ref, where))
            else:
                raise SystemExit("error: $ref %s (at %s) points outside components and "
                                 "outside kept material; refusing to guess" % (ref, where))

    # Build the trimmed document as plain data (source order everywhere).
    def build(self):
        src = self.src
        out = {}
        for k, v in src.items():
            if k in ("openapi", "info", "servers", "security", "externalDocs"):
                out[k] = v
            elif k.startswith("x-"):
                if k not in self.drop_top:
                    out[k] = v
            elif k == "tags":
                kept = [t for t in v if isinstance(t, dict) and t.get("name") in self.tags]
                if kept:
                    out[k] = kept
            elif k == "paths":
                p = {}
                for path, item in v.items():
                    if path in self.paths:
                        p[path] = {m: x for m, x in item.items()
                                   if m not in HTTP_METHODS or m in self.paths[path]}
                out[k] = p
            elif k == "components":
                c = {}
                for sec, entries in v.items():
                    if sec.startswith("x-"):
                        c[sec] = entries
                    elif sec in self.components:
                        c[sec] = {n: e for n, e in entries.items() if n in self.components[sec]}
                if c:
                    out[k] = c
            # anything else (webhooks, jsonSchemaDialect, ...) is dropped
        return out


# --------------------------------------------------------------------------
# YAML text-slicing writer
# --------------------------------------------------------------------------
def yaml_slice(text, keep):
    """Copy source line ranges of `keep` (the dict-level trim) out of `text`."""
    import yaml
    Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=Loader)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    out = []

    def key_of(node):
        return yaml.safe_load(yaml.serialize(node)) if node.tag != "tag:yaml.org,2002:str" \
            else node.value

    def entry_ranges(mnode, end_all):
        # entry i spans [its key's line, next key's line); the last entry
        # runs to the end of the enclosing range (top-down, so no reliance
        # on end marks, which differ between node kinds).
        pairs = mnode.value
        res = []
        for i, (kn, vn) in enumerate(pairs):
            start = kn.start_mark.line
            end = pairs[i + 1][0].start_mark.line if i + 1 < len(pairs) else end_all
            res.append((key_of(kn), kn, vn, start, end))
        return res

    def item_ranges(snode, end_all):
        items = snode.value
        res = []
        for i, it in enumerate(items):
            start = it.start_mark.line
            end = items[i + 1].start_mark.line if i + 1 < len(items) else end_all
            res.append((it, start, end))
        return res

    def emit(a, b):
        out.extend(lines[a:b])

    def emit_mapping(mnode, sel, src_val, end_all):
        """sel: dict of the kept sub-structure (same keys subset)."""
        if mnode.flow_style:
            raise SystemExit("error: flow-style mapping at line %d; cannot slice"
                             % (mnode.start_mark.line + 1))
        for k, kn, vn, start, end in entry_ranges(mnode, end_all):
            if k not in sel:
                continue
            if sel[k] is src_val[k] or sel[k] == src_val[k]:
                emit(start, end)
            else:
                # partial: header lines, then children
                emit(start, vn.start_mark.line)
                if isinstance(sel[k], dict):
                    emit_mapping(vn, sel[k], src_val[k], end)
                else:
                    emit_sequence(vn, sel[k], src_val[k], end)

    def emit_sequence(snode, sel, src_val, end_all):
        if snode.flow_style:
            raise SystemExit("error: flow-style sequence at line %d; cannot slice"
                             % (snode.start_mark.line + 1))
        wanted = list(sel)
        for (it, start, end), v in zip(item_ranges(snode, end_all), src_val):
            if wanted and v == wanted[0]:
                emit(start, end)
                wanted.pop(0)
        if wanted:
            raise SystemExit("error: internal: sequence slice incomplete")

    src_val = yaml.load(text, Loader=Loader)
    # leading comments / document start before first key
    first = root.value[0][0].start_mark.line if root.value else 0
    emit(0, first)
    emit_mapping(root, keep, src_val, len(lines))
    return "".join(out)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------
def check(doc, src, ops, drop_top):
    errors = []
    r = Refs()
    walk(doc, r, "#")
    for ref, where in r.refs + r.mappings + r.literal_refs:
        if not ref.startswith("#"):
            continue
        try:
            resolve(doc, pointer_tokens(ref))
        except (KeyError, ValueError):
            try:
                resolve(src, pointer_tokens(ref))
                ok_in_src = True
            except (KeyError, ValueError):
                ok_in_src = False
            if (ref, where) in r.literal_refs and not ok_in_src:
                continue  # literal data that was already dangling in the source
            errors.append("unresolved $ref %s at %s" % (ref, where))
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    for name, where in r.security_names:
        if name not in schemes:
            errors.append("security scheme %r (at %s) missing" % (name, where))
    for method, path in ops:
        if method not in ((doc.get("paths") or {}).get(path) or {}):
            errors.append("operation %s %s missing" % (method.upper(), path))
    # kept values equal the source values
    for k, v in doc.items():
        if k in ("paths", "components", "tags"):
            continue
        if src.get(k) != v:
            errors.append("top-level %s differs from source" % k)
    for path, item in (doc.get("paths") or {}).items():
        for m, x in item.items():
            if src["paths"][path].get(m) != x:
                errors.append("paths/%s/%s differs from source" % (path, m))
    for sec, entries in (doc.get("components") or {}).items():
        if sec.startswith("x-"):
            continue
        for n, e in entries.items():
            if src["components"][sec].get(n) != e:
                errors.append("components/%s/%s differs from source" % (sec, n))
    for t in doc.get("tags") or []:
        if t not in src.get("tags", []):
            errors.append("tag %r not in source" % t)
    return errors, r


def parse_op(s):
    parts = s.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() not in HTTP_METHODS:
        raise SystemExit("error: --op must be 'METHOD /path', got %r" % s)
    return parts[0].lower(), parts[1].strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--op", action="append", required=True,
                    help="operation to keep, e.g. 'GET /api/v1/logs' (repeatable)")
    ap.add_argument("--drop-top-level", action="append", default=[], metavar="KEY",
                    help="top-level x-* key NOT to keep (repeatable)")
    args = ap.parse_args()
    ops = [parse_op(s) for s in args.op]
    for k in args.drop_top_level:
        if not k.startswith("x-"):
            raise SystemExit("error: --drop-top-level only accepts x-* keys")

    with open(args.input, encoding="utf-8") as f:
        text = f.read()
    is_json = text.lstrip().startswith("{")
    if is_json:
        src = json.loads(text)
    else:
        import yaml
        Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        src = yaml.load(text, Loader=Loader)
    ver = str(src.get("openapi", src.get("swagger", "?")))
    if not ver.startswith("3.0"):
        print("WARNING: document is OpenAPI %s, not 3.0.x" % ver, file=sys.stderr)

    sel = Selection(src, ops, args.drop_top_level)
    keep = sel.build()

    if is_json:
        ascii_only = all(ord(c) < 128 for c in text)
        out_text = json.dumps(keep, indent=2, ensure_ascii=ascii_only)
        # Go's encoding/json writes <, > and & as \u003c, \u003e, \u0026.
        # If the source does that (and has none of them raw), do the same so
        # that string values keep their source spelling.  Safe globally:
        # these characters can only occur inside JSON strings.
        go_esc = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
        if not any(c in text for c in go_esc) and \
                any(e in text for e in go_esc.values()):
            for c, e in go_esc.items():
                out_text = out_text.replace(c, e)
        if text.endswith("\n"):
            out_text += "\n"
    else:
        out_text = yaml_slice(text, keep)

    # parse back what we are about to write
    if is_json:
        doc = json.loads(out_text)
    else:
        import yaml
        Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(out_text, Loader=Loader)
        if doc != keep:
            raise SystemExit("error: YAML text slice does not parse to the expected trim")
    errors, r = check(doc, src, ops, args.drop_top_level)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(out_text)

    print("wrote %s (%d bytes, OpenAPI %s, info.version %r)"
          % (args.output, len(out_text.encode("utf-8")), ver, (src.get("info") or {}).get("version")))
    print("  operations: %s" % ", ".join("%s %s" % (m.upper(), p) for m, p in ops))
    print("  tags kept: %s" % sorted(sel.tags))
    for s in sorted(sel.components):
        print("  components/%s (%d): %s" % (s, len(sel.components[s]), ", ".join(
            n for n in (src["components"][s]) if n in sel.components[s])))
    print("  $refs in output: %d (all resolve: %s)" % (len(r.refs) + len(r.mappings), not errors))
    for n in sorted(set(sel.notes)):
        print("  note: " + n)
    for ref, where in sel.literal_refs:
        print("  note: $ref inside literal data (example/default/enum; followed anyway): %s at %s"
              % (ref, where))
    if errors:
        for e in errors:
            print("  CHECK FAILED: " + e, file=sys.stderr)
        sys.exit(1)
    print("  checks: OK")


if __name__ == "__main__":
    main()
