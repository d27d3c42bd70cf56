//! Finding the host interpreter that serves a managed runtime.
//!
//! The mapping is explicit: an operator's `runtime=path` entry wins; otherwise a fixed list of well-known
//! places is probed (the system's `/usr/bin`, `/usr/local/bin`, pyenv's and nvm's version directories, the
//! Node.js builds lambkin downloaded, then `PATH`). Every candidate is run once to confirm its version, so
//! `python3.12` is never served by a 3.11.

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
            // Builds `lambkin runtime install` downloaded from PyPI.
            if let Some(home) = crate::nodewheel::home() {
                for dir in versions_newest_first(&home, &format!("v{major}.")) {
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

/// Where an interpreter cannot live: the environment has its own directories there (or they are the whole
/// root), so its prefix could not be bound in at the same path.
const UNBINDABLE: &[&str] = &[
    "/opt",
    "/tmp",
    "/var/task",
    "/var/runtime",
    "/etc",
    "/dev",
    "/proc",
    "/sys",
    "/.lambkin",
];

/// Why a host directory cannot be bound into environments at the same path, if it cannot.
fn unbindable(dir: &Path) -> Option<String> {
    if dir.parent().is_none() {
        return Some("it would need the whole root filesystem bound into environments".into());
    }
    UNBINDABLE
        .iter()
        .find(|r| dir.starts_with(r) || Path::new(r).starts_with(dir))
        .map(|r| {
            format!(
                "it needs {} bound into environments, which overlaps their own {r}",
                dir.display()
            )
        })
}

/// Why an automatically found candidate is not trusted when lambkin runs as root: it would run (and run pip or
/// npm with) an executable another user can replace.
fn untrusted(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    if !rustix::process::geteuid().is_root() {
        return None;
    }
    for p in std::iter::once(path).chain(path.ancestors().skip(1)) {
        let Ok(m) = std::fs::metadata(p) else {
            return Some(format!("{} cannot be inspected", p.display()));
        };
        if m.uid() != 0 {
            return Some(format!("{} is not owned by root", p.display()));
        }
        if m.mode() & 0o022 != 0 && !(m.is_dir() && m.mode() & 0o1000 != 0) {
            return Some(format!("{} is writable by other users", p.display()));
        }
    }
    None
}

/// Runs `path` to learn its version and installation prefix: the interpreter `family` needs, `Ok(None)` when
/// it is not one (or not there), `Err` when it is one lambkin cannot serve (and why).
pub fn probe(family: Family, path: &Path) -> Result<Option<Interpreter>, String> {
    if !path.is_file() {
        return Ok(None);
    }
    // The link target is what must be reachable inside the environment.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (version, prefix) = match family {
        Family::Provided => return Ok(None),
        Family::Python { minor } => {
            let Ok(out) = Command::new(&path)
                .args([
                    "-I",
                    "-c",
                    "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.base_prefix)",
                ])
                .output()
            else {
                return Ok(None);
            };
            let text = String::from_utf8_lossy(&out.stdout);
            let mut lines = text.lines();
            let (Some(version), Some(prefix)) = (lines.next(), lines.next()) else {
                return Ok(None);
            };
            if !out.status.success() || !version.trim().starts_with(&format!("3.{minor}.")) {
                return Ok(None);
            }
            (version.trim().to_owned(), PathBuf::from(prefix.trim()))
        }
        Family::Node { major } => {
            let Ok(out) = Command::new(&path).arg("--version").output() else {
                return Ok(None);
            };
            let version = String::from_utf8_lossy(&out.stdout)
                .trim()
                .trim_start_matches('v')
                .to_owned();
            if !out.status.success() || !version.starts_with(&format!("{major}.")) {
                return Ok(None);
            }
            // <prefix>/bin/node: the prefix holds its headers and bundled modules.
            let dir = path.parent().unwrap_or(Path::new("/"));
            let prefix = if dir.ends_with("bin") {
                dir.parent().unwrap_or(dir)
            } else {
                dir
            };
            (version, prefix.to_path_buf())
        }
    };
    // Only printable text goes into generated scripts and messages.
    let version: String = version.chars().filter(|c| !c.is_control()).collect();
    let mut binds = Vec::new();
    for dir in [prefix.as_path(), path.parent().unwrap_or(Path::new("/"))] {
        if !dir.is_absolute()
            || already_bound(dir)
            || binds.iter().any(|b: &PathBuf| dir.starts_with(b))
        {
            continue;
        }
        if let Some(why) = unbindable(dir) {
            return Err(format!("{} cannot be served: {why}", path.display()));
        }
        binds.push(dir.to_path_buf());
    }
    Ok(Some(Interpreter {
        path,
        version,
        binds,
    }))
}

/// The interpreter for `family`: the operator's explicit choice when given (refused if it is not the right
/// version or cannot be served), else the first trusted well-known candidate that is. When none is and some
/// were passed over, the error says why.
pub fn find(family: Family, explicit: Option<&Path>) -> Result<Option<Interpreter>, String> {
    if let Some(path) = explicit {
        return probe(family, path)?.map(Some).ok_or_else(|| {
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
    let mut passed_over = Vec::new();
    for candidate in candidates(family) {
        if !candidate.is_file() {
            continue;
        }
        if let Some(why) = untrusted(&candidate) {
            passed_over.push(format!("{}: {why}", candidate.display()));
            continue;
        }
        match probe(family, &candidate) {
            Ok(Some(i)) => return Ok(Some(i)),
            Ok(None) => {}
            Err(why) => passed_over.push(why),
        }
    }
    if passed_over.is_empty() {
        Ok(None)
    } else {
        Err(format!("passed over {}", passed_over.join("; ")))
    }
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
            Ok(None)
        );
        assert!(find(
            Family::Python { minor: 0 },
            Some(Path::new("/nonexistent/python3.0"))
        )
        .is_err());
    }

    #[test]
    fn prefixes_that_cannot_be_bound_are_refused() {
        assert!(unbindable(Path::new("/opt/python3.12")).is_some());
        assert!(unbindable(Path::new("/")).is_some());
        assert!(unbindable(Path::new("/var")).is_some()); // would cover /var/task
        assert!(unbindable(Path::new("/root/.pyenv/versions/3.12.1")).is_none());
        assert!(unbindable(Path::new("/srv/node")).is_none());
    }

    #[test]
    fn system_directories_need_no_bind() {
        assert!(already_bound(Path::new("/usr/lib/python3.11")));
        assert!(!already_bound(Path::new("/root/.pyenv/versions/3.12.1")));
    }
}
