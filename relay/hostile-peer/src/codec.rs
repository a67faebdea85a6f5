//! The request-response codec of `/phemossa/sync/1.0.0`, byte for byte what the browser node
//! speaks: the requester writes one message (core's CBOR bytes) and closes its write half; the
//! responder reads to end of stream (at most 64 KiB; see [`read_message`] for what happens
//! past that), answers with one message and closes.
//! Requests and responses are raw bytes, so this peer can also write what no codec would.

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
/// `Message::decode` refuses it (`sync_message_too_large`) where the application can count it:
/// libp2p-request-response 0.30 reports a failed `read_request` to nobody (the request id is
/// not pending yet, so it only logs at debug level), and the peer would go unpunished.
pub async fn read_message<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io.take(MAX_SYNC_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .await?;
    Ok(bytes)
}

/// Writes one message as is, oversized or not: the hostile peer decides what goes out.
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
