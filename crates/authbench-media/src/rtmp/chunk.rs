//! The RTMP chunk stream: messages cut into chunks with compressed headers (RTMP specification,
//! section 5.3), and the protocol control messages that steer it.

use std::collections::HashMap;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest message accepted from a server. Command answers are a few hundred bytes; a longer one
/// is not an answer the probe waits for, and its length is refused before any of it is buffered.
pub(crate) const MAX_MESSAGE_LEN: usize = 1 << 20;
/// Most chunk streams a server may use at once (each can hold a partial message).
pub(crate) const MAX_CHUNK_STREAMS: usize = 64;
/// Most bytes read from a server in one probe.
pub(crate) const MAX_TOTAL_READ: u64 = 8 << 20;
/// The chunk size both sides start with.
pub(crate) const DEFAULT_CHUNK_SIZE: usize = 128;
/// Largest chunk size a peer may set (the field is 31 bits).
const MAX_CHUNK_SIZE: u32 = 0x7FFF_FFFF;
/// A 24-bit timestamp field with this value means a 32-bit extended timestamp follows.
const EXTENDED: u32 = 0xFF_FFFF;

/// Message type ids (RTMP specification, sections 5.4 and 7.1).
pub(crate) mod kind {
    pub const SET_CHUNK_SIZE: u8 = 1;
    pub const ABORT: u8 = 2;
    pub const ACKNOWLEDGEMENT: u8 = 3;
    pub const USER_CONTROL: u8 = 4;
    pub const WINDOW_ACK_SIZE: u8 = 5;
    pub const SET_PEER_BANDWIDTH: u8 = 6;
    pub const COMMAND_AMF3: u8 = 17;
    pub const COMMAND_AMF0: u8 = 20;
}

/// One reassembled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    pub type_id: u8,
    pub stream_id: u32,
    pub timestamp: u32,
    pub payload: Vec<u8>,
}

/// What went wrong reading chunks.
#[derive(Debug)]
pub(crate) enum ChunkError {
    /// The server closed the connection (or reset it).
    Closed,
    /// Another I/O error.
    Io(io::Error),
    /// The bytes are not a valid chunk stream, or exceed a bound.
    Protocol(String),
}

impl From<io::Error> for ChunkError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => ChunkError::Closed,
            _ => ChunkError::Io(e),
        }
    }
}

/// What the previous chunk on a chunk stream said, for the compressed headers that follow it.
#[derive(Debug, Default)]
struct ChunkStream {
    timestamp: u32,
    delta: u32,
    length: usize,
    type_id: u8,
    stream_id: u32,
    /// The last header carried an extended timestamp, so a type-3 chunk carries one too.
    extended: bool,
    /// The message being reassembled (empty between messages).
    partial: Vec<u8>,
    /// Whether a message is in progress.
    in_progress: bool,
}

/// Reads messages from a chunk stream.
pub(crate) struct ChunkReader {
    chunk_size: usize,
    streams: HashMap<u32, ChunkStream>,
    total_read: u64,
}

impl ChunkReader {
    pub(crate) fn new() -> Self {
        ChunkReader {
            chunk_size: DEFAULT_CHUNK_SIZE,
            streams: HashMap::new(),
            total_read: 0,
        }
    }

    /// Bytes read so far (for acknowledgements).
    pub(crate) fn total_read(&self) -> u64 {
        self.total_read
    }

    /// Applies a peer's Set Chunk Size.
    pub(crate) fn set_chunk_size(&mut self, payload: &[u8]) -> Result<(), ChunkError> {
        let size = be_u32(payload)
            .ok_or_else(|| ChunkError::Protocol("Set Chunk Size cut short".into()))?
            & MAX_CHUNK_SIZE;
        if size == 0 {
            return Err(ChunkError::Protocol("Set Chunk Size of 0".into()));
        }
        self.chunk_size = usize::try_from(size).unwrap_or(usize::MAX);
        Ok(())
    }

    /// Applies an Abort: the partial message on that chunk stream is dropped.
    pub(crate) fn abort(&mut self, payload: &[u8]) {
        if let Some(csid) = be_u32(payload)
            && let Some(s) = self.streams.get_mut(&csid)
        {
            s.partial.clear();
            s.in_progress = false;
        }
    }

    async fn read_bytes<R: AsyncRead + Unpin>(
        &mut self,
        r: &mut R,
        buf: &mut [u8],
    ) -> Result<(), ChunkError> {
        self.total_read += buf.len() as u64;
        if self.total_read > MAX_TOTAL_READ {
            return Err(ChunkError::Protocol(format!(
                "the server sent more than {} MiB without a verdict",
                MAX_TOTAL_READ >> 20
            )));
        }
        r.read_exact(buf).await?;
        Ok(())
    }

    async fn read_u8<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> Result<u8, ChunkError> {
        let mut b = [0; 1];
        self.read_bytes(r, &mut b).await?;
        Ok(b[0])
    }

    async fn read_u24<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> Result<u32, ChunkError> {
        let mut b = [0; 3];
        self.read_bytes(r, &mut b).await?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    async fn read_u32<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> Result<u32, ChunkError> {
        let mut b = [0; 4];
        self.read_bytes(r, &mut b).await?;
        Ok(u32::from_be_bytes(b))
    }

    /// Reads chunks until one message is complete.
    pub(crate) async fn read_message<R: AsyncRead + Unpin>(
        &mut self,
        r: &mut R,
    ) -> Result<Message, ChunkError> {
        loop {
            if let Some(msg) = self.read_chunk(r).await? {
                return Ok(msg);
            }
        }
    }

    /// Reads one chunk; returns the message it completes, if any.
    async fn read_chunk<R: AsyncRead + Unpin>(
        &mut self,
        r: &mut R,
    ) -> Result<Option<Message>, ChunkError> {
        // Basic header: 2-bit format, 6-bit chunk stream id (0 and 1 announce longer ids).
        let first = self.read_u8(r).await?;
        let fmt = first >> 6;
        let csid = match first & 0x3F {
            0 => 64 + u32::from(self.read_u8(r).await?),
            1 => {
                let lo = u32::from(self.read_u8(r).await?);
                let hi = u32::from(self.read_u8(r).await?);
                64 + lo + hi * 256
            }
            id => u32::from(id),
        };
        if !self.streams.contains_key(&csid) {
            if fmt != 0 {
                return Err(ChunkError::Protocol(format!(
                    "chunk stream {csid} starts with a type-{fmt} header"
                )));
            }
            if self.streams.len() >= MAX_CHUNK_STREAMS {
                return Err(ChunkError::Protocol(format!(
                    "more than {MAX_CHUNK_STREAMS} chunk streams"
                )));
            }
        }

        // Message header, by format.
        // Timestamp (or delta) and length are 24-bit fields.
        let mut header = [0u32; 2];
        let fields = match fmt {
            0 | 1 => 2,
            2 => 1,
            _ => 0,
        };
        for slot in header.iter_mut().take(fields) {
            *slot = self.read_u24(r).await?;
        }
        let type_id = if fmt <= 1 {
            Some(self.read_u8(r).await?)
        } else {
            None
        };
        let stream_id = if fmt == 0 {
            let mut b = [0; 4];
            self.read_bytes(r, &mut b).await?;
            // The one little-endian field of the protocol.
            Some(u32::from_le_bytes(b))
        } else {
            None
        };
        let ts_field = header[0];
        let extended = match fmt {
            0..=2 => ts_field == EXTENDED,
            _ => self.streams.get(&csid).is_some_and(|s| s.extended),
        };
        let ext_value = if extended {
            Some(self.read_u32(r).await?)
        } else {
            None
        };

        let chunk_size = self.chunk_size;
        let s = self.streams.entry(csid).or_default();
        match fmt {
            0 => {
                s.timestamp = ext_value.unwrap_or(ts_field);
                s.delta = 0;
                s.length = header[1] as usize;
                s.type_id = type_id.unwrap_or_default();
                s.stream_id = stream_id.unwrap_or_default();
                s.extended = extended;
            }
            1 | 2 => {
                s.delta = ext_value.unwrap_or(ts_field);
                if fmt == 1 {
                    s.length = header[1] as usize;
                    s.type_id = type_id.unwrap_or_default();
                }
                s.extended = extended;
                if !s.in_progress {
                    s.timestamp = s.timestamp.wrapping_add(s.delta);
                }
            }
            _ => {
                // A type-3 chunk starting a new message repeats the previous header and delta.
                if !s.in_progress {
                    s.timestamp = s.timestamp.wrapping_add(s.delta);
                }
            }
        }
        if fmt <= 1 && s.in_progress {
            return Err(ChunkError::Protocol(format!(
                "chunk stream {csid}: a new message header inside an unfinished message"
            )));
        }
        if s.length > MAX_MESSAGE_LEN {
            return Err(ChunkError::Protocol(format!(
                "a message of {} bytes (type {}) exceeds the {} KiB limit",
                s.length,
                s.type_id,
                MAX_MESSAGE_LEN >> 10
            )));
        }
        s.in_progress = true;
        let want = (s.length - s.partial.len()).min(chunk_size);
        let start = s.partial.len();
        s.partial.resize(start + want, 0);
        let mut body = std::mem::take(&mut s.partial);
        let read = self.read_bytes(r, &mut body[start..]).await;
        let s = self.streams.entry(csid).or_default();
        s.partial = body;
        read?;
        if s.partial.len() < s.length {
            return Ok(None);
        }
        s.in_progress = false;
        Ok(Some(Message {
            type_id: s.type_id,
            stream_id: s.stream_id,
            timestamp: s.timestamp,
            payload: std::mem::take(&mut s.partial),
        }))
    }
}

/// The first four bytes as a big-endian `u32`.
pub(crate) fn be_u32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

/// Encodes one message as chunks of `chunk_size` bytes: a type-0 header, then type-3 headers.
/// `csid` is 2..=63 (a one-byte basic header); the timestamp is below the extended range.
pub(crate) fn encode_message(
    csid: u8,
    type_id: u8,
    stream_id: u32,
    payload: &[u8],
    chunk_size: usize,
) -> Vec<u8> {
    let len = u32::try_from(payload.len())
        .unwrap_or(EXTENDED)
        .min(EXTENDED);
    let mut out = Vec::with_capacity(payload.len() + 16);
    out.push(csid & 0x3F);
    out.extend_from_slice(&[0, 0, 0]); // timestamp 0
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(type_id);
    out.extend_from_slice(&stream_id.to_le_bytes());
    for (i, piece) in payload.chunks(chunk_size.max(1)).enumerate() {
        if i > 0 {
            out.push(0xC0 | (csid & 0x3F));
        }
        out.extend_from_slice(piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(bytes: &[u8]) -> Vec<Result<Message, String>> {
        let mut reader = ChunkReader::new();
        let mut r = bytes;
        let mut out = Vec::new();
        loop {
            match reader.read_message(&mut r).await {
                Ok(m) => out.push(Ok(m)),
                Err(ChunkError::Closed) => return out,
                Err(ChunkError::Protocol(p)) => {
                    out.push(Err(p));
                    return out;
                }
                Err(ChunkError::Io(e)) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn a_long_message_is_split_and_reassembled() {
        let payload: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        let wire = encode_message(3, kind::COMMAND_AMF0, 1, &payload, 128);
        // 12-byte header, 300 bytes of payload, two type-3 continuation headers.
        assert_eq!(wire.len(), 12 + 300 + 2);
        let msgs = block_on(read_all(&wire));
        assert_eq!(
            msgs,
            vec![Ok(Message {
                type_id: kind::COMMAND_AMF0,
                stream_id: 1,
                timestamp: 0,
                payload
            })]
        );
    }

    #[test]
    fn compressed_headers_and_extended_timestamps_follow_the_previous_chunk() {
        let mut wire = vec![
            // type 0 on csid 4: timestamp extended, length 2, type 8, stream 1
            0x04, 0xff, 0xff, 0xff, 0, 0, 2, 8, 1, 0, 0, 0, 0x01, 0x00, 0x00, 0x00, b'a', b'b',
            // type 2: delta 10
            0x84, 0, 0, 10, b'c', b'd', // type 3: same header, delta again
            0xC4, b'e', b'f', // type 1: delta 1, length 1, type 9
            0x44, 0, 0, 1, 0, 0, 1, 9, b'g',
        ];
        // Two-byte and three-byte basic headers (chunk stream ids 64 + 1 and 64 + 1 + 256).
        wire.extend_from_slice(&[0x00, 0x01, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, b'h']);
        wire.extend_from_slice(&[0x01, 0x01, 0x01, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, b'i']);
        let msgs = block_on(read_all(&wire));
        let summary: Vec<(u8, u32, Vec<u8>)> = msgs
            .into_iter()
            .map(|m| {
                m.map(|m| (m.type_id, m.timestamp, m.payload))
                    .expect("message")
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (8, 0x0100_0000, b"ab".to_vec()),
                (8, 0x0100_000a, b"cd".to_vec()),
                (8, 0x0100_0014, b"ef".to_vec()),
                (9, 0x0100_0015, b"g".to_vec()),
                (8, 0, b"h".to_vec()),
                (8, 0, b"i".to_vec()),
            ]
        );
    }

    #[test]
    fn a_type_3_chunk_after_an_extended_header_carries_the_extended_timestamp() {
        // 200-byte message at chunk size 128 with an extended timestamp: the continuation chunk
        // repeats the 4-byte extended timestamp.
        let mut wire = vec![0x05, 0xff, 0xff, 0xff, 0, 0, 200, 8, 0, 0, 0, 0, 0, 0, 0, 7];
        wire.extend_from_slice(&[b'x'; 128]);
        wire.extend_from_slice(&[0xC5, 0, 0, 0, 7]);
        wire.extend_from_slice(&[b'y'; 72]);
        let msgs = block_on(read_all(&wire));
        let m = msgs.into_iter().next().expect("one").expect("message");
        assert_eq!(m.timestamp, 7);
        assert_eq!(m.payload.len(), 200);
        assert_eq!(m.payload.last(), Some(&b'y'));
    }

    #[test]
    fn an_oversized_message_is_refused_from_its_header() {
        // Length 0xA00000 (10 MiB) announced, nothing else sent.
        let wire = [0x03, 0, 0, 0, 0xA0, 0, 0, 20, 0, 0, 0, 0];
        let msgs = block_on(read_all(&wire));
        assert_eq!(
            msgs,
            vec![Err(
                "a message of 10485760 bytes (type 20) exceeds the 1024 KiB limit".into()
            )]
        );
    }

    #[test]
    fn a_chunk_stream_cannot_start_compressed() {
        let msgs = block_on(read_all(&[0xC7, 1, 2, 3]));
        assert_eq!(
            msgs,
            vec![Err("chunk stream 7 starts with a type-3 header".into())]
        );
    }

    #[test]
    fn an_abort_drops_the_partial_message_so_the_chunk_stream_can_start_again() {
        let mut wire = vec![0x04, 0, 0, 0, 0, 0, 200, 8, 0, 0, 0, 0];
        wire.extend_from_slice(&[b'x'; 128]);
        // Abort (type 2) for chunk stream 4, on chunk stream 2.
        wire.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 4, kind::ABORT, 0, 0, 0, 0, 0, 0, 0, 4]);
        let fresh = [0x04, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, b'z'];
        wire.extend_from_slice(&fresh);
        let run = |abort: bool| {
            let wire = wire.clone();
            block_on(async move {
                let mut reader = ChunkReader::new();
                let mut r = &wire[..];
                let first = reader.read_message(&mut r).await.expect("the abort");
                assert_eq!(first.type_id, kind::ABORT);
                if abort {
                    reader.abort(&first.payload);
                }
                match reader.read_message(&mut r).await {
                    Ok(m) => Ok(m.payload),
                    Err(ChunkError::Protocol(p)) => Err(p),
                    Err(e) => Err(format!("{e:?}")),
                }
            })
        };
        assert_eq!(run(true), Ok(b"z".to_vec()));
        assert_eq!(
            run(false),
            Err("chunk stream 4: a new message header inside an unfinished message".into())
        );
    }

    #[test]
    fn set_chunk_size_is_applied_and_zero_refused() {
        let mut reader = ChunkReader::new();
        reader.set_chunk_size(&[0, 0, 0x10, 0]).expect("4096");
        assert_eq!(reader.chunk_size, 4096);
        assert!(matches!(
            reader.set_chunk_size(&[0x80, 0, 0, 0]),
            Err(ChunkError::Protocol(_))
        ));
    }
}
