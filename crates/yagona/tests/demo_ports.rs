//! The README's first command on a machine where something already holds the demo's usual
//! ports: `yagona demo` takes the next free ones, says which, and serves there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the demo when the test ends, however it ends.
struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_demo_starts_on_free_ports_when_the_usual_ones_are_taken() {
    // Something else holds 8080 and 8443 (if another program already does, so much the better).
    let _portal = std::net::TcpListener::bind(("127.0.0.1", 8080));
    let _exchange = std::net::TcpListener::bind(("127.0.0.1", 8443));
    let data = tempfile::tempdir().unwrap();
    let mut demo = Demo(
        Command::new(env!("CARGO_BIN_EXE_yagona"))
            .args(["demo", "--data"])
            .arg(data.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("yagona demo starts"),
    );
    let stdout = BufReader::new(demo.0.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut banner = Vec::new();
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => {
                let done = line.starts_with("Sign in at");
                banner.push(line);
                if done {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = demo.0.try_wait() {
                    panic!("the demo stopped ({status}): {banner:?}");
                }
            }
            Err(_) => panic!("the demo stopped: {banner:?}"),
        }
    }
    let text = banner.join("\n");
    let url = text
        .split("open http://localhost:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("the banner names the address: {text}"));
    let port: u16 = url.parse().unwrap();
    assert_ne!(port, 8080, "{text}");
    assert!(text.contains("port 8080 is taken"), "{text}");
    assert!(text.contains("(8443 is taken)"), "{text}");
    // The portal answers there, and its pages lead to themselves at that address.
    let status = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(reqwest::get(format!("http://127.0.0.1:{port}/")))
        .expect("the portal answers on the port it printed")
        .status();
    assert_eq!(status, reqwest::StatusCode::OK);
}
