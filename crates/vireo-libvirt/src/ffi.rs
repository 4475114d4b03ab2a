//! The libvirt calls the `virt` crate does not wrap (or wraps leakily): the event loop thread,
//! domain lifecycle events, the connection close callback, bulk domain statistics and guest
//! interface addresses.
//! Every foreign call of this crate is in this file.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::Once;
use virt::connect::Connect;
use virt::error::Error;
use virt::sys;

/// Registers libvirt's default event loop and runs it on its own thread. Must happen before
/// any connection that wants events is opened; [`crate::open`] calls it, so do all opens.
pub fn ensure_event_loop() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // libvirt's default error callback prints every error to stderr; we report them.
        virt::error::clear_error_callback();
        if virt::event::event_register_default_impl().is_err() {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("libvirt-events".into())
            .spawn(|| loop {
                if virt::event::event_run_default_impl().is_err() {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            });
        if let Err(e) = spawned {
            log::error!("cannot start the libvirt event thread: {e}");
        }
    });
}

/// One lifecycle event as libvirt delivered it (`virDomainEventType` and its detail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLifecycleEvent {
    pub uuid: String,
    pub name: String,
    pub event: i32,
    pub detail: i32,
}

type LifecycleFn = Box<dyn Fn(RawLifecycleEvent) + Send + Sync>;
type CloseFn = Box<dyn Fn(i32) + Send + Sync>;

/// Reads a domain's name and UUID without a round trip (both are cached in the handle).
///
/// # Safety
/// `dom` must be a live domain pointer for the duration of the call.
unsafe fn domain_identity(dom: sys::virDomainPtr) -> (String, String) {
    // SAFETY: the caller guarantees `dom` is live; virDomainGetName returns a string owned by
    // it (or null), which we copy at once.
    let name_ptr = unsafe { sys::virDomainGetName(dom) };
    let name = if name_ptr.is_null() {
        String::new()
    } else {
        // SAFETY: non-null, NUL-terminated, owned by the live domain.
        unsafe { CStr::from_ptr(name_ptr) }
            .to_string_lossy()
            .into_owned()
    };
    let mut buf = [0 as c_char; 64]; // VIR_UUID_STRING_BUFLEN is 37
                                     // SAFETY: buf is larger than VIR_UUID_STRING_BUFLEN, which is all libvirt writes.
    let uuid = if unsafe { sys::virDomainGetUUIDString(dom, buf.as_mut_ptr()) } == 0 {
        // SAFETY: libvirt wrote a NUL-terminated string into buf.
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    } else {
        String::new()
    };
    (name, uuid)
}

unsafe extern "C" fn lifecycle_trampoline(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    event: c_int,
    detail: c_int,
    opaque: *mut c_void,
) -> c_int {
    // SAFETY: libvirt passes back the opaque pointer we registered, a Box<LifecycleFn> that
    // stays alive until libvirt calls `free_lifecycle`; `dom` is live during the callback.
    let (callback, (name, uuid)) =
        unsafe { (&*(opaque as *const LifecycleFn), domain_identity(dom)) };
    let ev = RawLifecycleEvent {
        uuid,
        name,
        event,
        detail,
    };
    // A panic must not unwind into C.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(ev)));
    0
}

unsafe extern "C" fn free_lifecycle(opaque: *mut c_void) {
    // SAFETY: opaque is the Box<LifecycleFn> leaked in `register_lifecycle`; libvirt calls
    // this exactly once, after the last callback.
    drop(unsafe { Box::from_raw(opaque as *mut LifecycleFn) });
}

/// A registered event callback; dropping it deregisters.
pub struct EventRegistration {
    conn: Connect,
    id: c_int,
}

impl Drop for EventRegistration {
    fn drop(&mut self) {
        // SAFETY: conn is alive (we hold a reference) and id came from a successful
        // registration on it. Failure (connection already closed) is harmless.
        unsafe {
            sys::virConnectDomainEventDeregisterAny(self.conn.as_ptr(), self.id);
        }
    }
}

/// Calls `callback` for every lifecycle event of every domain on `conn`.
pub fn register_lifecycle(
    conn: &Connect,
    callback: impl Fn(RawLifecycleEvent) + Send + Sync + 'static,
) -> Result<EventRegistration, Error> {
    let boxed: Box<LifecycleFn> = Box::new(Box::new(callback));
    let opaque = Box::into_raw(boxed) as *mut c_void;
    type LifecycleCb = unsafe extern "C" fn(
        sys::virConnectPtr,
        sys::virDomainPtr,
        c_int,
        c_int,
        *mut c_void,
    ) -> c_int;
    let typed: LifecycleCb = lifecycle_trampoline;
    // SAFETY: libvirt's API takes the generic callback type and calls it with the
    // lifecycle signature for VIR_DOMAIN_EVENT_ID_LIFECYCLE (the documented
    // VIR_DOMAIN_EVENT_CALLBACK cast); both are plain C function pointers.
    let generic: unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *mut c_void) =
        unsafe { std::mem::transmute::<LifecycleCb, _>(typed) };
    // SAFETY: conn is a live connection; opaque is a leaked box freed by free_lifecycle,
    // which libvirt calls on deregistration (or at once if registration fails).
    let id = unsafe {
        sys::virConnectDomainEventRegisterAny(
            conn.as_ptr(),
            std::ptr::null_mut(),
            sys::VIR_DOMAIN_EVENT_ID_LIFECYCLE as c_int,
            Some(generic),
            opaque,
            Some(free_lifecycle),
        )
    };
    if id < 0 {
        return Err(Error::last_error());
    }
    Ok(EventRegistration {
        conn: conn.clone(),
        id,
    })
}

unsafe extern "C" fn close_trampoline(
    _conn: sys::virConnectPtr,
    reason: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: opaque is the Box<CloseFn> registered below, alive until free_close runs.
    let callback = unsafe { &*(opaque as *const CloseFn) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(reason)));
}

unsafe extern "C" fn free_close(opaque: *mut c_void) {
    // SAFETY: the Box<CloseFn> leaked in register_close, freed once by libvirt.
    drop(unsafe { Box::from_raw(opaque as *mut CloseFn) });
}

/// A registered close callback; dropping it unregisters.
pub struct CloseRegistration {
    conn: Connect,
}

impl Drop for CloseRegistration {
    fn drop(&mut self) {
        // SAFETY: conn is alive; the callback pointer is the one we registered.
        unsafe {
            sys::virConnectUnregisterCloseCallback(self.conn.as_ptr(), Some(close_trampoline));
        }
    }
}

/// Calls `callback(reason)` when the connection to the daemon closes (EOF, keepalive, error).
/// Drivers without a daemon (test:///) refuse it.
pub fn register_close(
    conn: &Connect,
    callback: impl Fn(i32) + Send + Sync + 'static,
) -> Result<CloseRegistration, Error> {
    let boxed: Box<CloseFn> = Box::new(Box::new(callback));
    let opaque = Box::into_raw(boxed) as *mut c_void;
    // SAFETY: conn is live; opaque is freed by free_close when unregistered. On failure
    // libvirt does not take ownership, so we free it ourselves below.
    let r = unsafe {
        sys::virConnectRegisterCloseCallback(
            conn.as_ptr(),
            Some(close_trampoline),
            opaque,
            Some(free_close),
        )
    };
    if r < 0 {
        let err = Error::last_error();
        // SAFETY: registration failed, so libvirt holds no reference to opaque.
        unsafe { free_close(opaque) };
        return Err(err);
    }
    Ok(CloseRegistration { conn: conn.clone() })
}

/// One domain's record from `virConnectGetAllDomainStats`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainStatsRecord {
    pub uuid: String,
    pub name: String,
    pub state: Option<i32>,
    /// Total CPU time used, nanoseconds.
    pub cpu_time: Option<u64>,
    /// KiB.
    pub balloon_current: Option<u64>,
    /// KiB.
    pub balloon_maximum: Option<u64>,
    /// KiB resident in the host (QEMU's RSS).
    pub balloon_rss: Option<u64>,
    /// What the guest's balloon driver reports (KiB), when its stats period is set: the
    /// memory it sees, what lies unused, and what it could use without swapping (unused plus
    /// reclaimable caches).
    pub balloon_available: Option<u64>,
    pub balloon_unused: Option<u64>,
    pub balloon_usable: Option<u64>,
    pub vcpu_current: Option<u32>,
    pub vcpu_maximum: Option<u32>,
    /// Bytes read from and written to all disks, summed (with `STATS_BLOCK`).
    pub block_read: Option<u64>,
    pub block_write: Option<u64>,
    /// Bytes received and sent on all interfaces, summed (with `STATS_INTERFACE`).
    pub net_rx: Option<u64>,
    pub net_tx: Option<u64>,
}

/// Adds a per-device counter into a sum that stays `None` until a device reports one.
fn add_to(sum: &mut Option<u64>, v: Option<u64>) {
    if let Some(v) = v {
        *sum = Some(sum.unwrap_or(0).saturating_add(v));
    }
}

/// `block.<n>.rd.bytes` → `Some("rd.bytes")` for `prefix` `block.`.
fn indexed<'a>(field: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let rest = field.strip_prefix(prefix)?;
    let dot = rest.iter().position(|&b| b == b'.')?;
    rest[..dot]
        .iter()
        .all(u8::is_ascii_digit)
        .then(|| &rest[dot + 1..])
}

pub const STATS_STATE: u32 = sys::VIR_DOMAIN_STATS_STATE;
pub const STATS_CPU: u32 = sys::VIR_DOMAIN_STATS_CPU_TOTAL;
pub const STATS_BALLOON: u32 = sys::VIR_DOMAIN_STATS_BALLOON;
pub const STATS_VCPU: u32 = sys::VIR_DOMAIN_STATS_VCPU;
pub const STATS_BLOCK: u32 = sys::VIR_DOMAIN_STATS_BLOCK;
pub const STATS_INTERFACE: u32 = sys::VIR_DOMAIN_STATS_INTERFACE;

/// Statistics of every domain in one round trip (the `virt` crate's wrapper leaks them).
pub fn all_domain_stats(conn: &Connect, stats: u32) -> Result<Vec<DomainStatsRecord>, Error> {
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: conn is live; libvirt allocates the NULL-terminated record array into
    // `records`, which we free with virDomainStatsRecordListFree below.
    let n = unsafe { sys::virConnectGetAllDomainStats(conn.as_ptr(), stats, &mut records, 0) };
    if n < 0 {
        return Err(Error::last_error());
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: libvirt returned n valid record pointers.
        let rec = unsafe { &**records.add(i) };
        // SAFETY: rec.dom is live while the record list is.
        let (name, uuid) = unsafe { domain_identity(rec.dom) };
        let mut r = DomainStatsRecord {
            uuid,
            name,
            ..Default::default()
        };
        for j in 0..rec.nparams.max(0) as usize {
            // SAFETY: params holds nparams initialised entries.
            let p = unsafe { &*rec.params.add(j) };
            // SAFETY: field is a NUL-terminated fixed buffer (VIR_TYPED_PARAM_FIELD_LENGTH).
            let field = unsafe { CStr::from_ptr(p.field.as_ptr()) }.to_bytes();
            // SAFETY: the union member read matches the type tag libvirt set.
            let (int, uint, ullong) = unsafe {
                match p.type_ as u32 {
                    sys::VIR_TYPED_PARAM_INT => (Some(p.value.i), None, None),
                    sys::VIR_TYPED_PARAM_UINT => (None, Some(p.value.ui), None),
                    sys::VIR_TYPED_PARAM_ULLONG => (None, None, Some(p.value.ul)),
                    _ => (None, None, None),
                }
            };
            match field {
                b"state.state" => r.state = int,
                b"cpu.time" => r.cpu_time = ullong,
                b"balloon.current" => r.balloon_current = ullong,
                b"balloon.maximum" => r.balloon_maximum = ullong,
                b"balloon.rss" => r.balloon_rss = ullong,
                b"balloon.available" => r.balloon_available = ullong,
                b"balloon.unused" => r.balloon_unused = ullong,
                b"balloon.usable" => r.balloon_usable = ullong,
                b"vcpu.current" => r.vcpu_current = uint,
                b"vcpu.maximum" => r.vcpu_maximum = uint,
                f => match (indexed(f, b"block."), indexed(f, b"net.")) {
                    (Some(b"rd.bytes"), _) => add_to(&mut r.block_read, ullong),
                    (Some(b"wr.bytes"), _) => add_to(&mut r.block_write, ullong),
                    (_, Some(b"rx.bytes")) => add_to(&mut r.net_rx, ullong),
                    (_, Some(b"tx.bytes")) => add_to(&mut r.net_tx, ullong),
                    _ => {}
                },
            }
        }
        out.push(r);
    }
    // SAFETY: records came from virConnectGetAllDomainStats and is freed exactly once.
    unsafe { sys::virDomainStatsRecordListFree(records) };
    Ok(out)
}

/// Whether this process runs as root. For root, libvirt serves `qemu:///session` from the
/// system daemon, so the inventory must not open it a second time.
pub fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// A connected socket to the VM's first graphics device (VNC), handed over by libvirt: no
/// TCP port, no password, and it works for `<listen type='none'/>`.
pub fn open_graphics(dom: &virt::domain::Domain) -> Result<std::os::unix::net::UnixStream, Error> {
    use std::os::fd::FromRawFd;
    // VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH: libvirt already authorised this client.
    let fd = dom.open_graphics_fd(0, sys::VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH)?;
    // SAFETY: virDomainOpenGraphicsFD returns a new socket fd that the caller owns; nothing
    // else refers to it, so UnixStream may take ownership and close it.
    Ok(unsafe { std::os::unix::net::UnixStream::from_raw_fd(fd as i32) })
}

/// One guest interface as `virDomainInterfaceAddresses` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawInterface {
    pub name: String,
    pub mac: Option<String>,
    /// (`VIR_IP_ADDR_TYPE_*`, address, prefix length).
    pub addrs: Vec<(i32, String, u32)>,
}

/// A guest's interface addresses from one source (agent, lease, ARP); the `virt` crate's
/// wrapper leaks each interface record.
pub fn interface_addresses(
    dom: &virt::domain::Domain,
    source: u32,
) -> Result<Vec<RawInterface>, Error> {
    let text = |p: *const c_char| {
        // SAFETY: libvirt's strings in the interface records are NUL-terminated or null.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    };
    let mut ifaces: *mut sys::virDomainInterfacePtr = std::ptr::null_mut();
    // SAFETY: dom is live; libvirt allocates the array and each record into `ifaces`, freed
    // below with virDomainInterfaceFree for each record and free for the array.
    let n = unsafe { sys::virDomainInterfaceAddresses(dom.as_ptr(), &mut ifaces, source, 0) };
    if n < 0 {
        return Err(Error::last_error());
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: libvirt returned n valid record pointers.
        let iface = unsafe { *ifaces.add(i) };
        // SAFETY: iface is a valid record until freed below.
        let rec = unsafe { &*iface };
        let addrs = (0..rec.naddrs as usize)
            .map(|j| {
                // SAFETY: addrs holds naddrs initialised entries.
                let a = unsafe { &*rec.addrs.add(j) };
                (a.type_, text(a.addr).unwrap_or_default(), a.prefix)
            })
            .collect();
        out.push(RawInterface {
            name: text(rec.name).unwrap_or_default(),
            mac: text(rec.hwaddr),
            addrs,
        });
        // SAFETY: each record is freed exactly once, after it was read.
        unsafe { sys::virDomainInterfaceFree(iface) };
    }
    if !ifaces.is_null() {
        // SAFETY: the array itself was allocated by libvirt with malloc.
        unsafe { libc::free(ifaces as *mut c_void) };
    }
    Ok(out)
}

/// What a console stream delivers: bytes, or its end (libvirt's reason, if it failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamOutput {
    Data(Vec<u8>),
    Closed(Option<String>),
}

pub type StreamFn = Box<dyn FnMut(StreamOutput) + Send>;

/// The stream callback's state: the receiver, and whether the end was already told.
struct StreamWatch {
    on_output: StreamFn,
    ended: bool,
}

unsafe extern "C" fn stream_trampoline(st: sys::virStreamPtr, events: c_int, opaque: *mut c_void) {
    // SAFETY: opaque is the Box<StreamWatch> registered in `open_console`; libvirt calls its
    // stream callbacks one at a time on the event thread, so this is the only reference.
    let watch = unsafe { &mut *(opaque as *mut StreamWatch) };
    if watch.ended {
        return;
    }
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // SAFETY: st is the live stream this callback was registered on; buf is writable for
        // its length.
        let n = unsafe { sys::virStreamRecv(st, buf.as_mut_ptr() as *mut c_char, buf.len()) };
        match n {
            n if n > 0 => (watch.on_output)(StreamOutput::Data(buf[..n as usize].to_vec())),
            -2 => break, // Nothing more for now.
            0 => {
                watch.ended = true;
                (watch.on_output)(StreamOutput::Closed(None));
                break;
            }
            _ => {
                watch.ended = true;
                (watch.on_output)(StreamOutput::Closed(Some(Error::last_error().to_string())));
                break;
            }
        }
    }
    let hangup = (sys::VIR_STREAM_EVENT_ERROR | sys::VIR_STREAM_EVENT_HANGUP) as c_int;
    if !watch.ended && events & hangup != 0 {
        watch.ended = true;
        (watch.on_output)(StreamOutput::Closed(None));
    }
    if watch.ended {
        // SAFETY: st is live; no more events are wanted from an ended stream.
        unsafe { sys::virStreamEventUpdateCallback(st, 0) };
    }
}

unsafe extern "C" fn free_stream_watch(opaque: *mut c_void) {
    // SAFETY: the Box<StreamWatch> leaked in `open_console`, freed once by libvirt.
    drop(unsafe { Box::from_raw(opaque as *mut StreamWatch) });
}

/// A domain's character device (serial console) as a non-blocking stream; output arrives on
/// the libvirt event thread. Dropping it stops the callback and aborts the stream.
pub struct ConsoleStream {
    ptr: sys::virStreamPtr,
    /// The stream needs its connection open.
    _conn: Connect,
}

// SAFETY: libvirt streams may be used from any thread; the callback state is only touched
// by the event thread.
unsafe impl Send for ConsoleStream {}
// SAFETY: as above; `send` is the only shared use, and virStreamSend is thread-safe.
unsafe impl Sync for ConsoleStream {}

/// Opens the first console or serial port of `dom`. With `force`, another client's
/// session on it is ended; without, it is refused.
pub fn open_console(
    conn: &Connect,
    dom: &virt::domain::Domain,
    force: bool,
    on_output: StreamFn,
) -> Result<ConsoleStream, Error> {
    // SAFETY: conn is live; the new stream reference is owned by ConsoleStream (freed on drop,
    // or below when opening fails).
    let ptr = unsafe { sys::virStreamNew(conn.as_ptr(), sys::VIR_STREAM_NONBLOCK) };
    if ptr.is_null() {
        return Err(Error::last_error());
    }
    let stream = ConsoleStream {
        ptr,
        _conn: conn.clone(),
    };
    let flags = if force {
        sys::VIR_DOMAIN_CONSOLE_FORCE
    } else {
        sys::VIR_DOMAIN_CONSOLE_SAFE
    };
    // SAFETY: dom and the stream are live; a null device name means the first one.
    let r = unsafe { sys::virDomainOpenConsole(dom.as_ptr(), std::ptr::null(), stream.ptr, flags) };
    if r < 0 {
        return Err(Error::last_error());
    }
    let watch = Box::into_raw(Box::new(StreamWatch {
        on_output,
        ended: false,
    })) as *mut c_void;
    let events =
        sys::VIR_STREAM_EVENT_READABLE | sys::VIR_STREAM_EVENT_ERROR | sys::VIR_STREAM_EVENT_HANGUP;
    // SAFETY: the stream is live; libvirt owns `watch` from here and frees it with
    // free_stream_watch when the callback is removed.
    let r = unsafe {
        sys::virStreamEventAddCallback(
            stream.ptr,
            events as c_int,
            Some(stream_trampoline),
            watch,
            Some(free_stream_watch),
        )
    };
    if r < 0 {
        let err = Error::last_error();
        // SAFETY: registration failed, so libvirt holds no reference to watch.
        unsafe { free_stream_watch(watch) };
        return Err(err);
    }
    Ok(stream)
}

impl ConsoleStream {
    /// Sends everything in `data`; a full stream is waited on briefly (the guest reads at
    /// the serial port's speed, and what is sent is typed input).
    pub fn send(&self, mut data: &[u8]) -> Result<(), Error> {
        let mut waits = 0;
        while !data.is_empty() {
            // SAFETY: the stream is live; data is readable for its length.
            let n =
                unsafe { sys::virStreamSend(self.ptr, data.as_ptr() as *const c_char, data.len()) };
            match n {
                n if n > 0 => data = &data[n as usize..],
                -2 if waits < 500 => {
                    waits += 1;
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                _ => return Err(Error::last_error()),
            }
        }
        Ok(())
    }
}

impl Drop for ConsoleStream {
    fn drop(&mut self) {
        // SAFETY: the stream is live until virStreamFree, called once here; removing the
        // callback makes libvirt free the watch. Errors mean the stream already ended.
        unsafe {
            sys::virStreamEventRemoveCallback(self.ptr);
            sys::virStreamAbort(self.ptr);
            sys::virStreamFree(self.ptr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::indexed;

    #[test]
    fn indexed_fields_match_only_numbered_devices() {
        assert_eq!(
            indexed(b"block.0.rd.bytes", b"block."),
            Some(&b"rd.bytes"[..])
        );
        assert_eq!(indexed(b"net.12.tx.bytes", b"net."), Some(&b"tx.bytes"[..]));
        assert_eq!(indexed(b"block.count", b"block."), None);
        assert_eq!(indexed(b"block.x.rd.bytes", b"block."), None);
        assert_eq!(indexed(b"net.0.rx.bytes", b"block."), None);
    }
}
