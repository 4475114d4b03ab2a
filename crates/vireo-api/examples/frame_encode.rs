//! Measures how fast the console encodes frames for the page (`stream::frame_messages`) and
//! how many bytes they take, for a full 1920x1080 screen of text (two colours), of a desktop
//! (flat areas, a few colours, a photo-like window) and of noise (every tile RAW).
//!
//! Run with `cargo run --release -p vireo-api --example frame_encode`.

use std::time::Instant;

use vireo_api::console::stream::{frame_messages, PART_BYTES};
use vireo_vnc::Framebuffer;

const W: u16 = 1920;
const H: u16 = 1080;
const FRAMES: u32 = 30;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
}

fn screen(mut f: impl FnMut(u16, u16) -> u32) -> Framebuffer {
    let mut px = Vec::with_capacity(usize::from(W) * usize::from(H));
    for y in 0..H {
        for x in 0..W {
            px.push(f(x, y));
        }
    }
    Framebuffer::from_pixels(W, H, px).expect("W*H pixels")
}

fn measure(name: &str, fb: &Framebuffer) {
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..FRAMES {
        bytes = frame_messages(fb, &[fb.bounds()], 1, PART_BYTES)
            .iter()
            .map(Vec::len)
            .sum::<usize>();
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(FRAMES);
    let rgba = usize::from(W) * usize::from(H) * 4;
    println!(
        "{name:8} {ms:6.2} ms/frame  {:8} bytes ({:5.1} % of RGBA)",
        bytes,
        bytes as f64 * 100.0 / rgba as f64
    );
}

fn main() {
    let mut rng = Lcg(1);
    // Glyphs: 8x16 cells, a fifth of each cell's pixels lit.
    let text = screen(|_, _| {
        if rng.next().is_multiple_of(5) {
            0xFFAA_AAAA
        } else {
            0xFF00_0000
        }
    });
    let mut rng = Lcg(2);
    let desktop = screen(|x, y| match (x, y) {
        (_, 0..=31) => 0xFF30_3030,
        (400..=1199, 200..=799) => 0xFF00_0000 | (rng.next() & 0x00FF_FFFF),
        _ if (x / 8 + y / 16) % 7 == 0 => 0xFF20_4080,
        _ => 0xFFF0_F0F0,
    });
    let mut rng = Lcg(3);
    let noise = screen(|_, _| 0xFF00_0000 | (rng.next() & 0x00FF_FFFF));
    println!("frame_messages, {W}x{H}, whole screen changed, {FRAMES} frames:");
    measure("text", &text);
    measure("desktop", &desktop);
    measure("noise", &noise);
}
