//! Baselines survive edits: a baselined page whose text is moved around, re-wrapped and
//! added to reports nothing old; a new or changed sentence is reported, and entries that no
//! longer match are listed. Paths are relative to the baseline file, so any working folder
//! works.

mod common;

use std::path::Path;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn monolint(dir: &Path, args: &[&str]) -> Run {
    let out = common::monolint(dir, args);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const TITLE: &str = "# BPC-157\n\nBPC-157 is a research chemical, not approved for human use. Not medical advice.\n\n";
const DOSE: &str = "Forum protocols use 250 mcg of BPC-157 twice daily, for four weeks.\n\n";
const ADVICE: &str = "We recommend starting at the lower end. Side effects are poorly studied.\n\n";
const TABLE: &str = "| Compound | Dose |\n|---|---|\n| BPC-157 | 500 mcg |\n| TB-500 | 2 mg |\n\n";

fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join("content/bpc.md"), text).expect("write page");
}

/// `--baseline` run from the site's root: (exit code, findings, stderr).
fn check(dir: &Path) -> Run {
    monolint(dir, &["check", "--baseline", "baseline.json", "content"])
}

fn assert_quiet(dir: &Path, what: &str) {
    let r = check(dir);
    assert_eq!(r.code, Some(0), "{what}: {}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "", "{what}: old findings came back");
    assert!(
        !r.stderr.contains("no longer match"),
        "{what}: {}",
        r.stderr
    );
}

#[test]
fn moving_text_around_a_baselined_page_brings_nothing_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir(dir.join("content")).expect("mkdir");
    write(dir, &format!("{TITLE}{DOSE}{ADVICE}{TABLE}"));
    let before = monolint(dir, &["check", "content"]);
    assert_eq!(before.code, Some(1));
    // 250 mcg, "we recommend", both table doses, and the missing anti-doping note
    assert_eq!(before.stdout.lines().count(), 5, "{}", before.stdout);
    let w = monolint(
        dir,
        &["check", "--write-baseline", "baseline.json", "content"],
    );
    assert_eq!(w.code, Some(0), "{}", w.stderr);
    assert!(
        w.stderr.contains("wrote 5 findings in 1 file"),
        "{}",
        w.stderr
    );
    assert_quiet(dir, "unchanged page");

    let intro = "## Background\n\nA new introduction of two lines\nabove everything else.\n\n";
    write(dir, &format!("{TITLE}{intro}{DOSE}{ADVICE}{TABLE}"));
    assert_quiet(dir, "paragraphs added above");

    write(dir, &format!("{TITLE}{TABLE}{ADVICE}{intro}{DOSE}"));
    assert_quiet(dir, "sections reordered");

    let rewrapped =
        "Forum protocols use 250\u{a0}mcg of BPC-157\ntwice daily,   for four weeks.\n\n";
    let rows = "| Compound | Dose |\n|---|---|\n| TB-500 | 2 mg |\n| BPC-157 | 500 mcg |\n\n";
    write(dir, &format!("{TITLE}{ADVICE}{rows}{rewrapped}"));
    assert_quiet(
        dir,
        "paragraph re-wrapped, spaces changed, table rows swapped",
    );

    let sub = dir.join("content");
    let r = monolint(&sub, &["check", "--baseline", "../baseline.json", "bpc.md"]);
    assert_eq!(
        r.code,
        Some(0),
        "from another folder: {}{}",
        r.stdout,
        r.stderr
    );

    // the same sentence twice: the baseline covers one of them
    write(dir, &format!("{TITLE}{DOSE}{ADVICE}{TABLE}{DOSE}"));
    let r = check(dir);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("dose/unapproved"), "{}", r.stdout);

    // a changed sentence is new, and its old entry is reported as stale
    let changed = DOSE.replace("four weeks", "six weeks");
    write(dir, &format!("{TITLE}{changed}{ADVICE}{TABLE}"));
    let r = check(dir);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(":5:"),
        "reported where it is now: {}",
        r.stdout
    );
    assert!(
        r.stderr.contains("1 entry no longer matches")
            && r.stderr
                .contains("content/bpc.md: dose/unapproved `250 mcg`"),
        "{}",
        r.stderr
    );

    // fixing the page by hand: the document-level entry goes stale too
    let fixed = format!("{TITLE}WADA prohibits BPC-157 in sport.\n\n{TABLE}");
    write(dir, &fixed);
    let r = check(dir);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(
        r.stderr.contains("3 entries no longer match"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("disclaimer/anti-doping"), "{}", r.stderr);

    // a deleted page's entries are stale; a page that was not linted keeps its entries
    std::fs::write(dir.join("other.md"), "# Notes\n\nNothing here.\n").expect("write");
    let r = monolint(dir, &["check", "--baseline", "baseline.json", "other.md"]);
    assert!(!r.stderr.contains("no longer match"), "{}", r.stderr);
    std::fs::remove_file(dir.join("content/bpc.md")).expect("rm");
    let r = monolint(dir, &["check", "--baseline", "baseline.json", "other.md"]);
    assert!(
        r.stderr.contains("5 entries no longer match"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_broken_baseline_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("page.md"), "# Notes\n\nNothing.\n").expect("write");
    std::fs::write(
        tmp.path().join("b.json"),
        "{\"version\": 9, \"entries\": []}",
    )
    .expect("w");
    let r = monolint(tmp.path(), &["check", "--baseline", "b.json", "page.md"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("baseline version 9"), "{}", r.stderr);
    let r = monolint(
        tmp.path(),
        &["check", "--baseline", "missing.json", "page.md"],
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("cannot read the baseline"),
        "{}",
        r.stderr
    );
}

#[test]
fn json_with_a_baseline_is_one_report_and_nothing_else() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("page.md"), format!("{TITLE}{DOSE}{ADVICE}")).expect("write");
    let json = ["--format", "json", "--no-cache"];
    let args = |more: &[&'static str]| [&["check"][..], &json[..], more, &["page.md"]].concat();
    let w = monolint(dir, &args(&["--write-baseline", "b.json"]));
    assert_eq!(w.code, Some(0), "{}", w.stderr);
    // writing a baseline reports on standard error only
    assert_eq!(w.stdout, "");
    std::fs::write(dir.join("page.md"), format!("{TITLE}{DOSE}{ADVICE}{DOSE}")).expect("write");
    let r = monolint(dir, &args(&["--baseline", "b.json"]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    // one JSON document, with nothing after it
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect(&r.stdout);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["summary"]["errors"], 1, "{}", r.stdout);
}
