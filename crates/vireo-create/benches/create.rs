//! `cargo bench -p vireo-create --bench create`: from "Create and start" to the domain
//! running (guest boot excluded), on qemu:///system under TCG, for an empty-disk VM and for a
//! linked overlay of the test guest.

use std::path::PathBuf;
use std::time::Instant;
use vireo_create::*;
use vireo_domain::DomainType;

fn main() {
    let conn = vireo_libvirt::open("qemu:///system").expect("qemu:///system");
    let pid = std::process::id();
    let pool_name = format!("vireo-bench-{pid}");
    let dir = PathBuf::from("/var/tmp").join(&pool_name);
    std::fs::create_dir_all(&dir).unwrap();
    let pool = conn
        .create_storage_pool_xml(
            &format!(
                "<pool type='dir'><name>{pool_name}</name><target><path>{}</path></target></pool>",
                dir.display()
            ),
            0,
        )
        .unwrap();
    let host = HostLimits {
        memory: 8 << 30,
        cpus: 2,
        domain_type: DomainType::Qemu,
    };
    let guest =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-guest/test-guest.qcow2");
    for (label, overlay) in [("empty disk", false), ("overlay of the test guest", true)] {
        let mut times = Vec::new();
        for i in 0..5 {
            let mut req = CreateRequest::empty(&format!("vireo-bench-{pid}-{i}"), 256, 1, 1);
            req.pool = Some(pool_name.clone());
            req.start = true;
            if overlay {
                req.source = Source::Import {
                    path: guest.canonicalize().unwrap().display().to_string(),
                    mode: ImportMode::Overlay,
                };
            }
            let t = Instant::now();
            let created = create(&conn, &req, &host, &|_| {}, &Cancel::default()).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            let dom = conn.lookup_domain_by_uuid_string(&created.uuid).unwrap();
            assert!(dom.is_active().unwrap());
            let _ = dom.destroy();
            let _ = dom.undefine();
            for vol in pool.list_all_volumes(0).unwrap() {
                let _ = vol.delete(0);
            }
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "create and start → running ({label}): median {:.0} ms, min {:.0}, max {:.0} (5 runs)",
            times[2], times[0], times[4]
        );
    }
    let _ = pool.destroy();
    let _ = std::fs::remove_dir_all(&dir);
}
