//! Helpers shared by the end-to-end tests that run the `monolint` binary.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run the binary in `dir`, without colour.
pub fn monolint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_monolint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run monolint")
}

/// What a guarded run gave.
pub struct Ran {
    /// `None`: killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Ran {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// How long a run may take before it counts as hung. Far above any real run: it only
/// turns a hang (a FIFO opened for reading waits for a writer forever) into a failure.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(120);

/// Start `cmd` with `stdin` (closed at once when `None`), and collect its output; a run
/// still going after [`HANG`] is killed and fails the test.
pub fn run_guarded(mut cmd: Command, stdin: Option<&[u8]>) -> Ran {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the command");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("write stdin");
    }
    drop(input);
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let status = wait_or_kill(&mut child);
    Ran {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned(),
    }
}

/// Wait for `child`; kill it and fail if it runs longer than [`HANG`].
pub fn wait_or_kill(child: &mut std::process::Child) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command hung (killed after {HANG:?})");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The JSON schema errors of a SARIF log, against the vendored SARIF 2.1.0 schema.
pub fn sarif_schema_errors(log: &serde_json::Value) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/sarif/sarif-schema-2.1.0.json"))
        .expect("vendored schema");
    // The official schema's `run.language` pattern has a stray `]`, which the meta-schema's
    // `format: regex` check rejects; the file stays byte for byte as published and the one
    // pattern is corrected here (monolint emits no `language`).
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(
        text.contains(bad),
        "the vendored schema changed: review this workaround"
    );
    let text = text.replace(bad, r#""^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$""#);
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema parses");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Decode a percent-encoded URI (SARIF `artifactLocation.uri`) back into the path it names.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("a URI decodes to UTF-8")
}
