//! Stats sampling: one thread for the whole inventory samples every running VM with one
//! libvirt bulk call per connection, every 2 s, only while someone is looking (the list,
//! `Inventory::set_stats_active`, or a VM page, `Inventory::watch_stats`). A connection
//! with an open page asks for disk and network counters in the same call.

use super::history::Sampling;
use super::{lock, Conn, Inner, InventoryEvent, VmIoRates, VmStats};
use crate::ffi::{self, DomainStatsRecord};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use virt::connect::Connect;

/// How often the stats thread samples.
pub(crate) const STATS_INTERVAL: Duration = Duration::from_secs(2);

const BASE: u32 = ffi::STATS_STATE | ffi::STATS_CPU | ffi::STATS_BALLOON | ffi::STATS_VCPU;
const IO: u32 = ffi::STATS_BLOCK | ffi::STATS_INTERFACE;

/// A VM's cumulative counters at one sample: rates are the difference of two.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counters {
    at: Instant,
    cpu_time: Option<u64>,
    block_read: Option<u64>,
    block_write: Option<u64>,
    net_rx: Option<u64>,
    net_tx: Option<u64>,
}

impl Counters {
    pub(crate) fn of(r: &DomainStatsRecord, at: Instant) -> Self {
        Counters {
            at,
            cpu_time: r.cpu_time,
            block_read: r.block_read,
            block_write: r.block_write,
            net_rx: r.net_rx,
            net_tx: r.net_tx,
        }
    }

    /// CPU share of `vcpus` since `prev`, 0–100; 0 without a previous sample or after the
    /// counter went backwards (the VM restarted).
    pub(crate) fn cpu_percent(&self, prev: Option<&Counters>, vcpus: u32) -> f64 {
        let (Some(prev), Some(now)) = (prev, self.cpu_time) else {
            return 0.0;
        };
        match prev.cpu_time {
            Some(t0) if now >= t0 => {
                let wall = self.at.duration_since(prev.at).as_nanos().max(1) as f64;
                ((now - t0) as f64 / wall / vcpus.max(1) as f64 * 100.0).clamp(0.0, 100.0)
            }
            _ => 0.0,
        }
    }

    /// Disk and network bytes/s since `prev`.
    pub(crate) fn io_rates(&self, prev: Option<&Counters>) -> VmIoRates {
        let Some(prev) = prev else {
            return VmIoRates::default();
        };
        let secs = self.at.duration_since(prev.at).as_secs_f64();
        let rate = |now: Option<u64>, before: Option<u64>| match (now, before) {
            (Some(n), Some(b)) if n >= b && secs > 0.0 => Some((n - b) as f64 / secs),
            _ => None,
        };
        VmIoRates {
            disk_read: rate(self.block_read, prev.block_read),
            disk_write: rate(self.block_write, prev.block_write),
            net_rx: rate(self.net_rx, prev.net_rx),
            net_tx: rate(self.net_tx, prev.net_tx),
        }
    }
}

/// Milliseconds since the Unix epoch, for the samples' timestamps.
pub(crate) fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Asks one connection for `what` of every domain, counting the call.
fn bulk(inner: &Inner, conn: &Connect, what: u32) -> Option<Vec<DomainStatsRecord>> {
    inner.bulk_calls.fetch_add(1, Ordering::Relaxed);
    ffi::all_domain_stats(conn, what).ok()
}

pub(super) fn stats_loop(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        {
            let sampling = lock(&strong.sampling);
            // Sleep until turned on, or for one interval while on.
            let wait = if sampling.on() {
                STATS_INTERVAL
            } else {
                Duration::from_secs(3600)
            };
            let (sampling, _) = strong
                .stats_cv
                .wait_timeout(sampling, wait)
                .unwrap_or_else(|p| p.into_inner());
            if !sampling.on() {
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

fn is_running(r: &DomainStatsRecord) -> bool {
    r.state == Some(1) || r.state == Some(2)
}

fn sample(inner: &Inner, c: &Conn, conn: &Connect) {
    let with_io = lock(&inner.sampling).watched_on(&c.id);
    let Some(records) = bulk(inner, conn, if with_io { BASE | IO } else { BASE }) else {
        return;
    };
    let now = Instant::now();
    let at = epoch_ms();
    let mut prev = lock(&c.counters);
    let mut sampling = lock(&inner.sampling);
    let stats = rates(&records, &mut prev, now, |uuid| {
        with_io && sampling.is_watched(&c.id, uuid)
    });
    for s in &stats {
        sampling.record(&c.id, at, s);
    }
    drop(sampling);
    drop(prev);
    inner.emit(InventoryEvent::Stats {
        connection: c.id.clone(),
        at,
        stats,
    });
}

/// Each running VM's stats from one bulk sample and the counters of the last one (which
/// it replaces); `io` says which VMs get disk and network rates.
fn rates(
    records: &[DomainStatsRecord],
    prev: &mut HashMap<String, Counters>,
    now: Instant,
    io: impl Fn(&str) -> bool,
) -> Vec<VmStats> {
    let mut stats = Vec::new();
    for r in records {
        if !is_running(r) {
            prev.remove(&r.uuid);
            continue;
        }
        // The test driver reports state only: no CPU time, no row.
        if r.cpu_time.is_none() {
            continue;
        }
        let counters = Counters::of(r, now);
        let before = prev.get(&r.uuid);
        stats.push(VmStats {
            uuid: r.uuid.clone(),
            cpu_percent: counters.cpu_percent(before, r.vcpu_current.unwrap_or(1)),
            memory_used: r.balloon_rss.or(r.balloon_current).map(|kib| kib * 1024),
            guest_memory_used: guest_used(r),
            io: io(&r.uuid).then(|| counters.io_rates(before)),
        });
        prev.insert(r.uuid.clone(), counters);
    }
    stats
}

/// What the guest has in use, from its balloon driver's report: all it sees less what it
/// could use without swapping (older guests report only the unused part).
fn guest_used(r: &DomainStatsRecord) -> Option<u64> {
    let free = r.balloon_usable.or(r.balloon_unused)?;
    r.balloon_available
        .map(|available| available.saturating_sub(free) * 1024)
}

/// One VM's stats over `interval`, for the CLI: two bulk calls, the same arithmetic as the
/// page's samples.
pub fn sample_once(
    conn: &Connect,
    uuid: &str,
    interval: Duration,
) -> Result<Option<VmStats>, crate::BackendError> {
    let read = || {
        ffi::all_domain_stats(conn, BASE | IO)
            .map_err(|e| crate::BackendError::libvirt("read the VM's statistics", e))
    };
    let first = read()?;
    let t0 = Instant::now();
    let mut prev = HashMap::new();
    rates(&first, &mut prev, t0, |_| true);
    std::thread::sleep(interval);
    let second = read()?;
    let now = Instant::now();
    if let Some(r) = second.iter().find(|r| r.uuid == uuid) {
        if is_running(r) && r.cpu_time.is_none() {
            return Err(crate::BackendError::Refused(
                "this connection's driver reports no statistics".into(),
            ));
        }
    }
    Ok(rates(&second, &mut prev, now, |_| true)
        .into_iter()
        .find(|s| s.uuid == uuid))
}

/// Turns sampling on or off through `change`, waking the thread only when it goes from
/// off to on (a wake while on would add a bulk call inside the interval).
pub(super) fn change_sampling<T>(inner: &Inner, change: impl FnOnce(&mut Sampling) -> T) -> T {
    let mut sampling = lock(&inner.sampling);
    let was_on = sampling.on();
    let out = change(&mut sampling);
    if sampling.on() != was_on {
        inner.stats_cv.notify_all();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(uuid: &str, cpu: u64, rd: u64, rx: u64) -> DomainStatsRecord {
        DomainStatsRecord {
            uuid: uuid.into(),
            state: Some(1),
            cpu_time: Some(cpu),
            vcpu_current: Some(2),
            balloon_rss: Some(1024),
            block_read: Some(rd),
            block_write: Some(0),
            net_rx: Some(rx),
            net_tx: None,
            ..Default::default()
        }
    }

    #[test]
    fn guest_memory_is_what_the_guest_cannot_use_without_swapping() {
        let mut r = record("a", 0, 0, 0);
        r.balloon_available = Some(1000);
        r.balloon_unused = Some(100);
        assert_eq!(
            guest_used(&r),
            Some(900 * 1024),
            "an older guest: unused only"
        );
        r.balloon_usable = Some(400);
        assert_eq!(guest_used(&r), Some(600 * 1024), "caches count as usable");
        r.balloon_available = None;
        assert_eq!(guest_used(&r), None);
    }

    #[test]
    fn rates_are_differences_over_the_interval() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(2);
        let mut prev = HashMap::new();
        let first = rates(&[record("a", 0, 0, 0)], &mut prev, t0, |_| true);
        assert_eq!(first[0].cpu_percent, 0.0, "no previous sample yet");
        assert_eq!(first[0].io, Some(VmIoRates::default()));
        // 2 s of wall time, 2 vCPUs, 1 s of CPU time: 25 %.
        let second = rates(
            &[record("a", 1_000_000_000, 4096, 2000)],
            &mut prev,
            t1,
            |u| u == "a",
        );
        let s = &second[0];
        assert!((s.cpu_percent - 25.0).abs() < 1e-9, "{}", s.cpu_percent);
        assert_eq!(s.memory_used, Some(1024 * 1024));
        assert_eq!(
            s.guest_memory_used, None,
            "no balloon report, no guest figure"
        );
        let io = s.io.unwrap();
        assert_eq!(io.disk_read, Some(2048.0));
        assert_eq!(io.disk_write, Some(0.0));
        assert_eq!(io.net_rx, Some(1000.0));
        assert_eq!(io.net_tx, None, "no counter, no rate");
    }

    #[test]
    fn a_restart_or_a_stop_resets_the_counters() {
        let t0 = Instant::now();
        let mut prev = HashMap::new();
        rates(&[record("a", 5_000, 100, 100)], &mut prev, t0, |_| true);
        // Counters went backwards: the VM restarted; no negative rates.
        let s = rates(
            &[record("a", 10, 1, 1)],
            &mut prev,
            t0 + STATS_INTERVAL,
            |_| true,
        );
        assert_eq!(s[0].cpu_percent, 0.0);
        assert_eq!(s[0].io.unwrap().disk_read, None);
        let mut stopped = record("a", 10, 1, 1);
        stopped.state = Some(5);
        assert!(rates(&[stopped], &mut prev, t0, |_| true).is_empty());
        assert!(prev.is_empty(), "a stopped VM's counters are dropped");
    }

    #[test]
    fn unwatched_vms_get_no_io_and_state_only_records_no_row() {
        let mut prev = HashMap::new();
        let state_only = DomainStatsRecord {
            uuid: "t".into(),
            state: Some(1),
            ..Default::default()
        };
        let s = rates(
            &[record("a", 0, 0, 0), state_only],
            &mut prev,
            Instant::now(),
            |_| false,
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].io, None);
    }
}
