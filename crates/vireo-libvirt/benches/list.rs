//! `cargo bench -p vireo-libvirt --bench list`: the backend half of painting 1000 VMs —
//! opening a 1000-domain test-driver connection, listing it (cold and warm XML cache) and
//! serializing the list as the one IPC event the UI receives.

use std::time::Instant;
use vireo_libvirt::vm::{self, DetailsCache};
use vireo_libvirt::InventoryEvent;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let mut xml = String::from("<node>\n");
    for i in 0..1000 {
        xml.push_str(&format!(
            "<domain type='test'><name>vm-{i:04}</name><memory>65536</memory><vcpu>1</vcpu>\
             <os><type>hvm</type></os></domain>\n"
        ));
    }
    xml.push_str("</node>\n");
    let path = std::env::temp_dir().join(format!("vireo-bench-1000-{}.xml", std::process::id()));
    std::fs::write(&path, xml).unwrap();
    let uri = format!("test://{}", path.display());

    let (mut open, mut cold, mut warm, mut json) = (vec![], vec![], vec![], vec![]);
    let mut bytes = 0;
    for _ in 0..10 {
        let t = Instant::now();
        let conn = vireo_libvirt::open(&uri).unwrap();
        open.push(t.elapsed().as_secs_f64() * 1e3);
        let mut cache = DetailsCache::new();
        let t = Instant::now();
        let vms = vm::list(&conn, &mut cache).unwrap();
        cold.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(vms.len(), 1000);
        let t = Instant::now();
        vm::list(&conn, &mut cache).unwrap();
        warm.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let event = InventoryEvent::VmsReplaced {
            connection: "bench".into(),
            vms,
        };
        let text = serde_json::to_string(&event).unwrap();
        json.push(t.elapsed().as_secs_f64() * 1e3);
        bytes = text.len();
    }
    std::fs::remove_file(&path).unwrap();
    println!(
        "1000 test-driver VMs (medians of 10): open {:.1} ms, list cold {:.1} ms, list warm \
         {:.1} ms, event to JSON {:.2} ms ({} KiB)",
        median(open),
        median(cold),
        median(warm),
        median(json),
        bytes / 1024
    );
}
