//! Why a creation was refused or failed, and which of those were the user's input.

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Name(#[from] vireo_domain::NameError),
    #[error("a VM called {0} already exists on this connection")]
    NameTaken(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Image(#[from] vireo_storage::ImageError),
    #[error("{0}")]
    Permission(String),
    #[error("{0}: confirm this warning to go on")]
    Unacknowledged(String),
    #[error("cancelled")]
    Cancelled,
    #[error("could not {step}")]
    Libvirt {
        step: String,
        #[source]
        source: virt::error::Error,
    },
    /// Refused or failed in the VM's own half (the state table, attaching a disk).
    #[error(transparent)]
    Backend(#[from] vireo_libvirt::BackendError),
    #[error("could not {step}")]
    Io {
        step: String,
        #[source]
        source: std::io::Error,
    },
}

impl CreateError {
    pub(crate) fn libvirt(
        step: impl Into<String>,
    ) -> impl FnOnce(virt::error::Error) -> CreateError {
        let step = step.into();
        move |source| CreateError::Libvirt { step, source }
    }

    /// True when the user's input was refused (as opposed to a failure while creating).
    pub fn is_input(&self) -> bool {
        if let CreateError::Backend(e) = self {
            return e.kind() == vireo_libvirt::ErrorKind::InvalidInput;
        }
        matches!(
            self,
            CreateError::Name(_)
                | CreateError::NameTaken(_)
                | CreateError::Invalid(_)
                | CreateError::Image(_)
                | CreateError::Permission(_)
                | CreateError::Unacknowledged(_)
        )
    }
}
