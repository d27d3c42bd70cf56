//! What the init's executable needs from a root that is not the host's: its ELF interpreter and shared
//! libraries. A container image's root has its own C library (another glibc, musl, or none at all in a
//! `scratch` image), which must never be the one the init runs on; so the host's loader and the libraries it
//! names are bound into the environment's `/.lambkin` and the init is started through that loader
//! ([`crate::plan::INIT_LOADER`]). Found once per executable with `ldd`, glibc's own answer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// A dynamically linked executable's loader and libraries, as the host resolves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitDeps {
    /// The ELF interpreter (`/lib64/ld-linux-x86-64.so.2`).
    pub loader: PathBuf,
    /// The shared libraries, resolved to the host's files.
    pub libraries: Vec<PathBuf>,
}

/// `binary`'s loader and libraries; `None` for a static executable (or one `ldd` cannot read: it is then
/// started as it is, and says itself what it lacks).
pub fn of(binary: &Path) -> Option<InitDeps> {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, Option<InitDeps>>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Mutex::default);
    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    seen.entry(binary.to_path_buf())
        .or_insert_with(|| {
            let out = std::process::Command::new("ldd")
                .arg(binary)
                .output()
                .ok()?;
            parse_ldd(&String::from_utf8_lossy(&out.stdout))
        })
        .clone()
}

/// Reads `ldd`'s answer: `name => /path (0x…)` for each library, `/path/ld.so (0x…)` for the loader.
fn parse_ldd(out: &str) -> Option<InitDeps> {
    let mut loader = None;
    let mut libraries = Vec::new();
    for line in out.lines().map(str::trim) {
        match line.split_once("=>") {
            Some((_, to)) => {
                if let Some(path) = to.split_whitespace().next().filter(|p| p.starts_with('/')) {
                    libraries.push(PathBuf::from(path));
                }
            }
            None => {
                if let Some(path) = line
                    .split_whitespace()
                    .next()
                    .filter(|p| p.starts_with('/'))
                {
                    loader = Some(PathBuf::from(path));
                }
            }
        }
    }
    Some(InitDeps {
        loader: loader?,
        libraries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ldds_answer() {
        let out = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x1)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x2)\n\t/lib64/ld-linux-x86-64.so.2 (0x3)\n";
        assert_eq!(
            parse_ldd(out),
            Some(InitDeps {
                loader: "/lib64/ld-linux-x86-64.so.2".into(),
                libraries: vec![
                    "/lib/x86_64-linux-gnu/libgcc_s.so.1".into(),
                    "/lib/x86_64-linux-gnu/libc.so.6".into()
                ],
            })
        );
        assert_eq!(parse_ldd("\tstatically linked\n"), None);
        assert_eq!(parse_ldd("\tnot a dynamic executable\n"), None);
    }
}
