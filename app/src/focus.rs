//! Remembers the window the worker used before Dikta (the Cura or Nexus window), so that
//! "Indsæt i forrige vindue" pastes there. X11 only: it watches the window manager's
//! `_NET_ACTIVE_WINDOW` and keeps the last active window that is not one of Dikta's own.
//! Without a window manager (or X11) it knows nothing, and paste goes to the focused window.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt, Window};

/// The last active window that is not Dikta's.
#[derive(Clone, Default)]
pub struct FocusTracker {
    previous: Arc<AtomicU32>,
}

impl FocusTracker {
    /// Starts watching on a background thread (does nothing without an X11 display).
    pub fn start() -> FocusTracker {
        let tracker = FocusTracker::default();
        let previous = tracker.previous.clone();
        let spawned = std::thread::Builder::new()
            .name("dikta-app-focus".into())
            .spawn(move || watch(&previous));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "focus tracker not started");
        }
        tracker
    }

    /// The X11 window id to paste into, if one is known.
    pub fn previous(&self) -> Option<u32> {
        match self.previous.load(Ordering::Relaxed) {
            0 => None,
            w => Some(w),
        }
    }
}

fn watch(previous: &AtomicU32) {
    let Ok((conn, screen)) = x11rb::connect(None) else {
        tracing::info!("no X11 display: paste goes to the focused window");
        return;
    };
    let root = conn.setup().roots[screen].root;
    let atom = |name: &str| {
        conn.intern_atom(false, name.as_bytes())
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| r.atom)
    };
    let (Some(active), Some(pid_atom)) = (atom("_NET_ACTIVE_WINDOW"), atom("_NET_WM_PID")) else {
        return;
    };
    let own_pid = std::process::id();
    let read_u32 = |window: Window, property: u32, ty: AtomEnum| -> Option<u32> {
        conn.get_property(false, window, property, ty, 0, 1)
            .ok()?
            .reply()
            .ok()?
            .value32()?
            .next()
    };
    loop {
        if let Some(window) = read_u32(root, active, AtomEnum::WINDOW).filter(|w| *w != 0) {
            let pid = read_u32(window, pid_atom, AtomEnum::CARDINAL);
            if pid != Some(own_pid) {
                previous.store(window, Ordering::Relaxed);
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}
