//! The error shape at the IPC boundary.

use serde::Serialize;
use ts_rs::TS;

/// What the UI branches on. Kept small: add a variant only when the UI treats it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The user's input was refused; the message says what to change.
    InvalidInput,
    /// The thing named no longer exists (another client removed it).
    NotFound,
    /// The action is not allowed in the current state.
    InvalidState,
    /// libvirt or the host said no for lack of permission; the message says which group.
    PermissionDenied,
    /// A service Vireo needs (libvirtd, a connection) is not reachable.
    Unavailable,
    /// A bug or an unexpected failure: the message carries the detail.
    Internal,
}

/// `{code, message}`: every failure that reaches the UI or the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

/// Characters of a message Vireo wrote itself (it may quote outside strings, already cut).
const MAX_MESSAGE: usize = 1000;
/// Characters kept of each cause: libvirt's, QEMU's or the OS's text, which quotes input.
const MAX_CAUSE: usize = 400;

impl ApiError {
    /// An error for people. Outside strings in `message` should already have gone through
    /// [`vireo_text::shown`]; the message is escaped again (idempotent) and capped, so nothing
    /// that reaches the UI or the CLI carries a control character.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: vireo_text::shown_capped(&message.into(), MAX_MESSAGE),
        }
    }

    /// Keeps the whole `#[source]` chain in the message: "can't start: domain is running".
    /// Each cause is escaped and capped: libvirt's and QEMU's messages quote what they were
    /// given.
    pub fn from_chain(code: Code, err: &dyn std::error::Error) -> Self {
        let mut message = vireo_text::shown_capped(&err.to_string(), MAX_MESSAGE);
        let mut source = err.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&vireo_text::shown_capped(&s.to_string(), MAX_CAUSE));
            source = s.source();
        }
        ApiError { code, message }
    }
}

impl From<vireo_libvirt::BackendError> for ApiError {
    fn from(e: vireo_libvirt::BackendError) -> Self {
        use vireo_libvirt::ErrorKind as K;
        let code = match e.kind() {
            K::NotFound => Code::NotFound,
            K::InvalidState => Code::InvalidState,
            K::InvalidInput => Code::InvalidInput,
            K::PermissionDenied => Code::PermissionDenied,
            K::Unavailable => Code::Unavailable,
            K::Internal => Code::Internal,
        };
        let mut err = ApiError::from_chain(code, &e);
        if e.daemon_lost() {
            err.message = format!(
                "libvirt is not running (or stopped answering): {}",
                err.message
            );
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("inner failure")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("outer step failed")]
    struct Outer(#[source] Inner);

    #[test]
    fn chain_is_kept_in_the_message() {
        let e = ApiError::from_chain(Code::Internal, &Outer(Inner));
        assert_eq!(e.message, "outer step failed: inner failure");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("could not define the VM")]
    struct Step(#[source] Libvirtish);

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Libvirtish(String);

    #[test]
    fn outside_text_is_escaped_and_capped() {
        let hostile = format!("bad name 'x\n\u{1b}[2J\u{202e}y'{}", "z".repeat(2000));
        let e = ApiError::from_chain(Code::InvalidInput, &Step(Libvirtish(hostile)));
        assert!(
            e.message
                .starts_with("could not define the VM: bad name 'x\\n\\u{1b}[2J\\u{202e}y'"),
            "{}",
            e.message
        );
        assert!(!e.message.chars().any(char::is_control));
        assert!(e.message.chars().count() < 450, "{}", e.message.len());
        assert!(e.message.ends_with('…'));
        let e = ApiError::new(Code::Unavailable, "reason: a\rb");
        assert_eq!(e.message, "reason: a\\rb");
    }

    #[test]
    fn serializes_as_code_and_message() {
        let e = ApiError::new(Code::PermissionDenied, "add yourself to the libvirt group");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"code":"permission-denied","message":"add yourself to the libvirt group"}"#
        );
    }
}
