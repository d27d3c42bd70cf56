//! The crate's architecture, checked (as rust-analyzer's tidy tests check theirs), on its own sources:
//!
//! - no import cycles between its modules (a module is a file; `use crate::…`, `crate::…` paths and
//!   `super::…` count, test modules do not);
//! - the shared plumbing is made of leaves: `service`, `pollers`, `reply`, `request`, `operation`, `schedule`, `records`
//!   and the small vocabulary modules import no module that runs operations, deliveries or invokes;
//! - only `records` names the store's tables or writes `Op`s; only `invoke` names the init contract (`lambkin_wire`);
//! - no file over 800 lines without a line at its top saying why (`//! Long because …`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources() -> BTreeMap<String, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                out.insert(module_of(&root, &path), text);
            }
        }
    }
    out
}

/// `ops/code.rs` → `ops::code`, `ops/mod.rs` → `ops`, `lib.rs` → ``.
fn module_of(root: &Path, path: &Path) -> String {
    let rel = path
        .strip_prefix(root)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The text without inline test modules (`#[cfg(test)] mod tests { … }` runs to the end of a file here).
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `crate::…` / `super::…` path in the text, with the items of `use …::{…}` groups spelt out.
fn paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = text[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if text[..at].chars().last().is_some_and(is_ident) {
                continue;
            }
            let rest = &text[at..];
            let end = rest
                .find(|c: char| !(is_ident(c) || c == ':'))
                .unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches(':').to_owned();
            if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
                // A group: `prefix::{a, b::c, d::{e}}` — the first segment of each item.
                let body = &rest[end + 1..];
                let mut depth = 0;
                let mut item = String::new();
                for c in body.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(format!("{path}::{}", group_item(&item)));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        item.push(c);
                    }
                }
                out.push(format!("{path}::{}", group_item(&item)));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn group_item(item: &str) -> String {
    item.split(" as ")
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches(':')
        .to_owned()
}

/// The module a path names (the longest prefix that is a module), relative to `current`.
fn target(modules: &BTreeSet<String>, current: &str, path: &str) -> Option<String> {
    let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = Vec::new();
    match segs.first() {
        Some(&"crate") => {
            segs.remove(0);
        }
        Some(&"super") => {
            base = current.split("::").map(str::to_owned).collect();
            while segs.first() == Some(&"super") {
                segs.remove(0);
                base.pop();
            }
        }
        _ => return None,
    }
    for n in (0..=segs.len()).rev() {
        let mut cand = base.clone();
        cand.extend(segs[..n].iter().map(|s| (*s).to_owned()));
        let cand = cand.join("::");
        if modules.contains(&cand) {
            return Some(cand);
        }
    }
    None
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = sources();
    let modules: BTreeSet<String> = src.keys().cloned().collect();
    let mut edges = BTreeMap::new();
    for (m, text) in &src {
        let mut to = BTreeSet::new();
        for p in paths(without_tests(text)) {
            if let Some(t) = target(&modules, m, &p) {
                if t != *m && !t.is_empty() {
                    to.insert(t);
                }
            }
        }
        edges.insert(m.clone(), to);
    }
    edges
}

#[test]
fn no_import_cycles() {
    let edges = graph();
    // Depth-first search with colours; a grey node reached again closes a cycle.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        colour: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        colour.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for t in edges.get(n).into_iter().flatten() {
            match colour.get(t.as_str()).copied().unwrap_or(0) {
                0 => {
                    if let Some(c) = visit(t, edges, colour, stack) {
                        return Some(c);
                    }
                }
                1 => {
                    let from = stack.iter().position(|s| s == t).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(t.clone());
                    return Some(cycle);
                }
                _ => {}
            }
        }
        stack.pop();
        colour.insert(n.to_owned(), 2);
        None
    }
    let mut colour = BTreeMap::new();
    for n in edges.keys() {
        if colour.get(n.as_str()).copied().unwrap_or(0) == 0 {
            let cycle = visit(n, &edges, &mut colour, &mut Vec::new());
            assert!(
                cycle.is_none(),
                "import cycle: {}",
                cycle.unwrap_or_default().join(" → ")
            );
        }
    }
}

#[test]
fn the_plumbing_is_made_of_leaves() {
    let edges = graph();
    let runners = [
        "ops", "routes", "queue", "urlserve", "invoke", "runtimes", "resolve", "esm", "durable",
        "inside",
    ];
    let leaves = [
        "service",
        "durable_state",
        "gateway_state",
        "observe",
        "traces",
        "pollers",
        "reply",
        "request",
        "operation",
        "schedule",
        "records",
        "error",
        "names",
        "model",
        "shapes",
        "time_fmt",
        "config",
        "auth",
    ];
    for (m, to) in &edges {
        let top = m.split("::").next().unwrap_or_default();
        if !leaves.contains(&top) {
            continue;
        }
        for t in to {
            let t_top = t.split("::").next().unwrap_or_default();
            assert!(
                !runners.contains(&t_top),
                "{m} is shared plumbing but imports {t}"
            );
        }
    }
}

#[test]
fn only_records_names_tables_and_only_invoke_names_the_init() {
    for (m, text) in sources() {
        if m == "tidy" {
            continue;
        }
        let code = without_tests(&text);
        if !(m == "records" || m.starts_with("records::")) {
            for needle in [
                "Op::",
                "store.get(",
                "store.list(",
                "store.apply(",
                "next_sequence(",
            ] {
                assert!(
                    !code.contains(needle),
                    "{m} uses `{needle}`: the store is records' alone"
                );
            }
        }
        if m != "invoke" && !m.starts_with("invoke::") {
            assert!(
                !code.contains("lambkin_wire") && !code.contains("lambkin_init"),
                "{m} names the init contract: only the invoke path may"
            );
        }
    }
}

#[test]
fn long_files_say_why() {
    for (m, text) in sources() {
        let lines = text.lines().count();
        let says_why = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .any(|l| l.contains("Long because"));
        assert!(
            lines <= 800 || says_why,
            "{m} has {lines} lines and no `//! Long because …` at its top"
        );
    }
}

#[test]
fn the_checker_sees_imports() {
    let p = paths("use crate::records::{self, events::QueuedEvent};\nlet x = super::code::f();");
    assert!(p.contains(&"crate::records::self".to_owned()), "{p:?}");
    assert!(
        p.contains(&"crate::records::events::QueuedEvent".to_owned()),
        "{p:?}"
    );
    assert!(p.contains(&"super::code::f".to_owned()), "{p:?}");
    let modules: BTreeSet<String> = ["ops", "ops::code", "records", "records::events"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        target(&modules, "ops::functions", "super::code::f").as_deref(),
        Some("ops::code")
    );
    assert_eq!(
        target(&modules, "queue", "crate::records::events").as_deref(),
        Some("records::events")
    );
    // And the edges are there: the operations use the records.
    let edges = graph();
    assert!(edges["ops::functions"].contains("records"));
    assert!(edges["queue"].contains("invoke"));
}
