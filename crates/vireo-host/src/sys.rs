//! All foreign calls of this crate: KVM ioctls, macOS sysctl, Windows' WHvGetCapability.
//! Kept in one place so every `unsafe` block can be read together.

#[cfg(target_os = "linux")]
pub mod kvm {
    use std::fs::File;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    // _IO(KVMIO = 0xAE, nr): no direction bits, no size.
    const KVM_GET_API_VERSION: libc::c_ulong = 0xAE00;
    const KVM_CREATE_VM: libc::c_ulong = 0xAE01;

    fn last_errno() -> i32 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    /// `KVM_GET_API_VERSION`: the version, or the errno.
    pub fn api_version(kvm: &File) -> Result<i32, i32> {
        // SAFETY: the fd is a live /dev/kvm handle owned by `kvm`; this ioctl takes no
        // argument and touches no memory of ours.
        let r = unsafe { libc::ioctl(kvm.as_raw_fd(), KVM_GET_API_VERSION, 0) };
        if r < 0 {
            Err(last_errno())
        } else {
            Ok(r)
        }
    }

    /// `KVM_CREATE_VM` with the default machine type; the VM is closed again at once.
    pub fn create_vm(kvm: &File) -> Result<(), i32> {
        // SAFETY: as above; the argument 0 is the machine type, passed by value.
        let fd = unsafe { libc::ioctl(kvm.as_raw_fd(), KVM_CREATE_VM, 0) };
        if fd < 0 {
            return Err(last_errno());
        }
        // SAFETY: the kernel just returned this fd to us and nothing else owns it;
        // OwnedFd closes it when dropped.
        drop(unsafe { OwnedFd::from_raw_fd(fd) });
        Ok(())
    }
}

#[cfg(target_os = "macos")]
pub mod hvf {
    /// `sysctl kern.hv_support`: Some(true) when Hypervisor.framework can run VMs.
    pub fn hv_support() -> Option<bool> {
        let mut value: libc::c_int = 0;
        let mut size = std::mem::size_of::<libc::c_int>();
        let name = c"kern.hv_support";
        // SAFETY: name is NUL-terminated; value/size point to a c_int and its size, which is
        // what this sysctl writes; no new value is set (null, 0).
        let r = unsafe {
            libc::sysctlbyname(
                name.as_ptr(),
                (&mut value as *mut libc::c_int).cast(),
                &mut size,
                std::ptr::null_mut(),
                0,
            )
        };
        (r == 0).then_some(value != 0)
    }
}

#[cfg(windows)]
pub mod whpx {
    //! WinHvPlatform.dll is loaded at run time so Vireo starts on Windows editions that lack it.
    use std::ffi::c_void;

    type WHvGetCapability = unsafe extern "system" fn(u32, *mut c_void, u32, *mut u32) -> i32;

    #[link(name = "kernel32")]
    extern "system" {
        fn LoadLibraryW(name: *const u16) -> *mut c_void;
        fn GetProcAddress(module: *mut c_void, name: *const u8) -> *mut c_void;
    }

    const WHV_CAPABILITY_CODE_HYPERVISOR_PRESENT: u32 = 0;

    /// (dll loaded, hypervisor present).
    pub fn probe() -> (bool, Option<bool>) {
        let name: Vec<u16> = "WinHvPlatform.dll\0".encode_utf16().collect();
        // SAFETY: name is a NUL-terminated UTF-16 string that outlives the call.
        let module = unsafe { LoadLibraryW(name.as_ptr()) };
        if module.is_null() {
            return (false, None);
        }
        // SAFETY: module is a loaded library handle; the name is NUL-terminated ASCII.
        let proc = unsafe { GetProcAddress(module, b"WHvGetCapability\0".as_ptr()) };
        if proc.is_null() {
            return (true, None);
        }
        // SAFETY: WHvGetCapability has this documented signature in WinHvPlatform.dll.
        let get: WHvGetCapability = unsafe { std::mem::transmute(proc) };
        let mut present: i32 = 0;
        let mut written: u32 = 0;
        // SAFETY: the buffer is a 4-byte BOOL, as documented for HypervisorPresent.
        let hr = unsafe {
            get(
                WHV_CAPABILITY_CODE_HYPERVISOR_PRESENT,
                (&mut present as *mut i32).cast(),
                4,
                &mut written,
            )
        };
        (true, (hr >= 0).then_some(present != 0))
    }
}
