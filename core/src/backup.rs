//! Identity backups: the secret seed sealed under a passphrase (Argon2id, then XChaCha20-Poly1305).
//!
//! The file is JSON (docs/protocol.md, "Identity backup"). Its public key and KDF parameters are
//! in the clear and bound to the ciphertext as associated data; a SHA-256 checksum over all of it
//! tells a damaged file apart from a wrong passphrase. The caller supplies salt and nonce from a
//! CSPRNG, so this module stays deterministic and testable.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::keys::PublicKey;
use crate::{Error, Identity};

pub const FORMAT: &str = "phemossa-identity-backup";
pub const FORMAT_VERSION: u32 = 1;
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// Largest backup file accepted, in bytes; real ones are under 1 KiB.
pub const MAX_BACKUP_BYTES: usize = 16 * 1024;

/// Bounds on parameters read from a file. Anyone can write a file that passes the unkeyed
/// checksum, so these keep a crafted one from stalling the background for minutes or growing its
/// wasm memory (which never shrinks) by hundreds of megabytes; they still leave room above the
/// defaults for stronger settings.
const MEMORY_KIB_RANGE: std::ops::RangeInclusive<u32> = 8 * 1024..=64 * 1024;
const ITERATIONS_RANGE: std::ops::RangeInclusive<u32> = 1..=4;
const PARALLELISM_RANGE: std::ops::RangeInclusive<u32> = 1..=4;
pub const DEFAULT_MEMORY_KIB: u32 = 19 * 1024;
pub const DEFAULT_ITERATIONS: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupJson {
    format: String,
    version: u32,
    public_key: String,
    created: u64,
    kdf: KdfJson,
    cipher: CipherJson,
    ciphertext: String,
    checksum: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfJson {
    algorithm: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CipherJson {
    algorithm: String,
    nonce: String,
}

/// Randomness and cost for one sealing; salt and nonce must come from a CSPRNG.
pub struct SealParams {
    pub salt: [u8; 16],
    pub nonce: [u8; 24],
    pub memory_kib: u32,
    pub iterations: u32,
    /// Creation time, ms since the epoch, recorded in the file.
    pub created: u64,
}

impl SealParams {
    pub fn new(salt: [u8; 16], nonce: [u8; 24], created: u64) -> Self {
        Self {
            salt,
            nonce,
            memory_kib: DEFAULT_MEMORY_KIB,
            iterations: DEFAULT_ITERATIONS,
            created,
        }
    }
}

fn damaged(reason: impl Into<String>) -> Error {
    Error::DamagedBackup {
        reason: reason.into(),
    }
}

fn derive_key(passphrase: &str, salt: &[u8], kdf: &KdfJson) -> Result<Zeroizing<[u8; 32]>, Error> {
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| damaged(format!("KDF parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| damaged(format!("KDF: {e}")))?;
    Ok(key)
}

fn cipher(key: &[u8; 32]) -> Result<XChaCha20Poly1305, Error> {
    XChaCha20Poly1305::new_from_slice(key).map_err(|_| damaged("cipher key has the wrong length"))
}

/// Everything but the ciphertext, bound to it as associated data.
fn associated_data(file: &BackupJson) -> Vec<u8> {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        file.format,
        file.version,
        file.public_key,
        file.created,
        file.kdf.algorithm,
        file.kdf.memory_kib,
        file.kdf.iterations,
        file.kdf.parallelism,
        file.kdf.salt,
        file.cipher.nonce,
    )
    .into_bytes()
}

fn checksum(file: &BackupJson) -> String {
    let mut hasher = Sha256::new();
    hasher.update(associated_data(file));
    hasher.update(b"\n");
    hasher.update(file.ciphertext.as_bytes());
    hex::encode(hasher.finalize())
}

/// Seals `identity` under `passphrase`; returns the backup file's JSON text.
pub fn seal(identity: &Identity, passphrase: &str, params: &SealParams) -> Result<String, Error> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    let mut file = BackupJson {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        public_key: identity.public_key().to_base64(),
        created: params.created,
        kdf: KdfJson {
            algorithm: "argon2id".into(),
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            parallelism: 1,
            salt: STANDARD.encode(params.salt),
        },
        cipher: CipherJson {
            algorithm: "xchacha20poly1305".into(),
            nonce: STANDARD.encode(params.nonce),
        },
        ciphertext: String::new(),
        checksum: String::new(),
    };
    let key = derive_key(passphrase, &params.salt, &file.kdf)?;
    let aad = associated_data(&file);
    let seed = identity.seed();
    let ciphertext = cipher(&key)?
        .encrypt(
            &XNonce::from(params.nonce),
            Payload {
                msg: seed.as_ref(),
                aad: &aad,
            },
        )
        .map_err(|_| damaged("encryption failed"))?;
    file.ciphertext = STANDARD.encode(ciphertext);
    file.checksum = checksum(&file);
    // Not `expect`, which would keep serde_json's error `Debug` in the wasm (see `keys.rs`).
    Ok(serde_json::to_string_pretty(&file)
        .unwrap_or_else(|_| unreachable!("backup JSON always serialises")))
}

/// Reads the public key a backup claims to hold, without the passphrase.
pub fn claimed_public_key(text: &str) -> Result<PublicKey, Error> {
    let file = parse(text)?;
    PublicKey::from_base64(&file.public_key, "backup public key")
        .map_err(|e| damaged(e.to_string()))
}

fn parse(text: &str) -> Result<BackupJson, Error> {
    if text.len() > MAX_BACKUP_BYTES {
        return Err(damaged(format!(
            "file is larger than {MAX_BACKUP_BYTES} bytes"
        )));
    }
    let file: BackupJson =
        serde_json::from_str(text).map_err(|e| damaged(format!("not backup JSON: {e}")))?;
    if file.format != FORMAT {
        return Err(damaged(format!("format is {:?}", file.format)));
    }
    if file.version != FORMAT_VERSION {
        return Err(damaged(format!("unsupported version {}", file.version)));
    }
    if file.kdf.algorithm != "argon2id" || file.cipher.algorithm != "xchacha20poly1305" {
        return Err(damaged("unknown KDF or cipher"));
    }
    if !MEMORY_KIB_RANGE.contains(&file.kdf.memory_kib)
        || !ITERATIONS_RANGE.contains(&file.kdf.iterations)
        || !PARALLELISM_RANGE.contains(&file.kdf.parallelism)
    {
        return Err(damaged("KDF parameters out of range"));
    }
    if checksum(&file) != file.checksum {
        return Err(damaged(
            "checksum does not match: the file was changed or truncated",
        ));
    }
    Ok(file)
}

/// Opens a backup with its passphrase and returns the identity it holds.
pub fn open(text: &str, passphrase: &str) -> Result<Identity, Error> {
    let file = parse(text)?;
    let decode = |value: &str, what: &str| {
        STANDARD
            .decode(value)
            .map_err(|_| damaged(format!("{what} is not base64")))
    };
    let salt = decode(&file.kdf.salt, "salt")?;
    let nonce = decode(&file.cipher.nonce, "nonce")?;
    let ciphertext = decode(&file.ciphertext, "ciphertext")?;
    let nonce: [u8; 24] = nonce
        .try_into()
        .map_err(|_| damaged("nonce has the wrong length"))?;
    if salt.len() < 8 {
        return Err(damaged("salt is too short"));
    }
    let key = derive_key(passphrase, &salt, &file.kdf)?;
    let seed = cipher(&key)?
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &ciphertext,
                aad: &associated_data(&file),
            },
        )
        .map(Zeroizing::new)
        // The checksum passed, so the bytes are as written: the key, hence the passphrase, is wrong.
        .map_err(|_| Error::WrongPassphrase)?;
    let seed: [u8; 32] = seed
        .as_slice()
        .try_into()
        .map_err(|_| damaged("secret has the wrong length"))?;
    let identity = Identity::from_seed(seed);
    if identity.public_key().to_base64() != file.public_key {
        return Err(damaged("secret does not match the public key in the file"));
    }
    Ok(identity)
}

/// A file name that says whose backup it is and is safe on every file system.
pub fn file_name(public_key: &PublicKey) -> String {
    let short: String = public_key
        .short()
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    format!("phemossa-identity-{short}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Low KDF cost keeps tests fast; the format and code paths are the same.
    fn cheap(created: u64) -> SealParams {
        SealParams {
            memory_kib: 8 * 1024,
            iterations: 1,
            ..SealParams::new([3; 16], [4; 24], created)
        }
    }

    #[test]
    fn seal_then_open_restores_the_same_identity() {
        let identity = Identity::from_seed([42; 32]);
        let text = seal(&identity, "correct horse", &cheap(1)).unwrap();
        let restored = open(&text, "correct horse").unwrap();
        assert_eq!(restored.public_key(), identity.public_key());
        assert_eq!(claimed_public_key(&text).unwrap(), identity.public_key());
        assert!(
            !text.contains(&STANDARD.encode([42u8; 32])),
            "seed in clear"
        );
    }

    #[test]
    fn wrong_passphrase_is_told_apart_from_damage() {
        let text = seal(&Identity::from_seed([42; 32]), "correct horse", &cheap(1)).unwrap();
        assert_eq!(
            open(&text, "wrong horse!").unwrap_err(),
            Error::WrongPassphrase
        );
        let damaged_text = text.replacen("\"created\": 1", "\"created\": 2", 1);
        assert!(matches!(
            open(&damaged_text, "correct horse"),
            Err(Error::DamagedBackup { .. })
        ));
        assert!(matches!(
            open(&text[..text.len() / 2], "correct horse"),
            Err(Error::DamagedBackup { .. })
        ));
        assert!(matches!(
            open("{\"hello\": 1}", "correct horse"),
            Err(Error::DamagedBackup { .. })
        ));
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert_eq!(
            seal(&Identity::from_seed([1; 32]), "short", &cheap(1)).unwrap_err(),
            Error::WeakPassphrase {
                min: MIN_PASSPHRASE_CHARS
            }
        );
    }

    #[test]
    fn crafted_kdf_costs_are_refused_before_any_work() {
        let text = seal(&Identity::from_seed([1; 32]), "correct horse", &cheap(1)).unwrap();
        let greedy = text.replace("\"memory_kib\": 8192", "\"memory_kib\": 262144");
        assert!(matches!(
            open(&greedy, "correct horse"),
            Err(Error::DamagedBackup { .. })
        ));
    }

    #[test]
    fn file_name_is_safe() {
        let name = file_name(&Identity::from_seed([5; 32]).public_key());
        assert!(name.starts_with("phemossa-identity-") && name.ends_with(".json"));
        assert!(!name.contains('/') && !name.contains('+'));
    }
}
