//! The pre-commit hook for real: pre-commit (from PyPI) runs this repository's
//! `.pre-commit-hooks.yaml` with `pre-commit try-repo` on a temporary git repository that
//! holds a clean page, a failing page and a JSON file the hook must not be given. pre-commit
//! builds the hook the way a site's machine does (pip, maturin, cargo); the build goes to a
//! target folder under Cargo's test scratch space, with a quicker release profile.
//!
//! `try-repo` takes this repository's committed files plus changes to tracked files: a new
//! file must be `git add`-ed to be part of the test. Without pre-commit on PATH the test
//! prints why it skipped, and fails when `CI` is set (`.ci/run` installs pre-commit).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn try_repo(site: &Path) -> (Option<i32>, String) {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-cargo");
    let out: Output = Command::new("pre-commit")
        .args([
            "try-repo",
            &common::root().to_string_lossy(),
            "monolint",
            "--all-files",
        ])
        .current_dir(site)
        .env("CARGO_TARGET_DIR", target)
        // the hook's behaviour is under test, not the binary's speed
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("NO_COLOR", "1")
        .output()
        .expect("run pre-commit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn hook_runs_for_real_on_a_git_repository() {
    for tool in ["pre-commit", "git"] {
        if !have(tool) {
            let msg = format!(
                "SKIPPED: `{tool}` is not installed, so the pre-commit hook was not tested \
                 (pip install pre-commit; .ci/run does)"
            );
            assert!(std::env::var_os("CI").is_none(), "{msg}: required in CI");
            // straight to stderr: the test harness does not capture this, so a skip is seen
            let _ = writeln!(std::io::stderr(), "{msg}");
            return;
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path();
    git(site, &["init", "-q"]);
    std::fs::write(
        site.join("clean.md"),
        "# TB-500\n\nTB-500 is not approved for human use. This is not medical advice. WADA prohibits it.\n",
    )
    .expect("write");
    std::fs::write(
        site.join("bad.md"),
        "# BPC-157\n\nBPC-157 is not approved for human use. This is not medical advice. WADA prohibits it.\n\nUsers take 250 mcg daily.\n",
    )
    .expect("write");
    // not a page: the hook's `files` pattern keeps it away from monolint, which would
    // otherwise lint a file named on its command line
    std::fs::write(
        site.join("data.json"),
        "{\"note\": \"BPC-157 users take 250 mcg\"}\n",
    )
    .expect("write");
    git(site, &["add", "."]);

    let (code, out) = try_repo(site);
    assert_eq!(code, Some(1), "a failing page fails the hook:\n{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("bad.md:5:12: error[dose/unapproved]"),
        "the finding is shown:\n{out}"
    );
    assert!(!out.contains("clean.md:"), "{out}");
    assert!(
        !out.contains("data.json"),
        "only pages are passed to the hook:\n{out}"
    );

    git(site, &["rm", "-q", "-f", "bad.md"]);
    let (code, out) = try_repo(site);
    assert_eq!(code, Some(0), "a clean page passes:\n{out}");
    assert!(out.contains("Passed"), "{out}");
}
