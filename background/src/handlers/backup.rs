//! Identity backups over the port: export sealed under a passphrase, inspect without changing
//! anything, and restore, which replaces the identity (stored first, then swapped in memory)
//! only if it is still the one the person was shown; and whether to remind the person to make
//! one, since an identity without a backup is lost with the browser's data.

use std::cell::Cell;

use phemossa_api::{
    ApiError, BackupFile, BackupStatus, IdentityInfo, Push, Response, BACKUP_REMINDER_SNOOZE_MS,
};
use phemossa_core::backup::{self, SealParams};
use phemossa_core::PublicKey;

use crate::changes::Changes;
use crate::follow_state::FollowState;
use crate::storage::{BackupRecord, Storage};
use crate::user::User;
use crate::{clock, random};

/// The identity sealed under `passphrase` (fresh random salt and nonce), as a file; from now on
/// the identity counts as backed up.
pub async fn export(
    user: &User,
    storage: &Storage,
    passphrase: &str,
) -> Result<Response, ApiError> {
    let params = SealParams::new(random::array()?, random::array()?, clock::now_ms());
    let identity = user.identity();
    let contents = backup::seal(&identity, passphrase, &params)?;
    mark_backed_up(storage, identity.public_key()).await?;
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
    // The person holds a backup of the identity they just restored.
    mark_backed_up(storage, public_key).await?;
    let info = IdentityInfo::new(public_key);
    changes.push(Push::Identity(info.clone()));
    changes.following_changed();
    Ok(Response::Restored(info))
}

/// Whether the popup should remind the person to back up the current identity.
pub async fn status(user: &User, storage: &Storage) -> Result<Response, ApiError> {
    let record = current_record(user, storage).await?;
    Ok(Response::BackupStatus(status_of(&record)))
}

/// "Remind me later": no reminder for a week.
pub async fn dismiss_reminder(user: &User, storage: &Storage) -> Result<Response, ApiError> {
    let mut record = current_record(user, storage).await?;
    record.snoozed_until = clock::now_ms().saturating_add(BACKUP_REMINDER_SNOOZE_MS);
    storage.save_backup_record(&record).await?;
    Ok(Response::BackupStatus(status_of(&record)))
}

/// The record of the current identity (a fresh one if the saved record is another identity's).
async fn current_record(user: &User, storage: &Storage) -> Result<BackupRecord, ApiError> {
    let me = user.public_key();
    Ok(storage
        .backup_record()
        .await?
        .filter(|record| record.public_key == me)
        .unwrap_or(BackupRecord {
            public_key: me,
            exported_at: None,
            snoozed_until: 0,
        }))
}

fn status_of(record: &BackupRecord) -> BackupStatus {
    BackupStatus {
        exported_at: record.exported_at,
        remind: record.exported_at.is_none() && clock::now_ms() >= record.snoozed_until,
    }
}

async fn mark_backed_up(storage: &Storage, public_key: PublicKey) -> Result<(), ApiError> {
    let record = BackupRecord {
        public_key,
        exported_at: Some(clock::now_ms()),
        snoozed_until: 0,
    };
    storage.save_backup_record(&record).await?;
    Ok(())
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
