//! Vireo's window. Each command is a one-line call into `vireo_api`; the inventory's events
//! are forwarded to the page as the `inventory` event. Nothing else lives here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::{Emitter, Manager, State};
use vireo_api::{
    ApiError, BulkActionRequest, BulkOutcome, ConnectionInfo, ConnectionUpdate, ConsoleOpenRequest,
    ConsoleOpened, Consoles, CreateVmRequest, Created, DefaultsRequest, DeleteRequest, DiskChoice,
    HostReport, InspectRequest, Inventory, InventorySnapshot, NewConnection, OsChoice, OsQuery,
    SourceInfo, VmActionRequest, VmRef, WizardDefaults,
};

#[tauri::command(async)]
fn check_host() -> Result<HostReport, ApiError> {
    vireo_api::check_host()
}

#[tauri::command(async)]
fn inventory_snapshot(inv: State<'_, Inventory>) -> InventorySnapshot {
    vireo_api::inventory_snapshot(&inv)
}

#[tauri::command(async)]
fn vm_action(inv: State<'_, Inventory>, req: VmActionRequest) -> Result<(), ApiError> {
    vireo_api::vm_action(&inv, req)
}

#[tauri::command(async)]
fn vm_action_many(inv: State<'_, Inventory>, req: BulkActionRequest) -> Vec<BulkOutcome> {
    vireo_api::vm_action_many(&inv, req)
}

#[tauri::command(async)]
fn vm_delete_preview(inv: State<'_, Inventory>, vm: VmRef) -> Result<Vec<DiskChoice>, ApiError> {
    vireo_api::vm_delete_preview(&inv, vm)
}

#[tauri::command(async)]
fn vm_delete(inv: State<'_, Inventory>, req: DeleteRequest) -> Result<(), ApiError> {
    vireo_api::vm_delete(&inv, req)
}

/// The PNG goes back as raw bytes (an ArrayBuffer in the page), not as a JSON array.
#[tauri::command(async)]
fn vm_thumbnail(
    inv: State<'_, Inventory>,
    req: vireo_api::VmThumbnailRequest,
) -> Result<tauri::ipc::Response, ApiError> {
    vireo_api::vm_thumbnail(&inv, req).map(|t| tauri::ipc::Response::new(t.png))
}

#[tauri::command(async)]
fn set_stats_active(inv: State<'_, Inventory>, on: bool) {
    vireo_api::set_stats_active(&inv, on)
}

#[tauri::command(async)]
fn connection_add(
    inv: State<'_, Inventory>,
    new: NewConnection,
) -> Result<ConnectionInfo, ApiError> {
    vireo_api::connection_add(&inv, new)
}

#[tauri::command(async)]
fn connection_update(
    inv: State<'_, Inventory>,
    req: ConnectionUpdate,
) -> Result<ConnectionInfo, ApiError> {
    vireo_api::connection_update(&inv, req)
}

#[tauri::command(async)]
fn connection_remove(inv: State<'_, Inventory>, id: String) -> Result<(), ApiError> {
    vireo_api::connection_remove(&inv, id)
}

#[tauri::command(async)]
fn connection_retry(inv: State<'_, Inventory>, id: String) -> Result<(), ApiError> {
    vireo_api::connection_retry(&inv, id)
}

#[tauri::command(async)]
fn os_search(q: OsQuery) -> Vec<OsChoice> {
    vireo_api::os_search(q)
}

#[tauri::command(async)]
fn inspect_source(inv: State<'_, Inventory>, req: InspectRequest) -> Result<SourceInfo, ApiError> {
    vireo_api::inspect_source(&inv, req)
}

#[tauri::command(async)]
fn wizard_defaults(
    inv: State<'_, Inventory>,
    req: DefaultsRequest,
) -> Result<WizardDefaults, ApiError> {
    vireo_api::wizard_defaults(&inv, req)
}

#[tauri::command(async)]
fn preview_vm(inv: State<'_, Inventory>, req: CreateVmRequest) -> Result<String, ApiError> {
    vireo_api::preview_vm(&inv, req)
}

/// Progress goes out as the `create-progress` event.
#[tauri::command(async)]
fn create_vm(
    app: tauri::AppHandle,
    inv: State<'_, Inventory>,
    req: CreateVmRequest,
) -> Result<Created, ApiError> {
    vireo_api::create_vm(&inv, req, &|p| drop(app.emit("create-progress", p)))
}

#[tauri::command(async)]
fn cancel_create() {
    vireo_api::cancel_create()
}

/// The page then streams the screen from the returned socket (see `vireo_api::console_open`).
#[tauri::command(async)]
fn console_open(
    inv: State<'_, Inventory>,
    consoles: State<'_, Consoles>,
    req: ConsoleOpenRequest,
) -> Result<ConsoleOpened, ApiError> {
    vireo_api::console_open(&inv, &consoles, req)
}

#[tauri::command(async)]
fn console_cancel_open(
    consoles: State<'_, Consoles>,
    req: ConsoleOpenRequest,
) -> Result<(), ApiError> {
    vireo_api::console_cancel_open(&consoles, req)
}

#[tauri::command(async)]
fn console_close(consoles: State<'_, Consoles>, id: u32) -> Result<(), ApiError> {
    vireo_api::console_close(&consoles, id)
}

#[tauri::command(async)]
fn console_screenshot(
    consoles: State<'_, Consoles>,
    req: vireo_api::ConsoleScreenshotRequest,
) -> Result<vireo_api::ConsoleScreenshot, ApiError> {
    vireo_api::console_screenshot(&consoles, req)
}

/// Blocks until the last key is sent (paced for slow guests): async runs it off the UI thread.
#[tauri::command(async)]
fn console_type_text(
    consoles: State<'_, Consoles>,
    req: vireo_api::ConsoleTypeTextRequest,
) -> Result<(), ApiError> {
    vireo_api::console_type_text(&consoles, req)
}

/// The page origins the console socket accepts: the app's, and in debug builds the Vite dev
/// server's (`cargo tauri dev`).
fn console_origins() -> Vec<&'static str> {
    let mut origins = vireo_api::APP_ORIGINS.to_vec();
    if cfg!(debug_assertions) {
        origins.push("http://localhost:5173");
    }
    origins
}

/// Without a GPU, WebKitGTK's GL compositing runs in software (llvmpipe), and the console
/// canvas cost a whole core for 4 frames/s of a scrolling text console; with compositing off
/// the same stream painted 30 frames/s at 38 % of a core (DESIGN.md, console performance).
/// With a GPU render node WebKit's default stays. A value the user set always wins.
/// Returns whether WebKit paints on the CPU.
#[cfg(target_os = "linux")]
fn software_compositing_without_gpu() -> bool {
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(VAR).is_none() && !vireo_api::has_gpu_render_node() {
        // Safe to change the environment here: main has started no other thread yet.
        std::env::set_var(VAR, "1");
    }
    std::env::var_os(VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The main window as a parent for native console surfaces: its X11 id, unless the user
/// asked the page to paint consoles (`VIREO_CONSOLE_SURFACE=web`) or the window is not on
/// X11 (Wayland, macOS, Windows: the page paints there).
fn native_window(app: &tauri::App) -> Option<vireo_api::NativeWindow> {
    use raw_window_handle::{HasWindowHandle, RawWindowHandle};
    if std::env::var("VIREO_CONSOLE_SURFACE").is_ok_and(|v| v == "web") {
        return None;
    }
    let window = app.get_webview_window("main")?;
    match window.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => Some(vireo_api::NativeWindow::X11 {
            display: None,
            window: u32::try_from(h.window).ok()?,
        }),
        RawWindowHandle::Xcb(h) => Some(vireo_api::NativeWindow::X11 {
            display: None,
            window: h.window.get(),
        }),
        _ => None,
    }
}

/// Tells the page that WebKit paints on the CPU, before any of it runs: the styles then drop
/// blurred shadows, which WebKit recomputes over their whole box at every repaint beneath
/// them (a 1080p console frame: 260 ms with one blurred card under it, 13 ms without).
fn rendering_hint<R: tauri::Runtime>(software: bool) -> tauri::plugin::TauriPlugin<R> {
    let script = if software {
        "document.documentElement.dataset.rendering = 'software';"
    } else {
        ""
    };
    tauri::plugin::Builder::new("vireo-rendering")
        .js_init_script(script)
        .build()
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
    #[cfg(target_os = "linux")]
    let software = software_compositing_without_gpu();
    #[cfg(not(target_os = "linux"))]
    let software = false;
    tauri::Builder::default()
        .plugin(rendering_hint(software))
        .setup(|app| {
            let handle = app.handle().clone();
            let inventory = Inventory::new(move |event| {
                let _ = handle.emit("inventory", event);
            });
            inventory.open_builtin();
            app.manage(inventory);
            let native = native_window(app);
            app.manage(Consoles::new(console_origins()).with_native_window(native));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            check_host,
            inventory_snapshot,
            vm_action,
            vm_action_many,
            vm_delete_preview,
            vm_delete,
            vm_thumbnail,
            set_stats_active,
            connection_add,
            connection_update,
            connection_remove,
            connection_retry,
            os_search,
            inspect_source,
            wizard_defaults,
            preview_vm,
            create_vm,
            cancel_create,
            console_open,
            console_cancel_open,
            console_close,
            console_screenshot,
            console_type_text,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("vireo-app: {e}");
            std::process::exit(1);
        });
}
