//! `cargo bench -p vireo-host`: how long the whole host check takes on this machine
//! (probe + classify, libvirt already running and warm). Target: well under 100 ms.

use std::time::Instant;
use vireo_host::{check, SystemProbe};

fn main() {
    let probe = SystemProbe::default();
    // The first call opens libvirt's client library and may make libvirtd probe QEMU.
    let cold = Instant::now();
    let first = check(&probe);
    let cold_ms = cold.elapsed().as_secs_f64() * 1000.0;
    let mut samples: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let r = check(&probe);
            assert!(!r.findings.is_empty());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    println!(
        "host check: first {cold_ms:.1} ms; warm median {:.1} ms, p95 {:.1} ms, max {:.1} ms \
         (50 runs, accelerator {:?})",
        pct(0.5),
        pct(0.95),
        pct(1.0),
        first.verdict.accelerator
    );
}
