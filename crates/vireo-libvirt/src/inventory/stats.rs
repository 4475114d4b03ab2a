//! Stats sampling: one thread for the whole inventory samples CPU and memory of every
//! running VM with libvirt's bulk stats call, every 2 s, only while someone is looking
//! (`Inventory::set_stats_active`).

use super::{lock, Conn, Inner, InventoryEvent, VmStats};
use crate::ffi;
use std::time::{Duration, Instant};
use virt::connect::Connect;

/// How often the stats thread samples.
const STATS_INTERVAL: Duration = Duration::from_secs(2);

pub(super) fn stats_loop(inner: std::sync::Weak<Inner>) {
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
