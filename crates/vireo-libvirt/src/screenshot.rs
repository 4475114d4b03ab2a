//! A running VM's screen as an image file, through `virDomainScreenshot`.
//!
//! libvirt sends the image over a stream in whatever format the hypervisor produces: QEMU
//! writes PPM (PNG with newer QEMU), the test driver sends a PNG file. Callers decode by
//! content; the MIME type is what the driver claims.

use crate::error::BackendError;
use crate::vm;
use virt::connect::Connect;
use virt::stream::Stream;

/// The largest screenshot read: a 7680×4320 PPM is ~100 MB. Beyond that the stream is
/// aborted rather than filling memory.
pub const MAX_SCREENSHOT_BYTES: usize = 128 << 20;

/// How much one `virStreamRecv` asks for (libvirt sends at most 256 KiB per message).
const CHUNK: usize = 256 << 10;

/// One screenshot: the encoded image and the type the driver says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screenshot {
    pub mime: String,
    pub data: Vec<u8>,
}

/// The first screen of the VM `uuid`. Refused with [`BackendError::NotRunning`] for a VM that
/// is not active; blocks for the round trip (tens of milliseconds with QEMU).
pub fn screenshot(conn: &Connect, uuid: &str) -> Result<Screenshot, BackendError> {
    screenshot_capped(conn, uuid, MAX_SCREENSHOT_BYTES)
}

/// [`screenshot`] with a size cap of `cap` bytes: a larger image aborts the stream and fails
/// with [`BackendError::ScreenshotTooLarge`].
pub fn screenshot_capped(
    conn: &Connect,
    uuid: &str,
    cap: usize,
) -> Result<Screenshot, BackendError> {
    let dom = vm::lookup(conn, uuid)?;
    let active = dom
        .is_active()
        .map_err(|e| BackendError::libvirt("read the VM's state", e))?;
    if !active {
        let name = dom.name().unwrap_or_else(|_| uuid.to_string());
        return Err(BackendError::NotRunning(name));
    }
    let stream =
        Stream::new(conn, 0).map_err(|e| BackendError::libvirt("open a screenshot stream", e))?;
    // On failure here the stream was never started: dropping it frees it.
    let mime = dom
        .screenshot(&stream, 0, 0)
        .map_err(|e| BackendError::libvirt("take a screenshot", e))?;
    let data = match read_to_end(&stream, cap) {
        Ok(data) => data,
        Err(e) => {
            // Tells the daemon to stop sending; the error that matters is the read's.
            let _ = stream.abort();
            return Err(e);
        }
    };
    stream
        .finish()
        .map_err(|e| BackendError::libvirt("finish the screenshot stream", e))?;
    Ok(Screenshot { mime, data })
}

fn read_to_end(stream: &Stream, cap: usize) -> Result<Vec<u8>, BackendError> {
    let mut data = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = stream
            .recv(&mut buf)
            .map_err(|e| BackendError::libvirt("read the screenshot", e))?;
        // 0 is the end of the stream; a blocking stream never returns -2 ("try again").
        let n = match usize::try_from(n) {
            Ok(0) => return Ok(data),
            Ok(n) => n,
            Err(_) => {
                return Err(BackendError::Refused(format!(
                    "unexpected stream result {n} while reading the screenshot"
                )))
            }
        };
        if data.len() + n > cap {
            return Err(BackendError::ScreenshotTooLarge(cap));
        }
        data.extend_from_slice(&buf[..n]);
    }
}
