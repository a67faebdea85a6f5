//! Writes the relay's own small files atomically (temp file in the same folder, fsync, rename),
//! with the Unix permission bits chosen by the caller.

use std::{
    fs::{self, OpenOptions},
    io::{self, Write},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

/// Permission bits for files holding secrets (node key, certificate private key).
pub const PRIVATE_MODE: u32 = 0o600;
/// Permission bits for files anyone on the machine may read (the address file).
pub const PUBLIC_MODE: u32 = 0o644;

/// The temporary sibling `write_atomic` writes before renaming; unique per process.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "file".into());
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` so that readers see either the old or the whole new content,
/// never a partial file. The new file gets `mode` (e.g. [`PRIVATE_MODE`]) from its creation on,
/// so a secret is never readable by others, not even briefly.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let tmp = temp_path(path);
    // A leftover from a crashed run would keep its old mode: start afresh.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        // The umask may have masked bits the caller asked for (e.g. 0644 under umask 077).
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes `path` if it exists; a missing file is not an error.
pub fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// True if `path` can be read or written by users other than its owner.
pub fn readable_by_others(path: &Path) -> io::Result<bool> {
    Ok(fs::metadata(path)?.permissions().mode() & 0o077 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_content_with_the_requested_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        write_atomic(&path, b"one", PRIVATE_MODE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!readable_by_others(&path).unwrap());

        let public = dir.path().join("public");
        write_atomic(&public, b"x", PUBLIC_MODE).unwrap();
        assert_eq!(
            fs::metadata(&public).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert!(readable_by_others(&public).unwrap());
    }

    #[test]
    fn replaces_existing_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"old content", PUBLIC_MODE).unwrap();
        write_atomic(&path, b"new", PUBLIC_MODE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("f")]);
    }

    #[test]
    fn a_stale_temp_file_does_not_block_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(temp_path(&path), b"stale").unwrap();
        write_atomic(&path, b"fresh", PRIVATE_MODE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"fresh");
        assert!(!temp_path(&path).exists());
    }

    #[test]
    fn failure_reports_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("f");
        assert!(write_atomic(&path, b"x", PUBLIC_MODE).is_err());
    }

    #[test]
    fn remove_if_exists_ignores_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        remove_if_exists(&path).unwrap();
        fs::write(&path, b"x").unwrap();
        remove_if_exists(&path).unwrap();
        assert!(!path.exists());
    }
}
