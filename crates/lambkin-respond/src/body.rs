//! Response bodies of the invoke front end: whole (`Full`) or streamed from a channel as chunks arrive.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::{Either, Full};
use tokio::sync::mpsc;

/// A body fed by a channel; each message goes out as soon as it is received.
pub struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
}

impl ChannelBody {
    /// A body and the sender that feeds it; dropping the sender ends the body.
    pub fn new(capacity: usize) -> (mpsc::Sender<Bytes>, Self) {
        let (tx, rx) = mpsc::channel(capacity);
        (tx, Self { rx })
    }
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

/// Either kind of body.
pub type FrontBody = Either<Full<Bytes>, ChannelBody>;

/// A whole body.
pub fn full(b: impl Into<Bytes>) -> FrontBody {
    Either::Left(Full::new(b.into()))
}
