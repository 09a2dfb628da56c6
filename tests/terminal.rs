//! What a writer sees in a terminal: miette's graphical report with source snippets and help,
//! in colour unless NO_COLOR is set; a progress bar for long runs only. Run under a real
//! pseudo-terminal (util-linux `script`); piped output is covered by tests/cmd/.

use std::io::Write;
use std::path::Path;
use std::process::Command;

const PAGE: &str = "# BPC-157\n\nBPC-157 is a research chemical, not approved for human use. Not medical advice. WADA bans it.\n\nForum protocols use 250 mcg twice daily.\n";

/// Run monolint with its standard streams on a terminal; `None` when `script` is missing
/// (then the test says so, and fails in CI, where it must run).
fn on_terminal(dir: &Path, args: &str, env: &[(&str, &str)]) -> Option<String> {
    let cmd = format!("'{}' {args}", env!("CARGO_BIN_EXE_monolint"));
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    for (k, v) in env {
        c.env(k, v);
    }
    match c.output() {
        Ok(out) => Some(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")),
        Err(e) => {
            let msg = format!("SKIPPED: cannot run util-linux `script` for a terminal: {e}");
            assert!(std::env::var_os("CI").is_none(), "{msg} (required in CI)");
            // straight to stderr: the test harness does not capture this, so a skip is seen
            let _ = writeln!(std::io::stderr(), "{msg}");
            None
        }
    }
}

#[test]
fn graphical_report_in_colour_unless_no_color() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("bpc.md"), PAGE).expect("write");
    let Some(colour) = on_terminal(tmp.path(), "check bpc.md", &[]) else {
        return;
    };
    assert!(colour.contains("\x1b["), "colour on a terminal:\n{colour}");
    let plain = on_terminal(tmp.path(), "check bpc.md", &[("NO_COLOR", "1")]).expect("script");
    assert!(
        !plain.contains("\x1b["),
        "NO_COLOR means no colour:\n{plain}"
    );
    for want in [
        "╭─[bpc.md:5:21]",
        "Forum protocols use 250 mcg twice daily.",
        "dose/unapproved (bpc-157)",
        "help: remove the figure",
    ] {
        assert!(plain.contains(want), "missing {want:?} in:\n{plain}");
    }
    assert!(
        !plain.contains("bpc.md:5:21: error[dose/unapproved]"),
        "the one-line form is for pipes"
    );
}

#[test]
fn progress_bar_only_for_long_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for i in 0..40 {
        std::fs::write(tmp.path().join(format!("p{i:02}.md")), PAGE).expect("write");
    }
    // the delay (normally a second) set to zero: every run is a long run
    let Some(long) = on_terminal(tmp.path(), "check .", &[("MONOLINT_PROGRESS_DELAY", "0")]) else {
        return;
    };
    assert!(
        long.contains("checking") && long.contains("/40 files"),
        "{long}"
    );
    assert!(long.contains("checked 40 files in"), "{long}");
    let quick = on_terminal(
        tmp.path(),
        "check .",
        &[("MONOLINT_PROGRESS_DELAY", "60000")],
    )
    .expect("script");
    assert!(
        !quick.contains("/40 files"),
        "no bar for a quick run:\n{quick}"
    );
    // never on a pipe
    let piped = Command::new(env!("CARGO_BIN_EXE_monolint"))
        .args(["check", "."])
        .current_dir(tmp.path())
        .env("MONOLINT_PROGRESS_DELAY", "0")
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("/40 files"));
}
