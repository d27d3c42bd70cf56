//! Building a runtime directory: the official runtime interface client installed from its registry (PyPI or
//! npm) for one host interpreter, the `bootstrap` that starts it, and a manifest.
//!
//! Every build gets a directory of its own under `<runtimes>/.builds`, staged beside it and renamed into place
//! when complete; `<runtimes>/<runtime>` is a symbolic link to the current build, replaced atomically by
//! `rename`. Environments bind the build the link pointed at when they started, so a rebuild (`--force`, or a
//! `serve` and a `lambkin runtime install` racing) never changes files under a running environment; unused
//! builds are removed when `serve` starts. A copy of every build is kept in a per-user cache keyed by the
//! runtime and the interpreter's version, so another data directory on the same host gets it by linking or
//! copying instead of rebuilding (the Node client compiles a native addon for a minute or more).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::bootstrap;
use crate::catalog::Family;
use crate::discover::Interpreter;

/// The directory (under the runtimes directory) holding every build.
pub const BUILDS: &str = ".builds";

/// The manifest's file name inside a runtime directory.
pub const MANIFEST: &str = "lambkin-runtime.json";

/// The npm package of the Node.js runtime interface client.
pub const NODE_CLIENT: &str = "aws-lambda-ric";
/// Changes whenever what [`build`] produces changes: part of the cache key.
pub const RECIPE: u32 = 3;

/// The client release line for a Node.js major: 4.x (which reads the handler from `_HANDLER`) from Node 20 on
/// (it declares Node 22 but runs on 20, as Lambda's nodejs20.x does), 3.x before. npm would otherwise pick by
/// the declared engines and hand Node 20 an older 3.x.
fn node_client_spec(major: u32) -> String {
    if major >= 20 {
        format!("{NODE_CLIENT}@4")
    } else {
        format!("{NODE_CLIENT}@3")
    }
}
/// The PyPI package of the Python runtime interface client.
pub const PYTHON_CLIENT: &str = "awslambdaric";
/// What Lambda's Python runtimes carry beside the client in `/var/runtime`: the AWS SDK, importable without
/// bundling it — at least the release whose `lambda` model has the durable execution operations, which AWS's
/// durable execution SDK calls with the runtime's boto3.
pub const PYTHON_EXTRAS: &[&str] = &["boto3>=1.43.114"];

/// What a runtime directory holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The runtime (`python3.12`).
    pub runtime: String,
    /// The interpreter it was built for.
    pub interpreter: Interpreter,
    /// The runtime interface client and its version (`awslambdaric 4.2.2`).
    pub client: String,
}

impl Manifest {
    /// Reads the manifest of a runtime directory.
    pub fn read(dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// Reports one line of progress.
pub type Progress<'a> = &'a (dyn Fn(&str) + Sync);

/// Runs a command, forwarding its output lines to `progress`; on failure the error ends with its last lines.
fn run_logged(cmd: &mut Command, what: &str, progress: Progress<'_>) -> Result<(), String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let (tx, rx) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        }));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        }));
    }
    drop(tx);
    let mut tail: Vec<String> = Vec::new();
    for line in rx {
        progress(&line);
        tail.push(line);
        if tail.len() > 15 {
            tail.remove(0);
        }
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child
        .wait()
        .map_err(|e| format!("{what} did not finish: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status}):\n{}", tail.join("\n")))
    }
}

fn write_executable(path: &Path, text: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("cannot make {} executable: {e}", path.display()))
}

/// The version of the installed `awslambdaric`, from its `dist-info` directory.
fn python_client_version(dir: &Path) -> Option<String> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("awslambdaric-")
                .and_then(|r| r.strip_suffix(".dist-info"))
                .map(str::to_owned)
        })
}

/// A runtime directory being built.
struct Build<'a> {
    dir: &'a Path,
    runtime: &'a str,
    interp: &'a Interpreter,
    progress: Progress<'a>,
}

impl Build<'_> {
    /// `awslambdaric` from PyPI for Python 3.`minor`; compiled, as `/var/runtime` is read-only.
    fn python(&self, minor: u32) -> Result<String, String> {
        let has_pip = Command::new(&self.interp.path)
            .args(["-m", "pip", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let target = self.dir.to_string_lossy().into_owned();
        let mut cmd;
        if has_pip {
            cmd = Command::new(&self.interp.path);
            cmd.args(["-m", "pip"]);
        } else {
            // The interpreter has no pip: the host's pip fetches wheels built for it instead.
            (self.progress)(&format!(
                "{} has no pip; using the host's python3 -m pip for Python 3.{minor} wheels",
                self.interp.path.display()
            ));
            cmd = Command::new("python3");
            cmd.args(["-m", "pip"]);
        }
        cmd.args([
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--no-warn-script-location",
            "--only-binary=:all:",
            "--target",
            &target,
        ]);
        if !has_pip {
            let arch = std::env::consts::ARCH;
            cmd.args([
                "--python-version",
                &format!("3.{minor}"),
                "--implementation",
                "cp",
                "--platform",
                &format!("manylinux2014_{arch}"),
                "--platform",
                &format!("manylinux_2_28_{arch}"),
                "--platform",
                &format!("manylinux1_{arch}"),
            ]);
        }
        cmd.arg(PYTHON_CLIENT)
            .args(PYTHON_EXTRAS)
            .env("PYTHONNOUSERSITE", "1");
        (self.progress)(&format!(
            "installing {PYTHON_CLIENT} and {} from PyPI for {} (Python {})",
            PYTHON_EXTRAS.join(", "),
            self.runtime,
            self.interp.version
        ));
        run_logged(
            &mut cmd,
            &format!("pip install {PYTHON_CLIENT}"),
            self.progress,
        )?;
        // /var/runtime is read-only inside environments: compile now, or every cold start compiles again.
        run_logged(
            Command::new(&self.interp.path).args(["-m", "compileall", "-q", &target]),
            "compileall",
            self.progress,
        )?;
        let version = python_client_version(self.dir).unwrap_or_else(|| "unknown".into());
        let script = bootstrap::python(self.runtime, &self.interp.path, &self.interp.version);
        self.finish(&script, PYTHON_CLIENT, &version)
    }

    /// `aws-lambda-ric` from npm, its native addon built for this Node.js `major`.
    fn node(&self, major: u32) -> Result<String, String> {
        let bin = self
            .interp
            .path
            .parent()
            .ok_or_else(|| format!("{} has no directory", self.interp.path.display()))?;
        let prefix = bin.parent().unwrap_or(bin);
        // npm and node-gyp must build the native addon for this very node: put its directory first on PATH and
        // point node-gyp at its headers (it would download them otherwise, which a closed network refuses).
        let path = match std::env::var_os("PATH") {
            Some(p) => {
                let mut dirs = vec![bin.to_path_buf()];
                dirs.extend(std::env::split_paths(&p));
                std::env::join_paths(dirs).map_err(|e| format!("PATH: {e}"))?
            }
            None => bin.as_os_str().to_owned(),
        };
        if let Some(missing) = missing_build_tools() {
            return Err(missing);
        }
        // npm's own entry point, run by this node: a wheel's `bin/npm` is a copy of a link that no longer
        // resolves, and a host's `npm` may belong to another node.
        let npm_cli = prefix.join("lib/node_modules/npm/bin/npm-cli.js");
        let mut cmd = if npm_cli.is_file() {
            let mut c = Command::new(&self.interp.path);
            c.arg(&npm_cli);
            c
        } else if bin.join("npm").is_file() {
            Command::new(bin.join("npm"))
        } else {
            Command::new("npm")
        };
        cmd.args([
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(self.dir)
        .arg(node_client_spec(major))
        .env("PATH", path);
        if prefix.join("include/node/node.h").is_file() {
            cmd.env("npm_config_nodedir", prefix);
        }
        (self.progress)(&format!(
        "installing {NODE_CLIENT} from npm for {} (Node.js {}); it builds a native addon with cmake, make and g++, about a minute",
        self.runtime,
        self.interp.version
    ));
        run_logged(
            &mut cmd,
            &format!("npm install {NODE_CLIENT}"),
            self.progress,
        )?;
        let pkg_dir = self.dir.join("node_modules").join(NODE_CLIENT);
        let pkg: serde_json::Value = std::fs::read_to_string(pkg_dir.join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or_else(|| format!("npm installed no readable {NODE_CLIENT}/package.json"))?;
        let main = pkg["bin"][NODE_CLIENT]
            .as_str()
            .or_else(|| pkg["main"].as_str())
            .unwrap_or("index.mjs")
            .trim_start_matches("./");
        if !pkg_dir.join(main).is_file() {
            return Err(format!("{NODE_CLIENT} has no entry point {main}"));
        }
        let entry = format!("node_modules/{NODE_CLIENT}/{main}");
        let version = pkg["version"].as_str().unwrap_or("unknown");
        let script = bootstrap::node(
            self.runtime,
            &self.interp.path,
            &self.interp.version,
            &entry,
        );
        self.finish(&script, NODE_CLIENT, version)
    }

    /// Writes the directory's `bootstrap` and names the client installed: `{client} {version}`.
    fn finish(&self, bootstrap: &str, client: &str, version: &str) -> Result<String, String> {
        write_executable(&self.dir.join("bootstrap"), bootstrap)?;
        Ok(format!("{client} {version}"))
    }
}

/// What building `aws-lambda-ric` runs besides node and npm (its install scripts build curl and the
/// aws-lambda-cpp client with autotools and cmake, then the addon with node-gyp), with the Debian/Ubuntu
/// package of each.
pub const NODE_BUILD_TOOLS: &[(&str, &str)] = &[
    ("cmake", "cmake"),
    ("make", "make"),
    ("g++", "g++"),
    ("python3", "python3"),
    ("autoreconf", "autoconf"),
    ("automake", "automake"),
    ("libtoolize", "libtool"),
];

/// Whether `exe` is an executable file in a directory of `PATH`.
fn on_path(exe: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            std::fs::metadata(d.join(exe))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// What the Node.js client's build lacks on this host, as an instruction (`None`: nothing). Only looks at
/// `PATH` (no process runs), so it is cheap enough for every state read.
pub fn missing_build_tools() -> Option<String> {
    let missing: Vec<(&str, &str)> = NODE_BUILD_TOOLS
        .iter()
        .copied()
        .filter(|(exe, _)| !on_path(exe))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut packages: Vec<&str> = missing.iter().map(|m| m.1).collect();
    packages.dedup();
    Some(format!(
        "building {NODE_CLIENT} (its native addon) needs {} on PATH: install them (Debian/Ubuntu: `apt-get install {}`)",
        missing.iter().map(|m| m.0).collect::<Vec<_>>().join(", "),
        packages.join(" ")
    ))
}

/// Builds the runtime directory for `runtime` into the empty directory `dir`.
pub fn build(
    dir: &Path,
    runtime: &str,
    family: Family,
    interp: &Interpreter,
    progress: Progress<'_>,
) -> Result<Manifest, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let build = Build {
        dir,
        runtime,
        interp,
        progress,
    };
    let client = match family {
        Family::Python { minor } => build.python(minor)?,
        Family::Node { major } => build.node(major)?,
        Family::Provided => return Err(format!("{runtime} needs no installation")),
    };
    let manifest = Manifest {
        runtime: runtime.to_owned(),
        interpreter: interp.clone(),
        client,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(MANIFEST), text)
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(manifest)
}

/// Copies a directory tree with `cp -a` (coreutils keeps modes, links and times; nothing to reimplement).
/// `hard_links` links the files instead where both sides share a filesystem (runtime directories are never
/// changed in place: a rebuild replaces the whole directory), falling back to copying.
pub fn copy_tree(from: &Path, to: &Path, hard_links: bool) -> Result<(), String> {
    let cp = |flags: &str| {
        Command::new("cp")
            .arg(flags)
            .arg(from)
            .arg(to)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run cp: {e}"))
    };
    if hard_links {
        if cp("-al")?.success() {
            return Ok(());
        }
        let _ = std::fs::remove_dir_all(to);
    }
    let status = cp("-a")?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cp -a {} {} failed ({status})",
            from.display(),
            to.display()
        ))
    }
}

/// A fresh sibling of `dir` to build into, unique to this process and moment.
pub fn staging_dir(dir: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.with_file_name(format!(".{name}.{}.{nanos}", std::process::id()))
}

/// A new, unused build directory name for `runtime` under `builds`.
pub fn new_build_dir(builds: &Path, runtime: &str) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    builds.join(format!("{runtime}-{stamp}-{}", std::process::id()))
}

/// Points `<runtimes>/<runtime>` at `build` by renaming a fresh symbolic link over it (atomic: a reader sees
/// the old build or the new one). A directory left there by an older lambkin is moved into the builds first.
pub fn activate(runtimes: &Path, runtime: &str, build: &Path) -> Result<(), String> {
    let link = runtimes.join(runtime);
    let target = build
        .strip_prefix(runtimes)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| build.to_path_buf());
    if std::fs::symlink_metadata(&link).is_ok_and(|m| m.is_dir()) {
        let aside = new_build_dir(&runtimes.join(BUILDS), runtime);
        std::fs::rename(&link, &aside)
            .map_err(|e| format!("cannot move the old {} aside: {e}", link.display()))?;
    }
    let tmp = staging_dir(&link);
    std::os::unix::fs::symlink(&target, &tmp)
        .map_err(|e| format!("cannot link {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &link).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot switch {} to the new build: {e}", link.display())
    })
}

/// Puts the finished `staged` directory at `dir` (the cache), replacing what was there.
pub fn publish(staged: &Path, dir: &Path) -> Result<(), String> {
    if dir.exists() {
        let old = staging_dir(dir);
        std::fs::rename(dir, &old)
            .map_err(|e| format!("cannot move the old {} aside: {e}", dir.display()))?;
        let _ = std::fs::remove_dir_all(&old);
    }
    std::fs::rename(staged, dir).map_err(|e| format!("cannot publish {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_the_last_lines() {
        let lines = std::sync::Mutex::new(Vec::new());
        let progress = |l: &str| lines.lock().unwrap().push(l.to_owned());
        let err = run_logged(
            Command::new("sh").args(["-c", "echo one; echo two >&2; exit 3"]),
            "the test",
            &progress,
        )
        .unwrap_err();
        assert!(err.starts_with("the test failed"), "{err}");
        assert!(err.contains("one") && err.contains("two"), "{err}");
        assert_eq!(lines.lock().unwrap().len(), 2);
        assert!(run_logged(&mut Command::new("true"), "true", &progress).is_ok());
    }

    #[test]
    fn activating_a_build_keeps_the_old_one_intact() {
        let base = std::env::temp_dir().join(format!("lambkin-activate-{}", std::process::id()));
        let builds = base.join(BUILDS);
        std::fs::create_dir_all(&builds).unwrap();
        // A directory of an older layout is moved aside, not deleted.
        std::fs::create_dir_all(base.join("python3.12")).unwrap();
        std::fs::write(base.join("python3.12/legacy"), "0").unwrap();
        // Builds a new version and activates it; the runtime's link then reads it.
        let build_and_activate = |v: &str| {
            let dir = new_build_dir(&builds, "python3.12");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("v"), v).unwrap();
            activate(&base, "python3.12", &dir).unwrap();
            assert_eq!(
                std::fs::read_to_string(base.join("python3.12/v")).unwrap(),
                v
            );
            dir
        };
        let one = build_and_activate("1");
        build_and_activate("2");
        // What a running environment bound is still whole.
        assert_eq!(std::fs::read_to_string(one.join("v")).unwrap(), "1");
        assert_eq!(std::fs::read_dir(&builds).unwrap().count(), 3);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn publish_replaces_atomically() {
        let base = std::env::temp_dir().join(format!("lambkin-publish-{}", std::process::id()));
        let dir = base.join("python3.12");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("old"), "1").unwrap();
        let staged = staging_dir(&dir);
        std::fs::create_dir_all(&staged).unwrap();
        std::fs::write(staged.join("new"), "2").unwrap();
        publish(&staged, &dir).unwrap();
        assert!(dir.join("new").is_file() && !dir.join("old").exists());
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
