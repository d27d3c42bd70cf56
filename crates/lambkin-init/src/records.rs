//! Splitting captured output into log records: the plain text lines of stdout and stderr, and the frames of
//! the runtime's telemetry log descriptor (`_LAMBDA_TELEMETRY_LOG_FD`).
//!
//! AWS's runtime interface clients write their logging-module output and error reports to that descriptor
//! as frames, `[type: u32][length: u32][timestamp in µs: u64][message]`, all big-endian. A frame is one
//! record even when its message spans several lines (a stack trace).

/// Longest record kept whole; longer output is split (Lambda splits at 256 KiB).
pub const MAX_RECORD: usize = 256 * 1024;

/// Largest frame message accepted; a longer length means the stream is not framed after all.
pub const MAX_FRAME: usize = 1024 * 1024;

/// Bytes in a frame header.
const HEADER: usize = 16;

/// The fixed part of every frame type (`0xa55a00xx`): the first three bytes.
const MAGIC: [u8; 3] = [0xa5, 0x5a, 0x00];

/// Turns the bytes read from one descriptor into log records.
pub trait Records: Send + 'static {
    /// Takes bytes as read; hands every complete record to `out`.
    fn push(&mut self, bytes: &[u8], out: &mut dyn FnMut(&[u8]));
    /// At end of file: hands over what is still buffered.
    fn finish(&mut self, out: &mut dyn FnMut(&[u8]));
}

/// Newline-separated text (stdout, stderr): one record per line, without its `\n` or `\r\n`.
#[derive(Debug, Default)]
pub struct Lines {
    pending: Vec<u8>,
}

impl Records for Lines {
    fn push(&mut self, bytes: &[u8], out: &mut dyn FnMut(&[u8])) {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        loop {
            let rest = &self.pending[start..];
            if let Some(pos) = rest.iter().position(|&b| b == b'\n') {
                out(strip_cr(&rest[..pos]));
                start += pos + 1;
            } else if rest.len() >= MAX_RECORD {
                out(strip_cr(&rest[..MAX_RECORD]));
                start += MAX_RECORD;
            } else {
                break;
            }
        }
        self.pending.drain(..start);
    }

    fn finish(&mut self, out: &mut dyn FnMut(&[u8])) {
        if !self.pending.is_empty() {
            out(strip_cr(&self.pending));
            self.pending.clear();
        }
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// What [`FrameDecoder`] found in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A frame (or, at end of file, the part of a cut-off frame's message that arrived).
    Frame {
        /// The frame type, `0xa55a00xx` (`0xa55a0003` text, `0xa55a0002` JSON, other values carry a level).
        kind: u32,
        /// When the runtime wrote it, in microseconds since the epoch.
        timestamp_us: u64,
        /// The message, as written.
        message: &'a [u8],
    },
    /// A line of what followed a header that was not one: the rest of the stream is read as text.
    Text(&'a [u8]),
}

/// Decodes the telemetry log stream, tolerating reads that cut frames anywhere.
///
/// Hand-written: the format is a 16-byte header and no crate implements it.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Set once a header turned out bad: from there on, the stream is text.
    text: Option<Lines>,
}

enum Header {
    /// Too few bytes yet, and the ones there look like a header.
    Partial,
    /// Not a frame header.
    Bad,
    Frame {
        kind: u32,
        len: usize,
        timestamp_us: u64,
    },
}

fn parse_header(b: &[u8]) -> Header {
    let n = b.len().min(MAGIC.len());
    if b[..n] != MAGIC[..n] {
        return Header::Bad;
    }
    let Some(h) = b.first_chunk::<HEADER>() else {
        return Header::Partial;
    };
    let kind = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
    let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
    let timestamp_us = u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]);
    if len > MAX_FRAME {
        return Header::Bad;
    }
    Header::Frame {
        kind,
        len,
        timestamp_us,
    }
}

impl FrameDecoder {
    /// Takes bytes as read; hands every complete frame (or text line, after a bad header) to `out`.
    pub fn decode(&mut self, bytes: &[u8], out: &mut dyn FnMut(Piece<'_>)) {
        if let Some(text) = &mut self.text {
            text.push(bytes, &mut |line| out(Piece::Text(line)));
            return;
        }
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        loop {
            let rest = &self.buf[start..];
            match parse_header(rest) {
                Header::Partial => break,
                Header::Bad => {
                    let mut text = Lines::default();
                    text.push(rest, &mut |line| out(Piece::Text(line)));
                    self.text = Some(text);
                    start = self.buf.len();
                    break;
                }
                Header::Frame {
                    kind,
                    len,
                    timestamp_us,
                } => {
                    let Some(message) = rest.get(HEADER..HEADER + len) else {
                        break;
                    };
                    out(Piece::Frame {
                        kind,
                        timestamp_us,
                        message,
                    });
                    start += HEADER + len;
                }
            }
        }
        self.buf.drain(..start);
    }

    /// At end of file: hands over what is still buffered (the arrived part of a cut-off frame's message, or
    /// the last unterminated text line). A cut-off header carries no text and is dropped.
    pub fn decode_end(&mut self, out: &mut dyn FnMut(Piece<'_>)) {
        if let Some(text) = &mut self.text {
            text.finish(&mut |line| out(Piece::Text(line)));
            return;
        }
        let rest = std::mem::take(&mut self.buf);
        if let Header::Frame {
            kind, timestamp_us, ..
        } = parse_header(&rest)
        {
            if rest.len() > HEADER {
                out(Piece::Frame {
                    kind,
                    timestamp_us,
                    message: &rest[HEADER..],
                });
            }
        }
    }
}

/// One record per frame: the message without a single trailing newline (split only past [`MAX_RECORD`]).
fn frame_records(piece: Piece<'_>, out: &mut dyn FnMut(&[u8])) {
    match piece {
        Piece::Frame { message, .. } => {
            let message = message.strip_suffix(b"\n").unwrap_or(message);
            if message.is_empty() {
                out(message);
            }
            for part in message.chunks(MAX_RECORD) {
                out(part);
            }
        }
        Piece::Text(line) => out(line),
    }
}

impl Records for FrameDecoder {
    fn push(&mut self, bytes: &[u8], out: &mut dyn FnMut(&[u8])) {
        self.decode(bytes, &mut |piece| frame_records(piece, out));
    }

    fn finish(&mut self, out: &mut dyn FnMut(&[u8])) {
        self.decode_end(&mut |piece| frame_records(piece, out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A piece with owned bytes, for comparisons.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Owned {
        Frame(u32, u64, Vec<u8>),
        Text(Vec<u8>),
    }

    fn owned(p: Piece<'_>) -> Owned {
        match p {
            Piece::Frame {
                kind,
                timestamp_us,
                message,
            } => Owned::Frame(kind, timestamp_us, message.to_vec()),
            Piece::Text(t) => Owned::Text(t.to_vec()),
        }
    }

    fn frame(kind: u32, ts: u64, msg: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&kind.to_be_bytes());
        f.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        f.extend_from_slice(&ts.to_be_bytes());
        f.extend_from_slice(msg);
        f
    }

    /// Feeds `reads` one after the other, then ends the stream.
    fn decode_all(reads: &[&[u8]]) -> Vec<Owned> {
        let mut d = FrameDecoder::default();
        let mut got = Vec::new();
        for r in reads {
            d.decode(r, &mut |p| got.push(owned(p)));
        }
        d.decode_end(&mut |p| got.push(owned(p)));
        got
    }

    fn records<R: Records>(mut r: R, reads: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        for b in reads {
            r.push(b, &mut |rec| got.push(rec.to_vec()));
        }
        r.finish(&mut |rec| got.push(rec.to_vec()));
        got
    }

    #[test]
    fn whole_frames() {
        let f = frame(0xa55a_000f, 1_700_000_000_000_001, b"[INFO]\thello\n");
        assert_eq!(
            decode_all(&[&f]),
            vec![Owned::Frame(
                0xa55a_000f,
                1_700_000_000_000_001,
                b"[INFO]\thello\n".to_vec()
            )]
        );
    }

    #[test]
    fn split_at_every_byte_boundary() {
        let mut stream = frame(0xa55a_0003, 7, b"first\n");
        stream.extend(frame(0xa55a_0017, 8, b"Traceback:\n  line 1\n  line 2"));
        stream.extend(frame(0xa55a_0002, 9, b""));
        let want = decode_all(&[&stream]);
        assert_eq!(want.len(), 3);
        for i in 0..=stream.len() {
            assert_eq!(
                decode_all(&[&stream[..i], &stream[i..]]),
                want,
                "split at {i}"
            );
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(decode_all(&bytes), want, "one byte per read");
    }

    #[test]
    fn several_frames_in_one_read() {
        let mut stream = Vec::new();
        for i in 0..5u8 {
            stream.extend(frame(0xa55a_0003, u64::from(i), &[b'a' + i, b'\n']));
        }
        let got = records(FrameDecoder::default(), &[&stream]);
        assert_eq!(got, vec![b"a", b"b", b"c", b"d", b"e"]);
    }

    #[test]
    fn frame_is_one_record_with_one_newline_stripped() {
        let f = frame(0xa55a_0017, 1, b"[ERROR] boom\nTraceback\n  at x\n\n");
        let got = records(FrameDecoder::default(), &[&f]);
        assert_eq!(got, vec![b"[ERROR] boom\nTraceback\n  at x\n".to_vec()]);
    }

    #[test]
    fn bad_header_falls_back_to_text() {
        let mut stream = frame(0xa55a_0003, 1, b"framed\n");
        stream.extend_from_slice(b"plain one\nplain two\r\n");
        stream.extend(frame(0xa55a_0003, 2, b"x"));
        stream.extend_from_slice(b"tail");
        let got = records(FrameDecoder::default(), &[&stream]);
        assert_eq!(got[0], b"framed");
        assert_eq!(got[1], b"plain one");
        assert_eq!(got[2], b"plain two");
        // Nothing is lost: the later header's bytes are text too.
        let rest: Vec<u8> = got[3..].concat();
        assert!(rest.ends_with(b"xtail"), "{rest:?}");
    }

    #[test]
    fn text_from_the_start_is_seen_at_once() {
        let mut d = FrameDecoder::default();
        let mut got = Vec::new();
        d.decode(b"hi\n", &mut |p| got.push(owned(p)));
        assert_eq!(got, vec![Owned::Text(b"hi".to_vec())]);
    }

    #[test]
    fn oversized_length_falls_back_to_text() {
        let mut head = Vec::new();
        head.extend_from_slice(&0xa55a_0003u32.to_be_bytes());
        head.extend_from_slice(&(MAX_FRAME as u32 + 1).to_be_bytes());
        head.extend_from_slice(&0u64.to_be_bytes());
        head.extend_from_slice(b"message\n");
        let got = decode_all(&[&head]);
        assert_eq!(got.len(), 1);
        let Owned::Text(t) = &got[0] else {
            panic!("{got:?}")
        };
        assert!(t.ends_with(b"message"));
        // The largest allowed length is still a frame.
        let ok = frame(0xa55a_0003, 0, &vec![b'x'; MAX_FRAME]);
        let got = records(FrameDecoder::default(), &[&ok]);
        assert_eq!(got.concat().len(), MAX_FRAME);
        assert!(got.iter().all(|r| r.len() <= MAX_RECORD));
    }

    #[test]
    fn cut_off_stream_keeps_what_arrived() {
        let f = frame(0xa55a_0003, 1, b"partial message");
        assert_eq!(
            decode_all(&[&f[..HEADER + 7]]),
            vec![Owned::Frame(0xa55a_0003, 1, b"partial".to_vec())]
        );
        assert_eq!(decode_all(&[&f[..5]]), vec![]);
    }

    #[test]
    fn lines_split_and_strip() {
        let got = records(Lines::default(), &[b"a\r\nb", b"c\n", b"", b"tail"]);
        assert_eq!(got, vec![b"a".to_vec(), b"bc".to_vec(), b"tail".to_vec()]);
        let long = vec![b'y'; MAX_RECORD + 3];
        let got = records(Lines::default(), &[&long]);
        assert_eq!(
            got.iter().map(Vec::len).collect::<Vec<_>>(),
            [MAX_RECORD, 3]
        );
    }
}
