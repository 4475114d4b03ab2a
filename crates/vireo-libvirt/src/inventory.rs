//! The live inventory: every VM of every open connection, kept current by libvirt's
//! lifecycle events. One worker thread per connection applies events in order; one stats
//! thread samples CPU and memory every 2 s, only while someone is looking.

use crate::error::BackendError;
use crate::ffi::{self, CloseRegistration, EventRegistration, RawLifecycleEvent};
use crate::state::Action;
use crate::vm::{self, DetailsCache, DiskChoice, VmSummary};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use ts_rs::TS;
use virt::connect::Connect;

/// How often the stats thread samples, and how often event-less drivers are polled.
const STATS_INTERVAL: Duration = Duration::from_secs(2);
const POLL_INTERVAL: Duration = Duration::from_secs(3);
/// Retries after a loss: 0.5 s, then doubling up to 30 s (remote hosts; local daemons are
/// also watched, see `DAEMON_WATCH`).
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// While a local daemon is away, how often its socket is tried: it is reconnected to as
/// soon as it answers, not at the next backoff step.
const DAEMON_WATCH: Duration = Duration::from_millis(200);

/// The wait before retry number `attempt` (1 = the first retry after the loss).
fn backoff(attempt: u32) -> Duration {
    BACKOFF_FIRST
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_MAX)
}

/// The sockets a local daemon listens on for `uri` (monolithic libvirtd, then modular
/// virtqemud), or none for remote URIs and drivers without a daemon.
fn daemon_sockets(uri: &str) -> Vec<PathBuf> {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Vec::new();
    };
    let local = rest.starts_with('/') && (scheme == "qemu" || scheme == "qemu+unix");
    if !local {
        return Vec::new();
    }
    let path = rest.split('?').next().unwrap_or_default();
    let dir = if path == "/system" || ffi::running_as_root() {
        PathBuf::from("/run/libvirt")
    } else {
        match std::env::var_os("XDG_RUNTIME_DIR") {
            Some(d) => PathBuf::from(d).join("libvirt"),
            None => return Vec::new(),
        }
    };
    ["libvirt-sock", "virtqemud-sock"]
        .iter()
        .map(|s| dir.join(s))
        .collect()
}

/// True when one of `sockets` accepts a connection (the daemon is back).
fn daemon_answers(sockets: &[PathBuf]) -> bool {
    #[cfg(unix)]
    {
        sockets
            .iter()
            .any(|s| std::os::unix::net::UnixStream::connect(s).is_ok())
    }
    #[cfg(not(unix))]
    {
        let _ = sockets;
        false
    }
}

/// A connection's state machine: connecting → connected → lost → reconnecting → connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ConnState {
    Connecting,
    Connected,
    /// The daemon or the link went away; a reconnect is scheduled.
    Lost,
    Reconnecting,
    /// Opening failed; `error` and `hint` say why. Retry with `reconnect`.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub id: String,
    pub name: String,
    pub uri: String,
    /// `qemu:///system` and `qemu:///session`, which cannot be removed.
    pub builtin: bool,
    pub state: ConnState,
    pub error: Option<String>,
    /// What the user can do about `error`.
    pub hint: Option<String>,
    /// False when the driver has no events and the list is polled (vbox).
    pub live_events: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmRow {
    pub connection: String,
    pub vm: VmSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmStats {
    pub uuid: String,
    /// Share of the VM's vCPUs in use, 0–100.
    pub cpu_percent: f64,
    /// Bytes of host memory the VM uses, when the driver reports it.
    pub memory_used: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventorySnapshot {
    pub connections: Vec<ConnectionInfo>,
    pub vms: Vec<VmRow>,
}

/// What the inventory tells its listener. The UI applies these to its copy of the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum InventoryEvent {
    Connection {
        connection: ConnectionInfo,
    },
    ConnectionRemoved {
        id: String,
    },
    /// The whole VM list of one connection, after it (re)connected: replaces what the UI had.
    VmsReplaced {
        connection: String,
        vms: Vec<VmSummary>,
    },
    VmUpserted {
        connection: String,
        vm: VmSummary,
    },
    VmRemoved {
        connection: String,
        uuid: String,
    },
    Stats {
        connection: String,
        stats: Vec<VmStats>,
    },
}

/// A custom connection to add.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewConnection {
    pub uri: String,
    /// Defaults to the URI.
    pub name: Option<String>,
}

/// Edits to a connection; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionPatch {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct SavedConnection {
    id: String,
    name: String,
    uri: String,
}

type Sink = Box<dyn Fn(InventoryEvent) + Send + Sync>;

enum Work {
    Connect,
    Event(RawLifecycleEvent),
    /// The connection closed; libvirt's reason (`VIR_CONNECT_CLOSE_REASON_*`).
    Closed(i32),
    Poll,
    Stop,
}

struct Live {
    conn: Connect,
    // Dropped (deregistered) before `conn` is released.
    _events: Option<EventRegistration>,
    _close: Option<CloseRegistration>,
}

struct Conn {
    id: String,
    uri: String,
    builtin: bool,
    force_poll: bool,
    name: Mutex<String>,
    status: Mutex<(ConnState, Option<String>, Option<String>)>,
    live: Mutex<Option<Live>>,
    live_events: Mutex<bool>,
    vms: Mutex<HashMap<String, VmSummary>>,
    tx: Mutex<Sender<Work>>,
    cpu: Mutex<HashMap<String, (u64, Instant)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking worker must not take the whole inventory down with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Conn {
    fn info(&self) -> ConnectionInfo {
        let (state, error, hint) = lock(&self.status).clone();
        ConnectionInfo {
            id: self.id.clone(),
            name: lock(&self.name).clone(),
            uri: self.uri.clone(),
            builtin: self.builtin,
            state,
            error,
            hint,
            live_events: *lock(&self.live_events),
        }
    }

    fn connect(&self) -> Option<Connect> {
        lock(&self.live).as_ref().map(|l| l.conn.clone())
    }

    fn send(&self, w: Work) {
        let _ = lock(&self.tx).send(w);
    }
}

struct Inner {
    sink: Sink,
    conns: Mutex<Vec<Arc<Conn>>>,
    config_dir: Option<PathBuf>,
    stats_on: Mutex<bool>,
    stats_cv: Condvar,
    next_id: AtomicU64,
}

impl Inner {
    fn emit(&self, e: InventoryEvent) {
        (self.sink)(e);
    }

    fn find(&self, id: &str) -> Result<Arc<Conn>, BackendError> {
        lock(&self.conns)
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .ok_or_else(|| BackendError::NoSuchConnection(id.to_string()))
    }

    /// Sets the connection's state; tells the listener only when something changed (a
    /// retry that fails as the last one did sends nothing, so the UI does not blink).
    fn set_status(&self, c: &Conn, state: ConnState, error: Option<String>) {
        let hint = error.as_deref().map(|e| hint_for(&c.uri, e));
        {
            let mut status = lock(&c.status);
            let next = (state, error, hint);
            if *status == next {
                return;
            }
            *status = next;
        }
        self.emit(InventoryEvent::Connection {
            connection: c.info(),
        });
    }
}

/// The live inventory. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct Inventory {
    inner: Arc<Inner>,
}

/// Where connections are saved: `$VIREO_CONFIG_DIR`, else the user's config dir + `vireo`.
pub fn default_config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("VIREO_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("vireo"))
}

impl Inventory {
    /// An empty inventory that reports to `sink`, saving custom connections in the default
    /// config dir. Nothing is opened until `open_builtin`/`restore`/`add_connection`.
    pub fn new(sink: impl Fn(InventoryEvent) + Send + Sync + 'static) -> Self {
        Self::with_config_dir(sink, default_config_dir())
    }

    pub fn with_config_dir(
        sink: impl Fn(InventoryEvent) + Send + Sync + 'static,
        config_dir: Option<PathBuf>,
    ) -> Self {
        ffi::ensure_event_loop();
        let inner = Arc::new(Inner {
            sink: Box::new(sink),
            conns: Mutex::new(Vec::new()),
            config_dir,
            stats_on: Mutex::new(false),
            stats_cv: Condvar::new(),
            next_id: AtomicU64::new(1),
        });
        let weak = Arc::downgrade(&inner);
        let _ = std::thread::Builder::new()
            .name("vireo-stats".into())
            .spawn(move || stats_loop(weak));
        Inventory { inner }
    }

    /// Opens `qemu:///system` and `qemu:///session` (not for root, whose session is the
    /// system instance: its VMs would be listed twice), then the saved custom connections.
    pub fn open_builtin(&self) {
        self.open("system", "System", "qemu:///system", true);
        if !ffi::running_as_root() {
            let name = "User session";
            self.open("session", name, "qemu:///session", true);
        }
        for saved in self.load_saved() {
            self.open(&saved.id, &saved.name, &saved.uri, false);
        }
    }

    /// Opens one connection without saving it (tests, `vireo` CLI).
    pub fn open_transient(&self, id: &str, name: &str, uri: &str) {
        self.open(id, name, uri, false);
    }

    /// Opens a connection that ignores libvirt's events and polls, as for drivers without
    /// events (vbox). Lets the fallback be tested on drivers that do have events.
    pub fn open_transient_polling(&self, id: &str, name: &str, uri: &str) {
        self.open_with(id, name, uri, false, true);
    }

    fn open(&self, id: &str, name: &str, uri: &str, builtin: bool) {
        self.open_with(id, name, uri, builtin, false);
    }

    fn open_with(&self, id: &str, name: &str, uri: &str, builtin: bool, force_poll: bool) {
        let (tx, rx) = channel();
        let conn = Arc::new(Conn {
            id: id.to_string(),
            uri: uri.to_string(),
            builtin,
            force_poll,
            name: Mutex::new(name.to_string()),
            status: Mutex::new((ConnState::Connecting, None, None)),
            live: Mutex::new(None),
            live_events: Mutex::new(true),
            vms: Mutex::new(HashMap::new()),
            tx: Mutex::new(tx),
            cpu: Mutex::new(HashMap::new()),
        });
        lock(&self.inner.conns).push(conn.clone());
        self.inner.emit(InventoryEvent::Connection {
            connection: conn.info(),
        });
        let inner = Arc::downgrade(&self.inner);
        let worker = conn.clone();
        let _ = std::thread::Builder::new()
            .name(format!("vireo-conn-{id}"))
            .spawn(move || worker_loop(inner, worker, rx));
        conn.send(Work::Connect);
    }

    pub fn snapshot(&self) -> InventorySnapshot {
        let conns = lock(&self.inner.conns).clone();
        let mut vms = Vec::new();
        for c in &conns {
            let mut rows: Vec<VmRow> = lock(&c.vms)
                .values()
                .map(|vm| VmRow {
                    connection: c.id.clone(),
                    vm: vm.clone(),
                })
                .collect();
            rows.sort_by(|a, b| a.vm.name.cmp(&b.vm.name));
            vms.extend(rows);
        }
        InventorySnapshot {
            connections: conns.iter().map(|c| c.info()).collect(),
            vms,
        }
    }

    pub fn connection(&self, id: &str) -> Result<ConnectionInfo, BackendError> {
        Ok(self.inner.find(id)?.info())
    }

    fn live_conn(&self, id: &str) -> Result<(Arc<Conn>, Connect), BackendError> {
        let c = self.inner.find(id)?;
        let conn = c
            .connect()
            .ok_or_else(|| BackendError::NotConnected(lock(&c.name).clone()))?;
        Ok((c, conn))
    }

    /// The live libvirt connection behind `id`, for operations outside the inventory
    /// (creating VMs).
    pub fn open_connection(&self, id: &str) -> Result<Connect, BackendError> {
        Ok(self.live_conn(id)?.1)
    }

    /// Runs `action` on one VM (checked against the state machine first).
    pub fn perform(
        &self,
        connection: &str,
        uuid: &str,
        action: Action,
    ) -> Result<(), BackendError> {
        let (c, conn) = self.live_conn(connection)?;
        let result = vm::perform(&conn, uuid, action);
        // Autostart changes and drivers without events produce no lifecycle event; for the
        // rest, libvirt's event updates the list.
        let silent = matches!(action, Action::EnableAutostart | Action::DisableAutostart);
        if silent || !*lock(&c.live_events) {
            c.send(Work::Event(RawLifecycleEvent {
                uuid: uuid.to_string(),
                name: String::new(),
                event: -1,
                detail: 0,
            }));
        }
        result
    }

    pub fn delete_preview(
        &self,
        connection: &str,
        uuid: &str,
    ) -> Result<Vec<DiskChoice>, BackendError> {
        let (_, conn) = self.live_conn(connection)?;
        vm::delete_preview(&conn, uuid)
    }

    pub fn delete(
        &self,
        connection: &str,
        uuid: &str,
        remove_disks: &[String],
        confirmed_risky: bool,
    ) -> Result<(), BackendError> {
        let (c, conn) = self.live_conn(connection)?;
        let result = vm::delete(&conn, uuid, remove_disks, confirmed_risky);
        c.send(Work::Poll);
        result
    }

    /// Turns the 2-second stats sampling on while the list is visible, off otherwise.
    pub fn set_stats_active(&self, on: bool) {
        *lock(&self.inner.stats_on) = on;
        self.inner.stats_cv.notify_all();
    }

    /// Tries a failed or lost connection again now.
    pub fn reconnect(&self, id: &str) -> Result<(), BackendError> {
        self.inner.find(id)?.send(Work::Connect);
        Ok(())
    }

    pub fn add_connection(&self, new: NewConnection) -> Result<ConnectionInfo, BackendError> {
        let uri = normalize_uri(&new.uri)?;
        let name = validate_name(new.name.as_deref().unwrap_or(&uri))?;
        if lock(&self.inner.conns).iter().any(|c| c.uri == uri) {
            return Err(BackendError::Refused(format!(
                "{uri} is already in the list"
            )));
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let seq = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("c{nanos:x}{seq}");
        self.open(&id, &name, &uri, false);
        self.save()?;
        self.connection(&id)
    }

    pub fn update_connection(
        &self,
        id: &str,
        patch: ConnectionPatch,
    ) -> Result<ConnectionInfo, BackendError> {
        let c = self.inner.find(id)?;
        if let Some(name) = patch.name {
            *lock(&c.name) = validate_name(&name)?;
        }
        if !c.builtin {
            self.save()?;
        }
        self.inner.emit(InventoryEvent::Connection {
            connection: c.info(),
        });
        Ok(c.info())
    }

    pub fn remove_connection(&self, id: &str) -> Result<(), BackendError> {
        let c = self.inner.find(id)?;
        if c.builtin {
            return Err(BackendError::Refused(format!(
                "{} is built in and cannot be removed",
                lock(&c.name)
            )));
        }
        lock(&self.inner.conns).retain(|x| x.id != id);
        c.send(Work::Stop);
        self.save()?;
        self.inner
            .emit(InventoryEvent::ConnectionRemoved { id: id.to_string() });
        Ok(())
    }

    fn load_saved(&self) -> Vec<SavedConnection> {
        let Some(dir) = &self.inner.config_dir else {
            return Vec::new();
        };
        std::fs::read(dir.join("connections.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save(&self) -> Result<(), BackendError> {
        let Some(dir) = &self.inner.config_dir else {
            return Ok(());
        };
        let saved: Vec<SavedConnection> = lock(&self.inner.conns)
            .iter()
            .filter(|c| !c.builtin)
            .map(|c| SavedConnection {
                id: c.id.clone(),
                name: lock(&c.name).clone(),
                uri: c.uri.clone(),
            })
            .collect();
        std::fs::create_dir_all(dir).map_err(BackendError::Config)?;
        let tmp = dir.join("connections.json.tmp");
        let text = serde_json::to_vec_pretty(&saved).map_err(|e| BackendError::Config(e.into()))?;
        // Write then rename: a crash never leaves a half-written list.
        std::fs::write(&tmp, text).map_err(BackendError::Config)?;
        std::fs::rename(&tmp, dir.join("connections.json")).map_err(BackendError::Config)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for c in lock(&self.conns).iter() {
            c.send(Work::Stop);
        }
        *lock(&self.stats_on) = false;
        self.stats_cv.notify_all();
    }
}

fn validate_name(name: &str) -> Result<String, BackendError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(BackendError::Refused("a connection needs a name".into()));
    }
    if name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(BackendError::Refused(
            "a connection name is at most 80 characters, without control characters".into(),
        ));
    }
    Ok(name.to_string())
}

/// Checks a libvirt URI and makes ssh ones safe for a GUI: `no_tty=1` stops ssh from asking
/// for a password or passphrase on a terminal the app does not have.
pub fn normalize_uri(uri: &str) -> Result<String, BackendError> {
    let uri = uri.trim();
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(BackendError::Refused(format!(
            "'{uri}' is not a libvirt URI (expected driver[+transport]://[user@host]/path, \
             e.g. qemu+ssh://user@host/system)"
        )));
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+');
    if !scheme_ok || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(BackendError::Refused(format!(
            "'{uri}' is not a valid libvirt URI"
        )));
    }
    let driver = scheme.split('+').next().unwrap_or_default();
    const DRIVERS: [&str; 7] = ["qemu", "vbox", "test", "lxc", "xen", "ch", "bhyve"];
    if !DRIVERS.contains(&driver) {
        return Err(BackendError::Refused(format!(
            "unknown libvirt driver '{driver}' (known: {})",
            DRIVERS.join(", ")
        )));
    }
    if scheme.ends_with("+ssh") && !rest.contains("no_tty=") {
        let sep = if rest.contains('?') { '&' } else { '?' };
        return Ok(format!("{uri}{sep}no_tty=1"));
    }
    Ok(uri.to_string())
}

/// What to do about a connection error, in a sentence.
pub fn hint_for(uri: &str, error: &str) -> String {
    let host = uri
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("")
        .to_string();
    if error.contains("Host key verification failed") {
        format!("Connect once with 'ssh {host}' in a terminal to accept the host key, then retry.")
    } else if error.contains("Permission denied (publickey") || error.contains("passphrase") {
        format!(
            "Vireo uses key-based ssh: run 'ssh-copy-id {host}' and load your key into ssh-agent."
        )
    } else if error.contains("Permission denied") || error.contains("authentication") {
        "Add yourself to the libvirt group (sudo usermod -aG libvirt $USER), then log in again."
            .to_string()
    } else if error.contains("No such file or directory") || error.contains("Connection refused") {
        "libvirtd is not running: sudo systemctl enable --now libvirtd".to_string()
    } else if error.contains("Could not resolve") || error.contains("No route to host") {
        format!("The host '{host}' cannot be reached: check the name and the network.")
    } else {
        "Check the URI, then retry.".to_string()
    }
}

/// Full error text with its causes, each shown escaped and capped: libvirt's and ssh's text
/// comes from the daemon or a remote host.
fn chain(e: &BackendError) -> String {
    let mut s = vireo_text::shown_capped(&e.to_string(), 400);
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&vireo_text::shown_capped(&x.to_string(), 400));
        src = x.source();
    }
    s
}

fn worker_loop(inner: std::sync::Weak<Inner>, c: Arc<Conn>, rx: std::sync::mpsc::Receiver<Work>) {
    let mut cache = DetailsCache::new();
    let mut attempt: u32 = 0;
    let mut retry_at: Option<Instant> = None;
    let sockets = daemon_sockets(&c.uri);
    // Whether the daemon's socket accepted at the last look: only its coming back (down, then
    // up) triggers a reconnect, so a daemon that accepts but fails to open (socket activation
    // of a broken libvirtd) is retried on the backoff, not five times a second.
    let mut daemon_up = false;
    loop {
        let polling = !*lock(&c.live_events) && c.connect().is_some();
        // A local daemon is watched while it is away, and also when the first connect failed
        // (Vireo started before libvirtd): it is connected to as soon as it answers.
        let failed = lock(&c.status).0 == ConnState::Failed;
        let watching = (retry_at.is_some() || failed) && !sockets.is_empty();
        let timeout = match (retry_at, polling) {
            (Some(at), _) => at.saturating_duration_since(Instant::now()),
            (None, true) => POLL_INTERVAL,
            (None, false) => Duration::from_secs(3600),
        };
        let timeout = if watching {
            timeout.min(DAEMON_WATCH)
        } else {
            timeout
        };
        let received = rx.recv_timeout(timeout);
        let came_back = watching && received.is_err() && {
            let up = daemon_answers(&sockets);
            let back = up && !daemon_up;
            daemon_up = up;
            back
        };
        let work = match received {
            Ok(w) => w,
            Err(RecvTimeoutError::Timeout)
                if came_back || retry_at.is_some_and(|at| Instant::now() >= at) =>
            {
                Work::Connect
            }
            Err(RecvTimeoutError::Timeout) if polling => Work::Poll,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let Some(inner) = inner.upgrade() else { return };
        match work {
            Work::Stop => {
                lock(&c.live).take();
                return;
            }
            Work::Connect => {
                retry_at = None;
                if attempt == 0 {
                    inner.set_status(&c, ConnState::Connecting, None);
                } else {
                    // The last error stays shown while the retry runs.
                    let error = lock(&c.status).1.clone();
                    inner.set_status(&c, ConnState::Reconnecting, error);
                }
                match establish(&c) {
                    Ok(()) => {
                        attempt = 0;
                        reconcile(&inner, &c, &mut cache, true);
                        inner.set_status(&c, ConnState::Connected, None);
                    }
                    Err(e) => {
                        let was_connected = attempt > 0;
                        attempt += 1;
                        if was_connected {
                            // Lost before: keep trying with backoff (and, for a local
                            // daemon, as soon as its socket answers).
                            retry_at = Some(Instant::now() + backoff(attempt));
                            inner.set_status(&c, ConnState::Reconnecting, Some(chain(&e)));
                        } else {
                            attempt = 0;
                            inner.set_status(&c, ConnState::Failed, Some(chain(&e)));
                        }
                    }
                }
            }
            Work::Closed(reason) => {
                lock(&c.live).take();
                daemon_up = false;
                inner.set_status(&c, ConnState::Lost, Some(close_reason(reason).into()));
                attempt = 1;
                retry_at = Some(Instant::now() + backoff(1));
            }
            Work::Event(ev) => {
                let Some(conn) = c.connect() else { continue };
                // Defined (0) means the configuration changed; -1 is our own nudge.
                let reread = ev.event == 0 || ev.event == -1;
                match vm::refresh(&conn, &ev.uuid, &mut cache, reread) {
                    Ok(Some(vm)) => upsert(&inner, &c, vm),
                    Ok(None) => remove(&inner, &c, &ev.uuid),
                    Err(_) => {}
                }
            }
            Work::Poll => reconcile(&inner, &c, &mut cache, false),
        }
    }
}

/// Keepalive for local daemons: a ping every 2 s, closed after 3 unanswered (~8 s).
const LOCAL_KEEPALIVE: (i32, u32) = (2, 3);

/// What the user reads when the connection closed, by libvirt's close reason.
fn close_reason(reason: i32) -> &'static str {
    match reason {
        // VIR_CONNECT_CLOSE_REASON_KEEPALIVE
        2 => "libvirt does not answer (it stopped responding to keepalive)",
        // VIR_CONNECT_CLOSE_REASON_EOF
        1 => "libvirt is not running: the connection closed",
        _ => "the connection to libvirt closed",
    }
}

/// Opens the connection and registers for events and close notifications.
fn establish(c: &Arc<Conn>) -> Result<(), BackendError> {
    let conn = crate::open(&c.uri)?;
    let tx = lock(&c.tx).clone();
    let events = if c.force_poll {
        None
    } else {
        ffi::register_lifecycle(&conn, move |ev| {
            let _ = tx.send(Work::Event(ev));
        })
        .ok()
    };
    *lock(&c.live_events) = events.is_some();
    let tx = lock(&c.tx).clone();
    let close = ffi::register_close(&conn, move |reason| {
        let _ = tx.send(Work::Closed(reason));
    })
    .ok();
    // A dead link or a frozen daemon is noticed by keepalive, and calls blocked on it fail,
    // instead of hanging while the UI says Connected. Remote links get more slack. Drivers
    // without a daemon (test:///) refuse keepalive; nothing to watch there.
    let remote = c.uri.contains("+ssh") || c.uri.contains("+tcp") || c.uri.contains("+tls");
    let (interval, count) = if remote { (5, 3) } else { LOCAL_KEEPALIVE };
    let _ = conn.set_keep_alive(interval, count);
    *lock(&c.live) = Some(Live {
        conn,
        _events: events,
        _close: close,
    });
    Ok(())
}

/// Brings the VM list in line with the daemon. After a (re)connect the whole list goes out
/// as one event (a thousand VMs are one message, not a thousand); when polling, only changes.
fn reconcile(inner: &Inner, c: &Conn, cache: &mut DetailsCache, replace: bool) {
    let Some(conn) = c.connect() else { return };
    let Ok(list) = vm::list(&conn, cache) else {
        return;
    };
    if replace {
        *lock(&c.vms) = list.iter().map(|v| (v.uuid.clone(), v.clone())).collect();
        lock(&c.cpu).retain(|uuid, _| list.iter().any(|v| &v.uuid == uuid));
        inner.emit(InventoryEvent::VmsReplaced {
            connection: c.id.clone(),
            vms: list,
        });
        return;
    }
    let fresh: HashMap<String, VmSummary> = list.into_iter().map(|v| (v.uuid.clone(), v)).collect();
    let old: Vec<String> = lock(&c.vms).keys().cloned().collect();
    for uuid in old.iter().filter(|u| !fresh.contains_key(*u)) {
        remove(inner, c, uuid);
    }
    for vm in fresh.into_values() {
        upsert(inner, c, vm);
    }
}

fn upsert(inner: &Inner, c: &Conn, vm: VmSummary) {
    let changed = lock(&c.vms).insert(vm.uuid.clone(), vm.clone()).as_ref() != Some(&vm);
    if changed {
        inner.emit(InventoryEvent::VmUpserted {
            connection: c.id.clone(),
            vm,
        });
    }
}

fn remove(inner: &Inner, c: &Conn, uuid: &str) {
    if lock(&c.vms).remove(uuid).is_some() {
        lock(&c.cpu).remove(uuid);
        inner.emit(InventoryEvent::VmRemoved {
            connection: c.id.clone(),
            uuid: uuid.to_string(),
        });
    }
}

fn stats_loop(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        {
            let on = lock(&strong.stats_on);
            // Sleep until turned on, or for one interval while on.
            let (on, _) = if *on {
                strong
                    .stats_cv
                    .wait_timeout(on, STATS_INTERVAL)
                    .unwrap_or_else(|p| p.into_inner())
            } else {
                strong
                    .stats_cv
                    .wait_timeout(on, Duration::from_secs(3600))
                    .unwrap_or_else(|p| p.into_inner())
            };
            if !*on {
                continue;
            }
        }
        let conns = lock(&strong.conns).clone();
        for c in conns {
            if let Some(conn) = c.connect() {
                sample(&strong, &c, &conn);
            }
        }
    }
}

fn sample(inner: &Inner, c: &Conn, conn: &Connect) {
    let what = ffi::STATS_STATE | ffi::STATS_CPU | ffi::STATS_BALLOON | ffi::STATS_VCPU;
    let Ok(records) = ffi::all_domain_stats(conn, what) else {
        return;
    };
    let now = Instant::now();
    let mut prev = lock(&c.cpu);
    let mut stats = Vec::new();
    for r in records {
        if r.state != Some(1) && r.state != Some(2) {
            prev.remove(&r.uuid);
            continue;
        }
        let Some(cpu_time) = r.cpu_time else { continue };
        let vcpus = r.vcpu_current.unwrap_or(1).max(1) as f64;
        let cpu_percent = match prev.get(&r.uuid) {
            Some((t0, at)) if cpu_time >= *t0 => {
                let wall = now.duration_since(*at).as_nanos().max(1) as f64;
                ((cpu_time - t0) as f64 / wall / vcpus * 100.0).clamp(0.0, 100.0)
            }
            _ => 0.0,
        };
        prev.insert(r.uuid.clone(), (cpu_time, now));
        stats.push(VmStats {
            uuid: r.uuid,
            cpu_percent,
            memory_used: r.balloon_rss.or(r.balloon_current).map(|kib| kib * 1024),
        });
    }
    drop(prev);
    inner.emit(InventoryEvent::Stats {
        connection: c.id.clone(),
        stats,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_at_half_a_second_and_doubles_to_thirty() {
        let steps: Vec<f64> = (1..=8).map(|a| backoff(a).as_secs_f64()).collect();
        assert_eq!(steps, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]);
        assert_eq!(backoff(u32::MAX), BACKOFF_MAX);
    }

    #[test]
    fn local_daemons_are_watched_remote_ones_are_not() {
        let system = daemon_sockets("qemu:///system");
        assert_eq!(system[0], PathBuf::from("/run/libvirt/libvirt-sock"));
        assert!(daemon_sockets("qemu+unix:///system").len() == 2);
        assert!(daemon_sockets("qemu+ssh://root@host/system?no_tty=1").is_empty());
        assert!(daemon_sockets("test:///default").is_empty());
        assert!(daemon_sockets("vbox:///session").is_empty());
    }

    #[test]
    fn ssh_uris_get_no_tty() {
        assert_eq!(
            normalize_uri("qemu+ssh://root@host/system").unwrap(),
            "qemu+ssh://root@host/system?no_tty=1"
        );
        assert_eq!(
            normalize_uri("qemu+ssh://h/system?keyfile=/k").unwrap(),
            "qemu+ssh://h/system?keyfile=/k&no_tty=1"
        );
        assert_eq!(
            normalize_uri(" vbox:///session ").unwrap(),
            "vbox:///session"
        );
    }

    #[test]
    fn bad_uris_are_refused_with_an_example() {
        let e = normalize_uri("my-host").unwrap_err().to_string();
        assert!(e.contains("qemu+ssh://user@host/system"), "{e}");
        assert!(normalize_uri("qemu:///system; rm -rf /").is_err());
        let e = normalize_uri("http://example.com/")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown libvirt driver 'http'"), "{e}");
    }

    #[test]
    fn names_are_validated() {
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"x".repeat(81)).is_err());
        assert!(validate_name("a\nb").is_err());
        assert_eq!(validate_name(" Lab ").unwrap(), "Lab");
    }

    #[test]
    fn connection_errors_are_shown_escaped() {
        let e = BackendError::NotConnected("lab\n\u{1b}[2J".into());
        assert_eq!(chain(&e), "lab\\n\\u{1b}[2J is not connected");
    }

    #[test]
    fn hints_name_the_fix() {
        assert!(hint_for(
            "qemu:///system",
            "Failed to connect socket: Permission denied"
        )
        .contains("libvirt group"));
        assert!(
            hint_for("qemu+ssh://me@box/system", "Host key verification failed.")
                .contains("ssh me@box")
        );
        assert!(hint_for(
            "qemu:///system",
            "Failed to connect socket: No such file or directory"
        )
        .contains("libvirtd is not running"));
    }
}
