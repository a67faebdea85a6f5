//! The request-response codec of sync v1 (`/phemossa/sync/1.0.0`) and v2
//! (`/phemossa/sync/2.0.0`): one message per stream each way, as raw bytes (already CBOR, from
//! `phemossa_sync`), the writer closing its write half after it (docs/protocol.md §8.2).
//!
//! Raw bytes, not decoded messages: the session decodes, so the session decides what a bad
//! message costs the peer, and a test peer can write what no codec would.

use std::io;

use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use phemossa_sync::limits::MAX_SYNC_MESSAGE_BYTES;

/// Raw-bytes codec; request-response closes the write half after each write.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncCodec;

/// Reads one message to end of stream, but never more than one byte past the 64 KiB limit.
///
/// An oversized message comes back as those first 65,537 bytes rather than as an error, so
/// the session's decoder refuses it (`sync_message_too_large`) where the application can count
/// it: libp2p-request-response 0.30 reports a failed `read_request` to nobody (the request id
/// is not pending yet, so it only logs at debug level), and the peer would go unpunished.
pub async fn read_message<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io.take(MAX_SYNC_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .await?;
    Ok(bytes)
}

/// Writes one message as it is, oversized or not: the caller's encoder enforces the limit.
pub async fn write_message<T: AsyncWrite + Unpin + Send>(
    io: &mut T,
    bytes: &[u8],
) -> io::Result<()> {
    io.write_all(bytes).await?;
    io.flush().await
}

impl libp2p::request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_message(io).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_message(io).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Vec<u8>,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_message(io, &request).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Vec<u8>,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_message(io, &response).await
    }
}

#[cfg(test)]
mod tests {
    use libp2p::futures::executor::block_on;
    use libp2p::futures::io::Cursor;

    use super::*;

    #[test]
    fn an_oversized_message_is_read_one_byte_past_the_limit_for_the_decoder_to_refuse() {
        let mut io = Cursor::new(vec![0u8; MAX_SYNC_MESSAGE_BYTES * 2]);
        let read = block_on(read_message(&mut io)).expect("reading from memory cannot fail");
        assert_eq!(read.len(), MAX_SYNC_MESSAGE_BYTES + 1);
    }

    #[test]
    fn a_message_round_trips_as_its_bytes() {
        let mut io = Cursor::new(Vec::new());
        block_on(write_message(&mut io, b"\xa1\x00\x01")).expect("writing to memory");
        io.set_position(0);
        assert_eq!(
            block_on(read_message(&mut io)).expect("read"),
            b"\xa1\x00\x01"
        );
    }
}
