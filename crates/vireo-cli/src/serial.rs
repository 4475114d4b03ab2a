//! `vireo vm console NAME`: the VM's serial console in this terminal, as `virsh console`.
//! Ctrl+] leaves. The terminal is put in raw mode (with `stty`, restored on the way out) so
//! keys reach the guest as typed; piped input is sent as it is.

use std::io::{IsTerminal, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc::channel;
use vireo_api::SerialOutput;

const ESCAPE: u8 = 0x1d; // Ctrl+]

/// The terminal's settings, put back when dropped.
struct RawTerminal(Option<String>);

impl RawTerminal {
    fn enter() -> RawTerminal {
        if !std::io::stdin().is_terminal() {
            return RawTerminal(None);
        }
        let saved = Command::new("stty")
            .arg("-g")
            .stdin(Stdio::inherit())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        if saved.is_some() {
            let _ = Command::new("stty")
                .args(["raw", "-echo"])
                .stdin(Stdio::inherit())
                .status();
        }
        RawTerminal(saved)
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            let _ = Command::new("stty")
                .arg(saved)
                .stdin(Stdio::inherit())
                .status();
        }
    }
}

enum Event {
    Output(SerialOutput),
    Input(Vec<u8>),
    InputEnded,
}

pub fn run(uri: &str, name: &str, force: bool) -> ExitCode {
    let (tx, rx) = channel();
    let from_guest = tx.clone();
    let console = match vireo_api::serial_open_by_name(uri, name, force, move |out| {
        let _ = from_guest.send(Event::Output(out));
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vireo: {}", e.message);
            return ExitCode::FAILURE;
        }
    };
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!("Connected to the serial console of {name} (Ctrl+] leaves)\r");
    }
    let raw = RawTerminal::enter();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut stdin = std::io::stdin();
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Event::InputEnded);
                    return;
                }
                Ok(n) => {
                    if tx.send(Event::Input(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut stdout = std::io::stdout();
    let code = loop {
        // Piped input: once it is all sent, what the guest answers in the next 2 s is shown.
        let next = rx.recv();
        match next {
            Ok(Event::Output(SerialOutput::Data(d))) => {
                let _ = stdout.write_all(&d);
                let _ = stdout.flush();
            }
            Ok(Event::Output(SerialOutput::Closed(reason))) => {
                drop(raw);
                eprintln!(
                    "\nvireo: the serial console of {name} closed{}",
                    reason
                        .map(|r| format!(": {}", vireo_text::shown(&r)))
                        .unwrap_or_default()
                );
                return ExitCode::SUCCESS;
            }
            Ok(Event::Input(bytes)) => {
                let (typed, leave) = match bytes.iter().position(|&b| b == ESCAPE && interactive) {
                    Some(i) => (&bytes[..i], true),
                    None => (&bytes[..], false),
                };
                if let Err(e) = console.send(typed) {
                    drop(raw);
                    eprintln!("vireo: {e}");
                    return ExitCode::FAILURE;
                }
                if leave {
                    break ExitCode::SUCCESS;
                }
            }
            Ok(Event::InputEnded) => {
                let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
                while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
                    match rx.recv_timeout(left) {
                        Ok(Event::Output(SerialOutput::Data(d))) => {
                            let _ = stdout.write_all(&d);
                        }
                        Ok(Event::Output(SerialOutput::Closed(_))) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
                let _ = stdout.flush();
                break ExitCode::SUCCESS;
            }
            Err(_) => break ExitCode::SUCCESS,
        }
    };
    drop(raw);
    if interactive {
        eprintln!();
    }
    code
}
