//! What the stats thread keeps for the VM page: a ring of samples for each VM whose page is
//! open ("watched"), and whether anyone wants sampling at all.
//!
//! A history is recorded only while its VM is watched, and outlives its page for a while
//! (the last [`KEPT`] unwatched ones) so going back to the list and returning keeps the
//! graphs; the page draws the gap where nothing was recorded.

use super::types::{StatsSample, VmStats};
use std::collections::{HashMap, VecDeque};

/// Samples kept per VM: 15 minutes at the 2-second interval.
pub(super) const CAPACITY: usize = 450;
/// Histories of closed pages kept, least recently closed dropped first.
pub(super) const KEPT: usize = 8;

type Key = (String, String);

/// Who wants the stats thread to run, and the histories it records.
#[derive(Default)]
pub(super) struct Sampling {
    /// The list is visible.
    pub list: bool,
    /// Open pages per VM (several windows may show one VM).
    watched: HashMap<Key, u32>,
    rings: HashMap<Key, VecDeque<StatsSample>>,
    /// Unwatched histories, least recently closed first.
    closed: VecDeque<Key>,
}

fn key(connection: &str, uuid: &str) -> Key {
    (connection.to_string(), uuid.to_string())
}

impl Sampling {
    /// Whether the stats thread should sample.
    pub fn on(&self) -> bool {
        self.list || !self.watched.is_empty()
    }

    /// Whether any VM of `connection` has its page open: its bulk call then asks for disk
    /// and network counters too.
    pub fn watched_on(&self, connection: &str) -> bool {
        self.watched.keys().any(|(c, _)| c == connection)
    }

    pub fn is_watched(&self, connection: &str, uuid: &str) -> bool {
        self.watched.contains_key(&key(connection, uuid))
    }

    /// One more page shows the VM; returns what was kept of its history, oldest first.
    pub fn watch(&mut self, connection: &str, uuid: &str) -> Vec<StatsSample> {
        let k = key(connection, uuid);
        *self.watched.entry(k.clone()).or_insert(0) += 1;
        self.closed.retain(|c| *c != k);
        self.rings
            .get(&k)
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// One page fewer shows the VM; a history nobody watches is kept among the last
    /// [`KEPT`].
    pub fn unwatch(&mut self, connection: &str, uuid: &str) {
        let k = key(connection, uuid);
        let Some(n) = self.watched.get_mut(&k) else {
            return;
        };
        *n -= 1;
        if *n > 0 {
            return;
        }
        self.watched.remove(&k);
        if self.rings.contains_key(&k) {
            self.closed.push_back(k);
        }
        while self.closed.len() > KEPT {
            if let Some(old) = self.closed.pop_front() {
                self.rings.remove(&old);
            }
        }
    }

    /// Appends a watched VM's sample; others are not recorded.
    pub fn record(&mut self, connection: &str, at: u64, stats: &VmStats) {
        let k = key(connection, &stats.uuid);
        if !self.watched.contains_key(&k) {
            return;
        }
        let ring = self.rings.entry(k).or_default();
        if ring.len() == CAPACITY {
            ring.pop_front();
        }
        ring.push_back(StatsSample {
            at,
            cpu_percent: stats.cpu_percent,
            memory_used: stats.memory_used,
            guest_memory_used: stats.guest_memory_used,
            io: stats.io,
        });
    }

    /// The VM is gone: its history goes with it.
    pub fn forget(&mut self, connection: &str, uuid: &str) {
        let k = key(connection, uuid);
        self.rings.remove(&k);
        self.closed.retain(|c| *c != k);
    }

    /// The connection is gone: every history of it goes.
    pub fn forget_connection(&mut self, connection: &str) {
        self.watched.retain(|(c, _), _| c != connection);
        self.rings.retain(|(c, _), _| c != connection);
        self.closed.retain(|(c, _)| c != connection);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(uuid: &str, cpu: f64) -> VmStats {
        VmStats {
            uuid: uuid.into(),
            cpu_percent: cpu,
            memory_used: None,
            guest_memory_used: None,
            io: None,
        }
    }

    #[test]
    fn records_only_watched_vms_and_keeps_the_newest_capacity() {
        let mut s = Sampling::default();
        assert!(!s.on());
        assert!(s.watch("c", "a").is_empty());
        assert!(s.on() && s.watched_on("c") && !s.watched_on("d"));
        for i in 0..CAPACITY + 5 {
            s.record("c", i as u64, &stats("a", i as f64));
            s.record("c", i as u64, &stats("b", 1.0));
        }
        let kept = s.watch("c", "a");
        assert_eq!(kept.len(), CAPACITY);
        assert_eq!(kept[0].at, 5, "the oldest samples are dropped first");
        assert_eq!(kept.last().unwrap().at, (CAPACITY + 4) as u64);
        assert!(
            s.watch("c", "b").is_empty(),
            "b was not watched while sampled"
        );
    }

    #[test]
    fn a_closed_page_keeps_its_history_among_the_last_few() {
        let mut s = Sampling::default();
        s.watch("c", "a");
        s.record("c", 1, &stats("a", 1.0));
        s.watch("c", "a");
        s.unwatch("c", "a");
        assert!(s.is_watched("c", "a"), "a second page still shows it");
        s.unwatch("c", "a");
        assert!(!s.on());
        s.record("c", 2, &stats("a", 2.0));
        for i in 0..KEPT {
            let uuid = format!("other{i}");
            s.watch("c", &uuid);
            s.record("c", 1, &stats(&uuid, 1.0));
            s.unwatch("c", &uuid);
        }
        assert!(s.watch("c", "other0").len() == 1, "recent ones are kept");
        s.unwatch("c", "other0");
        assert!(
            s.watch("c", "a").is_empty(),
            "the oldest closed history went"
        );
        s.unwatch("c", "a");
        s.unwatch("c", "a");
        assert!(!s.on(), "an extra unwatch does not underflow");
    }

    #[test]
    fn forgetting_drops_the_history() {
        let mut s = Sampling::default();
        s.watch("c", "a");
        s.record("c", 1, &stats("a", 1.0));
        s.forget("c", "a");
        assert!(s.watch("c", "a").is_empty());
        s.forget_connection("c");
        assert!(!s.on());
    }
}
