//! Attaching a function's own trees to a prepared environment.
//!
//! A prepared environment ([`crate::prepared`]) is built from [`RootPlan::skeleton`] alone; when a function is
//! assigned to it, the host turns the function's mount steps ([`RootPlan::function`], the shared directories)
//! into *detached mounts* — `open_tree(OPEN_TREE_CLONE)` of each directory, `fsopen`/`fsmount` of the layers'
//! overlay — and passes them as descriptors over the environment's attach channel (a `SOCK_SEQPACKET`
//! socketpair: one message, its JSON and its descriptors together). `sandbox-enter`, which lives in the
//! environment's mount namespace with the capabilities to mount, moves each into place (`move_mount`), makes
//! it private and gives it the flags the same step of a full plan gets (`enter.rs`), makes the root read-only,
//! and answers. Nothing of the host's mount namespace is reachable from the environment: only the trees the
//! host cloned for it.
//!
//! The message is hand-framed on purpose: one `sendmsg` of a small JSON array with `SCM_RIGHTS` is the whole
//! protocol, spoken by two parts of this crate.

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use rustix::fs::{Mode, OFlags};
use rustix::mount::{
    fsconfig_create, fsconfig_set_string, fsmount, fsopen, open_tree, FsMountFlags, FsOpenFlags,
    MountAttrFlags, OpenTreeFlags,
};
use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use serde::{Deserialize, Serialize};

use crate::plan::{overlay_lowerdir, MountOp};

/// Most trees one assignment attaches (code, runtime, layers, interpreter directories, shared directories).
pub const MAX_TREES: usize = 32;
/// Largest attach message (its JSON part).
const MAX_MESSAGE: usize = 64 * 1024;

/// How an attached tree is finished once in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Finish {
    /// Read-only, `nosuid`, `nodev` (a [`MountOp::Bind`] with `readonly`).
    ReadOnly,
    /// Read-write, `nosuid`, `nodev` (a [`MountOp::Shared`] directory).
    Shared,
    /// Left as mounted (an overlay, made read-only, `nosuid`, `nodev` by `fsmount`).
    AsIs,
}

/// One tree to put in place: where, and how to finish it. Its descriptor travels beside it, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attach {
    /// Mount point inside the environment (absolute, after `pivot_root`).
    pub target: String,
    /// How it is finished.
    pub finish: Finish,
}

/// Turns mount steps into detached trees on the host. Only the steps a function adds can be attached
/// (binds of directories, an overlay, shared directories); anything else is refused, and the caller builds the
/// environment the full way instead.
pub fn detach(ops: &[MountOp]) -> io::Result<Vec<(Attach, OwnedFd)>> {
    if ops.len() > MAX_TREES {
        return Err(io::Error::other(format!(
            "{} trees to attach (at most {MAX_TREES})",
            ops.len()
        )));
    }
    ops.iter().map(detach_one).collect()
}

fn detach_one(op: &MountOp) -> io::Result<(Attach, OwnedFd)> {
    let clone = OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC;
    match op {
        MountOp::Bind {
            source,
            target,
            readonly,
            file: false,
        } => {
            let fd = open_tree(
                rustix::fs::CWD,
                source.as_path(),
                clone | OpenTreeFlags::AT_RECURSIVE,
            )?;
            let finish = if *readonly {
                Finish::ReadOnly
            } else {
                Finish::AsIs
            };
            Ok((
                Attach {
                    target: target.clone(),
                    finish,
                },
                fd,
            ))
        }
        MountOp::Overlay { layers, target } => {
            let fs = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)?;
            fsconfig_set_string(&fs, "lowerdir", overlay_lowerdir(layers))?;
            fsconfig_create(&fs)?;
            let fd = fsmount(
                &fs,
                FsMountFlags::FSMOUNT_CLOEXEC,
                MountAttrFlags::MOUNT_ATTR_RDONLY
                    | MountAttrFlags::MOUNT_ATTR_NOSUID
                    | MountAttrFlags::MOUNT_ATTR_NODEV,
            )?;
            Ok((
                Attach {
                    target: target.clone(),
                    finish: Finish::AsIs,
                },
                fd,
            ))
        }
        MountOp::Shared { source, target } => {
            // As the full plan does: opened without following a symlink and required to be a directory; the
            // clone is of what was opened, whatever the path names meanwhile. Not recursive.
            let dir = rustix::fs::open(
                source.as_path(),
                OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            let fd = open_tree(&dir, "", clone | OpenTreeFlags::AT_EMPTY_PATH)?;
            Ok((
                Attach {
                    target: target.clone(),
                    finish: Finish::Shared,
                },
                fd,
            ))
        }
        other => Err(io::Error::other(format!(
            "a prepared environment cannot attach {other:?}"
        ))),
    }
}

/// Sends the trees in one message.
pub fn send(channel: BorrowedFd<'_>, trees: &[(Attach, OwnedFd)]) -> io::Result<()> {
    let list: Vec<&Attach> = trees.iter().map(|(a, _)| a).collect();
    let json = serde_json::to_vec(&list).map_err(io::Error::other)?;
    if json.len() > MAX_MESSAGE {
        return Err(io::Error::other("attach message too large"));
    }
    let fds: Vec<BorrowedFd<'_>> = trees.iter().map(|(_, fd)| fd.as_fd()).collect();
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_TREES))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(io::Error::other("too many descriptors for one message"));
    }
    let sent = sendmsg(
        channel,
        &[IoSlice::new(&json)],
        &mut control,
        SendFlags::NOSIGNAL,
    )?;
    if sent != json.len() {
        return Err(io::Error::other("attach message cut short"));
    }
    Ok(())
}

/// Receives the trees (in `sandbox-enter`); `None` when the host closed the channel without assigning.
pub fn receive(channel: BorrowedFd<'_>) -> io::Result<Option<Vec<(Attach, OwnedFd)>>> {
    let mut buf = vec![0u8; MAX_MESSAGE];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_TREES))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let got = loop {
        match recvmsg(
            channel,
            &mut [IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        ) {
            Ok(m) => break m,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let mut fds: Vec<OwnedFd> = Vec::new();
    for msg in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = msg {
            fds.extend(received);
        }
    }
    if got.bytes == 0 && fds.is_empty() {
        return Ok(None);
    }
    if got.flags.contains(rustix::net::ReturnFlags::CTRUNC)
        || got.flags.contains(rustix::net::ReturnFlags::TRUNC)
    {
        return Err(io::Error::other("attach message truncated"));
    }
    let list: Vec<Attach> = serde_json::from_slice(&buf[..got.bytes]).map_err(io::Error::other)?;
    if list.len() != fds.len() {
        return Err(io::Error::other(format!(
            "{} trees announced, {} descriptors received",
            list.len(),
            fds.len()
        )));
    }
    Ok(Some(list.into_iter().zip(fds).collect()))
}

/// Answers the host: `ok`, or why attaching failed.
pub fn answer(channel: BorrowedFd<'_>, result: Result<(), String>) -> io::Result<()> {
    let text = match result {
        Ok(()) => "ok".to_owned(),
        Err(e) => e,
    };
    let mut control = SendAncillaryBuffer::default();
    sendmsg(
        channel,
        &[IoSlice::new(text.as_bytes())],
        &mut control,
        SendFlags::NOSIGNAL,
    )?;
    Ok(())
}

/// Waits for `sandbox-enter`'s answer.
pub fn await_answer(channel: BorrowedFd<'_>) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    let mut control = RecvAncillaryBuffer::default();
    let got = loop {
        match recvmsg(
            channel,
            &mut [IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::empty(),
        ) {
            Ok(m) => break m,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    match &buf[..got.bytes] {
        b"ok" => Ok(()),
        [] => Err(io::Error::other(
            "the environment closed its attach channel",
        )),
        why => Err(io::Error::other(format!(
            "attaching failed in the environment: {}",
            String::from_utf8_lossy(why)
        ))),
    }
}

/// Puts one tree in place (in `sandbox-enter`, after `pivot_root`, while the root is still writable).
pub fn apply(tree: &Attach, fd: &OwnedFd) -> io::Result<()> {
    use rustix::mount::{
        mount_change, mount_remount, move_mount, MountFlags, MountPropagationFlags, MoveMountFlags,
    };
    let at = Path::new(&tree.target);
    if !at.is_absolute() {
        return Err(io::Error::other(format!("{}: not absolute", tree.target)));
    }
    std::fs::create_dir_all(at)?;
    move_mount(
        fd,
        "",
        rustix::fs::CWD,
        at,
        MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
    )?;
    // A clone keeps its source's peer group: made private, nothing mounted on the host later shows through.
    mount_change(
        at,
        MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
    )?;
    let flags = match tree.finish {
        Finish::ReadOnly => {
            MountFlags::BIND | MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV
        }
        Finish::Shared => MountFlags::BIND | MountFlags::NOSUID | MountFlags::NODEV,
        Finish::AsIs => return Ok(()),
    };
    mount_remount(at, flags, "")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn only_a_functions_steps_can_be_attached() {
        let tmpfs = MountOp::Tmpfs {
            target: "/x".into(),
            options: String::new(),
        };
        assert!(detach(&[tmpfs]).is_err());
        let file_bind = MountOp::Bind {
            source: PathBuf::from("/etc/hostname"),
            target: "/etc/hostname".into(),
            readonly: true,
            file: true,
        };
        assert!(detach(&[file_bind]).is_err());
    }

    #[test]
    fn a_message_and_its_descriptors_travel_together() {
        let (a, b) = rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::SEQPACKET,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .expect("socketpair");
        let dir = std::env::temp_dir();
        let trees: Vec<(Attach, OwnedFd)> = (0..3)
            .map(|i| {
                let fd = rustix::fs::open(
                    &dir,
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .expect("open");
                (
                    Attach {
                        target: format!("/t/{i}"),
                        finish: Finish::ReadOnly,
                    },
                    fd,
                )
            })
            .collect();
        send(a.as_fd(), &trees).expect("send");
        let got = receive(b.as_fd()).expect("receive").expect("a message");
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].0.target, "/t/2");
        answer(b.as_fd(), Err("no".into())).expect("answer");
        assert!(await_answer(a.as_fd()).is_err());
        answer(b.as_fd(), Ok(())).expect("answer");
        await_answer(a.as_fd()).expect("ok");
        drop(a);
        assert!(receive(b.as_fd()).expect("eof").is_none());
    }
}
