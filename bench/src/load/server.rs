//! `emporium serve` started for a run (`--spawn`), and the server's resident memory.
//!
//! The spawned server gets a fresh temporary data directory (the demo catalog loads on
//! first start), a free loopback port (`--listen 127.0.0.1:0`, read back from its first
//! line on stdout) and an admin account whose password is made here and passed in the
//! environment, so the driver can restock what sells out. It is stopped with SIGTERM
//! (which drains requests and flushes the committer) when the run ends, and killed if it
//! has not exited within [`STOP_TIMEOUT`].

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;

use super::LoadError;
use super::client::{Call, Connection, Target};

/// How long a spawned server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long it may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// The admin account made for a spawned server.
const SPAWN_ADMIN_EMAIL: &str = "load-admin@emporium.local";

/// The resident memory of process `pid` in bytes (`VmRSS` in `/proc/PID/status`).
pub fn resident_bytes_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU time (user + system) used so far by process `pid`, in ms.
pub fn cpu_ms_of(pid: u32) -> Option<u64> {
    // USER_HZ is 100 on Linux.
    const TICK_MS: u64 = 10;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which may hold spaces, start after its ')'.
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks = |n: usize| fields.get(n).and_then(|f| f.parse::<u64>().ok());
    Some((ticks(11)? + ticks(12)?) * TICK_MS)
}

/// A server this process started; stopped when dropped.
#[derive(Debug)]
pub struct SpawnedServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The server's process id.
    pub pid: u32,
    /// The admin account made for it: (email, password).
    pub admin: (String, String),
    /// Where its log (stderr) goes.
    pub log: PathBuf,
    /// Holds the temporary directory (data and log) until the server is stopped.
    scratch: Option<tempfile::TempDir>,
}

impl SpawnedServer {
    /// Starts `binary serve` on a free loopback port, with `data_dir` or a fresh
    /// temporary directory, plus `extra_args`; returns once it has printed its address.
    pub fn start(
        binary: &Path,
        data_dir: Option<&Path>,
        extra_args: &[String],
    ) -> Result<SpawnedServer, LoadError> {
        let failed = |what: &str, error: &dyn std::fmt::Display| {
            LoadError::Server(format!("{what}: {error}"))
        };
        let scratch = tempfile::Builder::new()
            .prefix("emporium-load-")
            .tempdir()
            .map_err(|error| failed("cannot make a temporary directory", &error))?;
        let data = data_dir.map_or_else(|| scratch.path().join("data"), Path::to_path_buf);
        let log = scratch.path().join("server.log");
        let log_file = std::fs::File::create(&log)
            .map_err(|error| failed("cannot create the server log", &error))?;
        let password = random_password();
        let mut child = Command::new(binary)
            .arg("serve")
            .arg("--data-dir")
            .arg(&data)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra_args)
            .env("EMPORIUM_ADMIN_EMAIL", SPAWN_ADMIN_EMAIL)
            .env("EMPORIUM_ADMIN_PASSWORD", &password)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|error| failed(&format!("cannot start {}", binary.display()), &error))?;
        let pid = child.id();
        let first_line = first_stdout_line(&mut child);
        let mut server = SpawnedServer {
            child,
            url: String::new(),
            pid,
            admin: (SPAWN_ADMIN_EMAIL.to_string(), password),
            log,
            scratch: Some(scratch),
        };
        match first_line {
            Some(line) if line.starts_with("listening on http://") => {
                server.url = line["listening on ".len()..].trim().to_string();
                Ok(server)
            }
            other => {
                let log = std::fs::read_to_string(&server.log).unwrap_or_default();
                server.stop();
                Err(LoadError::Server(format!(
                    "the server printed no address (first line {other:?}); its log:\n{log}"
                )))
            }
        }
    }

    /// The data directory's scratch parent, for messages.
    pub fn scratch_dir(&self) -> Option<&Path> {
        self.scratch.as_ref().map(tempfile::TempDir::path)
    }

    /// Stops the server: SIGTERM, then SIGKILL after [`STOP_TIMEOUT`]. Idempotent.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // std can only send SIGKILL; `kill` sends the SIGTERM that lets the server
        // drain and flush, without unsafe code here.
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the server is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for SpawnedServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits for `GET /readyz` to answer 200 (the demo catalog loaded and indexed).
pub async fn wait_until_ready(target: &Target, timeout: Duration) -> Result<(), LoadError> {
    let deadline = Instant::now() + timeout;
    let mut connection = Connection::new(target.clone(), Duration::from_secs(5));
    loop {
        let last = match connection.send(Call::get("/readyz")).await {
            Ok(reply) if reply.status == 200 => return Ok(()),
            Ok(reply) => format!("status {}", reply.status),
            Err(error) => error.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(LoadError::Server(format!(
                "not ready within {timeout:?} (last /readyz: {last})"
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first line the child prints, within [`START_TIMEOUT`]; the rest of its stdout is
/// drained by the same thread so the server never blocks on a full pipe.
fn first_stdout_line(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take()?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = sender.send(first);
        for _ in lines {}
    });
    receiver.recv_timeout(START_TIMEOUT).ok().flatten()
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_resident_size() {
        let bytes = resident_bytes_of(std::process::id()).expect("Linux /proc");
        assert!(bytes > 1 << 20, "{bytes}");
        assert_eq!(resident_bytes_of(u32::MAX), None);
        assert!(cpu_ms_of(std::process::id()).is_some());
        assert_eq!(cpu_ms_of(u32::MAX), None);
    }

    #[test]
    fn passwords_are_long_enough_for_the_api() {
        let password = random_password();
        assert_eq!(password.chars().count(), 24);
        assert_ne!(password, random_password());
    }
}
