//! Who owns a host resource (a network namespace, a cgroup, a state directory, a half-made `/tmp` image): a
//! process named by its pid *and its start time*, so that a pid the kernel handed to another process since is
//! not taken for the owner (`pid_max` is often 32,768: pids come round within hours on a busy host).
//!
//! The rule every resource of this crate follows: its record (a file naming the owner, or a name that carries
//! the owner) exists before the resource and goes only after it; a start sweeps whatever belongs to a dead
//! owner, and never what belongs to a live one.

use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

/// A process that owns resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    /// Its pid.
    pub pid: u32,
    /// Its start time in clock ticks after boot (`/proc/<pid>/stat`, field 22); `None` in records written
    /// before start times were kept (the pid alone decides then).
    pub start: Option<u64>,
}

/// State and start time of `pid`, from `/proc/<pid>/stat` (`None` when there is no such process).
fn stat_of(proc_root: &Path, pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(proc_root.join(pid.to_string()).join("stat")).ok()?;
    parse_stat(&text)
}

/// State (field 3) and start time (field 22) of a `/proc/<pid>/stat` line. The command (field 2) is in
/// parentheses and may itself hold spaces and parentheses: fields are counted after the last `)`.
fn parse_stat(text: &str) -> Option<(char, u64)> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    // Fields 4..=21 come between the state and the start time.
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

impl Owner {
    /// This process.
    pub fn me() -> Owner {
        static ME: OnceLock<Owner> = OnceLock::new();
        *ME.get_or_init(|| {
            let pid = std::process::id();
            Owner {
                pid,
                start: stat_of(Path::new("/proc"), pid).map(|(_, s)| s),
            }
        })
    }

    /// The process `pid` as it is now, if there is one.
    pub fn of(pid: u32) -> Option<Owner> {
        stat_of(Path::new("/proc"), pid).map(|(_, start)| Owner {
            pid,
            start: Some(start),
        })
    }

    /// Whether the owner still runs: a process with its pid and start time exists and is not a zombie (a
    /// zombie uses nothing; its parent merely has not reaped it yet).
    pub fn is_alive(&self) -> bool {
        self.is_alive_in(Path::new("/proc"))
    }

    fn is_alive_in(&self, proc_root: &Path) -> bool {
        match stat_of(proc_root, self.pid) {
            None => false,
            Some((state, _)) if state == 'Z' || state == 'X' => false,
            Some((_, start)) => self.start.is_none_or(|s| s == start),
        }
    }

    /// Parses what [`Owner`]'s `Display` writes (`<pid>-<start>`), or a bare pid (older records).
    pub fn parse(text: &str) -> Option<Owner> {
        let text = text.trim();
        match text.split_once('-') {
            Some((pid, start)) => Some(Owner {
                pid: parse_digits(pid)?,
                start: Some(parse_digits(start)?),
            }),
            None => Some(Owner {
                pid: parse_digits(text)?,
                start: None,
            }),
        }
    }

    /// Splits `<pid>-<start>-<rest>` (a name that carries its owner) into the owner and the rest.
    pub fn split_name(name: &str) -> Option<(Owner, &str)> {
        let mut parts = name.splitn(3, '-');
        let pid = parse_digits(parts.next()?)?;
        let start = parse_digits(parts.next()?)?;
        let rest = parts.next()?;
        (!rest.is_empty()).then_some((
            Owner {
                pid,
                start: Some(start),
            },
            rest,
        ))
    }
}

fn parse_digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl fmt::Display for Owner {
    /// `<pid>-<start>` (or the bare pid when the start time is unknown). Older lambkin versions read a record
    /// with a start time as unparseable and leave it alone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.start {
            Some(start) => write!(f, "{}-{start}", self.pid),
            None => write!(f, "{}", self.pid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_whatever_the_command_is_called() {
        let line = "4242 (we ird) (name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_stat(line), Some(('S', 987654)));
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S 1 2"), None);
    }

    #[test]
    fn me_is_alive_and_round_trips() {
        let me = Owner::me();
        assert_eq!(me.pid, std::process::id());
        assert!(me.start.is_some());
        assert!(me.is_alive());
        assert_eq!(Owner::parse(&me.to_string()), Some(me));
        assert_eq!(Owner::of(me.pid), Some(me));
    }

    #[test]
    fn a_recycled_pid_is_not_the_owner() {
        let me = Owner::me();
        let impostor = Owner {
            pid: me.pid,
            start: me.start.map(|s| s + 1),
        };
        assert!(!impostor.is_alive());
        // A record from before start times were kept trusts the pid.
        assert!(Owner {
            pid: me.pid,
            start: None
        }
        .is_alive());
    }

    #[test]
    fn dead_and_zombie_owners_are_dead() {
        let mut child = std::process::Command::new("true").spawn().expect("true");
        let pid = child.id();
        let owner = loop {
            // Until reaped, the exited child is a zombie: it owns nothing any more.
            match stat_of(Path::new("/proc"), pid) {
                Some(('Z', start)) => {
                    break Owner {
                        pid,
                        start: Some(start),
                    }
                }
                Some(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                None => panic!("the child vanished before it was reaped"),
            }
        };
        assert!(!owner.is_alive());
        child.wait().expect("wait");
        assert!(!owner.is_alive());
        assert!(Owner::of(pid).is_none_or(|o| o != owner));
    }

    #[test]
    fn fake_proc_trees_decide_liveness() {
        let root = std::env::temp_dir().join(format!("lkb-proc-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(root.join("77")).expect("mkdir");
        let stat = |state: &str, start: u64| {
            format!("77 (serve) {state} 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 {start} 0 0")
        };
        std::fs::write(root.join("77/stat"), stat("S", 500)).expect("write");
        let owner = Owner {
            pid: 77,
            start: Some(500),
        };
        assert!(owner.is_alive_in(&root));
        std::fs::write(root.join("77/stat"), stat("R", 501)).expect("write");
        assert!(
            !owner.is_alive_in(&root),
            "pid 77 now belongs to another process"
        );
        std::fs::write(root.join("77/stat"), stat("Z", 500)).expect("write");
        assert!(!owner.is_alive_in(&root));
        assert!(!Owner {
            pid: 78,
            start: None
        }
        .is_alive_in(&root));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn owners_parse_and_names_split() {
        assert_eq!(
            Owner::parse("12-34"),
            Some(Owner {
                pid: 12,
                start: Some(34)
            })
        );
        assert_eq!(
            Owner::parse(" 12\n"),
            Some(Owner {
                pid: 12,
                start: None
            })
        );
        assert_eq!(Owner::parse("12 99"), None, "old pool entries: owner pasta");
        assert_eq!(Owner::parse("-1"), None);
        assert_eq!(Owner::parse("x-1"), None);
        let (owner, rest) = Owner::split_name("12-34-abcdef").expect("split");
        assert_eq!((owner.pid, owner.start, rest), (12, Some(34), "abcdef"));
        assert_eq!(Owner::split_name("0123456789abcdef0123456789abcdef"), None);
        assert_eq!(Owner::split_name("12-34-"), None);
        assert_eq!(Owner::split_name("12-x-abc"), None);
    }
}
