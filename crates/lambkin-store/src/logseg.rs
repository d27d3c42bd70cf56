//! A function's log streams as segment files, below the `Store` API of `logs.rs`.
//!
//! A stream is a run of segments in `logs/<function>/` (names escaped): `<stream>.log` holds the stream from
//! its byte 0, `<stream>.<base>.log` the stream from its byte `base` on. A stream's byte offsets are
//! *logical* (a segment's base plus the offset in its file), so cursors and tokens stay valid while old
//! segments are removed. Only complete (newline-terminated) lines are ever read.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How many log files are kept open for appending.
pub(crate) const MAX_OPEN_LOGS: usize = 64;
pub(crate) const LOG_EXT: &str = ".log";
/// The default bound of one function's log files: 256 MiB.
pub const DEFAULT_LOG_LIMIT: u64 = 256 << 20;
const MIN_SEGMENT: u64 = 64 << 10;
const MAX_SEGMENT: u64 = 8 << 20;
/// A line's timestamp (the init's clock, possibly another host's) is never later than the write that kept
/// it by more than this: a segment last written this long before a read's start time holds no line of it.
pub(crate) const WRITE_SLACK_MS: u64 = 60_000;
/// Backward reads go through a segment in pieces of this size.
const BACK_CHUNK: u64 = 256 << 10;

/// One line of a stream: its logical byte range, timestamp and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamLine {
    /// Logical offset of the line's first byte.
    pub start: u64,
    /// Logical offset just after its newline.
    pub end: u64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The line.
    pub message: String,
}

/// Lines read forward from a stream.
#[derive(Debug, Clone, Default)]
pub struct StreamRead {
    /// The complete lines read, in file order.
    pub lines: Vec<StreamLine>,
    /// Where the next read continues (after the last line read, or after what was skipped).
    pub next: u64,
    /// Whether the stream had nothing more (complete) when read; false when the read stopped at its budget.
    pub at_end: bool,
}

/// Lines read backward from a stream.
#[derive(Debug, Clone, Default)]
pub struct StreamReadBack {
    /// The lines kept, in file order (the last ones before the starting offset).
    pub lines: Vec<StreamLine>,
    /// Where the read stopped: the start of the earliest line it looked at (or of the stream).
    pub stop: u64,
    /// Where it began (the offset asked for, at most the stream's end).
    pub before: u64,
}

#[derive(Deserialize)]
struct LineIn {
    t: u64,
    m: String,
}

/// One segment file.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) base: u64,
    pub(crate) path: PathBuf,
    pub(crate) len: u64,
    pub(crate) modified_ms: u64,
}

impl Segment {
    pub(crate) fn end(&self) -> u64 {
        self.base + self.len
    }
}

/// Escapes a name into a single safe path component: `[A-Za-z0-9_-]` are kept, every other
/// byte becomes `%XX` (so an escaped name never holds a `.`).
pub(crate) fn escape(name: &str) -> String {
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
pub(crate) fn unescape(s: &str) -> Option<String> {
    if s == "%" {
        return Some(String::new());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                out.push(c);
                i += 1;
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

/// The file name of the segment of stream `esc` (escaped) starting at `base`.
pub(crate) fn segment_file_name(esc: &str, base: u64) -> String {
    if base == 0 {
        format!("{esc}{LOG_EXT}")
    } else {
        format!("{esc}.{base}{LOG_EXT}")
    }
}

/// `(escaped stream name, base)` of a segment's file name.
fn parse_segment_name(file: &str) -> Option<(&str, u64)> {
    let stem = file.strip_suffix(LOG_EXT)?;
    match stem.split_once('.') {
        Some((esc, base)) => Some((esc, base.parse().ok()?)),
        None => Some((stem, 0)),
    }
}

fn modified_ms(meta: &fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as u64)
}

pub(crate) fn is_not_found(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound
}

/// Every stream of a function's directory (unescaped names) with its segments in order (empty if the
/// directory does not exist). `only`: the escaped name of the one stream wanted.
pub(crate) fn list_streams(
    dir: &Path,
    only: Option<&str>,
) -> std::io::Result<BTreeMap<String, Vec<Segment>>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if is_not_found(&e) => return Ok(BTreeMap::new()),
        Err(e) => return Err(e),
    };
    let mut out: BTreeMap<String, Vec<Segment>> = BTreeMap::new();
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some((esc, base)) = file_name.to_str().and_then(parse_segment_name) else {
            continue;
        };
        if only.is_some_and(|o| o != esc) {
            continue;
        }
        let Some(name) = unescape(esc) else { continue };
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) if is_not_found(&e) => continue,
            Err(e) => return Err(e),
        };
        out.entry(name).or_default().push(Segment {
            base,
            path: entry.path(),
            len: meta.len(),
            modified_ms: modified_ms(&meta),
        });
    }
    for segs in out.values_mut() {
        segs.sort_by_key(|s| s.base);
    }
    Ok(out)
}

/// Bytes of every file in `dir` (0 if it does not exist).
fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    Ok(list_streams(dir, None)?
        .values()
        .flatten()
        .map(|s| s.len)
        .sum())
}

/// Complete lines of a segment file from `off`, reading at most about `max` bytes (but at least one whole
/// line when there is one). Returns the lines (logical offsets: `base` added), the file offset after the
/// last complete line, and whether the read went to the file's end.
fn read_lines(
    path: &Path,
    base: u64,
    off: u64,
    max: u64,
) -> std::io::Result<(Vec<StreamLine>, u64, bool)> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if off >= len {
        return Ok((Vec::new(), off.min(len), true));
    }
    f.seek(SeekFrom::Start(off))?;
    let mut want = (len - off).min(max.max(1));
    let mut buf = Vec::new();
    (&mut f).take(want).read_to_end(&mut buf)?;
    if want < len - off && !buf.contains(&b'\n') {
        // One line longer than the budget: read the rest of the file.
        (&mut f).take(len - off - want).read_to_end(&mut buf)?;
        want = len - off;
    }
    let mut lines = Vec::new();
    let mut pos = 0usize;
    while let Some(nl) = buf[pos..].iter().position(|&c| c == b'\n') {
        let raw = &buf[pos..pos + nl];
        let start = off + pos as u64;
        pos += nl + 1;
        // Malformed lines are skipped (but consumed).
        if let Ok(l) = serde_json::from_slice::<LineIn>(raw) {
            lines.push(StreamLine {
                start: base + start,
                end: base + off + pos as u64,
                timestamp_ms: l.t,
                message: l.m,
            });
        }
    }
    Ok((lines, off + pos as u64, want == len - off))
}

/// Reads a stream forward from logical offset `from`, at most about `budget` bytes. Segments last written
/// before `min_time_ms` (less the slack) are skipped unread. A stream that is now shorter than `from` was
/// removed and written again: it is read from its start.
pub(crate) fn read_forward(
    segments: &[Segment],
    from: u64,
    min_time_ms: Option<u64>,
    budget: u64,
) -> std::io::Result<StreamRead> {
    let Some(last) = segments.last() else {
        return Ok(StreamRead {
            lines: Vec::new(),
            next: from,
            at_end: true,
        });
    };
    let mut pos = if from > last.end() { 0 } else { from };
    let mut lines = Vec::new();
    let mut used = 0u64;
    for (i, seg) in segments.iter().enumerate() {
        let is_last = i + 1 == segments.len();
        if !is_last && seg.end() <= pos {
            continue;
        }
        pos = pos.max(seg.base);
        if !is_last
            && min_time_ms.is_some_and(|t| seg.modified_ms.saturating_add(WRITE_SLACK_MS) < t)
        {
            pos = seg.end();
            continue;
        }
        let left = budget.saturating_sub(used);
        if left == 0 {
            return Ok(StreamRead {
                lines,
                next: pos,
                at_end: false,
            });
        }
        let (mut got, consumed, to_eof) =
            match read_lines(&seg.path, seg.base, pos - seg.base, left) {
                Ok(x) => x,
                // Removed meanwhile (retention, the size bound): what follows is in later segments.
                Err(e) if is_not_found(&e) => continue,
                Err(e) => return Err(e),
            };
        used += (seg.base + consumed).saturating_sub(pos);
        lines.append(&mut got);
        pos = seg.base + consumed;
        if !to_eof {
            return Ok(StreamRead {
                lines,
                next: pos,
                at_end: false,
            });
        }
    }
    Ok(StreamRead {
        lines,
        next: pos,
        at_end: true,
    })
}

/// What a backward read looks for.
pub struct Backward<'a> {
    /// Where it starts (a line boundary; `u64::MAX`: the stream's end).
    pub before: u64,
    /// How many lines it keeps at most.
    pub max_lines: usize,
    /// Segments last written before this (less the slack) end the read.
    pub min_time_ms: Option<u64>,
    /// About how many bytes it looks at, at most.
    pub budget: u64,
    /// Which timestamps it keeps.
    pub keep: &'a dyn Fn(u64) -> bool,
}

/// Reads a stream backward (see [`Backward`]): the last lines before `before` that `keep` accepts.
pub(crate) fn read_backward(
    segments: &[Segment],
    q: &Backward<'_>,
) -> std::io::Result<StreamReadBack> {
    let Backward {
        before,
        max_lines,
        min_time_ms,
        budget,
        keep,
    } = *q;
    let mut found: Vec<StreamLine> = Vec::new();
    let mut stop = before;
    let mut used = 0u64;
    for (i, seg) in segments.iter().enumerate().rev() {
        let is_last = i + 1 == segments.len();
        if seg.base >= before {
            continue;
        }
        if !is_last
            && min_time_ms.is_some_and(|t| seg.modified_ms.saturating_add(WRITE_SLACK_MS) < t)
        {
            stop = segments[0].base;
            break;
        }
        let mut f = match File::open(&seg.path) {
            Ok(f) => f,
            Err(e) if is_not_found(&e) => continue,
            Err(e) => return Err(e),
        };
        let file_len = f.metadata()?.len();
        let mut hi = (before - seg.base).min(file_len);
        stop = seg.base + hi;
        let mut chunk = BACK_CHUNK;
        while hi > 0 {
            if found.len() >= max_lines || used >= budget {
                found.reverse();
                return Ok(StreamReadBack {
                    lines: found,
                    stop,
                    before,
                });
            }
            let lo = hi.saturating_sub(chunk);
            // One byte before the piece tells whether it starts at a line boundary.
            let read_from = lo.saturating_sub(1);
            f.seek(SeekFrom::Start(read_from))?;
            let mut buf = Vec::new();
            (&mut f).take(hi - read_from).read_to_end(&mut buf)?;
            let data_start = if lo == 0 {
                0
            } else {
                match buf.iter().position(|&c| c == b'\n') {
                    Some(nl) => read_from + nl as u64 + 1,
                    None => {
                        // A line longer than the piece: take a bigger piece.
                        chunk = chunk.saturating_mul(2);
                        continue;
                    }
                }
            };
            if data_start >= hi {
                chunk = chunk.saturating_mul(2);
                continue;
            }
            let data = &buf[(data_start - read_from) as usize..];
            used += data.len() as u64;
            let mut piece = Vec::new();
            let mut pos = 0usize;
            while let Some(nl) = data[pos..].iter().position(|&c| c == b'\n') {
                let raw = &data[pos..pos + nl];
                let start = data_start + pos as u64;
                pos += nl + 1;
                if let Ok(l) = serde_json::from_slice::<LineIn>(raw) {
                    piece.push(StreamLine {
                        start: seg.base + start,
                        end: seg.base + data_start + pos as u64,
                        timestamp_ms: l.t,
                        message: l.m,
                    });
                }
            }
            for line in piece.into_iter().rev() {
                if found.len() >= max_lines {
                    found.reverse();
                    return Ok(StreamReadBack {
                        lines: found,
                        stop,
                        before,
                    });
                }
                stop = line.start;
                if keep(line.timestamp_ms) {
                    found.push(line);
                }
            }
            stop = seg.base + data_start;
            hi = data_start;
            chunk = BACK_CHUNK;
        }
    }
    found.reverse();
    Ok(StreamReadBack {
        lines: found,
        stop,
        before,
    })
}

/// The timestamp of a segment's first complete line.
pub(crate) fn first_timestamp(seg: &Segment) -> Option<u64> {
    read_lines(&seg.path, seg.base, 0, 64 << 10)
        .ok()
        .and_then(|(l, _, _)| l.first().map(|l| l.timestamp_ms))
}

/// The timestamp of a segment's last complete line.
pub(crate) fn last_timestamp(seg: &Segment) -> Option<u64> {
    read_backward(
        std::slice::from_ref(seg),
        &Backward {
            before: seg.end(),
            max_lines: 1,
            min_time_ms: None,
            budget: u64::MAX,
            keep: &|_| true,
        },
    )
    .ok()
    .and_then(|r| r.lines.last().map(|l| l.timestamp_ms))
}

/// The segment a stream is appended to.
struct Active {
    file: File,
    path: PathBuf,
    base: u64,
    len: u64,
    used: u64,
}

/// The writer's state: open append handles (least recently used evicted), each function's bytes on disk and
/// the bound on them.
pub(crate) struct LogFiles {
    /// By `<function dir>/<escaped stream>`.
    open: HashMap<PathBuf, Active>,
    tick: u64,
    /// Bytes of each function directory, known since its first write in this process.
    sizes: HashMap<PathBuf, u64>,
    /// Bound on a function's bytes (0: none).
    limit: u64,
}

impl Default for LogFiles {
    fn default() -> Self {
        Self {
            open: HashMap::new(),
            tick: 0,
            sizes: HashMap::new(),
            limit: DEFAULT_LOG_LIMIT,
        }
    }
}

impl LogFiles {
    /// Sets the bound on each function's bytes (0: none).
    pub(crate) fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// A segment's size: an eighth of the bound, within 64 KiB–8 MiB.
    fn segment_bytes(&self) -> u64 {
        if self.limit == 0 {
            MAX_SEGMENT
        } else {
            (self.limit / 8).clamp(MIN_SEGMENT, MAX_SEGMENT)
        }
    }

    #[cfg(test)]
    pub(crate) fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Appends `rec` (complete lines) to stream `esc` of function directory `dir` in one `write(2)`,
    /// starting a new segment first when the current one would pass the segment size; then keeps the
    /// function within its bound.
    pub(crate) fn append(&mut self, dir: &Path, esc: &str, rec: &[u8]) -> std::io::Result<()> {
        self.tick += 1;
        let tick = self.tick;
        let key = dir.join(esc);
        let seg_max = self.segment_bytes();
        if !self.open.contains_key(&key) {
            if self.open.len() >= MAX_OPEN_LOGS {
                let oldest = self
                    .open
                    .iter()
                    .min_by_key(|(_, a)| a.used)
                    .map(|(p, _)| p.clone());
                if let Some(p) = oldest {
                    self.open.remove(&p);
                }
            }
            fs::create_dir_all(dir)?;
            let base = list_streams(dir, Some(esc))?
                .into_values()
                .next()
                .and_then(|segs| segs.last().map(|s| s.base))
                .unwrap_or(0);
            let path = dir.join(segment_file_name(esc, base));
            let file = OpenOptions::new().append(true).create(true).open(&path)?;
            let len = file.metadata()?.len();
            self.open.insert(
                key.clone(),
                Active {
                    file,
                    path,
                    base,
                    len,
                    used: tick,
                },
            );
        }
        let active = self
            .open
            .get_mut(&key)
            .ok_or_else(|| std::io::Error::other("log handle vanished"))?;
        let n = rec.len() as u64;
        if active.len > 0 && active.len + n > seg_max {
            let base = active.base + active.len;
            let path = dir.join(segment_file_name(esc, base));
            let file = OpenOptions::new().append(true).create(true).open(&path)?;
            *active = Active {
                file,
                path,
                base,
                len: 0,
                used: tick,
            };
        }
        active.file.write_all(rec)?;
        active.len += n;
        active.used = tick;
        let size = match self.sizes.get_mut(dir) {
            Some(s) => {
                *s += n;
                *s
            }
            None => {
                let s = dir_bytes(dir)?;
                self.sizes.insert(dir.to_path_buf(), s);
                s
            }
        };
        if self.limit > 0 && size > self.limit {
            self.trim(dir)?;
        }
        Ok(())
    }

    /// Removes a function's oldest segments (by last write) until its bytes are 90% of the bound.
    pub(crate) fn trim(&mut self, dir: &Path) -> std::io::Result<u64> {
        if self.limit == 0 {
            return Ok(0);
        }
        let target = self.limit - self.limit / 10;
        let mut segs: Vec<Segment> = list_streams(dir, None)?.into_values().flatten().collect();
        let mut total: u64 = segs.iter().map(|s| s.len).sum();
        segs.sort_by_key(|s| (s.modified_ms, s.base));
        let mut removed = 0;
        for s in segs {
            if total <= target {
                break;
            }
            self.remove_segment(&s.path)?;
            total -= s.len;
            removed += s.len;
        }
        self.sizes.insert(dir.to_path_buf(), total);
        Ok(removed)
    }

    /// Removes a function's segments last written before `cutoff_ms`; returns the bytes removed.
    pub(crate) fn expire(&mut self, dir: &Path, cutoff_ms: u64) -> std::io::Result<u64> {
        let mut removed = 0;
        for s in list_streams(dir, None)?.into_values().flatten() {
            if s.modified_ms < cutoff_ms {
                self.remove_segment(&s.path)?;
                removed += s.len;
            }
        }
        if removed > 0 {
            self.sizes.remove(dir);
        }
        Ok(removed)
    }

    /// Whether a function's bytes are past the bound (counted now when not known).
    pub(crate) fn over_limit(&mut self, dir: &Path) -> std::io::Result<bool> {
        if self.limit == 0 {
            return Ok(false);
        }
        let size = match self.sizes.get(dir) {
            Some(s) => *s,
            None => {
                let s = dir_bytes(dir)?;
                self.sizes.insert(dir.to_path_buf(), s);
                s
            }
        };
        Ok(size > self.limit)
    }

    fn remove_segment(&mut self, path: &Path) -> std::io::Result<()> {
        self.open.retain(|_, a| a.path != path);
        match fs::remove_file(path) {
            Err(e) if !is_not_found(&e) => Err(e),
            _ => Ok(()),
        }
    }

    /// Forgets everything of a function directory about to be removed.
    pub(crate) fn forget_under(&mut self, dir: &Path) {
        self.open.retain(|p, _| !p.starts_with(dir));
        self.sizes.remove(dir);
    }
}
