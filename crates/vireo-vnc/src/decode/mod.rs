//! Decoding server-to-client messages into the framebuffer.
//!
//! This module reads each message and dispatches a FramebufferUpdate's rectangles on their
//! encoding: the pseudo-encodings that only carry a size or a flag (desktop size, LastRect,
//! QEMU's extended keys and LEDs) are handled here; each pixel encoding has its own module
//! ([`raw`], [`copyrect`], [`zrle`], [`tight`]), as does the [`cursor`] pseudo-encoding.
//!
//! The framebuffer lock is never held across a socket read: each rectangle's
//! bytes are read first, then the lock is taken only to paint them, so a
//! renderer reading the framebuffer never waits for the network.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::VncError;
use crate::framebuffer::{DirtyRegion, Framebuffer, Rect};
use crate::wire::{self, check_limit, encoding, read_i32, read_u16, read_u32, read_u8};
use tight::TightState;
use zrle::ZrleState;

mod copyrect;
mod cursor;
mod raw;
mod tight;
mod zrle;

pub use cursor::{CursorImage, MAX_CURSOR_DIMENSION};
pub use tight::MAX_TIGHT_LEN;
pub use zrle::MAX_ZRLE_LEN;

/// Largest framebuffer side we accept (desktop and ServerInit): a real display's, so one
/// session's framebuffer stays under 256 MiB.
pub const MAX_DIMENSION: u16 = 8192;
/// Largest ServerInit desktop name and refusal reason.
pub const MAX_NAME_LEN: u32 = 4096;
/// Largest ServerCutText we skip; more is treated as hostile.
pub const MAX_CUT_TEXT_LEN: u32 = 1 << 20;

/// How many rectangles of each encoding a session has decoded: what a server
/// really sends, for measurements and reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RectCounts {
    /// Raw rectangles.
    pub raw: u64,
    /// CopyRect rectangles.
    pub copy_rect: u64,
    /// ZRLE rectangles.
    pub zrle: u64,
    /// Tight fill rectangles.
    pub tight_fill: u64,
    /// Tight JPEG rectangles.
    pub tight_jpeg: u64,
    /// Tight basic (zlib, copy/palette/gradient) rectangles.
    pub tight_basic: u64,
}

/// What one complete FramebufferUpdate did.
#[derive(Debug, Default)]
pub(crate) struct UpdateOutcome {
    pub resized: Option<(u16, u16)>,
    pub dirty: Vec<Rect>,
    pub cursor: Option<CursorImage>,
}

/// One decoded server message.
#[derive(Debug)]
pub(crate) enum ServerMessage {
    Update(UpdateOutcome),
    Bell,
    /// A Fence (type 248); its flags and payload (at most 64 bytes).
    Fence {
        flags: u32,
        payload: Vec<u8>,
    },
    /// EndOfContinuousUpdates (type 150): the server supports continuous
    /// updates, or has stopped sending them.
    EndOfContinuousUpdates,
    /// Colour map entries or cut text: read and dropped.
    Ignored,
}

/// Locks the framebuffer, recovering from a poisoned lock: the pixels are
/// plain data and remain usable after a panic elsewhere.
pub(crate) fn lock(fb: &Mutex<Framebuffer>) -> MutexGuard<'_, Framebuffer> {
    fb.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Returns the screen bounds when `rect` lies inside them.
fn check_inside(fb: &Mutex<Framebuffer>, rect: &Rect) -> Result<Rect, VncError> {
    let fb = lock(fb);
    if fb.contains(rect) {
        Ok(fb.bounds())
    } else {
        Err(VncError::RectOutside {
            rect: *rect,
            width: fb.width(),
            height: fb.height(),
        })
    }
}

/// Per-connection decoding state.
pub(crate) struct Decoder {
    framebuffer: Arc<Mutex<Framebuffer>>,
    extended_keys: Arc<AtomicBool>,
    led_state: Arc<AtomicU8>,
    max_dimension: u16,
    zrle: ZrleState,
    tight: TightState,
    counts: Arc<Mutex<RectCounts>>,
}

impl Decoder {
    pub(crate) fn new(
        framebuffer: Arc<Mutex<Framebuffer>>,
        extended_keys: Arc<AtomicBool>,
        led_state: Arc<AtomicU8>,
        max_dimension: u16,
    ) -> Self {
        Decoder {
            framebuffer,
            extended_keys,
            led_state,
            max_dimension,
            zrle: ZrleState::new(),
            tight: TightState::new(),
            counts: Arc::default(),
        }
    }

    /// The rectangle counts, shared with whoever reports them.
    pub(crate) fn counts(&self) -> Arc<Mutex<RectCounts>> {
        Arc::clone(&self.counts)
    }

    fn count(&self, f: impl FnOnce(&mut RectCounts)) {
        f(&mut self.counts.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Reads and applies one server message.
    pub(crate) fn read_message(&mut self, r: &mut dyn Read) -> Result<ServerMessage, VncError> {
        match read_u8(r)? {
            0 => self.read_update(r).map(ServerMessage::Update),
            1 => {
                // SetColourMapEntries: never used with our true-colour format.
                let _pad = read_u8(r)?;
                let _first = read_u16(r)?;
                let count = read_u16(r)?;
                wire::skip(r, u64::from(count) * 6)?;
                Ok(ServerMessage::Ignored)
            }
            2 => Ok(ServerMessage::Bell),
            3 => {
                let _pad: [u8; 3] = wire::read_array(r)?;
                let len = read_u32(r)?;
                check_limit(
                    "cut text length",
                    u64::from(len),
                    u64::from(MAX_CUT_TEXT_LEN),
                )?;
                wire::skip(r, u64::from(len))?;
                Ok(ServerMessage::Ignored)
            }
            150 => Ok(ServerMessage::EndOfContinuousUpdates),
            248 => {
                let _pad: [u8; 3] = wire::read_array(r)?;
                let flags = read_u32(r)?;
                let len = read_u8(r)?;
                if len > wire::MAX_FENCE_PAYLOAD {
                    return Err(VncError::InvalidFence(len));
                }
                let payload = wire::read_vec(r, usize::from(len))?;
                Ok(ServerMessage::Fence { flags, payload })
            }
            other => Err(VncError::UnknownMessage(other)),
        }
    }

    fn read_update(&mut self, r: &mut dyn Read) -> Result<UpdateOutcome, VncError> {
        let _pad = read_u8(r)?;
        let count = read_u16(r)?;
        let mut outcome = UpdateOutcome::default();
        let mut dirty = DirtyRegion::new();
        // 0xFFFF means "until LastRect"; each rectangle costs at least its
        // 12-byte header, so the loop is bounded by what the server sends.
        let mut remaining = if count == u16::MAX { None } else { Some(count) };
        while remaining != Some(0) {
            if let Some(n) = remaining.as_mut() {
                *n -= 1;
            }
            let rect = Rect::new(read_u16(r)?, read_u16(r)?, read_u16(r)?, read_u16(r)?);
            let enc = read_i32(r)?;
            match enc {
                encoding::LAST_RECT => break,
                encoding::DESKTOP_SIZE => self.resize(rect.width, rect.height, &mut outcome)?,
                encoding::EXTENDED_DESKTOP_SIZE => {
                    let screens = read_u8(r)?;
                    let _pad: [u8; 3] = wire::read_array(r)?;
                    wire::skip(r, u64::from(screens) * 16)?;
                    // A non-zero status answers a resize request of ours and
                    // does not change the size.
                    if rect.y == 0 {
                        self.resize(rect.width, rect.height, &mut outcome)?;
                    }
                }
                encoding::CURSOR => outcome.cursor = Some(cursor::decode(r, &rect)?),
                encoding::QEMU_EXTENDED_KEY_EVENT => {
                    self.extended_keys.store(true, Ordering::Release);
                }
                encoding::QEMU_LED_STATE => {
                    let leds = read_u8(r)?;
                    self.led_state.store(leds, Ordering::Release);
                }
                encoding::RAW | encoding::COPY_RECT | encoding::ZRLE | encoding::TIGHT => {
                    let fb = &self.framebuffer;
                    let screen = check_inside(fb, &rect)?;
                    match enc {
                        encoding::RAW => {
                            raw::decode(r, &rect, fb)?;
                            self.count(|c| c.raw += 1);
                        }
                        encoding::COPY_RECT => {
                            copyrect::decode(r, &rect, fb)?;
                            self.count(|c| c.copy_rect += 1);
                        }
                        encoding::TIGHT => {
                            // Decoded before locking: the data comes from the socket.
                            let paint = tight::decode(r, &rect, &mut self.tight)?;
                            self.count(|c| paint.count(c));
                            paint.paint(&mut lock(fb), &rect);
                        }
                        _ => {
                            self.zrle.decode(r, &rect, fb)?;
                            self.count(|c| c.zrle += 1);
                        }
                    }
                    dirty.add(rect, screen);
                }
                other => return Err(VncError::UnknownEncoding(other)),
            }
        }
        outcome.dirty = if outcome.resized.is_some() {
            // Everything is new after a resize.
            vec![lock(&self.framebuffer).bounds()]
        } else {
            dirty.take()
        };
        Ok(outcome)
    }

    fn resize(
        &mut self,
        width: u16,
        height: u16,
        outcome: &mut UpdateOutcome,
    ) -> Result<(), VncError> {
        let limit = u64::from(self.max_dimension);
        check_limit("desktop width", u64::from(width), limit)?;
        check_limit("desktop height", u64::from(height), limit)?;
        let mut fb = lock(&self.framebuffer);
        // QEMU repeats the (Extended)DesktopSize rect in answer to every full-update request;
        // only a real change clears the screen, or each answer would blank it again.
        if (fb.width(), fb.height()) != (width, height) {
            fb.resize(width, height);
            outcome.resized = Some((width, height));
        }
        Ok(())
    }
}

/// Decodes `bytes` as a stream of server messages following a handshake that
/// produced a 64x48 framebuffer, stopping at the first error. For fuzzing:
/// it must never panic, and allocates at most a 2048x2048 framebuffer.
/// Returns the number of messages decoded.
pub fn decode_stream_for_fuzzing(bytes: &[u8]) -> Result<usize, VncError> {
    let fb = Arc::new(Mutex::new(Framebuffer::new(64, 48)));
    let mut decoder = Decoder::new(
        fb,
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU8::new(0)),
        2048,
    );
    let mut input = bytes;
    let mut count = 0;
    while !input.is_empty() {
        decoder.read_message(&mut input)?;
        count += 1;
    }
    Ok(count)
}

/// Builders and checks shared by the unit tests of every encoding.
#[cfg(test)]
mod testing {
    use super::*;

    /// A decoder over a black `w`×`h` framebuffer.
    pub(super) fn decoder(w: u16, h: u16) -> (Decoder, Arc<Mutex<Framebuffer>>) {
        let fb = Arc::new(Mutex::new(Framebuffer::new(w, h)));
        let d = Decoder::new(
            Arc::clone(&fb),
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU8::new(0)),
            MAX_DIMENSION,
        );
        (d, fb)
    }

    /// A FramebufferUpdate with the given (rect, encoding, body) triples.
    pub(super) fn update(rects: &[(Rect, i32, Vec<u8>)]) -> Vec<u8> {
        let mut m = vec![0u8, 0];
        m.extend_from_slice(&(rects.len() as u16).to_be_bytes());
        for (r, enc, body) in rects {
            for v in [r.x, r.y, r.width, r.height] {
                m.extend_from_slice(&v.to_be_bytes());
            }
            m.extend_from_slice(&enc.to_be_bytes());
            m.extend_from_slice(body);
        }
        m
    }

    /// Decodes one message that must be a FramebufferUpdate and use every byte.
    pub(super) fn apply(d: &mut Decoder, bytes: &[u8]) -> Result<UpdateOutcome, VncError> {
        let mut input = bytes;
        let msg = d.read_message(&mut input)?;
        assert!(input.is_empty(), "{} bytes left over", input.len());
        match msg {
            ServerMessage::Update(o) => Ok(o),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// The pixels of row `y` over the columns `xs`, without alpha.
    pub(super) fn row(fb: &Mutex<Framebuffer>, y: u16, xs: std::ops::Range<u16>) -> Vec<u32> {
        let fb = lock(fb);
        xs.map(|x| fb.pixel(x, y).unwrap() & 0xFF_FFFF).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{apply, decoder, update};
    use super::*;

    #[test]
    fn desktop_size_resizes_and_dirties_everything() {
        let (mut d, fb) = decoder(4, 4);
        let out = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 20, 10), encoding::DESKTOP_SIZE, vec![])]),
        )
        .unwrap();
        assert_eq!(out.resized, Some((20, 10)));
        assert_eq!(out.dirty, vec![Rect::new(0, 0, 20, 10)]);
        assert_eq!(lock(&fb).pixels().len(), 200);
    }

    #[test]
    fn a_repeated_desktop_size_keeps_the_picture() {
        // QEMU answers every full-update request with the current size again.
        let (mut d, fb) = decoder(2, 1);
        let body = [0x11u8, 0x22, 0x33, 0, 0x44, 0x55, 0x66, 0].to_vec();
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 2, 1), encoding::RAW, body)]),
        )
        .unwrap();
        let out = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 2, 1), encoding::DESKTOP_SIZE, vec![])]),
        )
        .unwrap();
        assert_eq!(out.resized, None, "same size: not a resize");
        assert_eq!(fb.lock().unwrap().pixel(0, 0), Some(0xFF33_2211));
    }

    #[test]
    fn extended_desktop_size_resizes_only_on_success() {
        let (mut d, fb) = decoder(4, 4);
        let mut body = vec![1u8, 0, 0, 0];
        body.extend_from_slice(&[0u8; 16]);
        let failed = update(&[(
            Rect::new(0, 3, 30, 30),
            encoding::EXTENDED_DESKTOP_SIZE,
            body.clone(),
        )]);
        assert_eq!(apply(&mut d, &failed).unwrap().resized, None);
        let ok = update(&[(
            Rect::new(0, 0, 30, 20),
            encoding::EXTENDED_DESKTOP_SIZE,
            body,
        )]);
        assert_eq!(apply(&mut d, &ok).unwrap().resized, Some((30, 20)));
        assert_eq!(lock(&fb).width(), 30);
    }

    #[test]
    fn last_rect_ends_open_ended_update_and_qemu_pseudo_rects_are_recorded() {
        let (mut d, _) = decoder(4, 4);
        let mut m = update(&[
            (
                Rect::new(0, 0, 0, 0),
                encoding::QEMU_EXTENDED_KEY_EVENT,
                vec![],
            ),
            (Rect::new(0, 0, 0, 0), encoding::QEMU_LED_STATE, vec![0b101]),
            (Rect::new(0, 0, 0, 0), encoding::LAST_RECT, vec![]),
        ]);
        m[2..4].copy_from_slice(&[0xFF, 0xFF]);
        apply(&mut d, &m).unwrap();
        assert!(d.extended_keys.load(Ordering::Acquire));
        assert_eq!(d.led_state.load(Ordering::Acquire), 0b101);
    }

    #[test]
    fn ignored_messages_are_skipped_whole() {
        let mut cut_text = vec![3u8, 0, 0, 0];
        cut_text.extend_from_slice(&5u32.to_be_bytes());
        cut_text.extend_from_slice(b"hello");
        let mut colour_map = vec![1u8, 0, 0, 0, 0, 2];
        colour_map.extend_from_slice(&[0u8; 12]);
        for (name, mut m) in [("cut text", cut_text), ("colour map entries", colour_map)] {
            let (mut d, _) = decoder(1, 1);
            m.push(2); // Bell after it proves the message was fully skipped
            let mut input = &m[..];
            let first = d.read_message(&mut input);
            assert!(
                matches!(first, Ok(ServerMessage::Ignored)),
                "{name}: {first:?}"
            );
            let next = d.read_message(&mut input);
            assert!(matches!(next, Ok(ServerMessage::Bell)), "{name}: {next:?}");
        }
    }

    #[test]
    fn malformed_messages_are_errors() {
        struct Case {
            name: &'static str,
            screen: (u16, u16),
            message: Vec<u8>,
            want: fn(&VncError) -> bool,
        }
        let mut huge_cut_text = vec![3u8, 0, 0, 0];
        huge_cut_text.extend_from_slice(&u32::MAX.to_be_bytes());
        let cases = [
            Case {
                name: "rect outside the framebuffer",
                screen: (10, 10),
                message: update(&[(Rect::new(8, 8, 4, 4), encoding::RAW, vec![0; 64])]),
                want: |e| matches!(e, VncError::RectOutside { .. }),
            },
            Case {
                name: "huge desktop size",
                screen: (4, 4),
                message: update(&[(
                    Rect::new(0, 0, 65535, 65535),
                    encoding::DESKTOP_SIZE,
                    vec![],
                )]),
                want: |e| matches!(e, VncError::TooLarge { .. }),
            },
            Case {
                name: "huge cut text",
                screen: (1, 1),
                message: huge_cut_text,
                want: |e| matches!(e, VncError::TooLarge { .. }),
            },
            Case {
                name: "unknown encoding",
                screen: (4, 4),
                message: update(&[(Rect::new(0, 0, 1, 1), 5, vec![])]),
                want: |e| matches!(e, VncError::UnknownEncoding(5)),
            },
            Case {
                name: "unknown message type",
                screen: (4, 4),
                message: vec![9],
                want: |e| matches!(e, VncError::UnknownMessage(9)),
            },
        ];
        for case in cases {
            let (mut d, fb) = decoder(case.screen.0, case.screen.1);
            let err = d.read_message(&mut &case.message[..]);
            assert!(
                matches!(&err, Err(e) if (case.want)(e)),
                "{}: {err:?}",
                case.name
            );
            let fb = lock(&fb);
            let size = (fb.width(), fb.height());
            assert_eq!(
                size, case.screen,
                "{}: the screen keeps its size",
                case.name
            );
        }
    }
}
