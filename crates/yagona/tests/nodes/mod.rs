//! Real `yagona serve` processes for tests that cross processes: each with its own database,
//! keys and registry copy, killed when dropped.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn yagona(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "yagona {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Node {
    pub child: Child,
    pub http: u16,
    pub tls: u16,
    pub database: String,
    pub keys: PathBuf,
    pub config: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

pub async fn start(
    dir: &Path,
    name: &str,
    registry: &Path,
    database: String,
    tls: u16,
    registers: bool,
) -> Node {
    let http = free_port();
    let keys = dir.join(format!("{name}-keys"));
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{http}\"\ndatabase = {database:?}\nregistry = {registry:?}\nsecure_cookies = false\n\n[exchange]\nkeys = {keys:?}\nnode = \"{name}\"\ntls_listen = \"127.0.0.1:{tls}\"\ndemo_registers = {registers}\n"
        ),
    )
    .unwrap();
    let mut node = Node {
        child: spawn(&config),
        http,
        tls,
        database,
        keys,
        config,
    };
    node.wait_up(name).await;
    node
}

fn spawn(config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("yagona serve starts")
}

impl Node {
    async fn wait_up(&mut self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let up = reqwest::get(format!("http://127.0.0.1:{}/healthz", self.http))
                .await
                .is_ok_and(|r| r.status().is_success());
            if up && std::net::TcpStream::connect(("127.0.0.1", self.tls)).is_ok() {
                return;
            }
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "node {name} exited"
            );
            assert!(Instant::now() < deadline, "node {name} did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGKILL, as a crash would, then the same node again.
    pub async fn crash_and_restart(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.child = spawn(&self.config);
        self.wait_up("restarted").await;
    }
}
