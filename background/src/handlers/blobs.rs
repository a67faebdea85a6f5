//! GetBlob: a picture for a page, from the store, or asked of peers (`network`'s blob fetches)
//! when it is not held yet.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use phemossa_api::{ApiError, BlobData, Response};
use phemossa_core::blob::{BlobKind, ImageFormat};
use phemossa_core::keys::BlobHash;

use crate::network::handle::{Command, NodeLink};
use crate::storage::Storage;

/// The picture `hash` if held; otherwise the node is asked to fetch it as `kind`, and the page
/// hears `BlobStored` when it arrives.
pub async fn get(
    storage: &Storage,
    node: &NodeLink,
    hash: BlobHash,
    kind: BlobKind,
) -> Result<Response, ApiError> {
    match storage.blob(&hash).await? {
        Some(bytes) => {
            // Stored blobs passed their hash check, but only pictures are shown: a blob whose
            // bytes are no picture (an event may name anything) is not handed to an img.
            let format = ImageFormat::sniff(&bytes).ok_or_else(|| ApiError::InvalidPicture {
                reason: format!("{} is not a PNG, JPEG, WebP or GIF image", kind.name()),
            })?;
            Ok(Response::Blob(BlobData {
                hash,
                mime: format.mime().to_owned(),
                base64: STANDARD.encode(&bytes),
            }))
        }
        None => {
            node.send(Command::WantBlob { hash, kind });
            Ok(Response::BlobPending(hash))
        }
    }
}
