//! What the API's integration tests share beyond `vireo_test_support` (the test guest, the
//! serial-port wait, the typist): the system connection as an inventory, and the page's end
//! of a console socket (`page`).

#![allow(dead_code, unused_imports)] // each test file uses its own part of it

pub mod page;

use std::time::{Duration, Instant};
pub use vireo_test_support::{us_key, wait_for_text, TestGuest, SYSTEM_URI as URI};

/// An inventory with qemu:///system open as connection "sys", once it is connected.
pub fn system_inventory() -> vireo_api::Inventory {
    let inv = vireo_api::Inventory::with_config_dir(|_| {}, None);
    inv.open_transient("sys", "System", URI);
    let deadline = Instant::now() + Duration::from_secs(10);
    while inv.open_connection("sys").is_err() {
        assert!(Instant::now() < deadline, "connected");
        std::thread::sleep(Duration::from_millis(50));
    }
    inv
}
