//! `cargo bench -p vireo-osinfo --bench load`: loading the whole osinfo database.

use std::time::Instant;

fn main() {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..10 {
        let t = Instant::now();
        let db = vireo_osinfo::OsDb::load();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        n = db.len();
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "osinfo-db load: median {:.1} ms, min {:.1} ms ({n} OS entries, 10 runs)",
        times[5], times[0]
    );
}
