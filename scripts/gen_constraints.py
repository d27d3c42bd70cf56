#!/usr/bin/env python3
"""Generates lambkin's table of Lambda's input constraints from botocore's `lambda` service model.

    .venv/bin/python scripts/gen_constraints.py          # rewrites crates/lambkin-api/src/constraints/model.rs
    .venv/bin/python scripts/gen_constraints.py --json   # the flattened rows `lambkin api constraints --json` dumps

The table holds, for every operation of the model (implemented or not), every input member: where it is read
(path, query, header, JSON body), whether it is required, and its shape's constraints (length, pattern, range,
enum; a list's length and its member; a map's length, key and value; a structure's members). Where Lambda's
service differs from the model, `crates/lambkin-api/src/constraints/overrides.rs` says so, beside the table.
tests/serve/test_serve_validation.py compares the binary's table with the model of the test venv's botocore,
so a botocore update that changes a constraint fails until this is run again (and the overrides reviewed).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "crates" / "lambkin-api" / "src" / "constraints" / "model.rs"
LOCATIONS = {"uri": "Path", "querystring": "Query", "header": "Header", None: "Body"}


def load_model() -> tuple[dict, str]:
    import botocore
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    return loader.load_service_model("lambda", "service-2"), botocore.__version__


def constraints(shape: dict) -> dict:
    """The constraints of one shape, in the dump's words."""
    out = {"type": shape["type"]}
    for k in ("min", "max", "pattern", "enum"):
        if k in shape:
            out[k] = shape[k]
    if shape.get("sensitive"):
        out["sensitive"] = True
    return out


def rows(model: dict) -> list[dict]:
    """Every (operation, member path) with its location and constraints: what the drift test compares."""
    shapes = model["shapes"]
    out = []

    def walk(op: str, path: str, loc: str, required: bool, shape_name: str) -> None:
        shape = shapes[shape_name]
        out.append({"operation": op, "member": path, "location": loc, "required": required,
                    "shape": shape_name, **constraints(shape)})
        if shape["type"] == "structure":
            req = set(shape.get("required", []))
            for name, m in shape.get("members", {}).items():
                walk(op, f"{path}.{name}", loc, name in req, m["shape"])
        elif shape["type"] == "list":
            walk(op, f"{path}.member", loc, False, shape["member"]["shape"])
        elif shape["type"] == "map":
            walk(op, f"{path}.key", loc, False, shape["key"]["shape"])
            walk(op, f"{path}.value", loc, False, shape["value"]["shape"])

    for op_name in sorted(model["operations"]):
        op = model["operations"][op_name]
        if "input" not in op:
            continue
        inp = shapes[op["input"]["shape"]]
        req = set(inp.get("required", []))
        for name, m in inp.get("members", {}).items():
            walk(op_name, name, LOCATIONS[m.get("location")], name in req, m["shape"])
    return out


def const_name(shape_name: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", shape_name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return "S_" + s.upper()


def rust_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def opt(v, kind: str = "int") -> str:
    if v is None:
        return "None"
    if kind == "float":
        return f"Some({float(v)!r})"
    return f"Some({int(v)})"


def generate(model: dict, version: str) -> str:
    shapes = model["shapes"]
    ops = model["operations"]
    used: dict[str, None] = {}
    patterns: dict[str, str] = {}

    def use(name: str) -> None:
        if name in used:
            return
        used[name] = None
        s = shapes[name]
        if "pattern" in s and s["pattern"] not in patterns:
            patterns[s["pattern"]] = f"P{len(patterns)}"
        if s["type"] == "structure":
            for m in s.get("members", {}).values():
                use(m["shape"])
        elif s["type"] == "list":
            use(s["member"]["shape"])
        elif s["type"] == "map":
            use(s["key"]["shape"])
            use(s["value"]["shape"])

    for op in ops.values():
        if "input" in op:
            for m in shapes[op["input"]["shape"]].get("members", {}).values():
                use(m["shape"])

    def member(name: str, m: dict, required: bool, top: bool) -> str:
        loc = LOCATIONS[m.get("location")] if top else "Body"
        wire = m.get("locationName", name) if loc != "Body" or "locationName" in m else name
        return (f"Member {{ name: {rust_str(name)}, wire: {rust_str(wire)}, loc: {loc}, "
                f"required: {'true' if required else 'false'}, shape: &{const_name(m['shape'])} }}")

    lines = [
        f"//! Long because generated: botocore {version}'s `lambda` model (2015-03-31) as data, written by",
        "//! `scripts/gen_constraints.py` (do not edit: run it again). Lambda's differences from the model are in",
        "//! `overrides.rs`.",
        "",
        "use super::schema::{Kind::*, Loc::*, Member, Op, Pattern, Payload, Shape};",
        "",
        f"/// The botocore version this table was generated from.",
        f"pub(crate) const BOTOCORE: &str = {rust_str(version)};",
        "",
        "/// Every operation of the model, sorted by name.",
        "pub(crate) static OPERATIONS: &[Op] = &[",
    ]
    for op_name in sorted(ops):
        op = ops[op_name]
        uri = op["http"]["requestUri"].split("?")[0]
        members = []
        payload = "Payload::Json"
        if "input" in op:
            inp = shapes[op["input"]["shape"]]
            req = set(inp.get("required", []))
            for name, m in inp.get("members", {}).items():
                members.append(member(name, m, name in req, True))
            if "payload" in inp:
                pshape = shapes[inp["members"][inp["payload"]]["shape"]]
                payload = ("Payload::Raw" if pshape["type"] in ("blob", "string")
                           else f"Payload::Struct({rust_str(inp['payload'])})")
        lines.append(f"    Op {{ name: {rust_str(op_name)}, method: {rust_str(op['http']['method'])}, "
                     f"uri: {rust_str(uri)}, payload: {payload}, members: &[")
        lines += [f"        {m}," for m in members]
        lines.append("    ] },")
    lines.append("];")
    lines.append("")
    for text, pname in patterns.items():
        lines.append(f"static {pname}: Pattern = Pattern::new({rust_str(text)});")
    lines.append("")
    for name in sorted(used):
        s = shapes[name]
        t = s["type"]
        if t == "string":
            enum = ", ".join(rust_str(e) for e in s.get("enum", []))
            pat = f"Some(&{patterns[s['pattern']]})" if "pattern" in s else "None"
            kind = f"Str {{ min: {opt(s.get('min'))}, max: {opt(s.get('max'))}, pattern: {pat}, enums: &[{enum}] }}"
        elif t in ("integer", "long"):
            kind = f"Int {{ min: {opt(s.get('min'))}, max: {opt(s.get('max'))} }}"
        elif t in ("double", "float"):
            kind = f"Double {{ min: {opt(s.get('min'), 'float')}, max: {opt(s.get('max'), 'float')} }}"
        elif t == "blob":
            kind = f"Blob {{ min: {opt(s.get('min'))}, max: {opt(s.get('max'))} }}"
        elif t == "list":
            kind = (f"List {{ min: {opt(s.get('min'))}, max: {opt(s.get('max'))}, "
                    f"member: &{const_name(s['member']['shape'])} }}")
        elif t == "map":
            kind = (f"Map {{ min: {opt(s.get('min'))}, max: {opt(s.get('max'))}, "
                    f"key: &{const_name(s['key']['shape'])}, value: &{const_name(s['value']['shape'])} }}")
        elif t == "structure":
            req = set(s.get("required", []))
            ms = "".join(f"\n        {member(n, m, n in req, False)}," for n, m in s.get("members", {}).items())
            kind = f"Struct(&[{ms}\n    ])"
        else:
            kind = "Other"
        sensitive = "true" if s.get("sensitive") else "false"
        lines.append(f"static {const_name(name)}: Shape = Shape {{ name: {rust_str(name)}, type_name: {rust_str(t)}, "
                     f"sensitive: {sensitive}, kind: {kind} }};")
    return "\n".join(lines) + "\n"


def main() -> int:
    model, version = load_model()
    if "--json" in sys.argv[1:]:
        json.dump({"botocore": version, "rows": rows(model)}, sys.stdout, indent=1)
        print()
        return 0
    OUT.write_text(generate(model, version))
    print(f"wrote {OUT} from botocore {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
