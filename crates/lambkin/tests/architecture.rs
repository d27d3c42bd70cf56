//! ARCHITECTURE.md's invariants, checked (rust-analyzer's "tidy" habit).
//!
//! - The "Dependency rules" table: each crate's workspace dependencies are within its allowed list, and the
//!   packages it must never link are not in its transitive dependencies (from `cargo metadata`).
//! - The code map is true: every workspace crate is described, every crate described exists, and every
//!   `name.rs` the map names for a crate is a file of that crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

fn architecture_md() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
}

/// Workspace packages and their normal (non-dev, non-build) dependencies, by package name.
struct Graph {
    members: BTreeSet<String>,
    deps: BTreeMap<String, BTreeSet<String>>,
}

fn graph() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    let name_of: BTreeMap<String, String> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id").to_owned(),
                p["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect();
    let members = meta["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|id| name_of[id.as_str().expect("id")].clone())
        .collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("nodes") {
        let name = name_of[node["id"].as_str().expect("id")].clone();
        let entry = deps.entry(name).or_default();
        for d in node["deps"].as_array().expect("deps") {
            let normal = d["dep_kinds"]
                .as_array()
                .expect("kinds")
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                entry.insert(name_of[d["pkg"].as_str().expect("pkg")].clone());
            }
        }
    }
    Graph { members, deps }
}

impl Graph {
    fn closure(&self, from: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(p) = stack.pop() {
            for d in self.deps.get(&p).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    stack.push(d.clone());
                }
            }
        }
        seen
    }
}

/// Backticked names in a table cell (`—` for none).
fn names(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The rows of the table that follows `heading`: cells of each row.
fn table_after(md: &str, heading: &str) -> Vec<Vec<String>> {
    let start = md
        .find(heading)
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no {heading:?}"));
    md[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn dependency_rules_hold() {
    let md = architecture_md();
    let g = graph();
    let rows = table_after(&md, "## Dependency rules");
    assert!(!rows.is_empty(), "the dependency rules table is empty");
    let mut ruled = BTreeSet::new();
    let mut broken = Vec::new();
    for row in rows {
        let [krate, allowed, never, ..] = row.as_slice() else {
            panic!("a dependency rule row needs three cells: {row:?}");
        };
        let krate = names(krate).into_iter().next().expect("a crate name");
        assert!(
            g.members.contains(&krate),
            "no crate {krate} in the workspace"
        );
        ruled.insert(krate.clone());
        let allowed: BTreeSet<String> = names(allowed).into_iter().collect();
        let direct = g.deps.get(&krate).cloned().unwrap_or_default();
        for d in direct.iter().filter(|d| g.members.contains(*d)) {
            if !allowed.contains(d) && !allowed.contains("*") {
                broken.push(format!(
                    "{krate} depends on {d}, which its rule does not allow"
                ));
            }
        }
        let linked = g.closure(&krate);
        for forbidden in names(never) {
            let hit: Vec<&String> = linked
                .iter()
                .filter(|p| match forbidden.strip_suffix('*') {
                    Some(prefix) => p.starts_with(prefix),
                    None => **p == forbidden,
                })
                .collect();
            if !hit.is_empty() {
                broken.push(format!("{krate} links {hit:?}, which it must never link"));
            }
        }
    }
    let unruled: Vec<&String> = g.members.difference(&ruled).collect();
    assert!(
        unruled.is_empty(),
        "crates without a dependency rule: {unruled:?}"
    );
    assert!(
        broken.is_empty(),
        "dependency rules broken:\n{}",
        broken.join("\n")
    );
}

/// The rule checker itself: a forbidden edge is found.
#[test]
fn closure_follows_edges() {
    let g = Graph {
        members: ["a", "b", "c"].iter().map(|s| s.to_string()).collect(),
        deps: [
            ("a".to_string(), ["b".to_string()].into_iter().collect()),
            ("b".to_string(), ["c".to_string()].into_iter().collect()),
        ]
        .into_iter()
        .collect(),
    };
    assert!(g.closure("a").contains("c"));
    assert!(!g.closure("c").contains("a"));
    assert_eq!(names("`x`, `y*` and —"), ["x", "y*"]);
}

fn rs_files(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if let Some(n) = p.file_name().and_then(|n| n.to_str()) {
            if n.ends_with(".rs") {
                out.insert(n.to_owned());
            }
        }
    }
}

#[test]
fn code_map_is_true() {
    let md = architecture_md();
    let g = graph();
    let rows = table_after(&md, "## Crates");
    let mut described = BTreeSet::new();
    let mut wrong = Vec::new();
    for row in rows {
        let Some(path) = names(&row[0]).into_iter().next() else {
            continue;
        };
        let dir = root().join(&path);
        if !dir.join("Cargo.toml").is_file() && !dir.is_dir() {
            wrong.push(format!("{path} is described but does not exist"));
            continue;
        }
        if let Some(name) = path.strip_prefix("crates/") {
            described.insert(name.to_owned());
            let mut files = BTreeSet::new();
            rs_files(&dir.join("src"), &mut files);
            for named in names(&row[1]) {
                let file = named.split(['/', ' ', '(']).next().unwrap_or_default();
                if file.ends_with(".rs") && !files.contains(file) {
                    wrong.push(format!(
                        "{path}: the map names {file}, which it does not have"
                    ));
                }
            }
        }
    }
    for m in &g.members {
        let is_crate_dir = root().join("crates").join(m).is_dir();
        if is_crate_dir && !described.contains(m) {
            wrong.push(format!("crates/{m} is not in the code map"));
        }
    }
    assert!(
        wrong.is_empty(),
        "ARCHITECTURE.md is not true to the code:\n{}",
        wrong.join("\n")
    );
}
