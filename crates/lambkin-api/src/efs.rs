//! EFS access points as the operator maps them (`serve --efs ARN=DIR`): a function whose `FileSystemConfigs`
//! names an access point sees DIR read-write at its `LocalMountPath`.
//!
//! An EFS access point makes every file operation of its clients run as its POSIX user and creates its root
//! directory owned by that user. Here the POSIX user is the function's own (uid/gid 993, `sbx_user1051`, in
//! the sandbox; the server's user with `--isolation process`), so at start the directory is created when
//! missing and, sandboxed, handed to 993: the files functions write there are theirs, on the host too.
//! A leaf: it knows the settings' syntax and the host directories, nothing of operations.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The uid and gid functions run as in the sandbox (`sbx_user1051`).
pub const FUNCTION_UID: u32 = 993;

/// Access point ARN → host directory.
pub type EfsMap = BTreeMap<String, PathBuf>;

/// Whether `arn` is an EFS access point ARN, as botocore's `FileSystemArn` describes one
/// (`arn:aws…:elasticfilesystem:<region>:<12 digits>:access-point/fsap-<17 hex>`).
pub fn is_access_point_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let region_ok = region.split('-').count() >= 3
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && region.bytes().last().is_some_and(|b| b.is_ascii_digit());
    let ap_ok = resource
        .strip_prefix("access-point/fsap-")
        .is_some_and(|id| {
            id.len() == 17
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
    *prefix == "arn"
        && partition.starts_with("aws")
        && *service == "elasticfilesystem"
        && region_ok
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && ap_ok
}

/// Parses `ARN=DIR` mappings (a relative DIR is taken from the current directory). One directory per ARN.
pub fn parse(items: &[String]) -> Result<EfsMap, String> {
    let mut map = EfsMap::new();
    for item in items {
        let (arn, dir) = item
            .split_once('=')
            .filter(|(a, d)| !a.is_empty() && !d.is_empty())
            .ok_or_else(|| format!("--efs {item:?}: expected ACCESS_POINT_ARN=DIRECTORY"))?;
        if !is_access_point_arn(arn) {
            return Err(format!(
                "--efs {item:?}: {arn} is not an EFS access point ARN \
                 (arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-<17 hex digits>)"
            ));
        }
        let dir = std::path::absolute(dir).map_err(|e| format!("--efs {item:?}: {e}"))?;
        if let Some(other) = map.insert(arn.to_owned(), dir) {
            return Err(format!(
                "--efs: {arn} is mapped twice (also to {})",
                other.display()
            ));
        }
    }
    Ok(map)
}

/// Makes every mapped directory ready: created when missing, a directory (its symlinks resolved), and, when
/// `sandboxed` (functions run as uid 993 and lambkin as root), owned by 993 with its owner's access.
/// Returns the map with canonical paths.
pub fn prepare(map: &EfsMap, sandboxed: bool) -> Result<EfsMap, String> {
    let mut out = EfsMap::new();
    for (arn, dir) in map {
        let why = |e: std::io::Error| format!("--efs {arn}={}: {e}", dir.display());
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(why)?;
        }
        let dir = dir.canonicalize().map_err(why)?;
        let meta = std::fs::metadata(&dir).map_err(why)?;
        if !meta.is_dir() {
            return Err(format!("--efs {arn}={}: not a directory", dir.display()));
        }
        if sandboxed {
            hand_to_functions(&dir, &meta).map_err(why)?;
        }
        out.insert(arn.clone(), dir);
    }
    Ok(out)
}

/// Gives the directory (not what is in it) to uid/gid 993 with `rwx` for its owner, as an access point's root
/// directory belongs to its POSIX user.
fn hand_to_functions(dir: &Path, meta: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if meta.uid() != FUNCTION_UID || meta.gid() != FUNCTION_UID {
        std::os::unix::fs::chown(dir, Some(FUNCTION_UID), Some(FUNCTION_UID))?;
        tracing::info!(
            "efs: {} now belongs to uid/gid {FUNCTION_UID}, the functions' user",
            dir.display()
        );
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o700 != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o700))?;
    }
    Ok(())
}

/// The directories an environment of a function with these `FileSystemConfigs` shares, or the access point
/// this server does not map (any more: the operator removed its `--efs`).
pub fn shared_dirs(
    map: &EfsMap,
    configs: &[crate::model::FileSystemConfig],
) -> Result<Vec<lambkin_sandbox::plan::SharedDir>, String> {
    configs
        .iter()
        .map(|c| match map.get(&c.arn) {
            Some(dir) => Ok(lambkin_sandbox::plan::SharedDir {
                source: dir.clone(),
                target: c.local_mount_path.clone(),
            }),
            None => Err(c.arn.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AP: &str =
        "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0";

    #[test]
    fn access_point_arns() {
        assert!(is_access_point_arn(AP));
        assert!(is_access_point_arn(
            "arn:aws-us-gov:elasticfilesystem:us-gov-west-1:123456789012:access-point/fsap-0123456789abcdef0"
        ));
        for bad in [
            "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0",
            "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123",
            "arn:aws:s3:us-east-1:123456789012:access-point/fsap-0123456789abcdef0",
            "arn:aws:elasticfilesystem:us-east-1:1234:access-point/fsap-0123456789abcdef0",
            "fsap-0123456789abcdef0",
        ] {
            assert!(!is_access_point_arn(bad), "{bad}");
        }
    }

    #[test]
    fn mappings_parse() {
        let map = parse(&[format!("{AP}=/srv/efs/shared")]).expect("parses");
        assert_eq!(map.get(AP), Some(&PathBuf::from("/srv/efs/shared")));
        assert!(parse(&["/srv/efs".into()]).is_err());
        assert!(parse(&[format!("{AP}=")]).is_err());
        assert!(parse(&["arn:aws:s3:::bucket=/srv".into()]).is_err());
        assert!(parse(&[format!("{AP}=/a"), format!("{AP}=/b")]).is_err());
    }

    #[test]
    fn mappings_come_from_the_config_file_unless_given() {
        let base = std::env::temp_dir().join(format!("lambkin-efs-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&base).expect("dir");
        let file = base.join("lambkin.toml");
        std::fs::write(&file, format!("efs = [\"{AP}=/srv/from-file\"]\n")).expect("write");
        let args = |efs: Vec<String>| crate::config::ServeArgs {
            config: Some(file.clone()),
            isolation: Some("process".into()),
            efs,
            ..Default::default()
        };
        let from_file = crate::ServeConfig::resolve(args(Vec::new())).expect("resolves");
        assert_eq!(from_file.efs[AP], PathBuf::from("/srv/from-file"));
        let given =
            crate::ServeConfig::resolve(args(vec![format!("{AP}=/srv/given")])).expect("resolves");
        assert_eq!(given.efs[AP], PathBuf::from("/srv/given"));
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn sandboxed_directories_belong_to_the_functions_user() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipping: chown needs root");
            return;
        }
        let base = std::env::temp_dir().join(format!("lambkin-efs-own-{}", uuid::Uuid::new_v4()));
        let dir = base.join("ap");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o055)).expect("chmod");
        std::fs::write(dir.join("inside"), b"x").expect("file");
        let map = parse(&[format!("{AP}={}", dir.display())]).expect("parses");
        prepare(&map, true).expect("prepared");
        let meta = std::fs::metadata(&dir).expect("meta");
        assert_eq!((meta.uid(), meta.gid()), (FUNCTION_UID, FUNCTION_UID));
        assert_eq!(meta.mode() & 0o777, 0o755);
        // What is in it is left as it is.
        assert_eq!(
            std::fs::metadata(dir.join("inside")).expect("meta").uid(),
            0
        );
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn prepare_creates_and_refuses_files() {
        let base = std::env::temp_dir().join(format!("lambkin-efs-{}", uuid::Uuid::new_v4()));
        let map = parse(&[format!("{AP}={}", base.join("made").display())]).expect("parses");
        let ready = prepare(&map, false).expect("prepared");
        assert!(ready[AP].is_dir());
        std::fs::write(base.join("file"), b"x").expect("file");
        let map = parse(&[format!("{AP}={}", base.join("file").display())]).expect("parses");
        assert!(prepare(&map, false)
            .unwrap_err()
            .contains("not a directory"));
        let _ = std::fs::remove_dir_all(&base);
    }
}
