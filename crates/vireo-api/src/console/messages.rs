//! What crosses between the page and the backend for a console: the requests and answers of
//! the console operations, and the input the page sends on the console socket.

use crate::VmRef;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsoleOpenRequest {
    pub vm: VmRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleOpened {
    pub id: u32,
    pub width: u16,
    pub height: u16,
    /// The console's WebSocket (`ws://127.0.0.1:PORT/console/ID?token=…`); it accepts one
    /// connection, from the app's origin.
    pub url: String,
    /// Whether a native surface can paint this console: the page then reports where its
    /// canvas is (`ConsoleInput::Surface`).
    pub surface: bool,
}

/// A rectangle in device pixels of the web view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SurfaceRect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// Where the page shows the console, in device pixels of the web view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SurfacePlace {
    /// The canvas's visible part (after scrolling and the window's edges).
    pub clip: SurfaceRect,
    /// The whole canvas: where the guest screen is drawn, at this size.
    pub image: SurfaceRect,
}

/// The app's native window, which console surfaces are children of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeWindow {
    /// An X11 window id, on `display` (`None`: `$DISPLAY`, as the app's).
    X11 {
        display: Option<String>,
        window: u32,
    },
}

/// A key as the page saw it: the physical key (`KeyboardEvent.code`) and its meaning
/// (`KeyboardEvent.key`).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsoleKeyRequest {
    pub id: u32,
    pub code: String,
    pub key: String,
    pub down: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsolePointerRequest {
    pub id: u32,
    pub x: u16,
    pub y: u16,
    /// RFB button mask: 1 left, 2 middle, 4 right, 8/16 wheel up/down.
    pub buttons: u8,
}

/// What the page sends on the console socket, one JSON text message each.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum ConsoleInput {
    /// The page painted `frames` frames (or, at first, can take that many).
    Credit {
        frames: u32,
    },
    Key {
        code: String,
        key: String,
        down: bool,
    },
    Pointer {
        x: u16,
        y: u16,
        buttons: u8,
    },
    /// Where the canvas is and that nothing of the page covers it; `null` when something
    /// does (or the console is not shown): the page paints again.
    Surface {
        place: Option<SurfacePlace>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_messages_parse_and_unknown_fields_are_refused() {
        let parse = |s: &str| serde_json::from_str::<ConsoleInput>(s);
        assert_eq!(
            parse(r#"{"kind":"credit","frames":2}"#).unwrap(),
            ConsoleInput::Credit { frames: 2 }
        );
        assert_eq!(
            parse(r#"{"kind":"key","code":"KeyA","key":"a","down":true}"#).unwrap(),
            ConsoleInput::Key {
                code: "KeyA".into(),
                key: "a".into(),
                down: true
            }
        );
        assert_eq!(
            parse(r#"{"kind":"pointer","x":3,"y":4,"buttons":1}"#).unwrap(),
            ConsoleInput::Pointer {
                x: 3,
                y: 4,
                buttons: 1
            }
        );
        assert!(parse(r#"{"kind":"credit","frames":2,"more":1}"#).is_err());
        assert!(parse(r#"{"kind":"shell","cmd":"rm"}"#).is_err());
        assert!(parse(r#"{"kind":"pointer","x":70000,"y":4,"buttons":1}"#).is_err());
    }
}
