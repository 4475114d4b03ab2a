//! The pump: one per console, on a thread of its own. It hears the engine's events, the
//! page's credits and the surface's placement ([`PumpInput`]) and decides what the page gets
//! and when: each FRAME costs a credit, changes without a credit are coalesced into the next
//! frame, the cursor goes at once, and while the native surface shows the screen the page
//! gets only SURFACE counters.
//!
//! [`Pump`] holds that state and its decisions; [`run`] only moves messages between the
//! channel and it, so the decisions are unit-tested here without sockets or a VNC server.

use super::socket::SocketLink;
use super::stream;
use super::surface::{chain, placement, Surface};
use super::{lock, messages::SurfacePlace};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vireo_vnc::{ConsoleEvent, ConsoleSession, DirtyRegion, Framebuffer, Rect};

/// How long an opened console waits for its page to connect before it is closed.
pub(crate) const ATTACH_TIMEOUT: Duration = Duration::from_secs(15);
/// Credits beyond this are ignored: a page cannot make the backend queue frames.
pub(crate) const MAX_CREDITS: u32 = 8;
/// How often the page hears the native surface's frame count.
const SURFACE_STATS_EVERY: Duration = Duration::from_millis(100);

/// What the pump hears.
pub(crate) enum PumpInput<L = SocketLink> {
    Event(ConsoleEvent),
    /// The page connected: its end of the socket.
    Attach(Box<L>),
    Credit(u32),
    Surface(Option<SurfacePlace>),
    /// The X server lost some of the surface's pixels.
    Exposed,
    Stop,
}

/// Where the pump's messages go: the page's socket (a test records them instead).
pub(crate) trait PageLink {
    /// Sends one binary message; false once the page is gone.
    fn send(&mut self, message: Vec<u8>) -> bool;
    fn close(&mut self);
}

impl PageLink for SocketLink {
    fn send(&mut self, message: Vec<u8>) -> bool {
        SocketLink::send(self, message)
    }
    fn close(&mut self) {
        SocketLink::close(self)
    }
}

/// Where the pump reads the screen: the console's session (a test's bare framebuffer).
pub(crate) trait Screen {
    fn with_framebuffer<R>(&self, f: impl FnOnce(&Framebuffer) -> R) -> R;

    fn bounds(&self) -> Rect {
        self.with_framebuffer(|fb| fb.bounds())
    }
}

impl Screen for Mutex<ConsoleSession> {
    fn with_framebuffer<R>(&self, f: impl FnOnce(&Framebuffer) -> R) -> R {
        lock(self).with_framebuffer(f)
    }
}

/// What the pump does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// The pump is over; whoever ended it closes the console.
    Done,
    /// The pump is over and the console must leave the registry (its page never came, or
    /// came after the session ended).
    Unregister,
}

/// How long the pump may wait for its next message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    Until(Instant),
    For(Duration),
    Forever,
}

/// One console's streaming state (see the module docs).
pub(crate) struct Pump<L = SocketLink> {
    id: u32,
    link: Option<L>,
    surface: Option<Surface>,
    /// Empty at first: the session's first request is for the whole screen, and its answer
    /// (not the black framebuffer before it) is the first thing shown.
    dirty: DirtyRegion,
    credits: u32,
    /// Server updates with changed content so far: the page compares it with what it painted.
    updates: u32,
    cursor: Option<Vec<u8>>,
    /// Frames the native surface painted, and when the page last heard of them.
    native_frames: u32,
    told_at: Instant,
    told_size: (u16, u16),
    painted_size: (u16, u16),
    /// Surface frames painted since the page last heard: told after a pause at the latest.
    untold: bool,
    /// Why the session ended before the page attached: told to the page when it does, so it
    /// never shows a blank screen without a reason.
    ended: Option<String>,
    attach_by: Instant,
}

impl<L: PageLink> Pump<L> {
    pub(crate) fn new(id: u32, surface: Option<Surface>) -> Self {
        let now = Instant::now();
        Pump {
            id,
            link: None,
            surface,
            dirty: DirtyRegion::new(),
            credits: 0,
            updates: 0,
            cursor: None,
            native_frames: 0,
            told_at: now,
            told_size: (0, 0),
            painted_size: (0, 0),
            untold: false,
            ended: None,
            attach_by: now + ATTACH_TIMEOUT,
        }
    }

    /// Until the page attaches, until its deadline; with surface counters untold, a pause;
    /// else as long as it takes.
    pub(crate) fn wait(&self) -> Wait {
        if self.link.is_none() {
            Wait::Until(self.attach_by)
        } else if self.untold {
            Wait::For(SURFACE_STATS_EVERY)
        } else {
            Wait::Forever
        }
    }

    fn surface_shown(&self) -> bool {
        self.surface.as_ref().is_some_and(|s| s.is_shown())
    }

    /// Whoever paints next starts from the whole screen.
    fn all_dirty(&mut self, screen: &impl Screen) {
        let s = screen.bounds();
        self.dirty.add(s, s);
    }

    fn drop_surface(&mut self, e: &dyn std::error::Error, screen: &impl Screen) {
        log::warn!("console {}: the page paints: {}", self.id, chain(e));
        self.surface = None;
        self.all_dirty(screen);
    }

    /// Takes in one message. Nothing is sent to the page here but CLOSED: frames wait for
    /// [`Pump::flush`], so everything already queued is covered by one paint.
    pub(crate) fn handle(&mut self, input: PumpInput<L>, screen: &impl Screen) -> Flow {
        match input {
            PumpInput::Event(ConsoleEvent::Updated { rects }) => {
                self.updates = self.updates.wrapping_add(1);
                let s = screen.bounds();
                for r in rects {
                    self.dirty.add(r, s);
                }
            }
            PumpInput::Event(ConsoleEvent::Resized { .. }) => self.all_dirty(screen),
            PumpInput::Event(ConsoleEvent::Cursor(image)) => {
                self.cursor = Some(stream::cursor_message(&image));
            }
            PumpInput::Event(ConsoleEvent::Closed { reason }) => {
                if let Some(mut link) = self.link.take() {
                    link.send(stream::closed_message(&reason));
                    link.close();
                    return Flow::Done;
                }
                self.ended = Some(reason);
            }
            PumpInput::Event(ConsoleEvent::Bell) => {}
            PumpInput::Attach(mut link) => {
                if let Some(reason) = self.ended.take() {
                    link.send(stream::closed_message(&reason));
                    link.close();
                    return Flow::Unregister;
                }
                self.link = Some(*link);
            }
            PumpInput::Credit(n) => self.credits = self.credits.saturating_add(n).min(MAX_CREDITS),
            PumpInput::Surface(place) => {
                if let Some(s) = self.surface.as_mut() {
                    let was_shown = s.is_shown();
                    if let Err(e) = s.place(place.map(placement)) {
                        log::warn!("console {}: the page paints: {}", self.id, chain(&e));
                        self.surface = None;
                    }
                    if self.surface_shown() != was_shown {
                        self.all_dirty(screen);
                    }
                }
            }
            PumpInput::Exposed => {
                if let Some(Err(e)) = self.surface.as_mut().map(|s| s.repaint()) {
                    self.drop_surface(&e, screen);
                }
            }
            PumpInput::Stop => {
                if let Some(mut link) = self.link.take() {
                    link.close();
                }
                return Flow::Done;
            }
        }
        Flow::Continue
    }

    /// The wait of [`Pump::wait`] ran out.
    pub(crate) fn timed_out(&mut self) -> Flow {
        if self.link.is_none() {
            // Nobody connected: the page went away before it could.
            Flow::Unregister
        } else {
            // A pause after surface frames: the counters go out at the next flush.
            Flow::Continue
        }
    }

    /// Sends what is due: the cursor, the surface's paint and counters, and a frame if the
    /// page has a credit.
    pub(crate) fn flush(&mut self, screen: &impl Screen) -> Flow {
        if self.link.is_none() {
            return Flow::Continue;
        }
        // The cursor is small and changes rarely: it goes out at once, without a credit.
        if let Some(message) = self.cursor.take() {
            if !self.send(message) {
                return Flow::Done;
            }
        }
        if self.surface_shown() && !self.dirty.is_empty() {
            self.paint_surface(screen);
        }
        // The page's canvas follows a new size at once; the counters (make bench) go a few
        // times a second rather than every frame.
        if self.untold
            && (self.painted_size != self.told_size
                || self.told_at.elapsed() >= SURFACE_STATS_EVERY)
        {
            self.told_at = Instant::now();
            self.told_size = self.painted_size;
            self.untold = false;
            let (w, h) = self.told_size;
            let message = stream::surface_message(w, h, self.native_frames, self.updates);
            if !self.send(message) {
                return Flow::Done;
            }
        }
        if self.surface_shown() || self.credits == 0 || self.dirty.is_empty() {
            return Flow::Continue;
        }
        let rects = self.dirty.take();
        let updates = self.updates;
        let messages = screen
            .with_framebuffer(|fb| stream::frame_messages(fb, &rects, updates, stream::PART_BYTES));
        self.credits -= 1;
        for message in messages {
            if !self.send(message) {
                return Flow::Done;
            }
        }
        Flow::Continue
    }

    fn send(&mut self, message: Vec<u8>) -> bool {
        self.link.as_mut().is_some_and(|l| l.send(message))
    }

    /// Paints the dirty part into the native surface.
    fn paint_surface(&mut self, screen: &impl Screen) {
        let Some(s) = self.surface.as_mut() else {
            return;
        };
        let rects: Vec<_> = self
            .dirty
            .take()
            .iter()
            .map(|r| (r.x, r.y, r.width, r.height))
            .collect();
        // The copy under the framebuffer's lock, the X round trip after it: the engine's
        // reader never waits for the X server.
        let (size, copied) = screen.with_framebuffer(|fb| {
            let size = (fb.width(), fb.height());
            (size, s.copy_in(size.0, size.1, fb.pixels(), &rects))
        });
        match copied.and_then(|shown| s.show(&shown)) {
            Ok(()) => {
                self.native_frames = self.native_frames.wrapping_add(1);
                self.untold = true;
            }
            Err(e) => self.drop_surface(&e, screen),
        }
        self.painted_size = size;
    }
}

/// Runs `pump` until the console ends; `unregister` takes the console out of the registry.
pub(crate) fn run(
    mut pump: Pump,
    rx: Receiver<PumpInput>,
    screen: &impl Screen,
    unregister: impl FnOnce(),
) {
    loop {
        let mut msg = match pump.wait() {
            Wait::Until(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
            Wait::For(d) => rx.recv_timeout(d),
            Wait::Forever => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        // Everything already queued is handled before painting, so one paint covers it all and
        // a slow X server cannot make the queue grow.
        loop {
            let flow = match msg {
                Ok(input) => pump.handle(input, screen),
                Err(RecvTimeoutError::Disconnected) => pump.handle(PumpInput::Stop, screen),
                Err(RecvTimeoutError::Timeout) => pump.timed_out(),
            };
            match flow {
                Flow::Continue => {}
                Flow::Done => return,
                Flow::Unregister => return unregister(),
            }
            match rx.try_recv() {
                Ok(next) => msg = Ok(next),
                Err(_) => break,
            }
        }
        if pump.flush(screen) != Flow::Continue {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex as StdMutex};

    /// A page that records what it was sent, and can go away.
    #[derive(Default, Clone)]
    struct Page {
        got: Arc<StdMutex<Vec<Vec<u8>>>>,
        closed: Arc<StdMutex<bool>>,
        gone: bool,
    }

    impl PageLink for Page {
        fn send(&mut self, message: Vec<u8>) -> bool {
            self.got.lock().unwrap().push(message);
            !self.gone
        }
        fn close(&mut self) {
            *self.closed.lock().unwrap() = true;
        }
    }

    impl Page {
        fn kinds(&self) -> Vec<u8> {
            self.got.lock().unwrap().iter().map(|m| m[0]).collect()
        }
    }

    impl Screen for Framebuffer {
        fn with_framebuffer<R>(&self, f: impl FnOnce(&Framebuffer) -> R) -> R {
            f(self)
        }
    }

    fn rect(x: u16, y: u16, width: u16, height: u16) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    fn updated(r: Rect) -> PumpInput<Page> {
        PumpInput::Event(ConsoleEvent::Updated { rects: vec![r] })
    }

    /// A pump with a page attached, on a 64×32 screen.
    fn attached() -> (Pump<Page>, Page, Framebuffer) {
        let fb = Framebuffer::new(64, 32);
        let page = Page::default();
        let mut pump = Pump::new(1, None);
        assert_eq!(
            pump.handle(PumpInput::Attach(Box::new(page.clone())), &fb),
            Flow::Continue
        );
        (pump, page, fb)
    }

    /// The rects of the FRAME messages the page got, in order.
    fn frames(page: &Page, fb: &Framebuffer) -> Vec<stream::FrameInfo> {
        let mut rgba = vec![0; usize::from(fb.width()) * usize::from(fb.height()) * 4];
        page.got
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m[0] == stream::FRAME)
            .map(|m| stream::decode_frame(m, fb.width(), fb.height(), &mut rgba).unwrap())
            .collect()
    }

    #[test]
    fn a_frame_costs_a_credit_and_changes_without_one_are_coalesced() {
        let (mut pump, page, fb) = attached();
        pump.handle(updated(rect(0, 0, 8, 8)), &fb);
        pump.flush(&fb);
        assert!(page.kinds().is_empty(), "no credit yet, nothing sent");
        pump.handle(updated(rect(16, 0, 8, 8)), &fb);
        pump.handle(PumpInput::Credit(1), &fb);
        pump.flush(&fb);
        assert_eq!(
            page.kinds(),
            vec![stream::FRAME],
            "one frame for both changes"
        );
        let info = &frames(&page, &fb)[0];
        assert_eq!(info.updates, 2);
        pump.handle(updated(rect(0, 16, 8, 8)), &fb);
        pump.flush(&fb);
        assert_eq!(page.kinds().len(), 1, "the credit was spent");
    }

    #[test]
    fn credits_are_capped() {
        let (mut pump, page, fb) = attached();
        pump.handle(PumpInput::Credit(1000), &fb);
        for i in 0..(MAX_CREDITS + 4) {
            pump.handle(updated(rect(0, 0, 4, 4)), &fb);
            assert_eq!(pump.flush(&fb), Flow::Continue, "flush {i}");
        }
        assert_eq!(page.kinds().len(), MAX_CREDITS as usize);
    }

    #[test]
    fn nothing_is_sent_before_the_first_change() {
        let (mut pump, page, fb) = attached();
        pump.handle(PumpInput::Credit(4), &fb);
        pump.flush(&fb);
        assert!(
            page.kinds().is_empty(),
            "the black framebuffer is not a frame"
        );
        pump.handle(
            PumpInput::Event(ConsoleEvent::Resized {
                width: 64,
                height: 32,
            }),
            &fb,
        );
        pump.flush(&fb);
        assert_eq!(page.kinds(), vec![stream::FRAME]);
    }

    #[test]
    fn the_cursor_goes_without_a_credit() {
        let (mut pump, page, fb) = attached();
        let image = vireo_vnc::CursorImage {
            width: 1,
            height: 1,
            hotspot_x: 0,
            hotspot_y: 0,
            rgba: vec![255, 0, 0, 255],
        };
        pump.handle(PumpInput::Event(ConsoleEvent::Cursor(image)), &fb);
        pump.flush(&fb);
        assert_eq!(page.kinds(), vec![stream::CURSOR]);
    }

    #[test]
    fn an_end_before_the_page_attaches_is_told_when_it_does() {
        let fb = Framebuffer::new(8, 8);
        let mut pump: Pump<Page> = Pump::new(1, None);
        let closed = PumpInput::Event(ConsoleEvent::Closed {
            reason: "the VM shut down".into(),
        });
        assert_eq!(pump.handle(closed, &fb), Flow::Continue);
        let page = Page::default();
        let flow = pump.handle(PumpInput::Attach(Box::new(page.clone())), &fb);
        assert_eq!(flow, Flow::Unregister);
        let got = page.got.lock().unwrap().clone();
        assert_eq!(got, vec![stream::closed_message("the VM shut down")]);
        assert!(*page.closed.lock().unwrap());
    }

    #[test]
    fn an_end_after_the_page_attached_is_sent_and_closes_the_link() {
        let (mut pump, page, fb) = attached();
        let closed = PumpInput::Event(ConsoleEvent::Closed {
            reason: "gone".into(),
        });
        assert_eq!(pump.handle(closed, &fb), Flow::Done);
        assert_eq!(page.kinds(), vec![stream::CLOSED]);
        assert!(*page.closed.lock().unwrap());
    }

    #[test]
    fn a_page_that_never_attaches_unregisters_the_console() {
        let pump: Pump<Page> = Pump::new(1, None);
        assert!(matches!(pump.wait(), Wait::Until(_)));
        let mut pump = pump;
        assert_eq!(pump.timed_out(), Flow::Unregister);
        let (mut pump, _, _) = attached();
        assert_eq!(pump.wait(), Wait::Forever);
        assert_eq!(pump.timed_out(), Flow::Continue);
    }

    #[test]
    fn a_page_gone_mid_frame_ends_the_pump() {
        let (mut pump, mut page, fb) = attached();
        page.gone = true;
        let mut gone: Pump<Page> = Pump::new(2, None);
        gone.handle(PumpInput::Attach(Box::new(page)), &fb);
        gone.handle(PumpInput::Credit(1), &fb);
        gone.handle(updated(rect(0, 0, 4, 4)), &fb);
        assert_eq!(gone.flush(&fb), Flow::Done);
        assert_eq!(pump.handle(PumpInput::Stop, &fb), Flow::Done);
    }

    #[test]
    fn run_stops_without_unregistering_when_its_sender_is_gone() {
        // Nothing queued and the sender gone: `run` stops without a page.
        let (tx, rx) = std::sync::mpsc::channel::<PumpInput>();
        drop(tx);
        let fb = Framebuffer::new(4, 4);
        let mut unregistered = false;
        run(Pump::new(1, None), rx, &fb, || unregistered = true);
        assert!(!unregistered, "a dropped sender is a stop, not a timeout");
    }
}
