//! A response body of a given size made of one static chunk repeated: the oversized-answer fault
//! sends megabytes without holding them in memory.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

const CHUNK: &[u8] = &[b' '; 16 * 1024];
const PREFIX: &[u8] = br#"{"result": true, "padding": ""#;

/// `{"result": true, "padding": "` followed by spaces up to `len` bytes: it never closes, and is
/// far too big to be an answer.
pub(crate) struct RepeatBody {
    remaining: u64,
    started: bool,
}

impl RepeatBody {
    pub(crate) fn new(len: u64) -> Self {
        RepeatBody {
            remaining: len,
            started: false,
        }
    }
}

impl Body for RepeatBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let source = if self.started { CHUNK } else { PREFIX };
        self.started = true;
        let n = usize::try_from(self.remaining).map_or(source.len(), |r| r.min(source.len()));
        self.remaining -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&source[..n])))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
