//! Thumbnails of running VMs for the VM list: libvirt's screenshot, decoded by content (QEMU
//! sends PNG or PPM, the test driver a PNG), scaled down to the width the page asks for and
//! encoded as a small PNG.
//!
//! PNG rather than JPEG: on the test guest's 720×400 text console a 144 px wide thumbnail is
//! ~2 KB either way and encodes in ~0.2 ms either way, but PNG keeps text edges clean and
//! needs no second codec. Triangle rather than CatmullRom: the same look at this size for
//! half the scaling time.

use crate::{ApiError, Code, VmRef};
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{ImageEncoder, ImageFormat, ImageReader, Limits};
use serde::Deserialize;
use std::io::Cursor;
use ts_rs::TS;
use vireo_libvirt::Inventory;

/// Screens larger than this on either side are refused rather than decoded.
const MAX_SCREEN_SIDE: u32 = 16384;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmThumbnailRequest {
    pub vm: VmRef,
    /// Device pixels: the page asks for its CSS width × devicePixelRatio.
    pub max_width: u16,
}

/// A scaled screen: never wider than asked, never larger than the screen, same aspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmThumbnail {
    pub width: u32,
    pub height: u32,
    /// The image, PNG-encoded.
    pub png: Vec<u8>,
}

/// The window receives a thumbnail as the PNG's bytes alone.
impl From<VmThumbnail> for Vec<u8> {
    fn from(t: VmThumbnail) -> Vec<u8> {
        t.png
    }
}

/// The VM's screen as a PNG at most `max_width` pixels wide. A VM that is not running is
/// refused with `invalid-state`; blocks for the screenshot's round trip.
pub fn vm_thumbnail(inv: &Inventory, req: VmThumbnailRequest) -> Result<VmThumbnail, ApiError> {
    if req.max_width == 0 {
        return Err(ApiError::new(
            Code::InvalidInput,
            "a thumbnail needs a width of at least 1 pixel",
        ));
    }
    let conn = inv.open_connection(&req.vm.connection)?;
    let shot = vireo_libvirt::screenshot::screenshot(&conn, &req.vm.uuid)?;
    thumbnail_of(&shot.data, req.max_width)
}

/// Decodes a screenshot (PNG or PNM, told apart by content), scales it to fit `max_width`
/// keeping its aspect (never up), and encodes the result as PNG.
pub fn thumbnail_of(image: &[u8], max_width: u16) -> Result<VmThumbnail, ApiError> {
    let bad = |e: &dyn std::error::Error| {
        ApiError::new(Code::Internal, format!("unreadable screenshot: {e}"))
    };
    let mut reader = ImageReader::new(Cursor::new(image))
        .with_guessed_format()
        .map_err(|e| bad(&e))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Pnm) => {}
        other => {
            return Err(ApiError::new(
                Code::Internal,
                format!("unreadable screenshot: unexpected format {other:?}"),
            ))
        }
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SCREEN_SIDE);
    limits.max_image_height = Some(MAX_SCREEN_SIDE);
    reader.limits(limits);
    let screen = reader.decode().map_err(|e| bad(&e))?;
    let (w, h) = (screen.width(), screen.height());
    let width = w.min(u32::from(max_width)).max(1);
    let height = ((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w)).max(1);
    let height = u32::try_from(height).unwrap_or(h);
    let scaled = if (width, height) == (w, h) {
        screen
    } else {
        screen.resize_exact(width, height, FilterType::Triangle)
    };
    // RGB: screens have no alpha, and a grey screenshot (the test driver's) stays small.
    let (pixels, color) = if scaled.color().has_color() {
        (scaled.to_rgb8().into_raw(), image::ExtendedColorType::Rgb8)
    } else {
        (scaled.to_luma8().into_raw(), image::ExtendedColorType::L8)
    };
    let mut png = Vec::with_capacity(4096);
    PngEncoder::new_with_quality(&mut png, CompressionType::Default, PngFilter::Adaptive)
        .write_image(&pixels, width, height, color)
        .map_err(|e| ApiError::new(Code::Internal, format!("could not encode: {e}")))?;
    Ok(VmThumbnail { width, height, png })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary PPM (what QEMU's screendump writes without PNG support): a white left half.
    fn ppm(w: u32, h: u32) -> Vec<u8> {
        let mut out = format!("P6\n{w} {h}\n255\n").into_bytes();
        for _ in 0..h {
            for x in 0..w {
                let v = if x < w / 2 { 255 } else { 0 };
                out.extend_from_slice(&[v, v, v]);
            }
        }
        out
    }

    fn decode(png: &[u8]) -> image::DynamicImage {
        assert!(png.starts_with(b"\x89PNG"));
        image::load_from_memory_with_format(png, ImageFormat::Png).unwrap()
    }

    #[test]
    fn ppm_is_scaled_to_the_width_keeping_the_aspect() {
        let t = thumbnail_of(&ppm(720, 400), 144).unwrap();
        assert_eq!((t.width, t.height), (144, 80));
        let img = decode(&t.png).to_rgb8();
        assert_eq!(img.dimensions(), (144, 80));
        assert_eq!(img.get_pixel(10, 40).0, [255, 255, 255]);
        assert_eq!(img.get_pixel(134, 40).0, [0, 0, 0]);
    }

    #[test]
    fn never_scales_up() {
        let t = thumbnail_of(&ppm(64, 48), 200).unwrap();
        assert_eq!((t.width, t.height), (64, 48));
    }

    #[test]
    fn odd_sizes_round_and_never_reach_zero() {
        let t = thumbnail_of(&ppm(1000, 3), 10).unwrap();
        assert_eq!((t.width, t.height), (10, 1));
        let t = thumbnail_of(&ppm(1024, 768), 97).unwrap();
        assert_eq!((t.width, t.height), (97, 73)); // 72.75
    }

    #[test]
    fn png_input_works_too() {
        let first = thumbnail_of(&ppm(400, 300), 400).unwrap();
        let t = thumbnail_of(&first.png, 100).unwrap();
        assert_eq!((t.width, t.height), (100, 75));
    }

    #[test]
    fn garbage_is_an_internal_error() {
        let err = thumbnail_of(b"GIF89a not a screen", 100).unwrap_err();
        assert_eq!(err.code, Code::Internal);
        let err = thumbnail_of(b"P6\n720 400\n255\nshort", 100).unwrap_err();
        assert_eq!(err.code, Code::Internal);
        assert!(
            err.message.starts_with("unreadable screenshot"),
            "{}",
            err.message
        );
    }
}
