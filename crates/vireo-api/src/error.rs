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

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// Keeps the whole `#[source]` chain in the message: "can't start: domain is running".
    pub fn from_chain(code: Code, err: &dyn std::error::Error) -> Self {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
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
        ApiError::from_chain(code, &e)
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
