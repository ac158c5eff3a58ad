//! The X11 side of paste: clipboard ownership and transfer (ICCCM, with INCR for large
//! data), and key events through the XTEST extension.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tracing::{debug, warn};
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{
    self, Atom, AtomEnum, ChangeWindowAttributesAux, ConnectionExt as _, CreateWindowAux,
    EventMask, InputFocus, Keycode, Keysym, PropMode, Property, SelectionNotifyEvent,
    SelectionRequestEvent, Window, WindowClass, SELECTION_NOTIFY_EVENT,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::{CURRENT_TIME, NONE};

use super::{ClipboardSnapshot, Method, PasteError, PasteOptions, PasteReport, SavedTarget};

const KEY_PRESS: u8 = xproto::KEY_PRESS_EVENT;
const KEY_RELEASE: u8 = xproto::KEY_RELEASE_EVENT;

const XK_SHIFT_L: Keysym = 0xffe1;
const XK_CONTROL_L: Keysym = 0xffe3;
const XK_RETURN: Keysym = 0xff0d;
const XK_TAB: Keysym = 0xff09;
const XK_V: Keysym = 0x0076;

/// Targets that are protocol machinery, not clipboard content.
const META_TARGETS: [&str; 8] = [
    "TARGETS",
    "TIMESTAMP",
    "MULTIPLE",
    "DELETE",
    "SAVE_TARGETS",
    "INSERT_SELECTION",
    "INSERT_PROPERTY",
    "_DIKTA_SEL",
];

/// Limits for saving the previous clipboard.
const MAX_SAVED_TARGETS: usize = 32;
const MAX_SAVED_BYTES: usize = 64 << 20;

fn x11err(e: impl std::fmt::Display) -> PasteError {
    PasteError::X11(e.to_string())
}

/// What the clipboard owner side serves.
enum Content<'a> {
    /// Our text, offered as UTF-8 and Latin-1 text formats.
    Text(&'a str),
    /// A saved clipboard, offered exactly as it was.
    Saved(&'a ClipboardSnapshot),
}

/// An INCR transfer to one requestor in progress.
struct Incr {
    requestor: Window,
    property: Atom,
    type_: Atom,
    format: u8,
    data: Vec<u8>,
    offset: usize,
    finished: bool,
}

struct Session {
    conn: RustConnection,
    root: Window,
    win: Window,
    atoms: HashMap<String, Atom>,
    clipboard: Atom,
    prop: Atom,
    chunk: usize,
}

impl Session {
    fn connect() -> Result<Session, PasteError> {
        let (conn, screen_num) =
            x11rb::connect(None).map_err(|e| PasteError::NoDisplay(e.to_string()))?;
        let screen = conn
            .setup()
            .roots
            .get(screen_num)
            .ok_or_else(|| PasteError::NoDisplay("no screen".into()))?;
        let root = screen.root;
        let win = conn.generate_id().map_err(x11err)?;
        conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            win,
            root,
            -10,
            -10,
            1,
            1,
            0,
            WindowClass::INPUT_ONLY,
            x11rb::COPY_FROM_PARENT,
            &CreateWindowAux::new().event_mask(EventMask::PROPERTY_CHANGE),
        )
        .map_err(x11err)?;
        let chunk = (conn.maximum_request_bytes().saturating_sub(1024)).clamp(4096, 256 * 1024);
        let mut s = Session {
            conn,
            root,
            win,
            atoms: HashMap::new(),
            clipboard: 0,
            prop: 0,
            chunk,
        };
        s.clipboard = s.atom("CLIPBOARD")?;
        s.prop = s.atom("_DIKTA_SEL")?;
        Ok(s)
    }

    fn atom(&mut self, name: &str) -> Result<Atom, PasteError> {
        if let Some(a) = self.atoms.get(name) {
            return Ok(*a);
        }
        let a = self
            .conn
            .intern_atom(false, name.as_bytes())
            .map_err(x11err)?
            .reply()
            .map_err(x11err)?
            .atom;
        self.atoms.insert(name.to_string(), a);
        Ok(a)
    }

    fn atom_name(&self, atom: Atom) -> Result<String, PasteError> {
        let r = self
            .conn
            .get_atom_name(atom)
            .map_err(x11err)?
            .reply()
            .map_err(x11err)?;
        Ok(String::from_utf8_lossy(&r.name).into_owned())
    }

    fn sync(&self) -> Result<(), PasteError> {
        self.conn
            .get_input_focus()
            .map_err(x11err)?
            .reply()
            .map_err(x11err)?;
        Ok(())
    }

    fn owner(&self) -> Result<Window, PasteError> {
        Ok(self
            .conn
            .get_selection_owner(self.clipboard)
            .map_err(x11err)?
            .reply()
            .map_err(x11err)?
            .owner)
    }

    // ------------------------------------------------------------ reading (save)

    /// Ask the owner for `target`; `None` if it refused or did not answer.
    fn fetch(&mut self, target: Atom) -> Result<Option<(Atom, u8, Vec<u8>)>, PasteError> {
        self.conn
            .delete_property(self.win, self.prop)
            .map_err(x11err)?;
        self.conn
            .convert_selection(self.win, self.clipboard, target, self.prop, CURRENT_TIME)
            .map_err(x11err)?;
        self.conn.flush().map_err(x11err)?;
        let deadline = Instant::now() + Duration::from_secs(2);
        let notify = loop {
            match self.next_event(deadline)? {
                Some(Event::SelectionNotify(e)) if e.requestor == self.win => break e,
                Some(_) => continue,
                None => return Ok(None),
            }
        };
        if notify.property == NONE {
            return Ok(None);
        }
        let incr = self.atom("INCR")?;
        let reply = self
            .conn
            .get_property(true, self.win, self.prop, AtomEnum::ANY, 0, u32::MAX / 4)
            .map_err(x11err)?
            .reply()
            .map_err(x11err)?;
        if reply.type_ != incr {
            return Ok(Some((reply.type_, reply.format, reply.value)));
        }
        // INCR: the owner sends chunks, each after we deleted the previous one.
        self.conn.flush().map_err(x11err)?;
        let mut data = Vec::new();
        let (mut type_, mut format) = (0, 8);
        loop {
            let deadline = Instant::now() + Duration::from_secs(2);
            match self.next_event(deadline)? {
                Some(Event::PropertyNotify(e))
                    if e.window == self.win
                        && e.atom == self.prop
                        && e.state == Property::NEW_VALUE =>
                {
                    let r = self
                        .conn
                        .get_property(true, self.win, self.prop, AtomEnum::ANY, 0, u32::MAX / 4)
                        .map_err(x11err)?
                        .reply()
                        .map_err(x11err)?;
                    self.conn.flush().map_err(x11err)?;
                    if r.value.is_empty() {
                        return Ok(Some((type_, format, data)));
                    }
                    type_ = r.type_;
                    format = r.format;
                    data.extend_from_slice(&r.value);
                    if data.len() > MAX_SAVED_BYTES {
                        return Ok(None);
                    }
                }
                Some(_) => continue,
                None => return Ok(None),
            }
        }
    }

    /// Every content format of the current clipboard; `None` when it has no owner.
    fn snapshot(&mut self) -> Result<Option<ClipboardSnapshot>, PasteError> {
        if self.owner()? == NONE {
            return Ok(None);
        }
        let targets_atom = self.atom("TARGETS")?;
        let mut targets: Vec<Atom> = match self.fetch(targets_atom)? {
            Some((_, 32, data)) => data
                .chunks_exact(4)
                .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            _ => Vec::new(),
        };
        if targets.is_empty() {
            // An old owner without TARGETS: try plain text.
            targets = vec![self.atom("UTF8_STRING")?, u32::from(AtomEnum::STRING)];
        }
        let mut snap = ClipboardSnapshot::default();
        let mut total = 0;
        for t in targets {
            if snap.targets.len() >= MAX_SAVED_TARGETS {
                break;
            }
            let name = self.atom_name(t)?;
            if META_TARGETS.contains(&name.as_str())
                || snap.targets.iter().any(|s| s.target == name)
            {
                continue;
            }
            let Some((type_, format, data)) = self.fetch(t)? else {
                continue;
            };
            total += data.len();
            if total > MAX_SAVED_BYTES {
                warn!(target = %name, "previous clipboard too large to keep in full");
                break;
            }
            let type_name = self.atom_name(type_)?;
            if type_name == "ATOM_PAIR" {
                continue;
            }
            snap.targets.push(SavedTarget {
                target: name,
                type_name,
                format,
                data,
            });
        }
        debug!(formats = snap.targets.len(), "saved the previous clipboard");
        Ok(Some(snap))
    }

    // ------------------------------------------------------------ owning (serve)

    fn own(&self) -> Result<(), PasteError> {
        self.conn
            .set_selection_owner(self.win, self.clipboard, CURRENT_TIME)
            .map_err(x11err)?;
        if self.owner()? != self.win {
            return Err(PasteError::ClipboardBusy);
        }
        Ok(())
    }

    fn disown(&self) -> Result<(), PasteError> {
        if self.owner()? == self.win {
            self.conn
                .set_selection_owner(NONE, self.clipboard, CURRENT_TIME)
                .map_err(x11err)?;
            self.sync()?;
        }
        Ok(())
    }

    /// The targets offered and the data of one requested target.
    fn offer(
        &mut self,
        content: &Content<'_>,
        target: Atom,
    ) -> Result<Option<(Atom, u8, Vec<u8>)>, PasteError> {
        let name = self.atom_name(target)?;
        match content {
            Content::Text(text) => {
                let utf8 = self.atom("UTF8_STRING")?;
                let latin1 = u32::from(AtomEnum::STRING);
                Ok(match name.as_str() {
                    "UTF8_STRING" | "text/plain;charset=utf-8" | "TEXT" => {
                        Some((utf8, 8, text.as_bytes().to_vec()))
                    }
                    "STRING" | "text/plain" => Some((
                        latin1,
                        8,
                        text.chars()
                            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                            .collect(),
                    )),
                    _ => None,
                })
            }
            Content::Saved(snap) => {
                let Some(t) = snap.targets.iter().find(|t| t.target == name) else {
                    return Ok(None);
                };
                let type_ = self.atom(&t.type_name)?;
                Ok(Some((type_, t.format, t.data.clone())))
            }
        }
    }

    fn target_list(&mut self, content: &Content<'_>) -> Result<Vec<Atom>, PasteError> {
        let mut names: Vec<String> = vec!["TARGETS".into(), "TIMESTAMP".into()];
        match content {
            Content::Text(_) => names.extend(
                [
                    "UTF8_STRING",
                    "text/plain;charset=utf-8",
                    "TEXT",
                    "STRING",
                    "text/plain",
                ]
                .map(String::from),
            ),
            Content::Saved(s) => names.extend(s.targets.iter().map(|t| t.target.clone())),
        }
        names.iter().map(|n| self.atom(n)).collect()
    }

    /// Answer one SelectionRequest. Returns true when it delivered content (not just the
    /// list of targets).
    fn answer(
        &mut self,
        req: &SelectionRequestEvent,
        content: &Content<'_>,
        transfers: &mut Vec<Incr>,
    ) -> Result<bool, PasteError> {
        let property = if req.property == NONE {
            req.target
        } else {
            req.property
        };
        let targets = self.atom("TARGETS")?;
        let timestamp = self.atom("TIMESTAMP")?;
        let mut delivered = false;
        let ok = if req.selection != self.clipboard {
            false
        } else if req.target == targets {
            let list = self.target_list(content)?;
            self.conn
                .change_property32(
                    PropMode::REPLACE,
                    req.requestor,
                    property,
                    AtomEnum::ATOM,
                    &list,
                )
                .map_err(x11err)?;
            true
        } else if req.target == timestamp {
            self.conn
                .change_property32(
                    PropMode::REPLACE,
                    req.requestor,
                    property,
                    AtomEnum::INTEGER,
                    &[0],
                )
                .map_err(x11err)?;
            true
        } else if let Some((type_, format, data)) = self.offer(content, req.target)? {
            delivered = true;
            if data.len() <= self.chunk {
                let unit = usize::from(format / 8).max(1);
                self.conn
                    .change_property(
                        PropMode::REPLACE,
                        req.requestor,
                        property,
                        type_,
                        format,
                        (data.len() / unit) as u32,
                        &data,
                    )
                    .map_err(x11err)?;
            } else {
                let incr = self.atom("INCR")?;
                self.conn
                    .change_window_attributes(
                        req.requestor,
                        &ChangeWindowAttributesAux::new().event_mask(EventMask::PROPERTY_CHANGE),
                    )
                    .map_err(x11err)?;
                self.conn
                    .change_property32(
                        PropMode::REPLACE,
                        req.requestor,
                        property,
                        incr,
                        &[data.len() as u32],
                    )
                    .map_err(x11err)?;
                transfers.push(Incr {
                    requestor: req.requestor,
                    property,
                    type_,
                    format,
                    data,
                    offset: 0,
                    finished: false,
                });
            }
            true
        } else {
            false
        };
        let event = SelectionNotifyEvent {
            response_type: SELECTION_NOTIFY_EVENT,
            sequence: 0,
            time: req.time,
            requestor: req.requestor,
            selection: req.selection,
            target: req.target,
            property: if ok { property } else { NONE },
        };
        self.conn
            .send_event(false, req.requestor, EventMask::NO_EVENT, event)
            .map_err(x11err)?;
        self.conn.flush().map_err(x11err)?;
        Ok(delivered && ok)
    }

    /// Continue INCR transfers after the requestor deleted the last chunk.
    fn incr_step(
        &mut self,
        window: Window,
        atom: Atom,
        transfers: &mut Vec<Incr>,
    ) -> Result<(), PasteError> {
        let Some(pos) = transfers
            .iter()
            .position(|t| t.requestor == window && t.property == atom)
        else {
            return Ok(());
        };
        let chunk = self.chunk;
        let t = &mut transfers[pos];
        if t.finished {
            transfers.remove(pos);
            return Ok(());
        }
        let end = (t.offset + chunk).min(t.data.len());
        let piece = &t.data[t.offset..end];
        let unit = usize::from(t.format / 8).max(1);
        self.conn
            .change_property(
                PropMode::REPLACE,
                t.requestor,
                t.property,
                t.type_,
                t.format,
                (piece.len() / unit) as u32,
                piece,
            )
            .map_err(x11err)?;
        if piece.is_empty() {
            t.finished = true;
        }
        t.offset = end;
        self.conn.flush().map_err(x11err)?;
        Ok(())
    }

    /// The next event, or `None` at `deadline`.
    fn next_event(&self, deadline: Instant) -> Result<Option<Event>, PasteError> {
        loop {
            if let Some(e) = self.conn.poll_for_event().map_err(x11err)? {
                return Ok(Some(e));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Serve `content` until `stop` says so. `stop` is called after every event and every
    /// poll with (content delivered at least once, time of the last delivery).
    fn serve(
        &mut self,
        content: &Content<'_>,
        mut stop: impl FnMut(Option<Instant>) -> Option<Result<(), PasteError>>,
    ) -> Result<(), PasteError> {
        let mut transfers = Vec::new();
        let mut last_delivery: Option<Instant> = None;
        loop {
            if let Some(done) = stop(last_delivery) {
                return done;
            }
            let Some(event) = self.next_event(Instant::now() + Duration::from_millis(20))? else {
                continue;
            };
            match event {
                Event::SelectionRequest(req) => {
                    let delivered = self.answer(&req, content, &mut transfers)?;
                    last_delivery = delivered.then(Instant::now).or(last_delivery);
                }
                Event::PropertyNotify(e) if e.state == Property::DELETE => {
                    self.incr_step(e.window, e.atom, &mut transfers)?;
                }
                Event::SelectionClear(e) if e.selection == self.clipboard => {
                    return Err(PasteError::ClipboardLost);
                }
                _ => {}
            }
        }
    }

    // ------------------------------------------------------------ keyboard

    fn keymap(&self) -> Result<Keymap, PasteError> {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let r = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .map_err(x11err)?
            .reply()
            .map_err(x11err)?;
        Ok(Keymap {
            min,
            per: r.keysyms_per_keycode,
            syms: r.keysyms,
            scratch_in_use: Vec::new(),
        })
    }

    fn key(&self, keycode: Keycode, press: bool) -> Result<(), PasteError> {
        self.conn
            .xtest_fake_input(
                if press { KEY_PRESS } else { KEY_RELEASE },
                keycode,
                CURRENT_TIME,
                self.root,
                0,
                0,
                0,
            )
            .map_err(x11err)?;
        Ok(())
    }

    fn check_xtest(&self) -> Result<(), PasteError> {
        let present = self
            .conn
            .extension_information(x11rb::protocol::xtest::X11_EXTENSION_NAME)
            .map_err(x11err)?
            .is_some();
        if present {
            Ok(())
        } else {
            Err(PasteError::NoXTest)
        }
    }

    /// Wait (a little) until the user let go of Ctrl/Shift/Alt/Super.
    fn wait_for_modifiers_released(&self, timeout: Duration) -> Result<(), PasteError> {
        let held = xproto::KeyButMask::SHIFT
            | xproto::KeyButMask::CONTROL
            | xproto::KeyButMask::MOD1
            | xproto::KeyButMask::MOD4;
        let deadline = Instant::now() + timeout;
        loop {
            let mask = self
                .conn
                .query_pointer(self.root)
                .map_err(x11err)?
                .reply()
                .map_err(x11err)?
                .mask;
            if !mask.intersects(held) || Instant::now() >= deadline {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn focus(&self, window: Option<u32>) -> Result<(), PasteError> {
        if let Some(w) = window {
            self.conn
                .set_input_focus(InputFocus::POINTER_ROOT, w, CURRENT_TIME)
                .map_err(x11err)?;
            self.sync()?;
        }
        Ok(())
    }

    fn ctrl_v(&self, keymap: &Keymap) -> Result<(), PasteError> {
        let ctrl = keymap
            .find(XK_CONTROL_L)
            .ok_or_else(|| PasteError::Keyboard("no Control key in the keyboard map".into()))?
            .0;
        let v = keymap
            .find(XK_V)
            .ok_or_else(|| PasteError::Keyboard("no V key in the keyboard map".into()))?
            .0;
        self.key(ctrl, true)?;
        self.key(v, true)?;
        self.key(v, false)?;
        self.key(ctrl, false)?;
        self.conn.flush().map_err(x11err)?;
        Ok(())
    }

    fn type_text(
        &self,
        text: &str,
        keymap: &mut Keymap,
        delay: Duration,
    ) -> Result<(), PasteError> {
        let shift = keymap.find(XK_SHIFT_L).map(|k| k.0);
        let result = (|| {
            for c in text.chars() {
                if c == '\r' {
                    continue;
                }
                let sym = keysym_for(c);
                let (code, needs_shift) = match keymap.find(sym) {
                    Some((code, col)) if col == 0 || (col == 1 && shift.is_some()) => {
                        (code, col == 1)
                    }
                    _ => {
                        let code = keymap.scratch(sym, &self.conn)?;
                        // Give clients time to pick up the new mapping (MappingNotify).
                        self.sync()?;
                        std::thread::sleep(Duration::from_millis(40));
                        (code, false)
                    }
                };
                if needs_shift {
                    if let Some(s) = shift {
                        self.key(s, true)?;
                    }
                }
                self.key(code, true)?;
                self.key(code, false)?;
                if needs_shift {
                    if let Some(s) = shift {
                        self.key(s, false)?;
                    }
                }
                self.conn.flush().map_err(x11err)?;
                std::thread::sleep(delay);
            }
            self.sync()
        })();
        // Let the last key events be read with the temporary mapping before undoing it.
        std::thread::sleep(Duration::from_millis(100));
        keymap.restore_scratch(&self.conn)?;
        self.sync()?;
        result
    }
}

/// The keyboard map, and spare keycodes mapped for the moment.
struct Keymap {
    min: Keycode,
    per: u8,
    syms: Vec<Keysym>,
    /// Spare keycodes we mapped, oldest first.
    scratch_in_use: Vec<Keycode>,
}

impl Keymap {
    fn row(&self, code: Keycode) -> &[Keysym] {
        let per = usize::from(self.per);
        let start = usize::from(code - self.min) * per;
        &self.syms[start..start + per]
    }

    fn codes(&self) -> impl Iterator<Item = Keycode> + '_ {
        let count = self.syms.len() / usize::from(self.per.max(1));
        (0..count).map(move |i| self.min + i as u8)
    }

    /// A keycode producing `sym`, and the column (0 = plain, 1 = with Shift).
    fn find(&self, sym: Keysym) -> Option<(Keycode, usize)> {
        for col in 0..usize::from(self.per.min(2)) {
            if let Some(code) = self.codes().find(|&c| self.row(c)[col] == sym) {
                return Some((code, col));
            }
        }
        None
    }

    /// Map a spare keycode to `sym` (all columns) and return it.
    fn scratch(&mut self, sym: Keysym, conn: &RustConnection) -> Result<Keycode, PasteError> {
        let free = self
            .codes()
            .filter(|&c| self.row(c).iter().all(|&s| s == 0))
            .last();
        let code = match free {
            Some(c) => c,
            // All spare keys hold earlier characters: reuse the oldest.
            None => {
                if self.scratch_in_use.is_empty() {
                    return Err(PasteError::Keyboard(
                        "no spare key to type a character the layout lacks".into(),
                    ));
                }
                self.scratch_in_use.remove(0)
            }
        };
        let row = vec![sym; usize::from(self.per)];
        conn.change_keyboard_mapping(1, code, self.per, &row)
            .map_err(x11err)?;
        let per = usize::from(self.per);
        let start = usize::from(code - self.min) * per;
        self.syms[start..start + per].copy_from_slice(&row);
        self.scratch_in_use.push(code);
        Ok(code)
    }

    /// Give the spare keycodes back.
    fn restore_scratch(&mut self, conn: &RustConnection) -> Result<(), PasteError> {
        let empty = vec![0; usize::from(self.per)];
        for code in self.scratch_in_use.drain(..) {
            conn.change_keyboard_mapping(1, code, self.per, &empty)
                .map_err(x11err)?;
        }
        conn.flush().map_err(x11err)?;
        Ok(())
    }
}

/// The X keysym of a character: Latin-1 directly, others as Unicode keysyms.
fn keysym_for(c: char) -> Keysym {
    match c {
        '\n' => XK_RETURN,
        '\t' => XK_TAB,
        c if (' '..='~').contains(&c) || ('\u{a0}'..='\u{ff}').contains(&c) => u32::from(c),
        c => 0x0100_0000 | u32::from(c),
    }
}

pub(super) fn paste(text: &str, options: &PasteOptions) -> Result<PasteReport, PasteError> {
    let mut s = Session::connect()?;
    s.check_xtest()?;
    s.focus(options.window)?;
    s.wait_for_modifiers_released(options.modifier_release_timeout)?;
    let mut keymap = s.keymap()?;
    match options.method {
        Method::Type => {
            s.type_text(text, &mut keymap, options.key_delay)?;
            Ok(PasteReport {
                method: Method::Type,
                chars: text.chars().count(),
                previous_clipboard: None,
            })
        }
        Method::Clipboard => {
            let previous = s.snapshot()?;
            s.own()?;
            s.ctrl_v(&keymap)?;
            let started = Instant::now();
            let (timeout, settle) = (options.consume_timeout, options.settle);
            let served = s.serve(&Content::Text(text), |last| match last {
                Some(t) if t.elapsed() >= settle => Some(Ok(())),
                None if started.elapsed() >= timeout => Some(Err(PasteError::NotConsumed(timeout))),
                _ => None,
            });
            if let Err(e) = served {
                // Never leave the note text, nor restore the old clipboard where a late
                // Ctrl+V could pick it up: clear the clipboard.
                let _ = s.disown();
                return Err(e);
            }
            // Consumed. Give up our ownership: the clipboard is empty until the caller
            // restores `previous` with `hold_clipboard` (or stays empty if it was).
            s.disown()?;
            Ok(PasteReport {
                method: Method::Clipboard,
                chars: text.chars().count(),
                previous_clipboard: previous,
            })
        }
    }
}

/// Own the clipboard with `snapshot` and serve it until another program takes the
/// clipboard over or `max` has passed. `ready` is called once ownership is taken.
pub fn hold_clipboard(
    snapshot: &ClipboardSnapshot,
    max: Duration,
    ready: impl FnOnce(),
) -> Result<(), PasteError> {
    let mut s = Session::connect()?;
    s.own()?;
    s.sync()?;
    ready();
    let started = Instant::now();
    match s.serve(&Content::Saved(snapshot), |_| {
        (started.elapsed() >= max).then_some(Ok(()))
    }) {
        // Another program took the clipboard: our job is done.
        Err(PasteError::ClipboardLost) | Ok(()) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keysyms() {
        assert_eq!(keysym_for('a'), 0x61);
        assert_eq!(keysym_for('Å'), 0xc5);
        assert_eq!(keysym_for('ø'), 0xf8);
        assert_eq!(keysym_for('\n'), XK_RETURN);
        assert_eq!(keysym_for('—'), 0x0100_2014);
        assert_eq!(keysym_for('€'), 0x0100_20ac);
    }
}
