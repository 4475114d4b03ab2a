//! The page's side of a console socket, for the console tests: a blocking WebSocket client
//! that sends input as the UI does.

use std::time::{Duration, Instant};

pub type Page = tungstenite::WebSocket<std::net::TcpStream>;

/// Connects to a console socket with `origin`; the server's refusal is the error.
pub fn connect(url: &str, origin: &str) -> Result<Page, tungstenite::Error> {
    use tungstenite::client::IntoClientRequest;
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Origin", origin.parse().unwrap());
    let host = req.uri().authority().unwrap().as_str().to_string();
    let tcp = std::net::TcpStream::connect(host).unwrap();
    tungstenite::client(req, tcp)
        .map(|(ws, _)| ws)
        .map_err(|e| match e {
            tungstenite::HandshakeError::Failure(e) => e,
            tungstenite::HandshakeError::Interrupted(_) => panic!("blocking handshake interrupted"),
        })
}

pub fn send_input(page: &mut Page, json: &str) {
    page.send(tungstenite::Message::text(json)).unwrap();
}

pub fn credit(page: &mut Page, frames: u32) {
    send_input(page, &format!(r#"{{"kind":"credit","frames":{frames}}}"#));
}

pub fn key_json(code: &str, key: &str, down: bool) -> String {
    format!(r#"{{"kind":"key","code":"{code}","key":"{key}","down":{down}}}"#)
}

/// Closes the console (twice: the second is harmless) and waits until its socket ends.
pub fn close_and_wait(consoles: &vireo_api::Consoles, id: u32, page: &mut Page) {
    vireo_api::console_close(consoles, id).unwrap();
    vireo_api::console_close(consoles, id).expect("closing twice is harmless");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match page.read() {
            Ok(tungstenite::Message::Close(_)) | Err(_) => break,
            Ok(_) => assert!(Instant::now() < deadline, "the socket ends"),
        }
    }
}
