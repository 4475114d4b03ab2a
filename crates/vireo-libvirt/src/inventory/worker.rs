//! The per-connection worker: one thread per connection opens it, registers for libvirt's
//! lifecycle and close events, applies them to the VM list in order, polls drivers without
//! events, and reconnects with backoff (or as soon as a local daemon's socket answers) after
//! a loss.

use super::{lock, Conn, ConnState, Inner, InventoryEvent, Live};
use crate::error::BackendError;
use crate::ffi::{self, RawLifecycleEvent};
use crate::vm::{self, DetailsCache, VmSummary};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often event-less drivers are polled.
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

/// What a connection's worker is asked to do, in the order asked.
pub(super) enum Work {
    Connect,
    Event(RawLifecycleEvent),
    /// The connection closed; libvirt's reason (`VIR_CONNECT_CLOSE_REASON_*`).
    Closed(i32),
    Poll,
    Stop,
}

impl Work {
    /// Vireo's own "re-read this VM" (event -1): after a change libvirt sends no event for.
    pub(super) fn nudge(uuid: &str) -> Work {
        Work::Event(RawLifecycleEvent {
            uuid: uuid.to_string(),
            name: String::new(),
            event: -1,
            detail: 0,
        })
    }
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

pub(super) fn worker_loop(
    inner: std::sync::Weak<Inner>,
    c: Arc<Conn>,
    rx: std::sync::mpsc::Receiver<Work>,
) {
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
                    Ok(Some(vm)) => {
                        upsert(&inner, &c, vm);
                        if reread {
                            inner.emit(InventoryEvent::VmConfigChanged {
                                connection: c.id.clone(),
                                uuid: ev.uuid.clone(),
                            });
                        }
                    }
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
        lock(&c.counters).retain(|uuid, _| list.iter().any(|v| &v.uuid == uuid));
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
        lock(&c.counters).remove(uuid);
        lock(&inner.sampling).forget(&c.id, uuid);
        inner.emit(InventoryEvent::VmRemoved {
            connection: c.id.clone(),
            uuid: uuid.to_string(),
        });
    }
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
