//! Loads the relay's node key from a file, or creates that file (mode 0600) on first start,
//! so the relay keeps the same peer id across restarts.

use std::{fs, io, path::Path};

use libp2p::identity::Keypair;

use crate::{
    error::Error,
    files::{readable_by_others, write_atomic, PRIVATE_MODE},
};

/// Where a node key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Read from an existing file.
    Loaded,
    /// Generated now and written to the file.
    Created,
    /// Generated now and kept only in memory (no key file configured).
    Ephemeral,
}

/// Returns the keypair in `path` (protobuf encoding, as written by
/// [`Keypair::to_protobuf_encoding`]); if the file does not exist, generates an ed25519 key and
/// writes it there first. With no path, generates a key that lives only for this run.
/// An existing file that does not decode is an error, never overwritten.
pub fn load_or_create(path: Option<&Path>) -> Result<(Keypair, KeySource), Error> {
    let Some(path) = path else {
        return Ok((Keypair::generate_ed25519(), KeySource::Ephemeral));
    };
    match fs::read(path) {
        Ok(bytes) => {
            let key = Keypair::from_protobuf_encoding(&bytes).map_err(|e| Error::BadKeyFile {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            if readable_by_others(path).unwrap_or(false) {
                tracing::warn!(path = %path.display(), "node key file is readable by other users; chmod 600 it");
            }
            Ok((key, KeySource::Loaded))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = Keypair::generate_ed25519();
            let bytes = key
                .to_protobuf_encoding()
                .map_err(|e| Error::Config(format!("cannot encode the node key: {e}")))?;
            write_atomic(path, &bytes, PRIVATE_MODE)
                .map_err(|e| Error::file("writing node key file", path, e))?;
            Ok((key, KeySource::Created))
        }
        Err(e) => Err(Error::file("reading node key file", path, e)),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn creates_then_reloads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        let (first, source) = load_or_create(Some(&path)).unwrap();
        assert_eq!(source, KeySource::Created);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let (second, source) = load_or_create(Some(&path)).unwrap();
        assert_eq!(source, KeySource::Loaded);
        assert_eq!(first.public().to_peer_id(), second.public().to_peer_id());
        assert!(first.try_into_ed25519().is_ok(), "new keys are ed25519");
    }

    #[test]
    fn without_a_path_each_key_is_fresh() {
        let (a, source) = load_or_create(None).unwrap();
        let (b, _) = load_or_create(None).unwrap();
        assert_eq!(source, KeySource::Ephemeral);
        assert_ne!(a.public().to_peer_id(), b.public().to_peer_id());
    }

    #[test]
    fn a_corrupt_file_is_an_error_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        fs::write(&path, b"not a key").unwrap();
        let err = load_or_create(Some(&path)).unwrap_err();
        assert!(matches!(err, Error::BadKeyFile { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"not a key");
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("node.key");
        assert!(matches!(
            load_or_create(Some(&path)),
            Err(Error::File { .. })
        ));
    }
}
