//! Vireo's window. Each command is a one-line call into `vireo_api`; nothing else lives here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use vireo_api::{ApiError, HostReport};

#[tauri::command(async)]
fn check_host() -> Result<HostReport, ApiError> {
    vireo_api::check_host()
}

fn main() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "vireo-app: no display (neither DISPLAY nor WAYLAND_DISPLAY is set).\n\
             Run it from a desktop session, or under a virtual display: xvfb-run vireo-app.\n\
             The host check works without a display: vireo check"
        );
        std::process::exit(1);
    }
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![check_host])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("vireo-app: {e}");
            std::process::exit(1);
        });
}
