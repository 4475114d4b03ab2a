//! # vireo-host
//!
//! Answers "can this machine run virtual machines, and how fast?" truthfully: KVM is tested
//! by using it (open, `KVM_GET_API_VERSION`, `KVM_CREATE_VM`, which module backs it), not by
//! trusting CPU flags; libvirt is asked what it can really run.
//!
//! ```no_run
//! let report = vireo_host::check(&vireo_host::SystemProbe::default());
//! println!("{}", report.verdict.summary);
//! ```
//!
//! The work is split in two: a [`HostProbe`] gathers [`facts::ProbeFacts`] (I/O only) and
//! [`classify`] turns them into a [`HostReport`] (pure), so every kind of host can be tested
//! by handing in facts.

pub mod classify;
pub mod facts;
mod probe;
pub mod report;
mod sys;

pub use classify::{classify, human_bytes, version_string};
pub use probe::{HostProbe, SystemProbe};
pub use report::{Accelerator, Finding, FindingId, HostReport, HostResources, Status, Verdict};

/// Runs the probe and classifies its facts, timing the whole.
pub fn check(probe: &dyn HostProbe) -> HostReport {
    let start = std::time::Instant::now();
    let facts = probe.probe();
    let mut report = classify(&facts, std::env::consts::OS);
    report.duration_ms = start.elapsed().as_secs_f64() * 1000.0;
    report
}

/// Whether the machine has a GPU render node (`/dev/dri/renderD*`), i.e. whether a web view's
/// GL compositing runs on hardware rather than in software (llvmpipe).
pub fn has_gpu_render_node() -> bool {
    has_render_node_in(std::path::Path::new("/dev/dri"))
}

fn has_render_node_in(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(test)]
mod render_node_tests {
    use super::has_render_node_in;

    #[test]
    fn render_nodes_are_found_by_name() {
        let dir = std::env::temp_dir().join(format!("vireo-dri-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(!has_render_node_in(&dir), "empty");
        std::fs::write(dir.join("card0"), b"").unwrap();
        assert!(
            !has_render_node_in(&dir),
            "a card node alone is not a render node"
        );
        std::fs::write(dir.join("renderD128"), b"").unwrap();
        assert!(has_render_node_in(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!has_render_node_in(&dir), "missing directory");
    }
}
