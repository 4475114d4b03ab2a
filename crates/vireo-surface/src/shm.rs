//! The shared-memory segment frames go through to the X server: a `memfd`, mapped here and
//! handed to the server with MIT-SHM's `AttachFd`. All of the crate's `unsafe` is here.

use std::os::fd::OwnedFd;
use std::ptr::NonNull;

/// A mapped, writable memfd of `len` bytes.
pub(crate) struct SharedPixels {
    ptr: NonNull<u32>,
    len: usize,
    fd: OwnedFd,
}

// SAFETY: the mapping is owned by this value alone (no aliasing pointers are handed out
// beyond borrows of `self`), so moving it to another thread is as safe as moving a Vec.
unsafe impl Send for SharedPixels {}

impl SharedPixels {
    /// A zeroed segment for `pixels` 32-bit pixels.
    pub(crate) fn new(pixels: usize) -> std::io::Result<Self> {
        use rustix::fs::{ftruncate, memfd_create, MemfdFlags};
        use rustix::mm::{mmap, MapFlags, ProtFlags};
        let len = pixels
            .checked_mul(4)
            .filter(|&l| l > 0)
            .ok_or_else(|| std::io::Error::other("bad segment size"))?;
        let fd = memfd_create("vireo-console", MemfdFlags::CLOEXEC)?;
        ftruncate(&fd, len as u64)?;
        // SAFETY: a fresh shared mapping of a file we just sized to `len`; nothing else in
        // this process maps it, and it is unmapped exactly once, in Drop.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                &fd,
                0,
            )?
        };
        let ptr = NonNull::new(ptr.cast::<u32>())
            .ok_or_else(|| std::io::Error::other("mmap returned null"))?;
        Ok(SharedPixels { ptr, len, fd })
    }

    /// A duplicate of the descriptor, for the X server.
    pub(crate) fn fd(&self) -> std::io::Result<OwnedFd> {
        self.fd.try_clone()
    }

    /// The pixels. The X server reads them only during a request the caller waits for, so
    /// writing here never races with it.
    pub(crate) fn pixels_mut(&mut self) -> &mut [u32] {
        // SAFETY: `ptr` maps `len` bytes (a multiple of 4, page aligned) for as long as
        // `self` lives, and `&mut self` makes this the only borrow.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len / 4) }
    }
}

impl Drop for SharedPixels {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping made in `new`, once; no borrow of it outlives `self`.
        let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
