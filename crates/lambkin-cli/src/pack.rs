//! Zips a directory as Lambda expects it: paths relative to the directory, unix modes kept (a `bootstrap`
//! must stay executable), symlinks as symlinks, and the same bytes for the same tree (sorted entries, fixed
//! timestamps), so an unchanged directory gives an unchanged `CodeSha256`.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use zip::write::SimpleFileOptions;

use crate::error::CliError;

fn walk(root: &Path, dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let meta = std::fs::symlink_metadata(&path)?;
        out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        if meta.is_dir() {
            walk(root, &path, out)?;
        }
    }
    Ok(())
}

/// The zip of a directory's tree.
pub fn zip_dir(dir: &Path) -> std::io::Result<Vec<u8>> {
    let mut paths = Vec::new();
    walk(dir, dir, &mut paths)?;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let fixed = zip::DateTime::from_date_and_time(2020, 1, 1, 0, 0, 0)
        .map_err(|e| std::io::Error::other(format!("zip timestamp: {e:?}")))?;
    for rel in paths {
        let full = dir.join(&rel);
        let name = rel.to_string_lossy().into_owned();
        let meta = std::fs::symlink_metadata(&full)?;
        let mode = meta.permissions().mode() & 0o7777;
        let opts = SimpleFileOptions::default()
            .last_modified_time(fixed)
            .unix_permissions(mode)
            .compression_method(zip::CompressionMethod::Deflated);
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&full)?;
            z.add_symlink(name, target.to_string_lossy(), opts)
                .map_err(std::io::Error::other)?;
        } else if meta.is_dir() {
            z.add_directory(name, opts).map_err(std::io::Error::other)?;
        } else {
            z.start_file(name, opts).map_err(std::io::Error::other)?;
            z.write_all(&std::fs::read(&full)?)?;
        }
    }
    z.finish().map_err(std::io::Error::other)?;
    Ok(out.into_inner())
}

/// The code package at `path`: a directory (zipped here) or a `.zip` file (sent as it is).
pub fn read_code(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        CliError::usage(format!("{}: {e}", path.display()))
            .hint("give a directory with your code at its root (a `bootstrap` for provided.* runtimes), or a .zip")
    })?;
    if meta.is_dir() {
        return zip_dir(path)
            .map_err(|e| CliError::msg(format!("zipping {}: {e}", path.display())));
    }
    let bytes =
        std::fs::read(path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
    if !is_zip(&bytes) {
        let dir = path
            .parent()
            .map(|p| p.display().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".to_owned());
        return Err(
            CliError::usage(format!("{}: not a directory or a .zip", path.display())).hint(format!(
                "to deploy a single executable, name it `bootstrap` in a directory of its own and give the directory (e.g. {dir}/pkg)"
            )),
        );
    }
    Ok(bytes)
}

/// Whether the bytes start like a zip (a local file header, or the end record of an empty zip).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// A warning when a directory meant for a `provided.*` runtime has no executable `bootstrap` at its root.
pub fn bootstrap_warning(dir: &Path) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    match std::fs::metadata(dir.join("bootstrap")) {
        Err(_) => Some(format!(
            "{} has no `bootstrap` at its root; provided.* runtimes start it (fine if a layer brings one)",
            dir.display()
        )),
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 == 0 => Some(format!(
            "{}/bootstrap is not executable; run: chmod +x {}/bootstrap",
            dir.display(),
            dir.display()
        )),
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lkcli-{tag}PID` in the temporary directory, made anew, with a `bootstrap` script of `mode` in its
    /// subdirectory `sub` (`""`: at its root).
    fn with_bootstrap(tag: &str, sub: &str, mode: u32) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lkcli-{tag}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        let boot = dir.join(sub).join("bootstrap");
        std::fs::write(&boot, "#!/bin/sh\n").expect("write");
        std::fs::set_permissions(&boot, std::fs::Permissions::from_mode(mode)).expect("chmod");
        dir
    }

    #[test]
    fn keeps_modes_and_is_deterministic() {
        let dir = with_bootstrap("", "", 0o755);
        std::fs::create_dir_all(dir.join("lib")).expect("mkdir");
        std::fs::write(dir.join("lib/a.txt"), "a").expect("write");
        std::os::unix::fs::symlink("lib/a.txt", dir.join("link")).expect("symlink");
        let one = zip_dir(&dir).expect("zip");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("lib/a.txt"), "a").expect("rewrite");
        assert_eq!(one, zip_dir(&dir).expect("zip again"));
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(one)).expect("archive");
        let names: Vec<String> = z.file_names().map(str::to_owned).collect();
        assert!(names.contains(&"bootstrap".to_owned()) && names.contains(&"lib/a.txt".to_owned()));
        let boot = z.by_name("bootstrap").expect("bootstrap");
        assert_eq!(boot.unix_mode().map(|m| m & 0o777), Some(0o755));
        drop(boot);
        let link = z.by_name("link").expect("link");
        assert!(link.is_symlink());
        assert_eq!(bootstrap_warning(&dir), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn files_must_be_zips() {
        let dir = with_bootstrap("zip-", "pkg", 0o644);
        assert!(bootstrap_warning(&dir.join("pkg")).is_some_and(|w| w.contains("chmod +x")));
        assert!(bootstrap_warning(&dir).is_some_and(|w| w.contains("no `bootstrap`")));
        let zip = read_code(&dir.join("pkg")).expect("zip the dir");
        assert!(is_zip(&zip));
        std::fs::write(dir.join("code.zip"), &zip).expect("write zip");
        assert_eq!(read_code(&dir.join("code.zip")).expect("read zip"), zip);
        let e = read_code(&dir.join("pkg/bootstrap")).err();
        assert!(
            e.is_some_and(|e| e.exit_code == 2 && e.message.contains("not a directory or a .zip"))
        );
        assert!(read_code(&dir.join("missing")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
