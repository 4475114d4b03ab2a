//! The VM state machine: which actions each state allows. The UI greys out what this
//! rejects, and the backend refuses it with the same words.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A VM's state as the user sees it: libvirt's domain state, plus `saved` for a shut-off
/// domain with a managed-save image (starting it restores the memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum VmState {
    Running,
    /// Running but blocked on a resource; treated like running.
    Blocked,
    Paused,
    /// The guest is shutting down (ACPI request in progress).
    ShuttingDown,
    ShutOff,
    Saved,
    Crashed,
    /// Suspended by the guest's power management (S3).
    PmSuspended,
    /// libvirt has no state for it (transient during creation).
    Unknown,
}

impl VmState {
    /// Maps `virDomainState` (and whether a managed-save image exists).
    pub fn from_libvirt(state: i32, has_managed_save: bool) -> Self {
        match state {
            1 => VmState::Running,
            2 => VmState::Blocked,
            3 => VmState::Paused,
            4 => VmState::ShuttingDown,
            5 if has_managed_save => VmState::Saved,
            5 => VmState::ShutOff,
            6 => VmState::Crashed,
            7 => VmState::PmSuspended,
            _ => VmState::Unknown,
        }
    }

    pub fn is_active(self) -> bool {
        !matches!(self, VmState::ShutOff | VmState::Saved)
    }

    pub fn label(self) -> &'static str {
        match self {
            VmState::Running => "running",
            VmState::Blocked => "running (blocked)",
            VmState::Paused => "paused",
            VmState::ShuttingDown => "shutting down",
            VmState::ShutOff => "shut off",
            VmState::Saved => "saved",
            VmState::Crashed => "crashed",
            VmState::PmSuspended => "suspended by the guest",
            VmState::Unknown => "in an unknown state",
        }
    }
}

/// Everything a user can do to one VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Boot, or restore from a managed save.
    Start,
    /// Ask the guest to power off (ACPI).
    Shutdown,
    /// Pull the plug.
    ForceOff,
    /// Ask the guest to reboot.
    Reboot,
    /// Press the reset button.
    Reset,
    Pause,
    Resume,
    /// Save memory to disk and stop (managed save).
    Save,
    /// Remove a saved memory image, so the next start boots afresh.
    DiscardSave,
    EnableAutostart,
    DisableAutostart,
    Delete,
    /// Change the stored configuration (hardware for the next boot, notes, boot order).
    Configure,
    /// Change the running VM's hardware (memory, vCPUs, media) without a restart.
    ConfigureLive,
    /// Give a stopped VM a new name.
    Rename,
    /// Change what a stopped VM boots with: firmware, TPM, display (a running QEMU keeps
    /// its own, and a saved memory image expects the ones it was saved with).
    ChangePlatform,
    /// Take a snapshot: the disks, and a running VM's memory.
    Snapshot,
    /// Go back to a snapshot, or delete one (both rewrite what the disks hold).
    RevertSnapshot,
    /// Make a new VM from this one's disks (a stopped VM's disks do not change under the copy).
    Clone,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::Start,
        Action::Shutdown,
        Action::ForceOff,
        Action::Reboot,
        Action::Reset,
        Action::Pause,
        Action::Resume,
        Action::Save,
        Action::DiscardSave,
        Action::EnableAutostart,
        Action::DisableAutostart,
        Action::Delete,
        Action::Configure,
        Action::ConfigureLive,
        Action::Rename,
        Action::ChangePlatform,
        Action::Snapshot,
        Action::RevertSnapshot,
        Action::Clone,
    ];

    pub fn verb(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Shutdown => "shut down",
            Action::ForceOff => "force off",
            Action::Reboot => "reboot",
            Action::Reset => "reset",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Save => "save",
            Action::DiscardSave => "discard the saved state of",
            Action::EnableAutostart => "enable autostart for",
            Action::DisableAutostart => "disable autostart for",
            Action::Delete => "delete",
            Action::Configure => "change the configuration of",
            Action::ConfigureLive => "change the running hardware of",
            Action::Rename => "rename",
            Action::ChangePlatform => "change the firmware, TPM or display of",
            Action::Snapshot => "take a snapshot of",
            Action::RevertSnapshot => "revert or delete a snapshot of",
            Action::Clone => "clone",
        }
    }
}

/// The facts besides the state that decide what is allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VmFlags {
    pub persistent: bool,
    pub autostart: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a VM that is {}{}", .action.verb(), .state.label(), .hint)]
pub struct TransitionError {
    pub action: Action,
    pub state: VmState,
    pub hint: &'static str,
}

/// Whether `action` is allowed for a VM in `state`; the error says why not.
pub fn check(state: VmState, flags: VmFlags, action: Action) -> Result<(), TransitionError> {
    use Action::*;
    use VmState::*;
    let running = matches!(state, Running | Blocked);
    let (ok, hint) = match action {
        Start => (matches!(state, ShutOff | Saved | Crashed), ""),
        Shutdown => (running, ""),
        ForceOff => (
            matches!(
                state,
                Running | Blocked | Paused | ShuttingDown | Crashed | PmSuspended
            ),
            "",
        ),
        Reboot | Reset => (running, ""),
        Pause => (running, ""),
        Resume => (state == Paused, ""),
        Save => (
            flags.persistent && matches!(state, Running | Blocked | Paused),
            if flags.persistent {
                ""
            } else {
                " (only defined VMs can be saved)"
            },
        ),
        DiscardSave => (state == Saved, ""),
        EnableAutostart => (
            flags.persistent && !flags.autostart,
            if flags.persistent {
                " (autostart is already on)"
            } else {
                " (transient)"
            },
        ),
        DisableAutostart => (flags.autostart, " (autostart is already off)"),
        Delete => (
            matches!(state, ShutOff | Saved),
            " (shut it down or force it off first)",
        ),
        Configure => (
            flags.persistent,
            " (transient: only its running hardware can change)",
        ),
        ConfigureLive => (
            matches!(state, Running | Blocked | Paused),
            " (changes apply at its next boot)",
        ),
        Rename => (
            flags.persistent && state == ShutOff,
            if flags.persistent {
                " (shut it down first)"
            } else {
                " (transient)"
            },
        ),
        ChangePlatform => (
            flags.persistent && state == ShutOff,
            match (flags.persistent, state) {
                (false, _) => " (transient)",
                (_, Saved) => {
                    " (its saved memory expects the old ones: discard the saved state first)"
                }
                _ => " (shut it down first)",
            },
        ),
        // A saved memory image belongs to the disks as they are: libvirt refuses both.
        Snapshot | RevertSnapshot => (
            flags.persistent && matches!(state, Running | Blocked | Paused | ShutOff),
            match (flags.persistent, state) {
                (false, _) => " (transient: snapshots belong to defined VMs)",
                (_, Saved) => " (restore or discard its saved state first)",
                _ => " (wait until it is running or shut off)",
            },
        ),
        // A saved VM's disks are closed and stay as they are (its memory restores onto them),
        // so they can be read; a paused QEMU still holds them locked for writing.
        Clone => (
            flags.persistent && matches!(state, ShutOff | Saved),
            match (flags.persistent, state) {
                (false, _) => " (transient)",
                (_, Paused) => {
                    " (paused: QEMU still holds its disks; save it (its memory goes to disk and \
                     it resumes from there later) or shut it down first)"
                }
                _ => " (shut it down first: a running VM's disks change while they are read)",
            },
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(TransitionError {
            action,
            state,
            hint,
        })
    }
}

/// The actions allowed now, in a stable order, for the UI.
pub fn allowed(state: VmState, flags: VmFlags) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| check(state, flags, *a).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use VmState::*;

    const DEFINED: VmFlags = VmFlags {
        persistent: true,
        autostart: false,
    };

    /// The whole table, written out: (state, actions allowed for a defined VM without
    /// autostart). Every other (state, action) pair must be rejected.
    const TABLE: [(VmState, &[Action]); 9] = [
        (
            Running,
            &[
                Shutdown,
                ForceOff,
                Reboot,
                Reset,
                Pause,
                Save,
                EnableAutostart,
                Configure,
                ConfigureLive,
                Snapshot,
                RevertSnapshot,
            ],
        ),
        (
            Blocked,
            &[
                Shutdown,
                ForceOff,
                Reboot,
                Reset,
                Pause,
                Save,
                EnableAutostart,
                Configure,
                ConfigureLive,
                Snapshot,
                RevertSnapshot,
            ],
        ),
        (
            Paused,
            &[
                ForceOff,
                Resume,
                Save,
                EnableAutostart,
                Configure,
                ConfigureLive,
                Snapshot,
                RevertSnapshot,
            ],
        ),
        (ShuttingDown, &[ForceOff, EnableAutostart, Configure]),
        (
            ShutOff,
            &[
                Start,
                EnableAutostart,
                Delete,
                Configure,
                Rename,
                ChangePlatform,
                Snapshot,
                RevertSnapshot,
                Clone,
            ],
        ),
        (
            Saved,
            &[
                Start,
                DiscardSave,
                EnableAutostart,
                Delete,
                Configure,
                Clone,
            ],
        ),
        (Crashed, &[Start, ForceOff, EnableAutostart, Configure]),
        (PmSuspended, &[ForceOff, EnableAutostart, Configure]),
        (Unknown, &[EnableAutostart, Configure]),
    ];

    #[test]
    fn every_transition_follows_the_table() {
        for (state, ok) in TABLE {
            for action in Action::ALL {
                let result = check(state, DEFINED, action);
                if ok.contains(&action) {
                    assert!(result.is_ok(), "{action:?} should be allowed in {state:?}");
                } else {
                    let err =
                        result.expect_err(&format!("{action:?} must be rejected in {state:?}"));
                    assert_eq!((err.action, err.state), (action, state));
                }
            }
            assert_eq!(allowed(state, DEFINED), ok.to_vec());
        }
    }

    #[test]
    fn rejection_messages_are_clear() {
        let e = check(Running, DEFINED, Start).unwrap_err();
        assert_eq!(e.to_string(), "cannot start a VM that is running");
        let e = check(Running, DEFINED, Delete).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot delete a VM that is running (shut it down or force it off first)"
        );
        let e = check(ShutOff, DEFINED, Resume).unwrap_err();
        assert_eq!(e.to_string(), "cannot resume a VM that is shut off");
    }

    #[test]
    fn autostart_toggles_follow_the_flag() {
        let on = VmFlags {
            persistent: true,
            autostart: true,
        };
        assert!(check(ShutOff, on, DisableAutostart).is_ok());
        assert!(check(ShutOff, on, EnableAutostart).is_err());
        assert!(check(ShutOff, DEFINED, DisableAutostart).is_err());
    }

    #[test]
    fn transient_vms_cannot_be_saved_or_autostarted() {
        let transient = VmFlags::default();
        assert!(check(Running, transient, Save).is_err());
        let e = check(Running, transient, EnableAutostart).unwrap_err();
        assert!(e.to_string().contains("transient"));
    }

    #[test]
    fn only_defined_vms_change_their_configuration_and_names() {
        let transient = VmFlags::default();
        let e = check(Running, transient, Configure).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot change the configuration of a VM that is running (transient: only its \
             running hardware can change)"
        );
        assert!(check(Running, transient, ConfigureLive).is_ok());
        let e = check(Running, DEFINED, Rename).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot rename a VM that is running (shut it down first)"
        );
        let e = check(Saved, DEFINED, ChangePlatform).unwrap_err();
        assert!(
            e.to_string().contains("discard the saved state first"),
            "{e}"
        );
        let e = check(Running, DEFINED, ChangePlatform).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot change the firmware, TPM or display of a VM that is running (shut it down \
             first)"
        );
        let e = check(ShutOff, DEFINED, ConfigureLive).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot change the running hardware of a VM that is shut off (changes apply at \
             its next boot)"
        );
    }

    #[test]
    fn snapshots_wait_for_a_settled_defined_vm() {
        let e = check(Saved, DEFINED, Snapshot).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot take a snapshot of a VM that is saved (restore or discard its saved state \
             first)"
        );
        let e = check(ShuttingDown, DEFINED, RevertSnapshot).unwrap_err();
        assert!(
            e.to_string()
                .contains("wait until it is running or shut off"),
            "{e}"
        );
        let e = check(Running, VmFlags::default(), Snapshot).unwrap_err();
        assert!(e.to_string().contains("transient"), "{e}");
    }

    #[test]
    fn only_a_shut_off_or_saved_vm_is_cloned() {
        let e = check(Running, DEFINED, Clone).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot clone a VM that is running (shut it down first: a running VM's disks \
             change while they are read)"
        );
        let e = check(Paused, DEFINED, Clone).unwrap_err();
        assert!(e.to_string().contains("save it"), "{e}");
        assert!(check(ShutOff, DEFINED, Clone).is_ok());
        assert!(check(Saved, DEFINED, Clone).is_ok());
        assert!(check(Saved, VmFlags::default(), Clone).is_err());
    }

    #[test]
    fn libvirt_states_map() {
        assert_eq!(VmState::from_libvirt(1, false), Running);
        assert_eq!(VmState::from_libvirt(5, true), Saved);
        assert_eq!(VmState::from_libvirt(5, false), ShutOff);
        assert_eq!(VmState::from_libvirt(99, false), Unknown);
    }
}
