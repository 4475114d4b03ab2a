//! The console's tools against the test guest on qemu:///system (TCG): text typed with
//! `console_type_text` runs in the guest (its output lands in the serial log), and a screenshot
//! is a PNG of the guest's screen.

use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use vireo_api::*;
mod common;
use common::{system_inventory, wait_for_text, TestGuest};

const ORIGIN: &str = "tauri://localhost";

/// Plays the page: connects to the console's socket and credits every frame, so the console
/// stays attached (an unattached one closes) and the screen keeps updating.
fn attach_page(url: &str) -> std::thread::JoinHandle<()> {
    use tungstenite::client::IntoClientRequest;
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    let host = req.uri().authority().unwrap().as_str().to_string();
    let tcp = std::net::TcpStream::connect(host).unwrap();
    let (mut page, _) = tungstenite::client(req, tcp).expect("the page connects");
    let credit = |frames: u32| {
        tungstenite::Message::text(format!(r#"{{"kind":"credit","frames":{frames}}}"#))
    };
    page.send(credit(2)).unwrap();
    std::thread::spawn(move || {
        while let Ok(message) = page.read() {
            if let tungstenite::Message::Binary(b) = message {
                if b[0] == vireo_api::console::stream::FRAME && page.send(credit(1)).is_err() {
                    return;
                }
            }
        }
    })
}

/// Decodes a PNG to (width, height, RGB bytes).
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn typed_text_runs_in_the_guest_and_screenshots_show_its_screen() {
    let guest = TestGuest::define("vireo-tools");
    guest.boot();
    let log = guest.log.clone();

    let inv = system_inventory();

    let consoles = Consoles::new([ORIGIN]);
    let vm = VmRef {
        connection: "sys".into(),
        uuid: guest.uuid.clone(),
    };
    let opened = console_open(&inv, &consoles, ConsoleOpenRequest { vm }).unwrap();
    let id = opened.id;
    let page = attach_page(&opened.url);

    // Refusals type nothing and say why.
    let err = console_type_text(
        &consoles,
        ConsoleTypeTextRequest {
            id,
            text: "echo née\n".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
    assert!(err.message.contains("'é'"), "{}", err.message);

    // A random token, so an earlier run's output cannot pass for this one's.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let token = format!("vireo-typed-{}-{nanos:x}", std::process::id());
    let started = Instant::now();
    console_type_text(
        &consoles,
        ConsoleTypeTextRequest {
            id,
            text: format!("echo {token} >/dev/ttyS0\n"),
        },
    )
    .unwrap();
    let sent = started.elapsed();
    let arrived = wait_for_text(&log, &token, 30);
    println!("typed the token command in {sent:?}; its output came {arrived:?} later");

    // Every printable ASCII character, shifted or not, in one long line, at the paced speed:
    // the serial log must show exactly that text (a dropped or unshifted key changes it).
    // printf '%s' prints its argument as is; the single quote and backslash are left out
    // because they are the shell's.
    let printable: String = (0x20u8..0x7f)
        .map(char::from)
        .filter(|c| !matches!(c, '\'' | '\\'))
        .collect();
    let marker = format!("ok-{nanos:x}");
    let line = format!("printf '<%s>{marker}\\n' '{printable}' >/dev/ttyS0\n");
    let started = Instant::now();
    console_type_text(
        &consoles,
        ConsoleTypeTextRequest {
            id,
            text: line.clone(),
        },
    )
    .unwrap();
    let sent = started.elapsed();
    wait_for_text(&log, &format!("<{printable}>{marker}"), 30);
    println!(
        "typed {} characters ({} key events) in {sent:?} at {KEY_INTERVAL:?} per key event",
        line.len(),
        vireo_vnc::keymap::text_keys(&line).unwrap().len()
    );

    // The screenshot: a PNG of the screen as it is, named after the VM.
    let shots = guest.dir.join("Pictures").join("Vireo");
    let first = console_screenshot_to(&consoles, ConsoleScreenshotRequest { id }, &shots).unwrap();
    let second = console_screenshot_to(&consoles, ConsoleScreenshotRequest { id }, &shots).unwrap();
    assert_ne!(
        first.path, second.path,
        "a second screenshot never overwrites the first"
    );
    let name = Path::new(&first.path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with(&format!("{}-", guest.name)) && name.ends_with(".png"),
        "{name}"
    );
    let (w, h, rgb) = decode(Path::new(&first.path));
    assert_eq!((w, h), (u32::from(opened.width), u32::from(opened.height)));
    let lit = rgb.chunks_exact(3).filter(|p| *p != [0, 0, 0]).count();
    assert!(
        lit > 500,
        "the screenshot shows the text console ({lit} lit pixels)"
    );

    console_close(&consoles, id).unwrap();
    page.join().unwrap();
    let err = console_type_text(
        &consoles,
        ConsoleTypeTextRequest {
            id,
            text: "ls\n".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::NotFound);
    let err =
        console_screenshot_to(&consoles, ConsoleScreenshotRequest { id }, &shots).unwrap_err();
    assert_eq!(err.code, Code::NotFound);
}
