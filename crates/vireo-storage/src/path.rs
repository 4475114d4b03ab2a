//! Judging a chosen path before anything is opened: it is resolved (links followed without
//! opening anything), and the real file is judged from its metadata alone. Only then is it
//! opened, without following links and without blocking, and the opened file is checked to
//! be the one judged (a link or file swapped in between is refused).

use crate::ImageError;
use std::fs::{File, Metadata};
use std::path::{Path, PathBuf};
use vireo_text::shown;

/// Host directories whose files are never a VM's disk, whoever chooses them.
pub const SYSTEM_DIRS: &[&str] = &[
    "/etc",
    "/boot",
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/var/run",
    "/var/log",
    "/var/spool",
    "/var/cache",
    "/var/lib",
];

/// Under the system directories above, the places where disk images do belong.
pub const IMAGE_DIRS: &[&str] = &["/var/lib/libvirt/images", "/var/lib/libvirt/boot"];

/// Which file (device and inode): what was judged is what is opened later.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
}

pub(crate) fn identity(meta: &Metadata) -> FileIdentity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
    #[cfg(not(unix))]
    {
        FileIdentity {
            dev: 0,
            ino: meta.len(),
        }
    }
}

/// Opens an inspected image again (to copy it, to read an ISO's volume id): without
/// following links, without blocking, and only if it is still the file inspection judged.
pub fn open_image(info: &crate::ImageInfo) -> Result<File, ImageError> {
    open_checked(Path::new(&info.path), info.identity)
}

/// Opens `real` for reading, never through a link and never blocking (a FIFO swapped in
/// cannot hang us), and only if it is the regular file `want` under that very path.
fn open_checked(real: &Path, want: FileIdentity) -> Result<File, ImageError> {
    let shown_path = || shown(&real.display().to_string());
    let unreadable = |source| ImageError::Unreadable {
        path: shown_path(),
        source,
    };
    let file = open_flags().open(real).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() || identity(&meta) != want || !opened_as(&file, real) {
        return Err(ImageError::Changed(shown_path()));
    }
    Ok(file)
}

fn open_flags() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options
}

/// True when the opened file is known by the kernel under `real` (Linux): O_NOFOLLOW guards
/// only the last component, so a directory swapped on the way is caught here.
fn opened_as(file: &File, real: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).is_ok_and(|p| p == real)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (file, real);
        true
    }
}

/// A path resolved and judged, not yet opened.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The real path: every link resolved. This is what is opened and used.
    pub real: PathBuf,
    /// The path as chosen, when it differs from the real one (a link on the way).
    pub chosen: Option<PathBuf>,
    pub(crate) meta: Metadata,
}

/// The system directory `path` lies in, if any.
pub fn system_dir(path: &Path) -> Option<&'static str> {
    if IMAGE_DIRS.iter().any(|d| path.starts_with(d)) {
        return None;
    }
    SYSTEM_DIRS.iter().copied().find(|d| path.starts_with(d))
}

/// Resolves `path` and judges the real file from its metadata: it must exist, be a regular
/// file and lie outside the host's system directories. Nothing is opened.
pub fn resolve(path: &Path) -> Result<Resolved, ImageError> {
    let chosen = shown(&path.display().to_string());
    // Such a name cannot be shown as it is anywhere (the UI, the CLI, libvirt's XML).
    if vireo_text::has_hidden_characters(&path.to_string_lossy()) {
        return Err(ImageError::HiddenPath(chosen));
    }
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m.file_type().is_symlink(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImageError::Missing(chosen))
        }
        Err(source) => {
            return Err(ImageError::Unreadable {
                path: chosen,
                source,
            })
        }
    };
    // realpath(3): every component is looked at with lstat/readlink, none is opened.
    let real = match std::fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && link => {
            let target = std::fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            return Err(ImageError::DanglingLink {
                path: chosen,
                target: shown(&target),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImageError::Missing(chosen))
        }
        Err(source) => {
            return Err(ImageError::Unreadable {
                path: chosen,
                source,
            })
        }
    };
    let meta = std::fs::symlink_metadata(&real).map_err(|source| ImageError::Unreadable {
        path: chosen.clone(),
        source,
    })?;
    let shown_real = || {
        if real.as_path() == path {
            chosen.clone()
        } else {
            format!(
                "{chosen} (a link to {})",
                shown(&real.display().to_string())
            )
        }
    };
    if meta.is_dir() {
        return Err(ImageError::Directory(shown_real()));
    }
    if !meta.is_file() {
        return Err(ImageError::NotAFile(shown_real()));
    }
    if vireo_text::has_hidden_characters(&real.to_string_lossy()) {
        return Err(ImageError::HiddenPath(shown_real()));
    }
    if let Some(dir) = system_dir(&real) {
        return Err(ImageError::SystemFile {
            path: shown_real(),
            dir,
        });
    }
    Ok(Resolved {
        chosen: (real.as_path() != path).then(|| path.to_path_buf()),
        real,
        meta,
    })
}

/// Opens the judged file for reading, only if it is still the file that was judged.
pub(crate) fn open_judged(r: &Resolved) -> Result<File, ImageError> {
    open_checked(&r.real, identity(&r.meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_directories_are_told_from_image_directories() {
        assert_eq!(system_dir(Path::new("/etc/shadow")), Some("/etc"));
        assert_eq!(system_dir(Path::new("/usr/share/x.qcow2")), Some("/usr"));
        assert_eq!(
            system_dir(Path::new("/var/lib/dpkg/status")),
            Some("/var/lib")
        );
        assert_eq!(
            system_dir(Path::new("/var/lib/libvirt/images/a.qcow2")),
            None
        );
        assert_eq!(system_dir(Path::new("/home/me/etc/a.qcow2")), None);
        // A component, not a prefix of a name.
        assert_eq!(system_dir(Path::new("/etcetera/a.qcow2")), None);
        assert_eq!(system_dir(Path::new("/tmp/a.qcow2")), None);
    }
}
