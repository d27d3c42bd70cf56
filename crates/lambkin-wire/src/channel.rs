//! The control channel's socket as the two ends drive it: the reading half is registered for readability
//! only, the writing half writes directly and registers for writability only while the socket is full.
//!
//! A tokio `UnixStream` registers both interests, so every time the peer reads (room frees up) the writer's
//! side is woken for nothing: on a machine where a wake-up is expensive that is a spurious wake-up of the
//! other process per message. Here a process is woken by its channel only when there is something to read.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

/// Splits a connected unix stream socket into its reading and writing halves (both non-blocking,
/// close-on-exec).
pub fn split(stream: std::os::unix::net::UnixStream) -> io::Result<(ChannelReader, ChannelWriter)> {
    stream.set_nonblocking(true)?;
    let fd = OwnedFd::from(stream);
    let write_fd = fd.try_clone()?;
    Ok((
        ChannelReader {
            fd: register(fd, Interest::READABLE)?,
        },
        ChannelWriter {
            fd: write_fd,
            room: None,
        },
    ))
}

/// Registers `fd` with the runtime's reactor for `interest`.
fn register(fd: OwnedFd, interest: Interest) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: the `OwnedFd` is moved into the `AsyncFd`, so the descriptor stays open, refers to the same
    // socket and is returned unchanged by `as_raw_fd` for the registration's whole life.
    unsafe { AsyncFd::register_with_interest(fd, interest) }.map_err(io::Error::from)
}

/// The reading half: wakes its task only when there is something to read.
pub struct ChannelReader {
    fd: AsyncFd<OwnedFd>,
}

impl AsyncRead for ChannelReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.fd.poll_read_ready(cx))?;
            // SAFETY: recv(2) writes at most `unfilled.len()` bytes into the buffer; exactly the `n` it reports
            // are then marked initialised and filled.
            let unfilled = unsafe { buf.unfilled_mut() };
            let got = guard.try_io(|fd| {
                // SAFETY: as above; the descriptor is open for as long as `self`.
                let n = unsafe {
                    libc::recv(
                        fd.as_raw_fd(),
                        unfilled.as_mut_ptr().cast(),
                        unfilled.len(),
                        0,
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match got {
                Ok(Ok(n)) => {
                    // A short read took everything there was: the next read waits for the next edge instead
                    // of trying (and failing) once more, as tokio's own streams do.
                    if n > 0 && n < unfilled.len() {
                        guard.clear_ready();
                    }
                    // SAFETY: recv(2) initialised these `n` bytes.
                    unsafe { buf.assume_init(n) };
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                // Would block: readiness cleared, wait for the next edge.
                Err(_) => continue,
            }
        }
    }
}

/// The writing half: writes at once; registered for writability only while the socket is full. Dropping it
/// shuts the channel down for writing (the peer reads end-of-file), as tokio's write halves do.
pub struct ChannelWriter {
    fd: OwnedFd,
    /// A registration for writability, only while a write waits for room.
    room: Option<AsyncFd<OwnedFd>>,
}

impl AsyncWrite for ChannelWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            // SAFETY: send(2) reads at most `data.len()` bytes of `data`.
            let n = unsafe {
                libc::send(
                    self.fd.as_raw_fd(),
                    data.as_ptr().cast(),
                    data.len(),
                    libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
                )
            };
            if n >= 0 {
                self.room = None;
                return Poll::Ready(Ok(n as usize));
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    if self.room.is_none() {
                        let dup = self.fd.try_clone()?;
                        self.room = Some(register(dup, Interest::WRITABLE)?);
                    }
                    let Some(room) = self.room.as_ref() else {
                        continue;
                    };
                    let mut guard = ready!(room.poll_write_ready(cx))?;
                    guard.clear_ready();
                }
                _ => return Poll::Ready(Err(e)),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: shutdown(2) on a descriptor this value owns.
        if unsafe { libc::shutdown(self.fd.as_raw_fd(), libc::SHUT_WR) } < 0 {
            return Poll::Ready(Err(io::Error::last_os_error()));
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        // SAFETY: shutdown(2) on a descriptor this value owns; an error (already closed) changes nothing.
        unsafe {
            libc::shutdown(self.fd.as_raw_fd(), libc::SHUT_WR);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_full_channel_waits_for_room_and_drop_ends_the_stream() {
        let (a, b) = std::os::unix::net::UnixStream::pair().expect("pair");
        let (_ra, mut wa) = split(a).expect("split");
        let (mut rb, _wb) = split(b).expect("split");
        // Far more than a socket buffer: the writer must wait for the reader.
        let data: Vec<u8> = (0..4 << 20).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let writer = tokio::spawn(async move {
            wa.write_all(&sent).await.expect("write");
            drop(wa);
        });
        let mut got = Vec::new();
        rb.read_to_end(&mut got).await.expect("read to the end");
        writer.await.expect("writer");
        assert_eq!(got.len(), data.len());
        assert!(got == data);
    }
}
