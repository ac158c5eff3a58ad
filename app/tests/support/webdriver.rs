//! A small W3C WebDriver client (the few endpoints the end-to-end test needs), over the
//! HTTP client the engine already builds, so the test adds no heavy dependencies.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The W3C key for an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session (one app window).
pub struct Driver {
    agent: ureq::Agent,
    base: String,
}

/// An element on the page.
#[derive(Clone, Debug)]
pub struct Element(String);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn request(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let result = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, body) => agent
            .post(url)
            .content_type("application/json")
            .send(body.unwrap_or_else(|| json!({})).to_string()),
    };
    let mut response = result.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("{method} {url}: reading the reply: {e}"))?;
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status >= 400 {
        return Err(format!("{method} {url}: HTTP {status}: {}", value["value"]));
    }
    Ok(value["value"].clone())
}

impl Driver {
    /// Starts a session on `server` (tauri-driver) that launches `application`.
    pub fn start(server: &str, application: &str) -> Result<Driver, String> {
        let agent = agent();
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "wry",
                    "tauri:options": { "application": application }
                }
            }
        });
        let value = request(&agent, "POST", &format!("{server}/session"), Some(caps))?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {value}"))?;
        Ok(Driver {
            agent,
            base: format!("{server}/session/{id}"),
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        request(&self.agent, method, &format!("{}{path}", self.base), body)
    }

    /// Ends the session (the app exits).
    pub fn quit(&self) -> Result<(), String> {
        self.call("DELETE", "", None).map(|_| ())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub fn exec(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The first element matching the CSS selector.
    pub fn find(&self, css: &str) -> Result<Element, String> {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        v[ELEMENT]
            .as_str()
            .map(|s| Element(s.to_string()))
            .ok_or_else(|| format!("no element {css}: {v}"))
    }

    /// Waits up to `timeout` for an element matching `css`.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, String> {
        let started = Instant::now();
        loop {
            match self.find(css) {
                Ok(e) => return Ok(e),
                Err(e) if started.elapsed() > timeout => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Clicks an element, scrolled to the middle of the window first (the header is sticky).
    pub fn click(&self, e: &Element) -> Result<(), String> {
        self.exec(
            "arguments[0].scrollIntoView({ block: 'center' }); return true",
            vec![json!({ ELEMENT: e.0 })],
        )?;
        self.call("POST", &format!("/element/{}/click", e.0), None)
            .map(|_| ())
    }

    /// Clicks the first element matching `css` (again, if the page re-rendered it meanwhile).
    pub fn click_css(&self, css: &str) -> Result<(), String> {
        self.retry_stale(|| {
            let e = self.wait_for(css, Duration::from_secs(10))?;
            self.click(&e)
        })
    }

    /// Clears the first element matching `css` and types `text` into it (again, if the page
    /// re-rendered it meanwhile).
    pub fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        self.retry_stale(|| {
            let e = self.wait_for(css, Duration::from_secs(10))?;
            self.clear(&e)?;
            self.send_keys(&e, text)
        })
    }

    fn retry_stale(&self, f: impl Fn() -> Result<(), String>) -> Result<(), String> {
        let started = Instant::now();
        loop {
            match f() {
                Err(e)
                    if e.contains("stale element")
                        && started.elapsed() < Duration::from_secs(10) =>
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }

    /// Types `text` into an element (WebDriver key codes allowed, e.g. "\u{E007}" = Enter).
    pub fn send_keys(&self, e: &Element, text: &str) -> Result<(), String> {
        self.call(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        )
        .map(|_| ())
    }

    /// Clears an input.
    pub fn clear(&self, e: &Element) -> Result<(), String> {
        self.call("POST", &format!("/element/{}/clear", e.0), None)
            .map(|_| ())
    }

    /// A PNG screenshot of the window.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        let v = self.call("GET", "/screenshot", None)?;
        let b64 = v.as_str().ok_or("screenshot is not a string")?;
        base64_decode(b64)
    }

    /// Polls `script` (which returns a value) until `done` accepts it or `timeout` passes.
    pub fn poll(
        &self,
        what: &str,
        script: &str,
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        let started = Instant::now();
        let mut last = Value::Null;
        while started.elapsed() < timeout {
            last = self.exec(script, vec![])?;
            if done(&last) {
                return Ok(last);
            }
            std::thread::sleep(Duration::from_millis(150));
        }
        Err(format!(
            "timed out after {timeout:?} waiting for {what}; last value: {last}"
        ))
    }
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return Err(format!("bad base64 byte {c}")),
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Ok(out)
}
