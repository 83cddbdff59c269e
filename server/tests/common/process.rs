//! The real `emporium` binary as a child process, for the tests that run it as an
//! operator would.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

/// The binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_emporium");

/// Kills the child if the test ends (or fails) before it exits on its own.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `emporium serve` on `data_dir` and a free loopback port, with `args` after
/// the data directory and `envs` set; returns the server, its address (read from the
/// first line it prints), and the rest of its stdout. Keep the stdout open to the end:
/// the server prints more (the demo admin), and a closed pipe would fail its write.
pub fn start(
    args: &[&str],
    data_dir: &Path,
    envs: &[(&str, &str)],
) -> (Server, SocketAddr, BufReader<ChildStdout>) {
    let child = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .envs(envs.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the binary");
    let mut server = Server(child);
    let mut stdout = BufReader::new(server.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the listening line");
    let address: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("an address");
    assert_ne!(address.port(), 0, "the real port, not the requested 0");
    (server, address, stdout)
}
