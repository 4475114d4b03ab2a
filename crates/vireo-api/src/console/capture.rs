//! Screenshots of an open console: the session's framebuffer as a PNG in the user's pictures
//! folder (`Pictures/Vireo/<vm>-<date>-<time>.png`), never overwriting a file.

use crate::console::{with_session, Consoles};
use crate::{ApiError, Code};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsoleScreenshotRequest {
    pub id: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleScreenshot {
    /// Where the PNG was saved.
    pub path: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("no pictures folder: neither XDG_PICTURES_DIR nor HOME is set")]
    NoPicturesDir,
    #[error("the screen is empty (0×0): nothing to save yet")]
    Empty,
    #[error("cannot create the folder {}", .0.display())]
    CreateDir(PathBuf, #[source] std::io::Error),
    #[error("cannot write {}", .0.display())]
    Write(PathBuf, #[source] std::io::Error),
    #[error("cannot encode the PNG")]
    Encode(#[source] png::EncodingError),
    #[error("{} already holds 1000 screenshots of this name and second", .0.display())]
    TooMany(PathBuf),
}

impl From<CaptureError> for ApiError {
    fn from(e: CaptureError) -> Self {
        let code = match &e {
            CaptureError::Empty => Code::InvalidState,
            CaptureError::CreateDir(_, io) | CaptureError::Write(_, io)
                if io.kind() == ErrorKind::PermissionDenied =>
            {
                Code::PermissionDenied
            }
            CaptureError::Encode(_) => Code::Internal,
            _ => Code::Unavailable,
        };
        ApiError::from_chain(code, &e)
    }
}

/// The framebuffer's `0xFFRRGGBB` pixels as an RGB PNG (the alpha is always opaque).
pub fn encode_png(width: u16, height: u16, pixels: &[u32]) -> Result<Vec<u8>, CaptureError> {
    if width == 0 || height == 0 {
        return Err(CaptureError::Empty);
    }
    let mut rgb = Vec::with_capacity(pixels.len() * 3);
    for p in pixels {
        let [_, r, g, b] = p.to_be_bytes();
        rgb.extend_from_slice(&[r, g, b]);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, u32::from(width), u32::from(height));
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Screens are flat areas of few colours: fast compression is already small, and a 1080p
    // screen encodes in tens of milliseconds rather than hundreds.
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(CaptureError::Encode)?;
    writer
        .write_image_data(&rgb)
        .map_err(CaptureError::Encode)?;
    writer.finish().map_err(CaptureError::Encode)?;
    Ok(out)
}

/// `Pictures/Vireo`: XDG_PICTURES_DIR (through `dirs`), else `$HOME/Pictures`.
pub fn screenshot_dir() -> Result<PathBuf, CaptureError> {
    let pictures = dirs::picture_dir()
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join("Pictures"))
        })
        .ok_or(CaptureError::NoPicturesDir)?;
    Ok(pictures.join("Vireo"))
}

/// A file name part from a VM name: VM names are already restricted, but the desktop name
/// comes from the VNC server, so anything outside `[A-Za-z0-9._-]` becomes `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let stem = stem.trim_start_matches('.').to_string();
    if stem.is_empty() {
        "console".into()
    } else {
        stem
    }
}

/// Writes `png` as `<dir>/<stem>-<stamp>.png`, or `-2`, `-3`… when that exists. The file is
/// created with `create_new`, so two screenshots in the same second never overwrite each other.
pub fn save_png(dir: &Path, stem: &str, stamp: &str, png: &[u8]) -> Result<PathBuf, CaptureError> {
    std::fs::create_dir_all(dir).map_err(|e| CaptureError::CreateDir(dir.to_path_buf(), e))?;
    let stem = file_stem(stem);
    for n in 1..=1000 {
        let name = if n == 1 {
            format!("{stem}-{stamp}.png")
        } else {
            format!("{stem}-{stamp}-{n}.png")
        };
        let path = dir.join(name);
        let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(CaptureError::Write(path, e)),
        };
        write_all(file, png).map_err(|e| {
            let _ = std::fs::remove_file(&path); // no half-written picture left behind
            CaptureError::Write(path.clone(), e)
        })?;
        return Ok(path);
    }
    Err(CaptureError::TooMany(dir.to_path_buf()))
}

fn write_all(file: File, bytes: &[u8]) -> std::io::Result<()> {
    let mut w = BufWriter::new(file);
    w.write_all(bytes)?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// The VM's name from QEMU's VNC desktop name, `QEMU (name)`; other servers' names as they are.
fn vm_name(desktop: &str) -> &str {
    desktop
        .strip_prefix("QEMU (")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(desktop)
}

/// Saves the console's screen as it is now into `dir`.
pub fn console_screenshot_to(
    consoles: &Consoles,
    req: ConsoleScreenshotRequest,
    dir: &Path,
) -> Result<ConsoleScreenshot, ApiError> {
    // Copy out under the lock, encode outside it: the reader thread paints meanwhile.
    let (name, width, height, pixels) = with_session(consoles, req.id, |s| {
        let name = s
            .server_info()
            .map(|i| vm_name(&i.name).to_string())
            .unwrap_or_default();
        let (w, h, px) = s.with_framebuffer(|fb| (fb.width(), fb.height(), fb.pixels().to_vec()));
        (name, w, h, px)
    })?;
    let png = encode_png(width, height, &pixels)?;
    let stem = if name.is_empty() {
        format!("console-{}", req.id)
    } else {
        name
    };
    let stamp = chrono::Local::now().format("%Y-%m-%d-%H%M%S").to_string();
    let path = save_png(dir, &stem, &stamp, &png)?;
    Ok(ConsoleScreenshot {
        path: path.display().to_string(),
    })
}

/// Saves the console's screen as a PNG in `Pictures/Vireo`.
pub fn console_screenshot(
    consoles: &Consoles,
    req: ConsoleScreenshotRequest,
) -> Result<ConsoleScreenshot, ApiError> {
    let dir = screenshot_dir()?;
    console_screenshot_to(consoles, req, &dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vireo-capture-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_png_decodes_to_the_exact_pixels() {
        // Odd size, every channel distinct, so a swapped or shifted channel shows.
        let (w, h) = (7u16, 3u16);
        let pixels: Vec<u32> = (0..u32::from(w) * u32::from(h))
            .map(|i| 0xFF00_0000 | (i * 11) << 16 | (255 - i * 7) << 8 | (i * 3 + 1))
            .collect();
        let bytes = encode_png(w, h, &pixels).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (7, 3));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let decoded: Vec<u32> = buf[..info.buffer_size()]
            .chunks_exact(3)
            .map(|c| 0xFF00_0000 | u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]))
            .collect();
        assert_eq!(decoded, pixels);
    }

    #[test]
    fn an_empty_screen_is_refused() {
        assert!(matches!(encode_png(0, 0, &[]), Err(CaptureError::Empty)));
    }

    #[test]
    fn names_never_collide_and_the_folder_is_created() {
        let dir = scratch("names").join("Pictures").join("Vireo");
        let a = save_png(&dir, "web-01", "2026-11-05-101500", b"one").unwrap();
        let b = save_png(&dir, "web-01", "2026-11-05-101500", b"two").unwrap();
        let c = save_png(&dir, "web-01", "2026-11-05-101500", b"three").unwrap();
        assert_eq!(a, dir.join("web-01-2026-11-05-101500.png"));
        assert_eq!(b, dir.join("web-01-2026-11-05-101500-2.png"));
        assert_eq!(c, dir.join("web-01-2026-11-05-101500-3.png"));
        assert_eq!(
            std::fs::read(&a).unwrap(),
            b"one",
            "the first is not overwritten"
        );
        assert_eq!(std::fs::read(&c).unwrap(), b"three");
        let _ = std::fs::remove_dir_all(scratch("names"));
    }

    #[test]
    fn odd_names_become_safe_file_names() {
        assert_eq!(file_stem("a/b c"), "a_b_c");
        assert_eq!(file_stem("../x"), "_x");
        assert_eq!(file_stem(""), "console");
        assert_eq!(vm_name("QEMU (web-01)"), "web-01");
        assert_eq!(vm_name("other"), "other");
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_a_clear_error() {
        // A file where the folder should be: fails even for root, unlike a chmod.
        let base = scratch("blocked");
        std::fs::create_dir_all(&base).unwrap();
        let blocker = base.join("Pictures");
        std::fs::write(&blocker, b"not a folder").unwrap();
        let err = save_png(&blocker.join("Vireo"), "vm", "stamp", b"x").unwrap_err();
        let api = ApiError::from(err);
        assert!(
            api.message.starts_with(&format!(
                "cannot create the folder {}",
                blocker.join("Vireo").display()
            )),
            "{}",
            api.message
        );
        assert_eq!(api.code, Code::Unavailable);
        let _ = std::fs::remove_dir_all(base);
    }

    #[test]
    fn a_closed_console_is_not_found() {
        let consoles = Consoles::default();
        let err = console_screenshot_to(
            &consoles,
            ConsoleScreenshotRequest { id: 42 },
            &scratch("closed"),
        )
        .unwrap_err();
        assert_eq!(err.code, Code::NotFound);
        assert!(
            !scratch("closed").exists(),
            "nothing is created for a missing console"
        );
    }
}
