//! The built binary: it prints its full addresses, writes the address file, and exits 0 after
//! SIGTERM, removing the address file.
#![cfg(not(target_arch = "wasm32"))]

use std::{
    io::Read,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use phemossa_relay::addrs_file;

const TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn prints_addresses_writes_the_file_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let addrs_path = dir.path().join("relay.addrs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_phemossa-relay"))
        .args([
            "--listen",
            "/ip4/127.0.0.1/tcp/0/ws",
            "--listen",
            "/ip4/127.0.0.1/udp/0/webrtc-direct",
        ])
        .arg("--addrs-file")
        .arg(&addrs_path)
        .arg("--key-file")
        .arg(dir.path().join("node.key"))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("relay binary starts");

    let start = Instant::now();
    while !addrs_path.exists() {
        if start.elapsed() > TIMEOUT || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "no address file; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let addrs = addrs_file::parse(&std::fs::read_to_string(&addrs_path).unwrap()).unwrap();
    assert_eq!(addrs.len(), 2);
    let text: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
    assert!(
        text[0].starts_with("/ip4/127.0.0.1/tcp/") && text[0].contains("/ws/p2p/12D3KooW"),
        "{}",
        text[0]
    );
    assert!(
        text[1].contains("/webrtc-direct/certhash/") && text[1].contains("/p2p/12D3KooW"),
        "{}",
        text[1]
    );

    // Our own child, by its pid.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("relay did not exit within {TIMEOUT:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(exit.success(), "exit {exit:?}; stderr:\n{stderr}");

    let printed: Vec<&str> = stdout.lines().collect();
    let expected: Vec<String> = text
        .iter()
        .map(|a| format!("phemossa-relay listening on {a}"))
        .collect();
    assert_eq!(
        printed, expected,
        "stdout holds exactly the listening lines"
    );
    assert!(
        stderr.contains("SIGTERM"),
        "the shutdown is logged:\n{stderr}"
    );
    assert!(
        !addrs_path.exists(),
        "a clean shutdown removes the address file"
    );
}

#[test]
fn refuses_bad_flags_with_a_non_zero_exit() {
    let out = Command::new(env!("CARGO_BIN_EXE_phemossa-relay"))
        .args(["--max-circuits", "0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("max-circuits"));
}
