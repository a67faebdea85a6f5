//! Blobs: the content-addressed bytes (pictures) events refer to by their SHA-256, what each kind
//! may hold, and how a node tells which kind of picture a blob is (docs/protocol.md §12).
//!
//! A blob is trusted only because its bytes hash to the name an event gave it, so every blob a
//! node stores goes through [`check`] first, whoever sent it.

use sha2::{Digest, Sha256};

use crate::keys::BlobHash;
use crate::limits::{MAX_AVATAR_BYTES, MAX_IMAGE_BYTES};
use crate::Error;

/// What a blob is for, which sets how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    /// A profile's avatar: at most [`MAX_AVATAR_BYTES`].
    Avatar,
    /// An image in a post: at most [`MAX_IMAGE_BYTES`].
    Image,
}

impl BlobKind {
    /// The most bytes a blob of this kind may hold.
    pub fn max_bytes(self) -> u64 {
        match self {
            BlobKind::Avatar => MAX_AVATAR_BYTES,
            BlobKind::Image => MAX_IMAGE_BYTES,
        }
    }

    /// How errors name this kind.
    pub fn name(self) -> &'static str {
        match self {
            BlobKind::Avatar => "an avatar",
            BlobKind::Image => "a post image",
        }
    }
}

/// The SHA-256 name of `bytes`.
pub fn hash_of(bytes: &[u8]) -> BlobHash {
    BlobHash::from_bytes(Sha256::digest(bytes).into())
}

/// Checks that `bytes` are the blob `expected` names and fit `kind`: the size first (cheap, and
/// what a peer must not make us hash), then the hash.
pub fn check(expected: &BlobHash, kind: BlobKind, bytes: &[u8]) -> Result<(), Error> {
    check_size(kind, bytes.len() as u64)?;
    let computed = hash_of(bytes);
    if &computed != expected {
        return Err(Error::BlobHashMismatch {
            expected: expected.to_hex(),
            computed: computed.to_hex(),
        });
    }
    Ok(())
}

/// Refuses a blob of `bytes` bytes too large for `kind`.
pub fn check_size(kind: BlobKind, bytes: u64) -> Result<(), Error> {
    if bytes > kind.max_bytes() {
        return Err(Error::BlobTooLarge {
            bytes,
            max: kind.max_bytes(),
            what: kind.name(),
        });
    }
    Ok(())
}

/// The picture formats a browser shows everywhere, recognised by their first bytes (their
/// "magic numbers"). A node shows a blob only as one of these, with the MIME type said here, never
/// as what a peer claims it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
    Gif,
}

impl ImageFormat {
    /// The format `bytes` start as, or `None` when they are no picture a browser shows.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(b"\xff\xd8\xff") {
            Some(ImageFormat::Jpeg)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageFormat::Gif)
        } else {
            None
        }
    }

    /// The MIME type a browser is told.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Gif => "image/gif",
        }
    }
}

/// Checks a picture this user chose for `kind` (their own avatar or post image): a format a
/// browser shows and within the size limit. Returns its name.
pub fn check_own_image(kind: BlobKind, bytes: &[u8]) -> Result<BlobHash, Error> {
    check_size(kind, bytes.len() as u64)?;
    if ImageFormat::sniff(bytes).is_none() {
        return Err(Error::NotAnImage { what: kind.name() });
    }
    Ok(hash_of(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_checks_against_its_own_hash_only() {
        let bytes = b"\x89PNG\r\n\x1a\nrest".to_vec();
        let name = hash_of(&bytes);
        assert_eq!(check(&name, BlobKind::Avatar, &bytes), Ok(()));
        let other = hash_of(b"something else");
        assert_eq!(
            check(&other, BlobKind::Avatar, &bytes).map_err(|e| e.code()),
            Err("blob_hash_mismatch")
        );
    }

    #[test]
    fn size_is_checked_per_kind() {
        let big = vec![0u8; MAX_AVATAR_BYTES as usize + 1];
        let name = hash_of(&big);
        assert_eq!(
            check(&name, BlobKind::Avatar, &big).map_err(|e| e.code()),
            Err("blob_too_large")
        );
        assert_eq!(check(&name, BlobKind::Image, &big), Ok(()));
    }

    #[test]
    fn pictures_are_told_by_their_first_bytes() {
        assert_eq!(
            ImageFormat::sniff(b"\xff\xd8\xff\xe0rest"),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            ImageFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageFormat::Webp)
        );
        assert_eq!(ImageFormat::sniff(b"GIF89a.."), Some(ImageFormat::Gif));
        assert_eq!(ImageFormat::sniff(b"<svg"), None);
        assert_eq!(ImageFormat::sniff(b""), None);
        assert_eq!(
            check_own_image(BlobKind::Avatar, b"<svg onload=alert(1)>").map_err(|e| e.code()),
            Err("not_an_image")
        );
    }
}
