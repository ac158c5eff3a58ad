//! A headless desktop for the end-to-end test, all in a temporary folder: an X server
//! (Xvfb), a sound server with a virtual microphone (PulseAudio null sink; ALSA's default
//! device reads its monitor through the `pulse` plugin, so the app's cpal capture path is
//! the real one), and tauri-driver in front of WebKitWebDriver.
//!
//! Every process started here is stopped (SIGTERM, then SIGKILL) when the [`Desktop`] is
//! dropped.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process that is stopped on drop.
pub struct Proc {
    name: &'static str,
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        // SIGTERM first: tauri-driver must stop WebKitWebDriver itself, or its port stays taken.
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The running desktop.
pub struct Desktop {
    /// The temporary folder holding HOME, XDG folders and logs.
    pub root: tempfile::TempDir,
    /// URL of tauri-driver.
    pub driver_url: String,
    /// Environment every program here runs with.
    pub env: Vec<(String, String)>,
    /// Log folder (kept after the test).
    pub logs: PathBuf,
    // Dropped in reverse order of start: driver, sound, X.
    _procs: Vec<Proc>,
}

impl Drop for Desktop {
    fn drop(&mut self) {
        while let Some(p) = self._procs.pop() {
            drop(p);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(4444)
}

fn wait_until(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Finds a program on PATH or in `~/.cargo/bin`.
pub fn which(program: &str, real_home: &Path) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push(real_home.join(".cargo/bin"));
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

impl Desktop {
    /// Starts the desktop. `extra_env` is passed to the app (models, autotexts).
    pub fn start(logs: &Path, extra_env: &[(&str, String)]) -> Desktop {
        let real_home = PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()));
        let root = tempfile::tempdir().expect("temporary folder");
        let home = root.path().join("home");
        let runtime = root.path().join("run");
        for d in [
            &home,
            &runtime,
            &root.path().join("config"),
            &root.path().join("data"),
        ] {
            fs::create_dir_all(d).expect("create folder");
        }
        let _ = Command::new("chmod")
            .args(["700", &runtime.display().to_string()])
            .status();
        fs::create_dir_all(logs).expect("log folder");
        // ALSA's default device is the monitor of the virtual microphone's sink.
        fs::write(
            home.join(".asoundrc"),
            "pcm.!default {\n    type pulse\n    device \"dikta_mic.monitor\"\n}\nctl.!default {\n    type pulse\n}\n",
        )
        .expect("write .asoundrc");

        let mut env: Vec<(String, String)> = vec![
            ("HOME".into(), home.display().to_string()),
            ("XDG_RUNTIME_DIR".into(), runtime.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                root.path().join("config").display().to_string(),
            ),
            (
                "XDG_DATA_HOME".into(),
                root.path().join("data").display().to_string(),
            ),
            (
                "XDG_STATE_HOME".into(),
                root.path().join("state").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                root.path().join("cache").display().to_string(),
            ),
            ("DIKTA_LOG".into(), "warn,dikta_app=info".into()),
            ("NO_AT_BRIDGE".into(), "1".into()),
        ];
        for (k, v) in extra_env {
            env.push((k.to_string(), v.clone()));
        }
        let mut procs = Vec::new();

        // X server on a free display number.
        let n = (90..190)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let display = format!(":{n}");
        let xvfb = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1400x960x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(log_file(logs, "xvfb.log"))
            .spawn()
            .expect("Xvfb starts (apt-get install xvfb)");
        procs.push(Proc {
            name: "Xvfb",
            child: xvfb,
        });
        wait_until("Xvfb", Duration::from_secs(20), || {
            Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        });
        env.push(("DISPLAY".into(), display.clone()));

        // Sound server with the virtual microphone.
        let pulse = Command::new("pulseaudio")
            .args([
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--disable-shm=true",
                "-L",
                "module-native-protocol-unix",
                "-L",
                "module-null-sink sink_name=dikta_mic rate=16000 channels=1 sink_properties=device.description=Dikta-testmikrofon",
            ])
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log_file(logs, "pulseaudio.log"))
            .spawn()
            .expect("pulseaudio starts (apt-get install pulseaudio)");
        procs.push(Proc {
            name: "pulseaudio",
            child: pulse,
        });
        wait_until("pulseaudio", Duration::from_secs(20), || {
            Command::new("pactl")
                .arg("info")
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });

        // tauri-driver, which starts WebKitWebDriver, which starts the app.
        let driver = which("tauri-driver", &real_home)
            .expect("tauri-driver (cargo install tauri-driver --locked)");
        let port = free_port();
        let native = free_port();
        let td = Command::new(driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(log_file(logs, "app.log"))
            .stderr(log_file(logs, "app.log"))
            .spawn()
            .expect("tauri-driver starts");
        procs.push(Proc {
            name: "tauri-driver",
            child: td,
        });
        wait_until(
            "tauri-driver and WebKitWebDriver",
            Duration::from_secs(30),
            || {
                TcpStream::connect(("127.0.0.1", port)).is_ok()
                    && TcpStream::connect(("127.0.0.1", native)).is_ok()
            },
        );

        Desktop {
            root,
            driver_url: format!("http://127.0.0.1:{port}"),
            env,
            logs: logs.to_path_buf(),
            _procs: procs,
        }
    }

    /// A command with this desktop's environment.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c
    }

    /// Plays a WAV file into the virtual microphone; returns the running player.
    pub fn speak(&self, wav: &Path) -> Proc {
        let child = self
            .command("paplay")
            .args(["--device=dikta_mic", &wav.display().to_string()])
            .stdout(Stdio::null())
            .stderr(log_file(&self.logs, "paplay.log"))
            .spawn()
            .expect("paplay starts (apt-get install pulseaudio-utils)");
        Proc {
            name: "paplay",
            child,
        }
    }

    /// The text on the X clipboard.
    pub fn clipboard(&self) -> String {
        let out = self
            .command("xclip")
            .args(["-selection", "clipboard", "-o"])
            .output()
            .expect("xclip runs (apt-get install xclip)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A screenshot of the whole X screen (window and any dialogs) via ImageMagick.
    pub fn screen_png(&self, path: &Path) -> bool {
        self.command("import")
            .args(["-window", "root", &path.display().to_string()])
            .status()
            .is_ok_and(|s| s.success())
    }
}

fn log_file(dir: &Path, name: &str) -> Stdio {
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(name))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}
