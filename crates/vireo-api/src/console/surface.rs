//! The native surface a console paints into where the window system gives one (X11: a child
//! window over the page's canvas), and the stand-in where it does not.

use super::messages::{NativeWindow, SurfacePlace, SurfaceRect};
use super::pump::PumpInput;
use crate::{ApiError, Code};
use std::sync::mpsc::Sender;

#[cfg(target_os = "linux")]
pub(crate) type Surface = vireo_surface::X11Surface;
#[cfg(not(target_os = "linux"))]
pub(crate) type Surface = NoSurface;

/// Where no native surface exists yet: never made, so the page always paints.
#[cfg(not(target_os = "linux"))]
pub(crate) enum NoSurface {}

#[cfg(not(target_os = "linux"))]
impl NoSurface {
    pub(crate) fn place(
        &mut self,
        _: Option<vireo_surface::Placement>,
    ) -> Result<(), vireo_surface::SurfaceError> {
        match *self {}
    }
    pub(crate) fn is_shown(&self) -> bool {
        match *self {}
    }
    pub(crate) fn repaint(&mut self) -> Result<(), vireo_surface::SurfaceError> {
        match *self {}
    }
    pub(crate) fn copy_in(
        &mut self,
        _: u16,
        _: u16,
        _: &[u32],
        _: &[(u16, u16, u16, u16)],
    ) -> Result<Vec<(u16, u16, u16, u16)>, vireo_surface::SurfaceError> {
        match *self {}
    }
    pub(crate) fn show(
        &mut self,
        _: &[(u16, u16, u16, u16)],
    ) -> Result<(), vireo_surface::SurfaceError> {
        match *self {}
    }
}

/// A hidden surface in the app's window for console `id`, or None (the page paints) when
/// the window system cannot give one; why is logged.
pub(crate) fn native_surface(
    window: &NativeWindow,
    id: u32,
    pump: Sender<PumpInput>,
) -> Option<Surface> {
    match window {
        #[cfg(target_os = "linux")]
        NativeWindow::X11 { display, window } => {
            let on_expose = Box::new(move || {
                let _ = pump.send(PumpInput::Exposed);
            });
            vireo_surface::X11Surface::new(display.as_deref(), *window, on_expose)
                .map_err(|e| log::warn!("console {id}: the page paints: {}", chain(&e)))
                .ok()
        }
        #[cfg(not(target_os = "linux"))]
        NativeWindow::X11 { .. } => None,
    }
}

/// The error and its sources in one line (as the API's messages).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    ApiError::from_chain(Code::Unavailable, e).message
}

pub(crate) fn placement(p: SurfacePlace) -> vireo_surface::Placement {
    let rect = |r: SurfaceRect| vireo_surface::Rect {
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
    };
    vireo_surface::Placement {
        clip: rect(p.clip),
        image: rect(p.image),
    }
}
