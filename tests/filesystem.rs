//! The file system under `monolint check`: what cannot live in git is made here, in a
//! temporary folder, at test time. Every case either lints what it was asked to lint or
//! says which path it could not, and exits 2 (SPEC §2: the run could not be trusted);
//! none lets a run pass without reading a page it was given.
//!
//! - a symbolic link loop is reported (exit 2), the rest is linted once;
//! - a FIFO, socket or device met while walking is skipped with a note and never opened
//!   (opening a FIFO would wait for a writer forever); one named explicitly is an error;
//! - a file that vanishes, or turns into a FIFO, between walking and reading is an error
//!   that names it; a file changed in between is linted as it was read;
//! - a name that is not valid UTF-8 is linted and shown lossily (U+FFFD);
//! - permission denied on a file or a folder is an error naming it. CI runs as root, whom
//!   `chmod 000` does not stop, so these run the binary as `nobody` (setpriv or runuser).
//!
//! Each run is guarded: one that hangs is killed and fails the test (`common::HANG`).

#![cfg(unix)]

mod common;

use common::{run_guarded, Ran};
use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A page with findings: a dose figure for a research chemical, no disclaimers.
const PAGE: &str = "# BPC-157\n\nUsers inject 250 mcg daily.\n";

fn monolint_cmd(cwd: &Path, args: &[&OsStr]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_monolint"));
    cmd.current_dir(cwd)
        .args(args)
        .arg("--no-cache")
        .env("NO_COLOR", "1");
    cmd
}

fn run(cwd: &Path, args: &[&str]) -> Ran {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run_guarded(monolint_cmd(cwd, &args), None)
}

/// The diagnostics of a JSON report: (path, rule, text).
fn findings(stdout: &[u8]) -> Vec<(String, String, String)> {
    let v: Value = serde_json::from_slice(stdout).expect("the JSON report parses");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("path"), s("rule"), s("text"))
        })
        .collect()
}

fn paths_of(stdout: &[u8]) -> Vec<String> {
    let mut p: Vec<String> = findings(stdout).into_iter().map(|f| f.0).collect();
    p.dedup();
    p
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, text).expect("write page");
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(ok.success(), "mkfifo {}", path.display());
}

#[test]
fn a_symlink_loop_is_reported_and_the_rest_linted_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("site/a.md"), PAGE);
    write(&d.join("site/sub/b.md"), PAGE);
    std::os::unix::fs::symlink("..", d.join("site/sub/up")).expect("symlink");
    let r = run(d, &["check", "--format", "json", "site"]);
    assert_eq!(
        r.code,
        Some(2),
        "a loop makes the run untrusted: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "monolint: error: symbolic link loop: site/sub/up leads back to site, a folder it is inside"
        ),
        "{}",
        r.stderr
    );
    // everything else is linted, each page once (not again through the loop)
    assert_eq!(paths_of(&r.stdout), ["site/a.md", "site/sub/b.md"]);

    // a loop of file links with a page's name is reported too
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("site/a.md"), PAGE);
    std::os::unix::fs::symlink("y.md", d.join("site/x.md")).expect("symlink");
    std::os::unix::fs::symlink("x.md", d.join("site/y.md")).expect("symlink");
    let r = run(d, &["check", "site"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("cannot read site/x.md: Too many levels of symbolic links"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_linked_folder_is_walked_through() {
    // a site that links a shared folder of pages into its content: those pages were asked
    // for, and are linted under the name they are walked by
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("site/a.md"), PAGE);
    write(&d.join("shared/s.md"), PAGE);
    std::os::unix::fs::symlink("../shared", d.join("site/shared")).expect("symlink");
    let r = run(d, &["check", "--format", "json", "site"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(paths_of(&r.stdout), ["site/a.md", "site/shared/s.md"]);
}

#[test]
fn fifos_sockets_and_devices_are_skipped_when_walked_and_refused_when_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("site/a.md"), PAGE);
    mkfifo(&d.join("site/pipe.md"));
    let _listener = std::os::unix::net::UnixListener::bind(d.join("site/sock.md")).expect("bind");
    std::os::unix::fs::symlink("/dev/zero", d.join("site/zero.txt")).expect("symlink");
    // walked: not content, skipped with a note, never opened (a FIFO would hang the run,
    // /dev/zero would never end); the page beside them is linted
    let r = run(d, &["check", "--format", "json", "site"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(paths_of(&r.stdout), ["site/a.md"]);
    for note in [
        "monolint: note: skipped site/pipe.md: it is a FIFO (named pipe), not a file",
        "monolint: note: skipped site/sock.md: it is a socket, not a file",
        "monolint: note: skipped site/zero.txt: it is a character device, not a file",
    ] {
        assert!(r.stderr.contains(note), "missing {note:?} in\n{}", r.stderr);
    }
    // named explicitly: an error (exit 2), still without opening it
    for (name, kind) in [
        ("site/pipe.md", "a FIFO (named pipe)"),
        ("site/sock.md", "a socket"),
        ("site/zero.txt", "a character device"),
        ("/dev/null", "a character device"),
    ] {
        let r = run(d, &["check", "site/a.md", name]);
        assert_eq!(r.code, Some(2), "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "monolint: error: cannot lint {name}: it is {kind}, not a file or folder"
            )),
            "{name}: {}",
            r.stderr
        );
        assert!(
            r.out().contains("site/a.md:3:14"),
            "the page is still linted"
        );
    }
}

/// The system call number of `read` on this architecture, for [`wait_blocked_on_stdin`].
fn read_syscall() -> Option<&'static str> {
    if cfg!(target_arch = "x86_64") {
        Some("0")
    } else if cfg!(target_arch = "aarch64") || cfg!(target_arch = "riscv64") {
        Some("63")
    } else {
        None
    }
}

/// Wait until `child` is blocked reading its standard input (`/proc/PID/syscall`, or the
/// kernel's wait channel). `monolint check PATH... -` reads standard input only after it
/// has walked every PATH, so this is the moment between walking and reading: no sleep
/// guesses it.
fn wait_blocked_on_stdin(child: &mut Child) {
    let pid = child.id();
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("monolint ended before reading standard input: {status}");
        }
        let syscall = std::fs::read_to_string(format!("/proc/{pid}/syscall")).unwrap_or_default();
        let mut fields = syscall.split_whitespace();
        let in_read_of_fd0 = read_syscall()
            .is_some_and(|nr| fields.next() == Some(nr) && fields.next() == Some("0x0"));
        let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
        if in_read_of_fd0 || wchan.contains("pipe_read") {
            return;
        }
        assert!(
            started.elapsed() < common::HANG,
            "cannot see monolint block on standard input (needs /proc/PID/syscall or wchan)"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Start `monolint check --format json ARGS... -`, let `between` change the folder once
/// it has been walked, then give it `stdin` to read and collect the result.
fn change_between_walk_and_read(dir: &Path, args: &[&str], between: impl FnOnce()) -> Ran {
    use std::io::Read;
    let mut all: Vec<&OsStr> = ["check", "--format", "json", "--stdin-filename", "stdin.md"]
        .iter()
        .chain(args)
        .map(OsStr::new)
        .collect();
    all.push(OsStr::new("-"));
    let mut child = monolint_cmd(dir, &all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn monolint");
    wait_blocked_on_stdin(&mut child);
    between();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(PAGE.as_bytes()).expect("write stdin");
    }
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let status = common::wait_or_kill(&mut child);
    let mut stderr = String::new();
    err.read_to_string(&mut stderr).expect("stderr");
    Ran {
        code: status.code(),
        stdout: reader.join().expect("stdout"),
        stderr,
    }
}

#[test]
fn a_file_that_vanishes_between_walking_and_reading_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("site/a.md"), PAGE);
    write(&d.join("site/b.md"), PAGE);
    let r = change_between_walk_and_read(d, &["site"], || {
        std::fs::remove_file(d.join("site/b.md")).expect("remove b.md");
    });
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("monolint: error: cannot read site/b.md: it vanished during the run"),
        "{}",
        r.stderr
    );
    // what could be read is reported, in a report that still parses
    assert_eq!(paths_of(&r.stdout), ["site/a.md", "stdin.md"]);
}

#[test]
fn a_file_that_becomes_a_fifo_during_the_run_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("site/a.md"), PAGE);
    write(&d.join("site/b.md"), PAGE);
    let r = change_between_walk_and_read(d, &["site"], || {
        std::fs::remove_file(d.join("site/b.md")).expect("remove b.md");
        mkfifo(&d.join("site/b.md"));
    });
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "monolint: error: cannot read site/b.md: it became a FIFO (named pipe) during the run"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(paths_of(&r.stdout), ["site/a.md", "stdin.md"]);
}

#[test]
fn a_file_changed_between_walking_and_reading_is_linted_as_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("site/a.md"), PAGE);
    let changed = "# BPC-157\n\nA longer first paragraph, so the figure moves.\n\nUsers inject 500 mcg daily.\n";
    let r = change_between_walk_and_read(d, &["site"], || {
        std::fs::write(d.join("site/a.md"), changed).expect("rewrite");
    });
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v: Value = serde_json::from_slice(&r.stdout).expect("json");
    let dose = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|x| x["path"] == "site/a.md" && x["rule"] == "dose/unapproved")
        .expect("the dose figure is found");
    // the finding's position is in the bytes that were read: the new content
    let (off, len) = (
        dose["offset"].as_u64().expect("offset") as usize,
        dose["length"].as_u64().expect("length") as usize,
    );
    assert_eq!(&changed[off..off + len], "500 mcg");
    assert_eq!(dose["text"], "500 mcg");
    assert_eq!(dose["line"], 5);
}

#[test]
fn names_that_are_not_utf8_are_linted_and_shown_lossily() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    std::fs::create_dir(d.join("site")).expect("mkdir");
    let name = |b: &[u8]| d.join("site").join(OsStr::from_bytes(b));
    std::fs::write(name(b"caf\xe9.md"), PAGE).expect("write");
    // two names that differ only in bytes that are not UTF-8 look alike when shown; both
    // are linted, in an order that does not depend on the order they were given in
    std::fs::write(name(b"x\xfe.md"), PAGE).expect("write");
    let moved = "# BPC-157\n\nSome text first.\n\nUsers inject 250 mcg daily.\n";
    std::fs::write(name(b"x\xff.md"), moved).expect("write");

    let r = run(d, &["check", "--format", "json", "site"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let doses: Vec<(String, String)> = findings(&r.stdout)
        .into_iter()
        .filter(|f| f.1 == "dose/unapproved")
        .map(|f| (f.0, f.2))
        .collect();
    assert_eq!(
        doses,
        [
            ("site/caf\u{fffd}.md".to_string(), "250 mcg".to_string()),
            ("site/x\u{fffd}.md".to_string(), "250 mcg".to_string()),
            ("site/x\u{fffd}.md".to_string(), "250 mcg".to_string()),
        ]
    );
    let v: Value = serde_json::from_slice(&r.stdout).expect("json");
    assert_eq!(v["summary"]["files"], 3);

    // the same names in a --files-from list (bytes, not text), in either order
    let list = |names: &[&[u8]]| {
        let mut b = Vec::new();
        for n in names {
            b.extend_from_slice(b"site/");
            b.extend_from_slice(n);
            b.push(b'\n');
        }
        b
    };
    let from_list = |bytes: Vec<u8>| {
        let args: Vec<&OsStr> = ["check", "--format", "json", "--files-from", "-"]
            .iter()
            .map(OsStr::new)
            .collect();
        run_guarded(monolint_cmd(d, &args), Some(&bytes))
    };
    let forward = from_list(list(&[b"caf\xe9.md", b"x\xfe.md", b"x\xff.md"]));
    let backward = from_list(list(&[b"x\xff.md", b"x\xfe.md", b"caf\xe9.md"]));
    assert_eq!(forward.code, Some(1), "{}", forward.stderr);
    assert_eq!(
        forward.stdout, r.stdout,
        "a listed name reaches the same file"
    );
    assert_eq!(backward.stdout, r.stdout, "the list's order does not show");

    // the human report shows the lossy name too
    let human = run(d, &["check", "site"]);
    assert!(
        human
            .out()
            .contains("site/caf\u{fffd}.md:3:14: error[dose/unapproved]"),
        "{}",
        human.out()
    );
}

/// The command prefix that runs a program as `nobody`, when this process is root (whom
/// `chmod 000` does not stop): `Some(vec![])` when it is not root, `None` when no way to
/// drop privileges works here.
fn unprivileged(probe_dir: &Path, binary: &Path) -> Option<Vec<String>> {
    use std::os::unix::fs::MetadataExt;
    let euid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok()?;
    if euid != 0 {
        return Some(Vec::new());
    }
    let candidates: [&[&str]; 2] = [
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
        ],
        &["runuser", "-u", "nobody", "--"],
    ];
    candidates.iter().find_map(|prefix| {
        // the probe lints a readable page as the unprivileged user: the binary, the
        // working folder and the page must all be reachable
        let ok = Command::new(prefix[0])
            .args(&prefix[1..])
            .arg(binary)
            .args(["check", "--no-cache", "ok.md"])
            .current_dir(probe_dir)
            .env("NO_COLOR", "1")
            .output()
            .is_ok_and(|o| o.status.code() == Some(1));
        ok.then(|| prefix.iter().map(|s| s.to_string()).collect())
    })
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn permission_denied_on_a_file_or_folder_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    chmod(d, 0o755); // reachable by `nobody`
    write(&d.join("site/ok.md"), PAGE);
    write(&d.join("site/locked.md"), PAGE);
    write(&d.join("site/secret/c.md"), PAGE);
    write(&d.join("site/nox/e.md"), PAGE);
    std::fs::copy(d.join("site/ok.md"), d.join("ok.md")).expect("copy");
    // the binary may sit where `nobody` cannot reach it (under /root): run a copy
    let binary = d.join("monolint");
    std::fs::copy(env!("CARGO_BIN_EXE_monolint"), &binary).expect("copy the binary");
    chmod(&binary, 0o755);
    let Some(prefix) = unprivileged(d, &binary) else {
        return permission_denied_as_root(d);
    };
    chmod(&d.join("site/locked.md"), 0o000);
    chmod(&d.join("site/secret"), 0o000);
    chmod(&d.join("site/nox"), 0o644); // listable, but nothing in it can be opened
    let as_nobody = |args: &[&str]| {
        let mut cmd = match prefix.split_first() {
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        cmd.args(args)
            .arg("--no-cache")
            .current_dir(d)
            .env("NO_COLOR", "1");
        run_guarded(cmd, None)
    };
    let r = as_nobody(&["check", "--format", "json", "site"]);
    // restore, so the temporary folder can be removed whatever happens next
    chmod(&d.join("site/secret"), 0o755);
    chmod(&d.join("site/nox"), 0o755);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    for problem in [
        "monolint: error: cannot read site/locked.md: Permission denied",
        "monolint: error: cannot read folder site/secret: Permission denied",
        "monolint: error: cannot read site/nox/e.md: Permission denied",
    ] {
        assert!(
            r.stderr.contains(problem),
            "missing {problem:?} in\n{}",
            r.stderr
        );
    }
    assert!(
        !r.stderr.contains("no lintable files"),
        "an unreadable folder is not an empty one: {}",
        r.stderr
    );
    assert_eq!(paths_of(&r.stdout), ["site/ok.md"], "the rest is linted");

    // named explicitly
    let r = as_nobody(&["check", "site/ok.md", "site/locked.md"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("monolint: error: cannot read site/locked.md: Permission denied"),
        "{}",
        r.stderr
    );
    chmod(&d.join("site/locked.md"), 0o644);
}

/// No way to run as another user here (no setpriv, no runuser, or `nobody` cannot reach
/// the test folder), and root reads any file whatever its mode. The one permission the
/// kernel enforces on root is a write-only /proc/sys entry: a page linked to it is a
/// file that cannot be read. The folder case cannot be tested this way, and is not.
#[allow(clippy::print_stderr)] // what is not tested must show in the test log
fn permission_denied_as_root(d: &Path) {
    let denied = Path::new("/proc/sys/vm/drop_caches");
    eprintln!(
        "NOTE: cannot run monolint as an unprivileged user here; testing permission denied \
         only through {} (write-only even for root). Unreadable folders are NOT tested.",
        denied.display()
    );
    assert!(
        std::fs::read(denied).is_err(),
        "{} is readable: no kernel-enforced denial for root here",
        denied.display()
    );
    std::os::unix::fs::symlink(denied, d.join("site/locked2.md")).expect("symlink");
    let r = run(
        d,
        &["check", "--format", "json", "site/ok.md", "site/locked2.md"],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("monolint: error: cannot read site/locked2.md: Permission denied"),
        "{}",
        r.stderr
    );
    let walked = run(d, &["check", "--format", "json", "site"]);
    assert_eq!(walked.code, Some(2), "{}", walked.stderr);
    assert!(walked.stderr.contains("cannot read site/locked2.md"));
}
