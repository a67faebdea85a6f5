//! Loads the WebRTC-direct certificate from a PEM file, or creates that file (mode 0600) on first
//! start, so the `/certhash/` in the relay's WebRTC-direct address stays the same across restarts.

use std::{fs, io, path::Path};

use libp2p::multihash::Multihash;
use libp2p_webrtc::tokio::Certificate;

use crate::{
    error::Error,
    files::{readable_by_others, write_atomic, PRIVATE_MODE},
};

/// Where a certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertSource {
    /// Read from an existing file.
    Loaded,
    /// Generated now and written to the file.
    Created,
    /// Generated now and kept only in memory (no certificate file configured).
    Ephemeral,
}

/// Generates a fresh certificate (ECDSA P-256; the rng argument is ignored by libp2p-webrtc).
fn generate() -> Result<Certificate, Error> {
    Certificate::generate(&mut rand::rng()).map_err(|e| Error::Certificate(e.to_string()))
}

/// Returns the certificate in `path` (PEM with private key, as written by
/// [`Certificate::serialize_pem`]); if the file does not exist, generates one and writes it there
/// first. With no path, generates one that lives only for this run. An existing file that does
/// not parse is an error, never overwritten.
pub fn load_or_create(path: Option<&Path>) -> Result<(Certificate, CertSource), Error> {
    let Some(path) = path else {
        return Ok((generate()?, CertSource::Ephemeral));
    };
    match fs::read_to_string(path) {
        Ok(pem) => {
            let cert = Certificate::from_pem(&pem).map_err(|e| Error::BadCertFile {
                path: path.to_owned(),
                reason: format!("{e:?}"),
            })?;
            if readable_by_others(path).unwrap_or(false) {
                tracing::warn!(path = %path.display(), "certificate file (it holds the private key) is readable by other users; chmod 600 it");
            }
            Ok((cert, CertSource::Loaded))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let cert = generate()?;
            write_atomic(path, cert.serialize_pem().as_bytes(), PRIVATE_MODE)
                .map_err(|e| Error::file("writing WebRTC certificate file", path, e))?;
            Ok((cert, CertSource::Created))
        }
        Err(e) => Err(Error::file("reading WebRTC certificate file", path, e)),
    }
}

/// The sha2-256 multihash that goes after `/certhash/` in WebRTC-direct addresses.
pub fn certhash(cert: &Certificate) -> Multihash<64> {
    cert.fingerprint().to_multihash()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn creates_then_reloads_the_same_certhash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("webrtc.pem");
        let (first, source) = load_or_create(Some(&path)).unwrap();
        assert_eq!(source, CertSource::Created);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let (second, source) = load_or_create(Some(&path)).unwrap();
        assert_eq!(source, CertSource::Loaded);
        assert_eq!(certhash(&first), certhash(&second));
    }

    #[test]
    fn without_a_path_each_certificate_is_fresh() {
        let (a, source) = load_or_create(None).unwrap();
        let (b, _) = load_or_create(None).unwrap();
        assert_eq!(source, CertSource::Ephemeral);
        assert_ne!(certhash(&a), certhash(&b));
        assert_eq!(certhash(&a).code(), 0x12, "sha2-256");
    }

    #[test]
    fn a_corrupt_file_is_an_error_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("webrtc.pem");
        fs::write(&path, "-----BEGIN NONSENSE-----\n").unwrap();
        let err = load_or_create(Some(&path)).unwrap_err();
        assert!(matches!(err, Error::BadCertFile { .. }), "{err}");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "-----BEGIN NONSENSE-----\n"
        );
    }
}
