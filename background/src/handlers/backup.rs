//! Identity backups over the port: export sealed under a passphrase, inspect without changing
//! anything, and restore, which replaces the identity (stored first, then swapped in memory)
//! only if it is still the one the person was shown.

use std::cell::Cell;

use phemossa_api::{ApiError, BackupFile, IdentityInfo, Push, Response};
use phemossa_core::backup::{self, SealParams};
use phemossa_core::PublicKey;

use crate::changes::Changes;
use crate::follow_state::FollowState;
use crate::storage::Storage;
use crate::user::User;
use crate::{clock, random};

/// The identity sealed under `passphrase` (fresh random salt and nonce), as a file.
pub fn export(user: &User, passphrase: &str) -> Result<Response, ApiError> {
    let params = SealParams::new(random::array()?, random::array()?, clock::now_ms());
    let identity = user.identity();
    let contents = backup::seal(&identity, passphrase, &params)?;
    Ok(Response::Backup(BackupFile {
        file_name: backup::file_name(&identity.public_key()),
        contents,
    }))
}

/// Whose identity the backup holds, checked with the passphrase; nothing changes.
pub fn inspect(text: &str, passphrase: &str) -> Result<Response, ApiError> {
    let identity = backup::open(text, passphrase)?;
    Ok(Response::BackupInspected(IdentityInfo::new(
        identity.public_key(),
    )))
}

/// Replaces the identity `replaces` with the backup's. A wrong passphrase or damaged file
/// changes nothing; so does a storage failure, since memory is swapped only after the write.
/// If `replaces` is not the current identity, or another restore is under way (it will
/// change the identity), nothing is replaced: the person confirmed replacing another key.
pub async fn restore(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    text: &str,
    passphrase: &str,
    replaces: &PublicKey,
) -> Result<Response, ApiError> {
    let Some(_restoring) = Restoring::claim(user.restoring()) else {
        return Err(ApiError::IdentityChanged);
    };
    if *replaces != user.public_key() {
        return Err(ApiError::IdentityChanged);
    }
    let identity = backup::open(text, passphrase)?;
    let public_key = identity.public_key();
    let follows = FollowState::load(storage, &public_key).await?;
    user.replace(identity, follows).await?;
    let info = IdentityInfo::new(public_key);
    changes.push(Push::Identity(info.clone()));
    changes.following_changed();
    Ok(Response::Restored(info))
}

/// The one restore under way; released when dropped, whether the restore finished or failed.
struct Restoring<'a>(&'a Cell<bool>);

impl<'a> Restoring<'a> {
    fn claim(flag: &'a Cell<bool>) -> Option<Self> {
        (!flag.replace(true)).then_some(Self(flag))
    }
}

impl Drop for Restoring<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}
