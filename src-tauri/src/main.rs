//! Vireo's window. Its commands are generated from `vireo_api`'s operation table, each a call
//! into `vireo_api`; the inventory's and the serial consoles' events are forwarded to the
//! page as the `inventory` and `serial` events. Nothing else lives here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

use tauri::{Emitter, Manager};
use vireo_api::{Consoles, Inventory, SerialConsoles};

/// The table's callback that writes one `#[tauri::command]` per operation: it takes the
/// operation's arguments, fetches the contexts the function needs from Tauri's state, and
/// calls `vireo_api::<name>`. Async, so no operation runs on the UI thread.
macro_rules! tauri_commands {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident [$($ctx:ident),*] ($($arg:ident : $ty:ty),*)
            -> $kind:ident $ok:ty => $reply:ident;
    )*) => {$(
        $(#[doc = $doc])*
        #[tauri::command(async)]
        fn $name(app: tauri::AppHandle, $($arg: $ty),*) -> tauri_commands!(@ret $kind $reply $ok) {
            let _ = &app; // Operations without contexts do not use it.
            tauri_commands!(@reply $kind $reply
                vireo_api::$name($(tauri_commands!(@ctx app $ctx),)* $($arg),*))
        }
    )*};
    (@ret result json $ok:ty) => { Result<$ok, vireo_api::ApiError> };
    (@ret result bytes $ok:ty) => { Result<tauri::ipc::Response, vireo_api::ApiError> };
    (@ret value json $ok:ty) => { $ok };
    (@reply $kind:ident json $call:expr) => { $call };
    // Raw bytes reach the page as an ArrayBuffer, not as a JSON array of numbers.
    (@reply result bytes $call:expr) => {
        $call.map(|ok| tauri::ipc::Response::new(Vec::<u8>::from(ok)))
    };
    (@ctx $app:ident inventory) => { &*$app.state::<Inventory>() };
    (@ctx $app:ident consoles) => { &*$app.state::<Consoles>() };
    (@ctx $app:ident serials) => { &*$app.state::<SerialConsoles>() };
    (@ctx $app:ident progress) => {
        &|p: vireo_api::Progress| drop($app.emit(vireo_api::CREATE_PROGRESS_EVENT, p))
    };
}

/// The table's callback that registers every command written by `tauri_commands`.
macro_rules! tauri_handler {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident [$($ctx:ident),*] ($($arg:ident : $ty:ty),*)
            -> $kind:ident $ok:ty => $reply:ident;
    )*) => {
        tauri::generate_handler![$($name),*]
    };
}

vireo_api::for_each_operation!(tauri_commands);

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
    vireo_api::log_to_stderr();
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
                let _ = handle.emit(vireo_api::INVENTORY_EVENT, event);
            });
            inventory.open_builtin();
            app.manage(inventory);
            let native = native_window(app);
            app.manage(Consoles::new(console_origins()).with_native_window(native));
            let handle = app.handle().clone();
            app.manage(SerialConsoles::new(move |event| {
                let _ = handle.emit(vireo_api::SERIAL_EVENT, event);
            }));
            Ok(())
        })
        .invoke_handler(vireo_api::for_each_operation!(tauri_handler))
        .run(tauri::generate_context!("../tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("vireo-app: {e}");
            std::process::exit(1);
        });
}
