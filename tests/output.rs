//! Output under hostile conditions:
//!
//! - a closed pipe (`monolint check … | head -1`, also with `2>&1`) ends the run quietly in
//!   every format: no panic, no "broken pipe" message, and the exit code the run's findings
//!   give;
//! - JSON and SARIF stay valid, and carry names and messages exactly, when file names hold
//!   quotes, new lines, backslashes, control characters, non-ASCII and bytes that are not
//!   UTF-8, and a site rule pack's `message:` holds the same; the GitHub and piped human
//!   formats keep one finding a line.

#![cfg(unix)]

mod common;

use serde_json::Value;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};

const FORMATS: [&str; 4] = ["human", "json", "sarif", "github"];

fn monolint(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_monolint"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// A site whose report is far larger than a pipe's buffer (64 KiB) in every format, so a
/// reader that stops early is certain to close the pipe under a writer.
fn big_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    monolint_bench::write_corpus(&dir.path().join("site"), 120, 7).expect("corpus");
    dir
}

/// The write end of a pipe whose read end is already closed: every write to it fails with
/// EPIPE. (Its reader is a process that never reads and has exited.)
fn closed_pipe() -> OwnedFd {
    let mut reader = Command::new(env!("CARGO_BIN_EXE_monolint"))
        .arg("--version")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let end = reader.stdin.take().expect("stdin");
    reader.wait().expect("reader exits");
    end.into()
}

fn no_pipe_complaint(stderr: &str, what: &str) {
    let lower = stderr.to_lowercase();
    assert!(
        !lower.contains("panick") && !lower.contains("broken pipe") && !lower.contains("os error"),
        "{what}: {stderr}"
    );
}

#[test]
fn a_closed_pipe_ends_the_run_quietly_in_every_format() {
    let dir = big_site();
    let d = dir.path();
    for format in FORMATS {
        let args = ["check", "--no-cache", "--format", format, "site"];
        let full = monolint(d).args(args).output().expect("run");
        assert_eq!(full.status.code(), Some(1), "{format}: the site has errors");
        assert!(
            full.stdout.len() > 2 * 65536,
            "{format}: the report ({} bytes) must overflow a pipe's buffer",
            full.stdout.len()
        );

        // standard output closed before the first byte
        let out = monolint(d)
            .args(args)
            .stdout(Stdio::from(closed_pipe()))
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}, closed pipe: {stderr}"
        );
        no_pipe_complaint(&stderr, format);

        // `| head -1`: the first line read, then the pipe closed mid-report
        let mut child = monolint(d)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("first line");
        // the reader is dropped here: the pipe closes with most of the report unwritten
        let full_first = String::from_utf8_lossy(&full.stdout)
            .lines()
            .next()
            .map(|l| format!("{l}\n"))
            .unwrap_or_default();
        assert_eq!(first, full_first, "{format}");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
            .expect("stderr");
        let status = common::wait_or_kill(&mut child);
        assert_eq!(status.code(), Some(1), "{format}, head -1: {stderr}");
        no_pipe_complaint(&stderr, format);

        // `2>&1 | head -1`: standard error is the same closed pipe; a message that cannot
        // be written is dropped, never a panic (which would exit 101)
        let end = closed_pipe();
        let out = monolint(d)
            .args(args)
            .stdout(Stdio::from(end.try_clone().expect("dup")))
            .stderr(Stdio::from(end))
            .status()
            .expect("run");
        assert_eq!(out.code(), Some(1), "{format}, 2>&1 into a closed pipe");
    }
    // the other commands that print
    for args in [
        &["rules"][..],
        &["compounds"],
        &["explain", "dose/unapproved"],
    ] {
        let end = closed_pipe();
        let out = monolint(d)
            .args(args)
            .stdout(Stdio::from(end.try_clone().expect("dup")))
            .stderr(Stdio::from(end))
            .status()
            .expect("run");
        assert_eq!(out.code(), Some(0), "{args:?} into a closed pipe");
    }
}

/// A site pack whose message holds every character that needs care, and pages with file
/// names that do.
fn hostile_site() -> (tempfile::TempDir, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("monolint.yaml"), "rules: [site.yaml]\n").expect("write");
    // YAML double-quoted escapes: \" \\ \t \n \a (bell) \e (escape) \x01 \u00e9
    std::fs::write(
        d.join("site.yaml"),
        r#"rules:
  - id: site/miracle
    kind: phrase
    severity: warning
    message: "\"{compound}\" is no miracle: back\\slash\ttab\nnew line\a\e[31m\x01 caf\u00e9 – µg ✓ 💊"
    phrases: [miracle peptide]
"#,
    )
    .expect("write");
    let names: Vec<Vec<u8>> = [
        &b"a \"quoted\" name.md"[..],
        b"new\nline.md",
        b"back\\slash.md",
        b"tab\there.md",
        b"esc\x1b[31mred.md",
        b"bell\x07\x01.md",
        b"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x92\x8a.md",
        b"100% #1 ?x=y&z.md",
        b"not utf8 \xff\xfe.md",
    ]
    .iter()
    .map(|n| n.to_vec())
    .collect();
    std::fs::create_dir(d.join("site")).expect("mkdir");
    for n in &names {
        std::fs::write(
            d.join("site").join(OsStr::from_bytes(n)),
            "# BPC-157\n\nSome call it a miracle peptide.\n\nThis page is not medical advice.\n",
        )
        .expect("write page");
    }
    (dir, names)
}

const MESSAGE: &str =
    "\"BPC-157\" is no miracle: back\\slash\ttab\nnew line\u{7}\u{1b}[31m\u{1} café – µg ✓ 💊";

fn report(d: &Path, format: &str) -> (Option<i32>, Vec<u8>, String) {
    let out = monolint(d)
        .args(["check", "--no-cache", "--format", format, "site"])
        .output()
        .expect("run");
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn shown(name: &[u8]) -> String {
    format!("site/{}", String::from_utf8_lossy(name))
}

#[test]
fn json_and_sarif_stay_valid_for_hostile_names_and_messages() {
    let (dir, names) = hostile_site();
    let d = dir.path();
    let mut expected: Vec<String> = names.iter().map(|n| shown(n)).collect();
    expected.sort();

    // JSON: parses, and carries each name and the message exactly
    let (code, stdout, stderr) = report(d, "json");
    assert!(code == Some(0) || code == Some(1), "{stderr}");
    let v: Value = serde_json::from_slice(&stdout).expect("JSON report parses");
    let miracles: Vec<&Value> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|x| x["rule"] == "site/miracle")
        .collect();
    let paths: Vec<String> = miracles
        .iter()
        .map(|x| x["path"].as_str().expect("path").to_string())
        .collect();
    assert_eq!(paths, expected, "one finding per page, in path order");
    for m in &miracles {
        assert_eq!(m["message"], MESSAGE);
    }

    // SARIF: parses, validates against the schema (URIs are URI references), and its URIs
    // decode to the names
    let (code, stdout, stderr) = report(d, "sarif");
    assert!(code == Some(0) || code == Some(1), "{stderr}");
    let log: Value = serde_json::from_slice(&stdout).expect("SARIF log parses");
    let errors = common::sarif_schema_errors(&log);
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
    let results: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["ruleId"] == "site/miracle")
        .collect();
    let mut uris: Vec<String> = results
        .iter()
        .map(|r| {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri");
            assert!(
                uri.bytes().all(|b| b.is_ascii_graphic()),
                "a URI is printable ASCII: {uri:?}"
            );
            common::percent_decode(uri)
        })
        .collect();
    uris.sort();
    assert_eq!(uris, expected);
    for r in &results {
        assert_eq!(r["message"]["text"], MESSAGE);
    }

    // GitHub: one workflow command a finding, whatever the name or message holds
    let (_, stdout, _) = report(d, "github");
    let text = String::from_utf8(stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    let total = v["diagnostics"].as_array().expect("diagnostics").len();
    assert_eq!(lines.len(), total, "{text}");
    assert!(lines.iter().all(|l| l.starts_with("::")), "{text}");

    // human, piped: one line a finding, control characters shown escaped, so a file name
    // cannot move the cursor or colour the terminal
    let (_, stdout, _) = report(d, "human");
    let text = String::from_utf8(stdout).expect("utf-8");
    assert_eq!(text.lines().count(), total, "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters in {text:?}"
    );
    assert!(
        text.contains("site/esc\\u{1b}[31mred.md:3:16: warning[site/miracle]: \"BPC-157\" is no miracle: back\\slash\\ttab\\nnew line\\u{7}\\u{1b}[31m\\u{1} café"),
        "{text}"
    );
}
