//! GetBlob: a picture for a page, from the store, or asked of peers (`network`'s blob fetches)
//! when it is not held yet.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use phemossa_api::{ApiError, BlobData, Response};
use phemossa_core::blob::{check_own_image, BlobKind, ImageFormat};
use phemossa_core::keys::BlobHash;

use crate::network::handle::{Command, NodeLink};
use crate::storage::Storage;

/// Stores a picture of the user's own for `kind` (an avatar, a post image), sent by a page as
/// standard base64 after it cropped or scaled and re-encoded it: checked by
/// `core::blob::check_own_image` first, so only a PNG, JPEG, WebP or GIF within the kind's size
/// is stored. Returns its name.
pub async fn store_own_picture(
    storage: &Storage,
    kind: BlobKind,
    base64: &str,
) -> Result<BlobHash, ApiError> {
    let bytes = STANDARD
        .decode(base64.as_bytes())
        .map_err(|_| ApiError::InvalidPicture {
            reason: "the page sent it damaged (not base64)".into(),
        })?;
    let hash = check_own_image(kind, &bytes)?;
    storage.put_blob(&hash, kind, &bytes).await?;
    Ok(hash)
}

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
