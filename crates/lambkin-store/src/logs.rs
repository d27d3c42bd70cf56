//! Function logs: every line of every execution environment, per function, in Lambda-named streams, one
//! compact JSON object per line (`logs/<function>/<stream>.log` and its later segments, names escaped: see
//! `logseg.rs`). Writes keep each function within a bound (oldest segments removed first, [`Store::set_log_limit`]);
//! [`Store::expire_logs`] removes what is older than a retention.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub(crate) use crate::logseg::LogFiles;
use crate::logseg::{self, escape, is_not_found, list_streams, unescape, Segment};
pub use crate::logseg::{Backward, StreamLine, StreamRead, StreamReadBack, DEFAULT_LOG_LIMIT};
use crate::{Store, StoreError};

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
    /// Logical byte offset of the first unread line, per stream name.
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

/// What a stream holds, as `DescribeLogStreams` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// The stream's name.
    pub name: String,
    /// Timestamp of its first line still kept.
    pub first_timestamp_ms: Option<u64>,
    /// Timestamp of its last line.
    pub last_timestamp_ms: Option<u64>,
    /// When it was last written (its newest segment's modification time).
    pub last_write_ms: u64,
    /// Bytes kept.
    pub stored_bytes: u64,
}

#[derive(Serialize)]
struct LineOut<'a> {
    t: u64,
    m: Cow<'a, str>,
}

impl Store {
    fn function_log_dir(&self, function: &str) -> PathBuf {
        self.dir.join("logs").join(escape(function))
    }

    fn log_files(&self) -> std::sync::MutexGuard<'_, LogFiles> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bounds each function's log files to `bytes` (0: no bound; [`DEFAULT_LOG_LIMIT`] until set): a write
    /// that passes it removes the function's oldest segments (by last write) down to 90% of it. A stream's
    /// segment is an eighth of the bound (64 KiB–8 MiB), so a single long-lived stream is trimmed too.
    pub fn set_log_limit(&self, bytes: u64) {
        self.log_files().set_limit(bytes);
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
    /// every host published; alone, [`Store::append_logs`] does). Rotation and the bound apply here, so every
    /// host keeps its own files within them.
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
        let dir = self.function_log_dir(function);
        self.log_files().append(&dir, &escape(stream), &rec)?;
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
        let mut streams: Vec<(String, std::vec::IntoIter<StreamLine>, u64)> = Vec::new();
        for (name, segments) in list_streams(&dir, None)? {
            let start = cursor.offsets.get(&name).copied().unwrap_or(0);
            let min_time = (since_ms > 0).then_some(since_ms);
            let read = logseg::read_forward(&segments, start, min_time, u64::MAX)?;
            let lines: Vec<StreamLine> = read
                .lines
                .into_iter()
                .filter(|l| l.timestamp_ms >= since_ms)
                .collect();
            if lines.is_empty() {
                // Everything up to `next` was read (possibly filtered out).
                if read.next != start {
                    next.offsets.insert(name, read.next);
                }
                continue;
            }
            streams.push((name, lines.into_iter(), read.next));
        }

        // k-way merge by timestamp; each stream is consumed in file order so the cursor can be
        // a per-stream offset.
        let mut heads: Vec<Option<StreamLine>> = streams.iter_mut().map(|s| s.1.next()).collect();
        let mut events = Vec::new();
        while events.len() < limit {
            let best = heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.as_ref().map(|l| (l.timestamp_ms, i)))
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
                timestamp_ms: line.timestamp_ms,
                stream: streams[i].0.clone(),
                message: line.message,
            });
        }
        Ok((events, next))
    }

    /// Stream names of a function (unescaped), newest (most recently written) first.
    pub fn log_streams(&self, function: &str) -> Result<Vec<String>, StoreError> {
        let mut streams: Vec<(u64, String)> = list_streams(&self.function_log_dir(function), None)?
            .into_iter()
            .map(|(name, segs)| (segs.iter().map(|s| s.modified_ms).max().unwrap_or(0), name))
            .collect();
        streams.sort_by(|a, b| b.cmp(a));
        Ok(streams.into_iter().map(|(_, n)| n).collect())
    }

    /// Every stream of a function with when it was last written (ms), in name order: cheap (one directory
    /// listing).
    pub fn log_stream_times(&self, function: &str) -> Result<Vec<(String, u64)>, StoreError> {
        Ok(list_streams(&self.function_log_dir(function), None)?
            .into_iter()
            .map(|(name, segs)| (name, segs.iter().map(|s| s.modified_ms).max().unwrap_or(0)))
            .collect())
    }

    /// What a stream holds (`None` if the function has no such stream): reads its first and last line.
    pub fn log_stream_info(
        &self,
        function: &str,
        stream: &str,
    ) -> Result<Option<StreamInfo>, StoreError> {
        let Some(segs) = self.stream_segments(function, stream)? else {
            return Ok(None);
        };
        Ok(Some(StreamInfo {
            name: stream.to_owned(),
            first_timestamp_ms: segs.iter().find_map(logseg::first_timestamp),
            last_timestamp_ms: segs.iter().rev().find_map(logseg::last_timestamp),
            last_write_ms: segs.iter().map(|s| s.modified_ms).max().unwrap_or(0),
            stored_bytes: segs.iter().map(|s| s.len).sum(),
        }))
    }

    fn stream_segments(
        &self,
        function: &str,
        stream: &str,
    ) -> Result<Option<Vec<Segment>>, StoreError> {
        let esc = escape(stream);
        Ok(list_streams(&self.function_log_dir(function), Some(&esc))?
            .into_values()
            .next())
    }

    /// Reads one stream forward from logical offset `from` (0: its start), about `budget` bytes at most;
    /// segments last written before `min_time_ms` are skipped. `None` if there is no such stream.
    pub fn read_log_stream(
        &self,
        function: &str,
        stream: &str,
        from: u64,
        min_time_ms: Option<u64>,
        budget: u64,
    ) -> Result<Option<StreamRead>, StoreError> {
        let Some(segs) = self.stream_segments(function, stream)? else {
            return Ok(None);
        };
        Ok(Some(logseg::read_forward(
            &segs,
            from,
            min_time_ms,
            budget,
        )?))
    }

    /// Reads one stream backward (see [`Backward`]): the last lines before `q.before` (`u64::MAX`: its end)
    /// that `q.keep` accepts. `None` if there is no such stream.
    pub fn read_log_stream_back(
        &self,
        function: &str,
        stream: &str,
        q: &Backward<'_>,
    ) -> Result<Option<StreamReadBack>, StoreError> {
        let Some(segs) = self.stream_segments(function, stream)? else {
            return Ok(None);
        };
        let end = segs.last().map_or(0, |s| s.end());
        let q = Backward {
            before: q.before.min(end),
            ..*q
        };
        Ok(Some(logseg::read_backward(&segs, &q)?))
    }

    /// Bytes of a function's log files.
    pub fn log_bytes(&self, function: &str) -> Result<u64, StoreError> {
        Ok(list_streams(&self.function_log_dir(function), None)?
            .values()
            .flatten()
            .map(|s| s.len)
            .sum())
    }

    /// When a function's logs began (its log directory's creation time, else its modification time).
    pub fn log_created_ms(&self, function: &str) -> Option<u64> {
        let meta = fs::metadata(self.function_log_dir(function)).ok()?;
        meta.created()
            .or_else(|_| meta.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as u64)
    }

    /// The functions that have log files on this host (names unescaped).
    pub fn log_functions(&self) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(self.dir.join("logs")) {
            Ok(e) => e,
            Err(e) if is_not_found(&e) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for entry in entries {
            if let Some(name) = entry?.file_name().to_str().and_then(unescape) {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Removes this host's segments of a function last written before `cutoff_ms` (retention; `None`: none),
    /// then its oldest segments while it is past the bound; returns the bytes removed. In a cluster every
    /// host expires its own mirror.
    pub fn expire_logs(&self, function: &str, cutoff_ms: Option<u64>) -> Result<u64, StoreError> {
        let dir = self.function_log_dir(function);
        let mut files = self.log_files();
        let mut removed = 0;
        if let Some(cutoff) = cutoff_ms {
            removed += files.expire(&dir, cutoff)?;
        }
        if files.over_limit(&dir)? {
            removed += files.trim(&dir)?;
        }
        Ok(removed)
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
        match fs::remove_dir_all(&dir) {
            Err(e) if !is_not_found(&e) => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;
    use std::io::Write;

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
            for i in 0..(crate::logseg::MAX_OPEN_LOGS as u64 + 10) {
                store
                    .append_log("fn", &format!("s{i}"), round * 1000 + i, b"x")
                    .unwrap();
            }
        }
        assert!(store.log_files().open_count() <= crate::logseg::MAX_OPEN_LOGS);
        let (ev, _) = store
            .read_logs("fn", 0, &LogCursor::default(), 10_000)
            .unwrap();
        assert_eq!(ev.len(), 2 * (crate::logseg::MAX_OPEN_LOGS + 10));
        assert!(ev
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
    }

    /// Segment files of function `fn` (names), sorted.
    fn files(dir: &tempfile::TempDir) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir.path().join("logs/fn"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn a_long_stream_rotates_into_segments_and_cursors_keep_working() {
        let (dir, store) = fresh();
        store.set_log_limit(1 << 20); // segments of 128 KiB
        let line = "x".repeat(1000);
        let (_, mut cursor) = store.read_logs("fn", 0, &LogCursor::default(), 10).unwrap();
        let mut seen = 0;
        for i in 0..400u64 {
            store
                .append_log("fn", S1, i, format!("{i} {line}").as_bytes())
                .unwrap();
            if i % 97 == 0 {
                let (ev, c) = store.read_logs("fn", 0, &cursor, 10_000).unwrap();
                for e in &ev {
                    assert!(
                        e.message.starts_with(&format!("{seen} ")),
                        "{seen}: {}",
                        &e.message[..10]
                    );
                    seen += 1;
                }
                cursor = c;
            }
        }
        let (ev, _) = store.read_logs("fn", 0, &cursor, 10_000).unwrap();
        seen += ev.len();
        assert_eq!(seen, 400);
        let names = files(&dir);
        assert!(names.len() >= 3, "{names:?}");
        assert!(names.iter().all(|n| n.ends_with(".log")));
        // Every line is still there, in order, read from the start.
        let (all, _) = store
            .read_logs("fn", 0, &LogCursor::default(), 10_000)
            .unwrap();
        assert_eq!(all.len(), 400);
        assert!(all
            .windows(2)
            .all(|w| w[0].timestamp_ms + 1 == w[1].timestamp_ms));
        // The stream's logical offsets run on across segments.
        let r = store
            .read_log_stream("fn", S1, 0, None, u64::MAX)
            .unwrap()
            .unwrap();
        assert!(r.at_end);
        assert_eq!(r.lines.len(), 400);
        assert!(r.lines.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(store.log_streams("fn").unwrap(), [S1]);
    }

    #[test]
    fn the_bound_removes_the_oldest_segments_first() {
        let (dir, store) = fresh();
        store.set_log_limit(256 << 10); // segments of 64 KiB
        let line = "y".repeat(1000);
        store.append_log("fn", "old", 1, b"old line").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        for i in 0..1000u64 {
            store
                .append_log("fn", S1, 10 + i, format!("{i} {line}").as_bytes())
                .unwrap();
        }
        let bytes = store.log_bytes("fn").unwrap();
        assert!(bytes <= 256 << 10, "{bytes}");
        assert!(bytes > 128 << 10, "{bytes}");
        // The old stream went first; the newest lines are kept; the oldest of the long stream are gone.
        assert_eq!(store.log_streams("fn").unwrap(), [S1]);
        let (all, _) = store
            .read_logs("fn", 0, &LogCursor::default(), 10_000)
            .unwrap();
        assert_eq!(all.last().unwrap().timestamp_ms, 1009);
        assert!(all.first().unwrap().timestamp_ms > 10);
        // A cursor from before the trim reads on from the first line kept.
        let stale = LogCursor {
            offsets: [(S1.to_owned(), 5)].into_iter().collect(),
        };
        let (ev, _) = store.read_logs("fn", 0, &stale, 10_000).unwrap();
        assert_eq!(ev.len(), all.len());
        assert!(files(&dir).len() <= 5, "{:?}", files(&dir));
        // A stream written again after all of it was removed starts over; an old cursor past its end reads it
        // from the start.
        let far = LogCursor {
            offsets: [("old".to_owned(), 1 << 30)].into_iter().collect(),
        };
        store.append_log("fn", "old", 2000, b"again").unwrap();
        let (ev, _) = store.read_logs("fn", 0, &far, 10_000).unwrap();
        assert!(ev.iter().any(|e| e.message == "again"));
    }

    #[test]
    fn expire_removes_segments_last_written_before_the_cutoff() {
        let (_dir, store) = fresh();
        store.append_log("fn", S1, 1, b"a").unwrap();
        store.append_log("fn", S2, 2, b"b").unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert_eq!(store.expire_logs("fn", Some(now - 60_000)).unwrap(), 0);
        assert_eq!(store.log_streams("fn").unwrap().len(), 2);
        assert!(store.expire_logs("fn", Some(now + 60_000)).unwrap() > 0);
        assert!(store.log_streams("fn").unwrap().is_empty());
        // The cached handle was dropped: a new line lands in a file that exists.
        store.append_log("fn", S1, 3, b"c").unwrap();
        let (ev, _) = store.read_logs("fn", 0, &LogCursor::default(), 10).unwrap();
        assert_eq!(msgs(&ev), ["c"]);
        assert_eq!(store.log_functions().unwrap(), ["fn"]);
    }

    #[test]
    fn stream_reads_forward_backward_and_info() {
        let (_dir, store) = fresh();
        store.set_log_limit(1 << 20);
        for i in 0..300u64 {
            store
                .append_log(
                    "fn",
                    S1,
                    1000 + i,
                    format!("line {i} {}", "z".repeat(700)).as_bytes(),
                )
                .unwrap();
        }
        let info = store.log_stream_info("fn", S1).unwrap().unwrap();
        assert_eq!(info.first_timestamp_ms, Some(1000));
        assert_eq!(info.last_timestamp_ms, Some(1299));
        assert!(info.stored_bytes > 200_000);
        assert!(store.log_stream_info("fn", "nope").unwrap().is_none());
        // Forward in small budgets: every line once.
        let mut pos = 0;
        let mut n = 0;
        loop {
            let r = store
                .read_log_stream("fn", S1, pos, None, 10_000)
                .unwrap()
                .unwrap();
            n += r.lines.len();
            pos = r.next;
            if r.at_end {
                break;
            }
        }
        assert_eq!(n, 300);
        // Backward from the end: the last 5, then the 5 before them.
        let back = |before: u64, max_lines: usize, keep: &dyn Fn(u64) -> bool| {
            store
                .read_log_stream_back(
                    "fn",
                    S1,
                    &Backward {
                        before,
                        max_lines,
                        min_time_ms: None,
                        budget: u64::MAX,
                        keep,
                    },
                )
                .unwrap()
                .unwrap()
        };
        let b = back(u64::MAX, 5, &|_| true);
        let ts: Vec<u64> = b.lines.iter().map(|l| l.timestamp_ms).collect();
        assert_eq!(ts, [1295, 1296, 1297, 1298, 1299]);
        assert_eq!(b.stop, b.lines[0].start);
        let b2 = back(b.stop, 5, &|_| true);
        let ts: Vec<u64> = b2.lines.iter().map(|l| l.timestamp_ms).collect();
        assert_eq!(ts, [1290, 1291, 1292, 1293, 1294]);
        // Backward across segment boundaries, with a time filter: only even timestamps below 1100.
        let b3 = back(u64::MAX, 1000, &|t| t < 1100 && t % 2 == 0);
        assert_eq!(b3.lines.len(), 50);
        assert_eq!(b3.lines[0].timestamp_ms, 1000);
        assert_eq!(b3.stop, 0);
    }
}
