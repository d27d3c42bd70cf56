//! Finding the host interpreter that serves a managed runtime.
//!
//! The mapping is explicit: an operator's `runtime=path` entry wins; otherwise a fixed list of well-known
//! places is probed (the system's `/usr/bin`, `/usr/local/bin`, pyenv's and nvm's version directories, then
//! `PATH`). Every candidate is run once to confirm its version, so `python3.12` is never served by a 3.11.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::catalog::Family;

/// A host interpreter confirmed to serve a runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpreter {
    /// The executable, as the environment runs it (host paths are bound at the same place).
    pub path: PathBuf,
    /// Its full version (`3.12.1`, `20.20.2`).
    pub version: String,
    /// Host directories the interpreter needs that the environment does not already get (its installation
    /// prefix when it lies outside `/usr`), bound read-only at the same path.
    pub binds: Vec<PathBuf>,
}

/// Host directories every environment gets anyway.
const IN_EVERY_ENVIRONMENT: &[&str] = &["/usr", "/bin", "/sbin", "/lib", "/lib64"];

fn already_bound(p: &Path) -> bool {
    IN_EVERY_ENVIRONMENT.iter().any(|d| p.starts_with(d))
}

/// Where a runtime's interpreter is looked for, in order.
pub fn candidates(family: Family) -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut out = Vec::new();
    match family {
        Family::Provided => {}
        Family::Python { minor } => {
            let exe = format!("python3.{minor}");
            out.push(Path::new("/usr/bin").join(&exe));
            out.push(Path::new("/usr/local/bin").join(&exe));
            // pyenv's root: $PYENV_ROOT, ~/.pyenv, or the parent of a `shims` directory on PATH.
            let mut roots: Vec<PathBuf> = std::env::var_os("PYENV_ROOT")
                .map(PathBuf::from)
                .into_iter()
                .chain(home.as_ref().map(|h| h.join(".pyenv")))
                .collect();
            if let Some(path) = std::env::var_os("PATH") {
                roots.extend(
                    std::env::split_paths(&path)
                        .filter(|d| d.ends_with("shims"))
                        .filter_map(|d| d.parent().map(Path::to_path_buf)),
                );
            }
            for root in roots {
                for dir in versions_newest_first(&root.join("versions"), &format!("3.{minor}.")) {
                    out.push(dir.join("bin").join(&exe));
                }
            }
            out.extend(on_path(&exe));
        }
        Family::Node { major } => {
            out.push(PathBuf::from("/usr/bin/node"));
            out.push(PathBuf::from("/usr/local/bin/node"));
            let nvm = std::env::var_os("NVM_DIR")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".nvm")));
            if let Some(root) = nvm {
                for dir in versions_newest_first(&root.join("versions/node"), &format!("v{major}."))
                {
                    out.push(dir.join("bin/node"));
                }
            }
            out.extend(on_path("node"));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

/// Subdirectories of `dir` named `<prefix><n>…`, highest `n` first.
fn versions_newest_first(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix(prefix)?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            Some((digits.parse().ok()?, e.path()))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, p)| p).collect()
}

fn on_path(exe: &str) -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                // Version-manager shims pick an interpreter by the caller's directory: not a fixed mapping.
                .filter(|d| !d.to_string_lossy().contains("shims"))
                .map(|d| d.join(exe))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `path` to learn its version and installation prefix; `None` unless it is the interpreter `family`
/// needs.
pub fn probe(family: Family, path: &Path) -> Option<Interpreter> {
    if !path.is_file() {
        return None;
    }
    // The link target is what must be reachable inside the environment.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    match family {
        Family::Provided => None,
        Family::Python { minor } => {
            let out = Command::new(&path)
                .args([
                    "-I",
                    "-c",
                    "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.base_prefix)",
                ])
                .output()
                .ok()?;
            if !out.status.success() {
                return None;
            }
            let text = String::from_utf8_lossy(&out.stdout);
            let mut lines = text.lines();
            let version = lines.next()?.trim().to_owned();
            let prefix = PathBuf::from(lines.next()?.trim());
            if !version.starts_with(&format!("3.{minor}.")) {
                return None;
            }
            let mut binds = Vec::new();
            if !already_bound(&prefix) && prefix.is_absolute() {
                binds.push(prefix);
            }
            if !already_bound(&path) && !binds.iter().any(|b| path.starts_with(b)) {
                binds.push(path.parent()?.to_path_buf());
            }
            Some(Interpreter {
                path,
                version,
                binds,
            })
        }
        Family::Node { major } => {
            let out = Command::new(&path).arg("--version").output().ok()?;
            if !out.status.success() {
                return None;
            }
            let version = String::from_utf8_lossy(&out.stdout)
                .trim()
                .trim_start_matches('v')
                .to_owned();
            if !version.starts_with(&format!("{major}.")) {
                return None;
            }
            let mut binds = Vec::new();
            if !already_bound(&path) {
                // <prefix>/bin/node: the prefix holds its headers and bundled modules.
                binds.push(path.parent()?.parent()?.to_path_buf());
            }
            Some(Interpreter {
                path,
                version,
                binds,
            })
        }
    }
}

/// The interpreter for `family`: the operator's explicit choice when given (refused if it is not the right
/// version), else the first well-known candidate that is.
pub fn find(family: Family, explicit: Option<&Path>) -> Result<Option<Interpreter>, String> {
    if let Some(path) = explicit {
        return probe(family, path).map(Some).ok_or_else(|| {
            format!(
                "{} is not {}",
                path.display(),
                match family {
                    Family::Python { minor } => format!("a Python 3.{minor} interpreter"),
                    Family::Node { major } => format!("a Node.js {major} executable"),
                    Family::Provided => "needed".into(),
                }
            )
        });
    }
    Ok(candidates(family).iter().find_map(|c| probe(family, c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_versions_first() {
        let dir = std::env::temp_dir().join(format!("lambkin-discover-{}", std::process::id()));
        for v in ["3.12.1", "3.12.10", "3.11.7", "3.12.3"] {
            std::fs::create_dir_all(dir.join(v)).unwrap();
        }
        let found: Vec<String> = versions_newest_first(&dir, "3.12.")
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(found, ["3.12.10", "3.12.3", "3.12.1"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wrong_version_is_refused() {
        // The Python running `cargo test` is unknown; a 3.0 interpreter never exists.
        assert_eq!(
            probe(Family::Python { minor: 0 }, Path::new("/usr/bin/python3")),
            None
        );
        assert!(find(
            Family::Python { minor: 0 },
            Some(Path::new("/nonexistent/python3.0"))
        )
        .is_err());
    }

    #[test]
    fn system_directories_need_no_bind() {
        assert!(already_bound(Path::new("/usr/lib/python3.11")));
        assert!(!already_bound(Path::new("/root/.pyenv/versions/3.12.1")));
    }
}
