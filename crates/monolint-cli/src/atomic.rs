//! Atomic file replacement: the new content goes to a temporary file in the same folder
//! (so the rename cannot cross file systems), with the original's permissions, flushed to
//! disk, then renamed over the original. A reader, or a run killed at any instant, sees the
//! old content or the new one, never a mix. A killed run can leave a `.monolint-*.tmp`
//! file behind; it is never a page.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a file was not replaced.
#[derive(Debug)]
pub enum NotWritten {
    /// Its content is no longer what was linted: someone changed it during the run.
    Changed,
    Io(io::Error),
}

impl From<io::Error> for NotWritten {
    fn from(e: io::Error) -> Self {
        NotWritten::Io(e)
    }
}

/// The file a path stands for: a symbolic link is followed, so the link stays a link.
fn real_path(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path),
        Ok(_) => Ok(path.to_path_buf()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(path.to_path_buf()),
        Err(e) => Err(e),
    }
}

/// Write `bytes` to `path` atomically, creating it or replacing it (keeping its
/// permissions).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let real = real_path(path)?;
    let dir = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".monolint-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    if let Ok(meta) = fs::metadata(&real) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&real).map_err(|e| e.error)?;
    // make the rename itself durable; not every platform can open a folder, so best effort
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Replace `path`'s content with `new`, but only if it still is exactly `old` (what was
/// linted): a file edited while monolint ran is left alone.
pub fn replace_if_unchanged(path: &Path, old: &[u8], new: &[u8]) -> Result<(), NotWritten> {
    // never `fs::read`: a page swapped for a FIFO since it was linted would block it
    let now = match crate::check::read_regular(path) {
        Ok(bytes) => bytes,
        Err(crate::check::ReadError::Io(e)) => return Err(NotWritten::Io(e)),
        Err(crate::check::ReadError::NotRegular(_)) => return Err(NotWritten::Changed),
    };
    if now != old {
        return Err(NotWritten::Changed);
    }
    write(path, new)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeps_permissions_and_refuses_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("page.md");
        fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        }
        replace_if_unchanged(&p, b"old", b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        // someone else wrote "edited" after we linted "new"
        fs::write(&p, "edited").unwrap();
        assert!(matches!(
            replace_if_unchanged(&p, b"new", b"fixed"),
            Err(NotWritten::Changed)
        ));
        assert_eq!(fs::read(&p).unwrap(), b"edited");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("page.md")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_page_swapped_for_a_fifo_is_left_alone_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("page.md");
        let made = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap();
        assert!(made.success());
        // reading it would wait for a writer forever
        assert!(matches!(
            replace_if_unchanged(&p, b"old", b"new"),
            Err(NotWritten::Changed)
        ));
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&p).unwrap().file_type().is_fifo());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.md");
        let link = dir.path().join("link.md");
        fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        replace_if_unchanged(&link, b"old", b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new");
    }
}
