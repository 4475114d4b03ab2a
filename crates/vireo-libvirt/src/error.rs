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
    /// Something nobody can act on (libvirt gave XML Vireo cannot read).
    #[error("{0}")]
    Internal(String),
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

    /// True when the call failed because the daemon went away under it (or never answered).
    pub fn daemon_lost(&self) -> bool {
        match self {
            BackendError::Libvirt { source, .. } | BackendError::Connect { source, .. } => {
                lost_daemon(source.message())
            }
            _ => false,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        let from_libvirt = classify;
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
            BackendError::Config(_) | BackendError::Internal(_) => ErrorKind::Internal,
        }
    }
}

/// What kind of failure a libvirt error is. Ordinary failures are never `Internal`: a
/// refused input is `InvalidInput`, a daemon or link that went away is `Unavailable`; only
/// what nobody can act on stays `Internal`.
pub fn classify(e: &virt::error::Error) -> ErrorKind {
    use virt::error::ErrorNumber as N;
    let code = e.code();
    let is = |n: N| code == n.into();
    let any = |ns: &[N]| ns.iter().any(|n| code == (*n).into());
    let message = e.message();
    if any(&[
        N::AuthFailed,
        N::AuthUnavailable,
        N::OperationDenied,
        N::AccessDenied,
    ]) || message.contains("Permission denied")
    {
        ErrorKind::PermissionDenied
    } else if any(&[
        N::NoDomain,
        N::NoStorageVolume,
        N::NoStoragePool,
        N::NoNetwork,
        N::NoDomainSnapshot,
        N::NoSecret,
        N::NoInterface,
    ]) {
        ErrorKind::NotFound
    } else if any(&[N::OperationInvalid, N::ResourceBusy, N::BlockCopyActive]) {
        ErrorKind::InvalidState
    } else if any(&[
        N::NoConnect,
        N::InvalidConn,
        N::Rpc,
        N::NoServer,
        N::AuthCancelled,
        N::OperationTimeout,
        N::AgentUnresponsive,
        N::Ssh,
        N::Libssh,
    ]) || lost_daemon(message)
    {
        ErrorKind::Unavailable
    } else if any(&[
        N::XmlError,
        N::XmlDetail,
        N::XmlInvalidSchema,
        N::InvalidArg,
        N::ConfigUnsupported,
        N::ArgumentUnsupported,
        N::OperationUnsupported,
        N::NoSupport,
        N::DomExist,
        N::NetworkExist,
        N::StorageVolExist,
        N::InvalidMac,
        N::NoName,
        N::NoSource,
        N::NoTarget,
        N::NoOs,
        N::OsType,
        N::CpuIncompatible,
        N::StorageProbeFailed,
    ]) {
        ErrorKind::InvalidInput
    } else if is(N::SystemError) || is(N::OperationFailed) || is(N::OpenFailed) {
        // The host refused something (no space, a missing file): the message says what.
        ErrorKind::Unavailable
    } else {
        ErrorKind::Internal
    }
}

/// Messages libvirt gives when the daemon or its socket went away under a call.
fn lost_daemon(message: &str) -> bool {
    [
        "Connection reset by peer",
        "Broken pipe",
        "End of file while reading data",
        "client socket is closed",
        "Cannot recv data",
        "Cannot write data",
        "Failed to connect socket",
        "no connection driver available",
        "keepalive",
    ]
    .iter()
    .any(|m| message.contains(m))
}
