//! The stats sampling a VM page costs, on libvirt's test driver with 50 running VMs: one bulk
//! call per interval for the whole connection (counted), and under 1 % of a core.
//!
//! One test in its own binary, so the process's CPU time is the inventory's alone.

use std::fmt::Write as _;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use vireo_libvirt::{ConnState, Inventory, InventoryEvent};

const VMS: usize = 50;

fn uuid(i: usize) -> String {
    format!("5a5a5a5a-0000-4000-8000-{i:012}")
}

/// A node with `VMS` running VMs, written for this test and removed after it.
struct Fixture(std::path::PathBuf);

impl Fixture {
    fn write() -> Self {
        let mut xml = String::from("<node>\n");
        for i in 0..VMS {
            writeln!(
                xml,
                "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\
                 <name>vm{i}</name><uuid>{}</uuid><memory unit='MiB'>512</memory>\
                 <vcpu>1</vcpu><os><type>hvm</type></os><test:runstate>1</test:runstate>\
                 </domain>",
                uuid(i)
            )
            .unwrap();
        }
        xml.push_str("</node>\n");
        let path = std::env::temp_dir().join(format!("vireo-stats-{}.xml", std::process::id()));
        std::fs::write(&path, xml).unwrap();
        Fixture(path)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// User + system CPU time of this process.
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage into the pointer it is given; RUSAGE_SELF is valid.
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(r, 0, "getrusage");
    // SAFETY: getrusage succeeded, so the struct is initialised.
    let u = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn wait_for(rx: &Receiver<InventoryEvent>, until: impl Fn(&InventoryEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Ok(ev) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if until(&ev) {
            return;
        }
    }
    panic!("the awaited event did not come within 10 s");
}

fn stats_events(rx: &Receiver<InventoryEvent>) -> u64 {
    rx.try_iter()
        .filter(|e| matches!(e, InventoryEvent::Stats { connection, .. } if connection == "t"))
        .count() as u64
}

#[test]
fn a_vm_page_costs_one_bulk_call_per_interval_and_under_one_percent_of_a_core() {
    let fixture = Fixture::write();
    let (tx, rx) = channel();
    let sink = std::sync::Mutex::new(tx);
    let inv = Inventory::with_config_dir(move |e| drop(sink.lock().unwrap().send(e)), None);
    inv.open_transient("t", "Test", &format!("test://{}", fixture.0.display()));
    wait_for(&rx, |e| {
        matches!(e, InventoryEvent::Connection { connection }
            if connection.state == ConnState::Connected)
    });
    assert_eq!(inv.snapshot().vms.len(), VMS);

    // Unknown VMs are refused, and nothing samples before a page opens.
    assert!(inv.watch_stats("t", &uuid(VMS + 1)).is_err());
    assert!(inv.watch_stats("nope", &uuid(0)).is_err());
    assert_eq!(inv.stats_bulk_calls(), 0, "nothing watches yet");

    let history = inv.watch_stats("t", &uuid(7)).unwrap();
    assert_eq!(history.interval_ms, 2000);
    assert!(
        history.capacity as u64 * history.interval_ms as u64 >= 10 * 60 * 1000,
        "the backend keeps at least 10 minutes"
    );
    assert!(history.samples.is_empty());
    wait_for(&rx, |e| matches!(e, InventoryEvent::Stats { .. }));

    // The window: whatever the machine's speed, each sample is one bulk call for all 50
    // VMs, and no call comes sooner than the interval.
    let calls0 = inv.stats_bulk_calls();
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(6500));
    let wall = t0.elapsed();
    let cpu = cpu_time() - cpu0;
    let calls = inv.stats_bulk_calls() - calls0;
    let events = stats_events(&rx);
    assert!(calls >= 1, "sampling runs while the page is open");
    assert_eq!(calls, events, "one bulk call per sample, none per VM");
    let most = wall.as_millis() as u64 / 2000 + 1;
    assert!(
        calls <= most,
        "{calls} calls in {wall:?}: more than one per interval"
    );
    let share = cpu.as_secs_f64() / wall.as_secs_f64();
    eprintln!(
        "{VMS} VMs, page open: {calls} bulk calls, CPU {:.3} % of a core",
        share * 100.0
    );
    assert!(share < 0.01, "idle CPU {:.2} % of a core", share * 100.0);

    // Right after a sample, a second page on the same VM and the list turning on and off
    // add no call before the next interval.
    wait_for(&rx, |e| matches!(e, InventoryEvent::Stats { .. }));
    let before = inv.stats_bulk_calls();
    inv.watch_stats("t", &uuid(7)).unwrap();
    inv.set_stats_active(true);
    inv.set_stats_active(false);
    inv.unwatch_stats("t", &uuid(7));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        inv.stats_bulk_calls(),
        before,
        "a change while on wakes nothing"
    );

    // The last page closes: sampling stops.
    inv.unwatch_stats("t", &uuid(7));
    std::thread::sleep(Duration::from_millis(300));
    let stopped = inv.stats_bulk_calls();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        inv.stats_bulk_calls(),
        stopped,
        "no calls once no page is open"
    );
}
