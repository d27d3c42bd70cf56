//! START / END / REPORT lines as Lambda prints them, and the process tree's memory high-water mark.

use std::collections::HashSet;

/// `START RequestId: <id> Version: <version>`.
pub fn start_line(request_id: &str, version: &str) -> String {
    format!("START RequestId: {request_id} Version: {version}")
}

/// `END RequestId: <id>`.
pub fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

/// The REPORT line; `Init Duration` comes last and only on an environment's first invoke, every field is
/// followed by a tab, as on Lambda.
pub fn report_line(
    request_id: &str,
    duration_ms: f64,
    billed_ms: u64,
    memory_mb: u64,
    max_memory_mb: u64,
    init_ms: Option<f64>,
) -> String {
    let mut s = format!(
        "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed_ms} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {max_memory_mb} MB\t"
    );
    if let Some(init) = init_ms {
        s.push_str(&format!("Init Duration: {init:.2} ms\t"));
    }
    s
}

/// Billed duration: the duration rounded up to the next millisecond.
pub fn billed_ms(duration_ms: f64) -> u64 {
    duration_ms.ceil().max(1.0) as u64
}

/// Reads one `kB` field of `/proc/<pid>/status` with a single read (the file is small; `read_to_string` would
/// grow its buffer through several reads).
fn status_kb(pid: u32, field: &str) -> u64 {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(format!("/proc/{pid}/status")) else {
        return 0;
    };
    let mut buf = [0u8; 4096];
    let n = f.read(&mut buf).unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]);
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Sum of the peak resident set (`VmHWM`) of the given processes only, in KiB.
pub fn peak_kb(pids: &[u32]) -> u64 {
    pids.iter().map(|&p| status_kb(p, "VmHWM:")).sum()
}

fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(s.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
            }
        }
    }
    out
}

/// Sum of the peak resident set (`VmHWM`) of every process in the trees rooted at `roots`, in KiB.
pub fn tree_peak_kb(roots: &[u32]) -> u64 {
    let mut seen = HashSet::new();
    let mut stack: Vec<u32> = roots.to_vec();
    let mut total = 0;
    while let Some(pid) = stack.pop() {
        if !seen.insert(pid) {
            continue;
        }
        total += status_kb(pid, "VmHWM:");
        stack.extend(children(pid));
    }
    total
}

/// Peak memory of the whole environment from its cgroup, when the init mounted it (sandboxed environments):
/// v1 `memory.max_usage_in_bytes`, v2 `memory.peak`. The file is opened once (the cgroup is mounted before any
/// invoke) and read in place: one `pread` per invoke.
pub fn cgroup_peak_bytes() -> Option<u64> {
    use std::os::unix::fs::FileExt;
    static FILE: std::sync::OnceLock<Option<std::fs::File>> = std::sync::OnceLock::new();
    let file = FILE.get_or_init(|| {
        ["memory.max_usage_in_bytes", "memory.peak"]
            .iter()
            .find_map(|f| {
                std::fs::File::open(std::path::Path::new(crate::pid1::CGROUP_MOUNT).join(f)).ok()
            })
    });
    let mut buf = [0u8; 32];
    let n = file.as_ref()?.read_at(&mut buf, 0).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

/// A fresh X-Ray trace header (`Root=1-<time>-<96 bits>;Parent=<64 bits>;Sampled=0`).
pub fn new_trace_id() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let root: u128 = rand::random::<u128>() & ((1u128 << 96) - 1);
    let parent: u64 = rand::random();
    format!("Root=1-{secs:08x}-{root:024x};Parent={parent:016x};Sampled=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_has_init_duration_last() {
        let r = report_line("id", 1.234, 2, 128, 20, Some(5.0));
        assert_eq!(
            r,
            "REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 5.00 ms\t"
        );
        assert!(!report_line("id", 1.0, 1, 128, 20, None).contains("Init"));
    }

    #[test]
    fn own_memory_is_measured() {
        assert!(tree_peak_kb(&[std::process::id()]) > 0);
    }

    #[test]
    fn trace_id_shape() {
        let t = new_trace_id();
        assert!(t.starts_with("Root=1-"));
        assert!(t.ends_with(";Sampled=0"));
        assert_eq!(
            t.len(),
            "Root=1-".len() + 8 + 1 + 24 + ";Parent=".len() + 16 + ";Sampled=0".len()
        );
    }
}
