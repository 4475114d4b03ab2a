//! Errors of the libvirt backend.

use crate::state::TransitionError;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("cannot connect to {uri}")]
    Connect {
        uri: String,
        #[source]
        source: virt::error::Error,
    },
    #[error("{0} is not connected")]
    NotConnected(String),
    #[error("no connection with id {0}")]
    NoSuchConnection(String),
    #[error("no VM {0} on this connection")]
    NoSuchVm(String),
    #[error("{0} is not running")]
    NotRunning(String),
    #[error("the screenshot is larger than {0} bytes")]
    ScreenshotTooLarge(usize),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("could not {op}")]
    Libvirt {
        op: String,
        #[source]
        source: virt::error::Error,
    },
    #[error("{0}")]
    Refused(String),
    #[error("could not save the connection list")]
    Config(#[source] std::io::Error),
}

/// What kind of failure, for callers that map errors to codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    InvalidState,
    InvalidInput,
    PermissionDenied,
    Unavailable,
    Internal,
}

impl BackendError {
    pub fn libvirt(op: impl Into<String>, source: virt::error::Error) -> Self {
        BackendError::Libvirt {
            op: op.into(),
            source,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        use virt::error::ErrorNumber as N;
        let from_libvirt = |e: &virt::error::Error| {
            let code = e.code();
            let is = |n: N| code == n.into();
            if is(N::AuthFailed)
                || is(N::AuthUnavailable)
                || is(N::OperationDenied)
                || is(N::AccessDenied)
            {
                ErrorKind::PermissionDenied
            } else if is(N::NoDomain) || is(N::NoStorageVolume) || is(N::NoStoragePool) {
                ErrorKind::NotFound
            } else if is(N::OperationInvalid) {
                ErrorKind::InvalidState
            } else if e.message().contains("Permission denied") {
                ErrorKind::PermissionDenied
            } else {
                ErrorKind::Internal
            }
        };
        match self {
            BackendError::Connect { source, .. } => match from_libvirt(source) {
                ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
                _ => ErrorKind::Unavailable,
            },
            BackendError::NotConnected(_) => ErrorKind::Unavailable,
            BackendError::NoSuchConnection(_) | BackendError::NoSuchVm(_) => ErrorKind::NotFound,
            BackendError::Transition(_) | BackendError::NotRunning(_) => ErrorKind::InvalidState,
            BackendError::ScreenshotTooLarge(_) => ErrorKind::Internal,
            BackendError::Libvirt { source, .. } => from_libvirt(source),
            BackendError::Refused(_) => ErrorKind::InvalidInput,
            BackendError::Config(_) => ErrorKind::Internal,
        }
    }
}
