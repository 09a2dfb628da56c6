//! `monolint check --fix` end to end: idempotent, and atomic even when killed. A run over
//! many pages is killed with SIGKILL at points spread over its length; afterwards every page
//! holds either its old content or its new one, byte for byte, never a mix, and a later
//! run finishes the job.

mod common;

use common::monolint;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PAGES: usize = 300;

/// Pages missing their disclaimers, about different compounds, with a deterministic body.
fn pages() -> BTreeMap<String, Vec<u8>> {
    let compounds = [
        "BPC-157",
        "TB-500",
        "Ipamorelin",
        "Semaglutide",
        "Mecasermin",
        "Ostarine",
        "Magnesium",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % 500
    };
    (0..PAGES)
        .map(|i| {
            let c = compounds[i % compounds.len()];
            let mut text = format!("# {c}\n\n");
            for _ in 0..5 {
                text.push_str(&format!(
                    "{c} was studied in {} rats over {} weeks. Results varied.\n\n",
                    next() + 10,
                    next() % 20 + 2
                ));
            }
            let name = if i % 5 == 0 {
                format!("page{i:03}.txt")
            } else {
                format!("page{i:03}.md")
            };
            (name, text.into_bytes())
        })
        .collect()
}

fn write_all(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write page");
    }
}

fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).expect("read page");
            (name, bytes)
        })
        .collect()
}

fn fixed_pages(tmp: &Path) -> (BTreeMap<String, Vec<u8>>, Duration) {
    let dir = tmp.join("reference");
    write_all(&dir, &pages());
    let started = Instant::now();
    let out = monolint(tmp, &["check", "--no-cache", "--fix", "reference"]);
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("in {PAGES} files")),
        "every page gets a fix: {stderr}"
    );
    (read_all(&dir), took)
}

#[test]
fn a_second_fix_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (fixed, _) = fixed_pages(tmp.path());
    let old = pages();
    assert!(fixed.iter().all(|(name, bytes)| old[name] != *bytes));
    let out = monolint(tmp.path(), &["check", "--no-cache", "--fix", "reference"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fixed 0 findings in 0 files"), "{stderr}");
    assert_eq!(read_all(&tmp.path().join("reference")), fixed);
    let out = monolint(tmp.path(), &["check", "--no-cache", "--diff", "reference"]);
    assert_eq!(out.status.code(), Some(0), "--diff: nothing left to change");
    assert!(out.stdout.is_empty());
}

#[test]
fn killed_fix_leaves_every_page_old_or_new() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // every run without the result cache: a cached run would finish before the kill
    // points measured on an uncached one, and the test would prove nothing
    let (new, took) = fixed_pages(tmp.path());
    let old = pages();
    let trials = 8u32;
    let mut mixed = 0;
    let mut report = String::new();
    for t in 0..trials {
        let dir: PathBuf = tmp.path().join(format!("trial{t}"));
        write_all(&dir, &old);
        // kill points spread from 10% to 95% of a full run (where the writes are)
        let at = took.mul_f64(0.1 + 0.85 * f64::from(t) / f64::from(trials - 1));
        let mut child = Command::new(env!("CARGO_BIN_EXE_monolint"))
            .args(["check", "--no-cache", "--fix", "."])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn monolint");
        std::thread::sleep(at);
        child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
        child.wait().expect("reap");
        let (mut olds, mut news) = (0, 0);
        for (name, bytes) in read_all(&dir) {
            if name.starts_with(".monolint-") && name.ends_with(".tmp") {
                continue; // a temporary file of the write that was cut short
            }
            match (old.get(&name), new.get(&name)) {
                (Some(o), _) if *o == bytes => olds += 1,
                (_, Some(n)) if *n == bytes => news += 1,
                (None, None) => report.push_str(&format!("trial {t}: unexpected file {name}\n")),
                _ => report.push_str(&format!("trial {t}: {name} is neither old nor new\n")),
            }
        }
        assert_eq!(olds + news, PAGES, "trial {t}: pages missing\n{report}");
        eprintln!("trial {t}: killed after {at:?}: {olds} old, {news} new");
        if olds > 0 && news > 0 {
            mixed += 1;
        }
        // a later run finishes the job
        let out = monolint(&dir, &["check", "--no-cache", "--fix", "."]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let after: BTreeMap<_, _> = read_all(&dir)
            .into_iter()
            .filter(|(n, _)| !n.starts_with(".monolint-"))
            .collect();
        assert!(
            after == new,
            "trial {t}: a second run did not finish the fixes"
        );
    }
    assert!(report.is_empty(), "{report}");
    assert!(
        mixed > 0,
        "no kill landed while pages were being written (a full run took {took:?}); the test proved nothing"
    );
}
