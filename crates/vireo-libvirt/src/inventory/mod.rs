//! The live inventory: every VM of every open connection, kept current by libvirt's
//! lifecycle events. One worker thread per connection applies events in order; one stats
//! thread samples CPU and memory every 2 s, only while someone is looking.
//!
//! This module is the registry of connections and their VMs, and [`Inventory`], its API.
//! `worker` runs each connection, `stats` samples, `saved` keeps the custom connections in
//! the config file, and `types` holds what the listener and the UI see.

mod history;
mod saved;
mod stats;
mod types;
mod worker;

pub use saved::{default_config_dir, normalize_uri};
pub use stats::sample_once as sample_vm_stats;
pub use types::{
    ConnState, ConnectionInfo, ConnectionPatch, InventoryEvent, InventorySnapshot, NewConnection,
    StatsSample, VmIoRates, VmRow, VmStats, VmStatsHistory,
};
pub use worker::hint_for;

use crate::error::BackendError;
use crate::ffi::{self, CloseRegistration, EventRegistration};
use crate::state::Action;
use crate::vm::{self, DiskChoice, VmSummary};
use saved::validate_name;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use virt::connect::Connect;
use worker::Work;

type Sink = Box<dyn Fn(InventoryEvent) + Send + Sync>;

/// An open libvirt connection with its event registrations.
struct Live {
    conn: Connect,
    // Dropped (deregistered) before `conn` is released.
    _events: Option<EventRegistration>,
    _close: Option<CloseRegistration>,
}

/// One connection of the registry: what it is, its status, its VMs, the channel to its
/// worker, and the CPU times the last stats sample saw.
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
    counters: Mutex<HashMap<String, stats::Counters>>,
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
    sampling: Mutex<history::Sampling>,
    stats_cv: Condvar,
    /// Bulk stats calls made, for the tests and benchmarks that count them.
    bulk_calls: AtomicU64,
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
            sampling: Mutex::new(history::Sampling::default()),
            stats_cv: Condvar::new(),
            bulk_calls: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
        });
        let weak = Arc::downgrade(&inner);
        let _ = std::thread::Builder::new()
            .name("vireo-stats".into())
            .spawn(move || stats::stats_loop(weak));
        Inventory { inner }
    }

    /// Where this inventory keeps the user's files (saved connections, preferences); none
    /// for a throwaway inventory, which then saves nothing.
    pub fn config_dir(&self) -> Option<&std::path::Path> {
        self.inner.config_dir.as_deref()
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
            counters: Mutex::new(HashMap::new()),
        });
        lock(&self.inner.conns).push(conn.clone());
        self.inner.emit(InventoryEvent::Connection {
            connection: conn.info(),
        });
        let inner = Arc::downgrade(&self.inner);
        let worker = conn.clone();
        let _ = std::thread::Builder::new()
            .name(format!("vireo-conn-{id}"))
            .spawn(move || worker::worker_loop(inner, worker, rx));
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
            c.send(Work::nudge(uuid));
        }
        result
    }

    /// Runs a change on one VM, then refreshes its row: live memory and notes changes send
    /// no lifecycle event, and the page listens to the row.
    pub fn change_vm<T, E: From<BackendError>>(
        &self,
        connection: &str,
        uuid: &str,
        change: impl FnOnce(&Connect) -> Result<T, E>,
    ) -> Result<T, E> {
        let (c, conn) = self.live_conn(connection)?;
        let result = change(&conn);
        c.send(Work::nudge(uuid));
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
        stats::change_sampling(&self.inner, |s| s.list = on);
    }

    /// A VM page opened: samples the VM (with disk and network rates) until
    /// [`unwatch_stats`](Self::unwatch_stats), and returns the history kept so far.
    pub fn watch_stats(
        &self,
        connection: &str,
        uuid: &str,
    ) -> Result<VmStatsHistory, BackendError> {
        let c = self.inner.find(connection)?;
        if !lock(&c.vms).contains_key(uuid) {
            return Err(BackendError::NoSuchVm(uuid.to_string()));
        }
        let samples = stats::change_sampling(&self.inner, |s| s.watch(connection, uuid));
        Ok(VmStatsHistory {
            interval_ms: stats::STATS_INTERVAL.as_millis() as u32,
            capacity: history::CAPACITY as u32,
            samples,
        })
    }

    /// The VM page closed.
    pub fn unwatch_stats(&self, connection: &str, uuid: &str) {
        stats::change_sampling(&self.inner, |s| s.unwatch(connection, uuid));
    }

    /// How many bulk stats calls the stats thread has made.
    pub fn stats_bulk_calls(&self) -> u64 {
        self.inner.bulk_calls.load(Ordering::Relaxed)
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
        stats::change_sampling(&self.inner, |s| s.forget_connection(id));
        c.send(Work::Stop);
        self.save()?;
        self.inner
            .emit(InventoryEvent::ConnectionRemoved { id: id.to_string() });
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for c in lock(&self.conns).iter() {
            c.send(Work::Stop);
        }
        *lock(&self.sampling) = history::Sampling::default();
        self.stats_cv.notify_all();
    }
}
