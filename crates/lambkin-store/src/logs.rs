//! Function logs: every line of every execution environment, per function, in Lambda-named
//! streams (`logs/<function>/<stream>.log`, names escaped), one compact JSON object per line.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// How many log files are kept open for appending.
const MAX_OPEN_LOGS: usize = 64;
const LOG_EXT: &str = ".log";

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEvent {
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Name of the stream the line belongs to.
    pub stream: String,
    /// The line (lossy UTF-8, without its trailing newline).
    pub message: String,
}

/// A position in a function's logs, returned by [`Store::read_logs`] so that the next call
/// returns only newer lines. Opaque to callers; see [`LogCursor::encode`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCursor {
    /// Byte offset of the first unread line, per stream name.
    #[serde(default, rename = "o")]
    offsets: BTreeMap<String, u64>,
}

impl LogCursor {
    /// The cursor as a URL-safe token (e.g. for a `nextToken`).
    pub fn encode(&self) -> String {
        use base64::Engine as _;
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Parses a token made by [`LogCursor::encode`]; `None` if it is not one.
    pub fn decode(token: &str) -> Option<LogCursor> {
        use base64::Engine as _;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}

#[derive(Serialize)]
struct LineOut<'a> {
    t: u64,
    m: Cow<'a, str>,
}

#[derive(Deserialize)]
struct LineIn {
    t: u64,
    m: String,
}

/// Cache of open append handles, evicting the least recently used.
#[derive(Default)]
pub(crate) struct LogFiles {
    open: HashMap<PathBuf, (File, u64)>,
    tick: u64,
}

impl LogFiles {
    fn get(&mut self, path: &Path) -> std::io::Result<&mut File> {
        self.tick += 1;
        let tick = self.tick;
        if !self.open.contains_key(path) {
            if self.open.len() >= MAX_OPEN_LOGS {
                let oldest = self
                    .open
                    .iter()
                    .min_by_key(|(_, (_, used))| *used)
                    .map(|(p, _)| p.clone());
                if let Some(p) = oldest {
                    self.open.remove(&p);
                }
            }
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            let f = OpenOptions::new().append(true).create(true).open(path)?;
            self.open.insert(path.to_path_buf(), (f, tick));
        }
        let (file, used) = self
            .open
            .get_mut(path)
            .ok_or_else(|| std::io::Error::other("log handle vanished"))?;
        *used = tick;
        Ok(file)
    }

    fn forget_under(&mut self, dir: &Path) {
        self.open.retain(|p, _| !p.starts_with(dir));
    }
}

/// Escapes a name into a single safe path component: `[A-Za-z0-9_-]` are kept, every other
/// byte becomes `%XX`.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('%');
    }
    out
}

/// Reverses [`escape`]; `None` for names it cannot have produced.
fn unescape(s: &str) -> Option<String> {
    if s == "%" {
        return Some(String::new());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A parsed line and the file offset just after it.
struct Line {
    t: u64,
    m: String,
    end: u64,
}

/// Complete lines of `path` from `offset`, plus the offset after the last complete line.
fn read_stream(path: &Path, offset: u64) -> std::io::Result<(Vec<Line>, u64)> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if offset >= len {
        return Ok((Vec::new(), offset.min(len)));
    }
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::new();
    f.take(len - offset).read_to_end(&mut buf)?;
    let mut lines = Vec::new();
    let mut pos = 0usize;
    while let Some(nl) = buf[pos..].iter().position(|&c| c == b'\n') {
        let raw = &buf[pos..pos + nl];
        pos += nl + 1;
        // Malformed lines are skipped (but consumed).
        if let Ok(l) = serde_json::from_slice::<LineIn>(raw) {
            lines.push(Line {
                t: l.t,
                m: l.m,
                end: offset + pos as u64,
            });
        }
    }
    Ok((lines, offset + pos as u64))
}

fn not_found_ok<T: Default>(r: std::io::Result<T>) -> std::io::Result<T> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        other => other,
    }
}

impl Store {
    fn function_log_dir(&self, function: &str) -> PathBuf {
        self.dir.join("logs").join(escape(function))
    }

    fn log_files(&self) -> std::sync::MutexGuard<'_, LogFiles> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends one line to `logs/<function>/<stream>.log` (names escaped so `/`, `[`, `$` in
    /// stream names like `2026/11/24/[$LATEST]abc123` are safe), as compact JSON
    /// `{"t":ms,"m":"..."}` with one `write(2)` on an `O_APPEND` handle. The message is the
    /// lossy UTF-8 of `line` without one trailing `\n` (or `\r\n`).
    pub fn append_log(
        &self,
        function: &str,
        stream: &str,
        timestamp_ms: u64,
        line: &[u8],
    ) -> Result<(), StoreError> {
        self.append_logs(function, stream, &[(timestamp_ms, line)])
    }

    /// Appends `(timestamp_ms, line)`s as [`Store::append_log`] does each, all in one `write(2)`.
    pub fn append_logs<L: AsRef<[u8]>>(
        &self,
        function: &str,
        stream: &str,
        lines: &[(u64, L)],
    ) -> Result<(), StoreError> {
        if let Some(shared) = &self.shared {
            let lines: Vec<(u64, &[u8])> = lines.iter().map(|(t, l)| (*t, l.as_ref())).collect();
            return shared.logs.publish(function, stream, &lines);
        }
        self.mirror_logs(function, stream, lines)
    }

    /// Writes lines of any host into this host's files (in a cluster, the log mirror calls this for the lines
    /// every host published; alone, [`Store::append_logs`] does).
    pub fn mirror_logs<L: AsRef<[u8]>>(
        &self,
        function: &str,
        stream: &str,
        lines: &[(u64, L)],
    ) -> Result<(), StoreError> {
        let mut rec = Vec::new();
        for (timestamp_ms, line) in lines {
            let (timestamp_ms, line) = (*timestamp_ms, line.as_ref());
            let line = line.strip_suffix(b"\n").unwrap_or(line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            serde_json::to_writer(
                &mut rec,
                &LineOut {
                    t: timestamp_ms,
                    m: String::from_utf8_lossy(line),
                },
            )?;
            rec.push(b'\n');
        }
        let path = self
            .function_log_dir(function)
            .join(format!("{}{LOG_EXT}", escape(stream)));
        let mut files = self.log_files();
        files.get(&path)?.write_all(&rec)?;
        Ok(())
    }

    /// Events of a function with timestamp >= `since_ms`, from all its streams, merged in time
    /// order, at most `limit`, starting after `cursor`; returns the events and the cursor to
    /// pass next time (e.g. to follow the logs).
    pub fn read_logs(
        &self,
        function: &str,
        since_ms: u64,
        cursor: &LogCursor,
        limit: usize,
    ) -> Result<(Vec<LogEvent>, LogCursor), StoreError> {
        let dir = self.function_log_dir(function);
        let mut next = cursor.clone();
        let mut streams: Vec<(String, std::vec::IntoIter<Line>, u64)> = Vec::new();
        for (name, path) in list_stream_files(&dir)? {
            let start = cursor.offsets.get(&name).copied().unwrap_or(0);
            let (lines, end) = match read_stream(&path, start) {
                Ok(x) => x,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let lines: Vec<Line> = lines.into_iter().filter(|l| l.t >= since_ms).collect();
            if lines.is_empty() {
                // Everything up to `end` was read (possibly filtered out).
                if end > start {
                    next.offsets.insert(name, end);
                }
                continue;
            }
            streams.push((name, lines.into_iter(), end));
        }

        // k-way merge by timestamp; each stream is consumed in file order so the cursor can be
        // a per-stream offset.
        let mut heads: Vec<Option<Line>> = streams.iter_mut().map(|s| s.1.next()).collect();
        let mut events = Vec::new();
        while events.len() < limit {
            let best = heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.as_ref().map(|l| (l.t, i)))
                .min();
            let Some((_, i)) = best else { break };
            let Some(line) = heads[i].take() else { break };
            heads[i] = streams[i].1.next();
            // After a stream's last kept line, skip straight to the end of what was read.
            let offset = if heads[i].is_none() {
                streams[i].2
            } else {
                line.end
            };
            next.offsets.insert(streams[i].0.clone(), offset);
            events.push(LogEvent {
                timestamp_ms: line.t,
                stream: streams[i].0.clone(),
                message: line.m,
            });
        }
        Ok((events, next))
    }

    /// Stream names of a function (unescaped), newest (most recently written) first.
    pub fn log_streams(&self, function: &str) -> Result<Vec<String>, StoreError> {
        let mut streams = Vec::new();
        for (name, path) in list_stream_files(&self.function_log_dir(function))? {
            let modified = not_found_ok(fs::metadata(&path).map(|m| m.modified().ok()))?;
            streams.push((modified, name));
        }
        streams.sort_by(|a, b| b.cmp(a));
        Ok(streams.into_iter().map(|(_, n)| n).collect())
    }

    /// Deletes every log stream of a function (in a cluster, on every host).
    pub fn delete_logs(&self, function: &str) -> Result<(), StoreError> {
        if let Some(shared) = &self.shared {
            shared.logs.delete(function)?;
        }
        self.mirror_delete_logs(function)
    }

    /// Deletes this host's files of a function's logs.
    pub fn mirror_delete_logs(&self, function: &str) -> Result<(), StoreError> {
        let dir = self.function_log_dir(function);
        let mut files = self.log_files();
        files.forget_under(&dir);
        not_found_ok(fs::remove_dir_all(&dir))?;
        Ok(())
    }
}

/// `(stream name, path)` of every stream file in `dir` (empty if `dir` does not exist).
fn list_stream_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(stem) = file_name.to_str().and_then(|n| n.strip_suffix(LOG_EXT)) else {
            continue;
        };
        if let Some(name) = unescape(stem) {
            out.push((name, entry.path()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1: &str = "2026/11/24/[$LATEST]abc123";
    const S2: &str = "2026/11/24/[$LATEST]def456";

    /// A store in a new temporary directory (removed when the directory is dropped).
    fn fresh() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    /// The file of function `fn`'s stream `S1`.
    fn s1_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
        dir.path()
            .join("logs/fn")
            .join(format!("{}.log", escape(S1)))
    }

    fn msgs(events: &[LogEvent]) -> Vec<&str> {
        events.iter().map(|e| e.message.as_str()).collect()
    }

    #[test]
    fn escape_roundtrip() {
        for s in [S1, "", "a%b", "..", ".", "plain-name_1", "\u{e9}/\\"] {
            let e = escape(s);
            assert!(!e.contains('/') && e != "." && e != "..", "{e}");
            assert_eq!(unescape(&e).as_deref(), Some(s));
        }
        assert_eq!(unescape("%zz"), None);
    }

    #[test]
    fn append_and_read_merged() {
        let (dir, store) = fresh();
        store.append_log("fn", S1, 100, b"START\n").unwrap();
        store.append_log("fn", S2, 150, b"other start").unwrap();
        store
            .append_log("fn", S1, 200, b"hello \xff world\r\n")
            .unwrap();
        store
            .append_log("fn", S2, 250, b"{\"json\": \"quoted\"}")
            .unwrap();
        store.append_log("fn", S1, 300, b"END").unwrap();
        store.append_log("other", S1, 120, b"not mine").unwrap();

        let (events, _) = store
            .read_logs("fn", 0, &LogCursor::default(), 100)
            .unwrap();
        assert_eq!(
            msgs(&events),
            [
                "START",
                "other start",
                "hello \u{fffd} world",
                "{\"json\": \"quoted\"}",
                "END"
            ]
        );
        assert_eq!(events[0].stream, S1);
        assert_eq!(events[1].stream, S2);
        assert_eq!(events[1].timestamp_ms, 150);

        // since
        let (events, _) = store
            .read_logs("fn", 200, &LogCursor::default(), 100)
            .unwrap();
        assert_eq!(
            msgs(&events),
            ["hello \u{fffd} world", "{\"json\": \"quoted\"}", "END"]
        );

        // on-disk format
        let file = s1_file(&dir);
        let text = fs::read_to_string(file).unwrap();
        assert_eq!(text.lines().next().unwrap(), r#"{"t":100,"m":"START"}"#);

        assert!(store
            .read_logs("nobody", 0, &LogCursor::default(), 10)
            .unwrap()
            .0
            .is_empty());
    }

    #[test]
    fn cursor_pages_and_follows() {
        let (_dir, store) = fresh();
        store.append_log("fn", S1, 10, b"a").unwrap();
        store.append_log("fn", S2, 20, b"b").unwrap();
        store.append_log("fn", S1, 30, b"c").unwrap();
        store.append_log("fn", S2, 40, b"d").unwrap();

        let (page1, c1) = store.read_logs("fn", 0, &LogCursor::default(), 3).unwrap();
        assert_eq!(msgs(&page1), ["a", "b", "c"]);
        let (page2, c2) = store.read_logs("fn", 0, &c1, 3).unwrap();
        assert_eq!(msgs(&page2), ["d"]);
        let (page3, c3) = store.read_logs("fn", 0, &c2, 3).unwrap();
        assert!(page3.is_empty());
        assert_eq!(c3, c2);

        // follow: only new lines, including a new stream
        store.append_log("fn", S1, 50, b"e").unwrap();
        store.append_log("fn", "new", 45, b"f").unwrap();
        let (page4, c4) = store.read_logs("fn", 0, &c3, 10).unwrap();
        assert_eq!(msgs(&page4), ["f", "e"]);
        // the cursor survives an encode/decode round trip
        let token = c4.encode();
        assert_eq!(LogCursor::decode(&token).unwrap(), c4);
        assert!(LogCursor::decode("garbage!").is_none());
        store.append_log("fn", S2, 60, b"g").unwrap();
        let (page5, _) = store
            .read_logs("fn", 0, &LogCursor::decode(&token).unwrap(), 10)
            .unwrap();
        assert_eq!(msgs(&page5), ["g"]);
    }

    #[test]
    fn cursor_skips_filtered_lines_and_ignores_partial_lines() {
        let (dir, store) = fresh();
        store.append_log("fn", S1, 10, b"old").unwrap();
        store.append_log("fn", S1, 100, b"new").unwrap();
        let (ev, c) = store
            .read_logs("fn", 50, &LogCursor::default(), 10)
            .unwrap();
        assert_eq!(msgs(&ev), ["new"]);
        // a writer caught mid-line: the partial line is not consumed
        let file = s1_file(&dir);
        let mut f = OpenOptions::new().append(true).open(&file).unwrap();
        f.write_all(br#"{"t":200,"m":"par"#).unwrap();
        let (ev, c2) = store.read_logs("fn", 50, &c, 10).unwrap();
        assert!(ev.is_empty());
        f.write_all(b"tial\"}\n").unwrap();
        let (ev, _) = store.read_logs("fn", 50, &c2, 10).unwrap();
        assert_eq!(msgs(&ev), ["partial"]);
    }

    #[test]
    fn streams_newest_first_and_delete() {
        let (_dir, store) = fresh();
        store.append_log("fn", S1, 10, b"a").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        store.append_log("fn", S2, 20, b"b").unwrap();
        assert_eq!(store.log_streams("fn").unwrap(), [S2, S1]);
        assert!(store.log_streams("none").unwrap().is_empty());

        store.delete_logs("fn").unwrap();
        assert!(store.log_streams("fn").unwrap().is_empty());
        store.delete_logs("fn").unwrap();
        // appending again after delete recreates the stream (no stale cached handle)
        store.append_log("fn", S1, 30, b"c").unwrap();
        let (ev, _) = store.read_logs("fn", 0, &LogCursor::default(), 10).unwrap();
        assert_eq!(msgs(&ev), ["c"]);
    }

    #[test]
    fn many_streams_exceed_handle_cache() {
        let (_dir, store) = fresh();
        for round in 0..2u64 {
            for i in 0..(MAX_OPEN_LOGS as u64 + 10) {
                store
                    .append_log("fn", &format!("s{i}"), round * 1000 + i, b"x")
                    .unwrap();
            }
        }
        assert!(store.log_files().open.len() <= MAX_OPEN_LOGS);
        let (ev, _) = store
            .read_logs("fn", 0, &LogCursor::default(), 10_000)
            .unwrap();
        assert_eq!(ev.len(), 2 * (MAX_OPEN_LOGS + 10));
        assert!(ev
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
    }
}
