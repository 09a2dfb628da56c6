//! Every way of running `monolint check` that exists for speed (threads, the result
//! cache, shards, `--files-from`) must report exactly what one plain single-threaded,
//! uncached run reports, whatever order the files are given in; and the cache must never
//! serve a result for a changed pack, another build of monolint, a damaged cache file, or
//! whatever a run killed with SIGKILL at any point left behind.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn monolint(cwd: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_monolint"));
    cmd.current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        // never the user's cache folder
        .env("XDG_CACHE_HOME", cwd.join(".xdg-cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run monolint");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("monolint finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// A generated corpus (Markdown and plain text), plus a few hand-made edge cases: a
/// binary file, an empty one, invalid UTF-8.
fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    monolint_bench::write_corpus(&site, 120, 7).expect("write corpus");
    std::fs::write(site.join("empty.md"), "").expect("write");
    std::fs::write(site.join("blob.txt"), b"\0\x01binary").expect("write");
    std::fs::write(
        site.join("latin1.txt"),
        b"BPC-157 notes\nMost users inject 250 mcg \xe9 daily.\n",
    )
    .expect("write");
    dir
}

fn plain(dir: &Path) -> String {
    let (code, out, err) = monolint(
        dir,
        &[
            "check",
            "--format",
            "json",
            "--threads",
            "1",
            "--no-cache",
            "site",
        ],
        None,
    );
    assert_eq!(code, 1, "the corpus has errors: {err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert!(
        v["diagnostics"].as_array().expect("array").len() > 100,
        "the corpus should produce plenty of findings"
    );
    out
}

#[test]
fn threads_do_not_change_the_report() {
    let dir = corpus();
    let base = plain(dir.path());
    for t in ["2", "3", "8"] {
        let (code, out, _) = monolint(
            dir.path(),
            &[
                "check",
                "--format",
                "json",
                "--threads",
                t,
                "--no-cache",
                "site",
            ],
            None,
        );
        assert_eq!(code, 1);
        assert_eq!(out, base, "--threads {t}");
    }
    // the human report too
    let human = |t: &str| {
        monolint(
            dir.path(),
            &["check", "--threads", t, "--no-cache", "site"],
            None,
        )
    };
    // the summary line says how long the run took; everything else must match
    let untimed = |(code, out, err): (i32, String, String)| {
        let err = err
            .split(" in ")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    part.split_once(" s:")
                        .map_or(part.to_string(), |(_, rest)| rest.to_string())
                }
            })
            .collect::<Vec<_>>()
            .join(" in [time]:");
        (code, out, err)
    };
    let (one, four) = (untimed(human("1")), untimed(human("4")));
    assert!(one.2.contains("checked 122 files in [time]:"), "{}", one.2);
    assert_eq!(one, four);
    assert!(one.1.contains("dose/unapproved"));
}

#[test]
fn cached_runs_report_what_an_uncached_run_reports() {
    let dir = corpus();
    // pages written less than two seconds before a run are read on every run until they
    // settle, and their state recorded when they have: let them settle, so the cold run
    // records everything and the warm run has nothing to add
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let base = plain(dir.path());
    let cache = dir.path().join("cache");
    let cache_arg = cache.to_str().expect("utf-8 path");
    let args = [
        "check",
        "--format",
        "json",
        "--cache-dir",
        cache_arg,
        "site",
    ];
    let (_, cold, _) = monolint(dir.path(), &args, None);
    assert_eq!(cold, base, "cold cache");
    let files: Vec<PathBuf> = std::fs::read_dir(&cache)
        .expect("cache folder written")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one cache file per pack: {files:?}");
    let inode = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p).expect("cache file").ino()
    };
    let before = inode(&files[0]);
    let (_, warm, _) = monolint(dir.path(), &args, None);
    assert_eq!(warm, base, "warm cache");
    // every file was served from the cache: nothing new, so the file was not rewritten
    assert_eq!(inode(&files[0]), before);
    // the default location is the user's cache folder ($XDG_CACHE_HOME/monolint)
    let (_, default, _) = monolint(dir.path(), &["check", "--format", "json", "site"], None);
    assert_eq!(default, base);
    assert!(dir.path().join(".xdg-cache/monolint").is_dir());
}

#[test]
fn shards_together_report_what_one_run_reports() {
    let dir = corpus();
    let base: Value = serde_json::from_str(&plain(dir.path())).expect("json");
    for n in [2u32, 3, 7] {
        let mut all: Vec<Value> = Vec::new();
        let mut files = 0;
        for k in 1..=n {
            let shard = format!("{k}/{n}");
            let (code, out, err) = monolint(
                dir.path(),
                &[
                    "check",
                    "--format",
                    "json",
                    "--no-cache",
                    "--shard",
                    &shard,
                    "site",
                ],
                None,
            );
            assert!(code == 0 || code == 1, "shard {shard}: {err}");
            let v: Value = serde_json::from_str(&out).expect("json");
            files += v["summary"]["files"].as_u64().expect("files");
            all.extend(v["diagnostics"].as_array().expect("array").iter().cloned());
        }
        let key = |d: &Value| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["offset"].as_u64(),
                d["rule"].as_str().unwrap_or_default().to_string(),
                d["length"].as_u64(),
            )
        };
        all.sort_by_key(key);
        assert_eq!(&Value::Array(all), &base["diagnostics"], "{n} shards");
        assert_eq!(files, base["summary"]["files"].as_u64().expect("files"));
    }
    let (code, _, err) = monolint(dir.path(), &["check", "--shard", "4/3", "site"], None);
    assert_eq!(code, 2);
    assert!(err.contains("between 1 and N"), "{err}");
}

#[test]
fn files_from_reports_what_naming_the_files_reports() {
    let dir = corpus();
    let base = plain(dir.path());
    let mut names: Vec<String> = walk(&dir.path().join("site"))
        .iter()
        .map(|p| {
            p.strip_prefix(dir.path())
                .expect("inside")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.reverse(); // order in the list does not matter
    let list = names.join("\n") + "\n";
    std::fs::write(dir.path().join("changed.txt"), &list).expect("write list");
    let args = ["check", "--format", "json", "--no-cache", "--files-from"];
    let (_, from_file, err) = monolint(dir.path(), &[&args[..], &["changed.txt"]].concat(), None);
    assert_eq!(from_file, base, "{err}");
    let (_, from_stdin, _) = monolint(dir.path(), &[&args[..], &["-"]].concat(), Some(&list));
    assert_eq!(from_stdin, base);
    // a change list with nothing in it is a run with nothing to do, not a failure
    let (code, out, err) = monolint(dir.path(), &[&args[..], &["-"]].concat(), Some(""));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"files\":0"), "{out}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A site with its own rule pack and compound file, for invalidation tests.
fn site_with_pack() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path();
    std::fs::write(
        p.join("monolint.yaml"),
        "rules: [site.yaml]\ncompounds: [ours.yaml]\n",
    )
    .expect("write");
    std::fs::write(
        p.join("site.yaml"),
        "rules:\n  - id: site/miracle\n    kind: phrase\n    severity: warning\n    message: \"miracle language about {compound}\"\n    phrases: [miracle peptide]\n",
    )
    .expect("write");
    std::fs::write(
        p.join("ours.yaml"),
        "- id: zenotide\n  name: Zenotide\n  status: supplement\n  sources: [\"test\"]\n",
    )
    .expect("write");
    std::fs::write(
        p.join("page.md"),
        "# Zenotide\n\nZenotide is a miracle peptide, a wonder drug. Trials used 250 mcg.\n\nThis page is for educational purposes only.\n",
    )
    .expect("write");
    dir
}

fn rules_of(out: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(out).expect("json");
    v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| format!("{}:{}", d["rule"].as_str().unwrap_or(""), d["text"]))
        .collect()
}

#[test]
fn the_cache_is_invalidated_when_a_rule_pack_or_compound_changes() {
    let dir = site_with_pack();
    let p = dir.path();
    let cached = ["check", "--format", "json", "--cache-dir", "c", "page.md"];
    let fresh = ["check", "--format", "json", "--no-cache", "page.md"];
    let check = |what: &str| -> Vec<String> {
        let (_, a, err) = monolint(p, &cached, None);
        let (_, b, _) = monolint(p, &fresh, None);
        assert_eq!(a, b, "{what}: cached and uncached runs differ ({err})");
        rules_of(&a)
    };
    let first = check("first run");
    assert_eq!(first, ["site/miracle:\"miracle peptide\""]);
    assert_eq!(check("warm run"), first);

    // a rule pack changes: the phrase list
    std::fs::write(
        p.join("site.yaml"),
        "rules:\n  - id: site/miracle\n    kind: phrase\n    severity: warning\n    message: \"miracle language about {compound}\"\n    phrases: [wonder drug]\n",
    )
    .expect("write");
    assert_eq!(check("rule changed"), ["site/miracle:\"wonder drug\""]);

    // a compound changes status: now a research chemical, its dose figure is an error
    std::fs::write(
        p.join("ours.yaml"),
        "- id: zenotide\n  name: Zenotide\n  status: research-chemical\n  sources: [\"test\"]\n",
    )
    .expect("write");
    let after = check("compound changed");
    assert!(
        after.contains(&"dose/unapproved:\"250 mcg\"".to_string()),
        "{after:?}"
    );

    // a configuration override changes a severity or disables a rule
    std::fs::write(
        p.join("monolint.yaml"),
        "rules: [site.yaml]\ncompounds: [ours.yaml]\ndisable: [dose/unapproved]\n",
    )
    .expect("write");
    let disabled = check("rule disabled");
    assert!(
        !disabled.iter().any(|r| r.starts_with("dose/")),
        "{disabled:?}"
    );
}

#[test]
fn a_corrupt_or_foreign_cache_file_is_ignored() {
    let dir = corpus();
    let base = plain(dir.path());
    let args = ["check", "--format", "json", "--cache-dir", "cache", "site"];
    let (_, cold, _) = monolint(dir.path(), &args, None);
    assert_eq!(cold, base);
    let file = std::fs::read_dir(dir.path().join("cache"))
        .expect("cache")
        .next()
        .expect("a cache file")
        .expect("entry")
        .path();
    let good = std::fs::read(&file).expect("read cache");
    // a flipped byte in the middle, a truncated file, garbage
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x20;
    for damaged in [
        flipped,
        good[..good.len() / 3].to_vec(),
        b"not a cache".to_vec(),
    ] {
        std::fs::write(&file, &damaged).expect("damage");
        let (_, out, _) = monolint(dir.path(), &args, None);
        assert_eq!(out, base, "a damaged cache changed the report");
        // and the run replaced it with a good one
        assert_ne!(std::fs::read(&file).expect("read"), damaged);
    }

    // a cache written for another pack, under this pack's name, is not trusted either
    std::fs::write(
        dir.path().join("monolint.yaml"),
        "severity: {dose/unapproved: warning}\n",
    )
    .expect("write");
    let (_, other, _) = monolint(dir.path(), &args, None);
    assert_ne!(other, base, "the override changes the report");
    std::fs::remove_file(dir.path().join("monolint.yaml")).expect("rm");
    let names: Vec<PathBuf> = std::fs::read_dir(dir.path().join("cache"))
        .expect("cache")
        .map(|e| e.expect("entry").path())
        .collect();
    let foreign = names
        .iter()
        .find(|n| **n != file)
        .expect("second cache file");
    std::fs::copy(foreign, &file).expect("copy");
    let (_, out, _) = monolint(dir.path(), &args, None);
    assert_eq!(out, base, "a foreign cache file was trusted");
}

/// A small deterministic generator (xorshift), so a failing trial can be replayed from
/// the seed the test prints.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

#[allow(clippy::print_stderr)] // the seed, to replay a failure
fn seed() -> u64 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    eprintln!("seed {seed:#x}");
    seed
}

fn hash_of(path: &Path) -> Option<u64> {
    std::fs::read(path)
        .ok()
        .map(|b| xxhash_rust::xxh3::xxh3_64(&b))
}

#[test]
fn a_run_killed_at_random_points_never_leaves_a_cache_that_changes_the_report() {
    let dir = corpus();
    let d = dir.path();
    let cached = ["check", "--format", "json", "--cache-dir", "cache", "site"];
    let cold = ["check", "--format", "json", "--no-cache", "site"];
    let pages: Vec<PathBuf> = walk(&d.join("site"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    let mut rng = Rng(seed());
    // Each trial edits a few pages first, so every run has new results to write and the
    // kill can land before, during or after the cache is written.
    let edit = |rng: &mut Rng, round: usize| {
        for _ in 0..8 {
            let page = &pages[rng.below(pages.len() as u64) as usize];
            let mut text = std::fs::read_to_string(page).expect("read page");
            text.push_str(&format!(
                "\nIn round {round} users inject {} mcg of BPC-157.\n",
                rng.below(900) + 100
            ));
            std::fs::write(page, text).expect("edit page");
        }
    };
    // how long a typical trial's run takes: a warm cache and a few edited pages
    let _ = monolint(d, &cached, None);
    edit(&mut rng, 0);
    let started = std::time::Instant::now();
    let _ = monolint(d, &cached, None);
    let took = started.elapsed();
    let cache_file = || {
        std::fs::read_dir(d.join("cache"))
            .expect("cache folder")
            .map(|e| e.expect("entry").path())
            .find(|p| p.extension().is_some_and(|e| e == "cache"))
            .expect("a cache file")
    };
    let file = cache_file();

    const TRIALS: usize = 24;
    let (mut before_write, mut after_write, mut mid_run, mut mid_write) = (0, 0, 0, 0);
    let temp_files = || {
        std::fs::read_dir(d.join("cache"))
            .expect("cache folder")
            .filter(|e| {
                let name = e.as_ref().expect("entry").file_name();
                name.to_string_lossy().ends_with(".tmp")
            })
            .count()
    };
    let mut trial = 0;
    // 24 kills at random points from the start of a run to 1.5 times its usual length, one in
    // each 1/24th of that span; then, only if no kill came late enough to find the cache
    // replaced (a machine much slower than when `took` was measured), later ones
    while trial < TRIALS || (after_write == 0 && trial < TRIALS + 8) {
        trial += 1;
        edit(&mut rng, trial);
        let old = hash_of(&file);
        let temps_before = temp_files();
        let at = if trial <= TRIALS {
            let stratum = (trial - 1) as f64 + rng.below(1000) as f64 / 1000.0;
            took.mul_f64(1.5 * stratum / TRIALS as f64)
        } else {
            took.mul_f64(1.5 * (trial - TRIALS + 1) as f64)
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_monolint"))
            .args(cached)
            .current_dir(d)
            .env("XDG_CACHE_HOME", d.join(".xdg-cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn monolint");
        std::thread::sleep(at);
        let running = child.try_wait().expect("poll").is_none();
        let _ = child.kill(); // SIGKILL on Unix
        child.wait().expect("reap");
        mid_run += usize::from(running);
        // a temporary file left behind: the kill landed while the cache was being written
        mid_write += usize::from(temp_files() > temps_before);
        if hash_of(&file) == old {
            before_write += 1;
        } else {
            after_write += 1;
        }
        // every fourth kill, a run that trusts the cache must report what a cold run does;
        // in between, kills pile up on whatever the last one left
        if trial % 4 == 0 {
            let (code, warm, err) = monolint(d, &cached, None);
            let (_, expected, _) = monolint(d, &cold, None);
            assert_eq!(code, 1, "{err}");
            assert!(
                warm == expected,
                "after trial {trial} (killed after {at:?} of ~{took:?}), the cached run differs from a cold one"
            );
        }
    }
    eprintln!(
        "{trial} kills over ~{took:?} runs: {mid_run} while running, {before_write} before the cache was replaced, {after_write} after, {mid_write} while it was written"
    );
    assert!(
        mid_run > 0 && before_write > 0 && after_write > 0,
        "the kills did not straddle the cache write ({mid_run} mid-run, {before_write} before, {after_write} after): the test proved nothing"
    );
}

#[test]
fn a_cache_from_another_build_is_never_trusted() {
    // Two builds of monolint: the same version, another executable (a rebuilt binary can
    // lint differently under the same version number).
    let dir = corpus();
    let d = dir.path();
    let base = plain(d);
    let builds: Vec<PathBuf> = (0..2)
        .map(|i| {
            let bin = d.join(format!("monolint-build{i}"));
            std::fs::copy(env!("CARGO_BIN_EXE_monolint"), &bin).expect("copy the binary");
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000 + i);
            std::fs::File::options()
                .write(true)
                .open(&bin)
                .expect("open")
                .set_modified(when)
                .expect("set mtime");
            bin
        })
        .collect();
    let run = |bin: &Path| {
        let out = Command::new(bin)
            .args(["check", "--format", "json", "--cache-dir", "cache", "site"])
            .current_dir(d)
            .stdin(Stdio::null())
            .output()
            .expect("run a build");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let files = || -> Vec<PathBuf> {
        let mut f: Vec<PathBuf> = std::fs::read_dir(d.join("cache"))
            .expect("cache")
            .map(|e| e.expect("entry").path())
            .collect();
        f.sort();
        f
    };
    assert_eq!(run(&builds[0]), base);
    let first = files();
    assert_eq!(first.len(), 1);
    // the other build neither reads nor overwrites the first one's cache
    let before = std::fs::read(&first[0]).expect("read");
    assert_eq!(run(&builds[1]), base);
    let both = files();
    assert_eq!(both.len(), 2, "each build has its own cache file");
    assert_eq!(std::fs::read(&first[0]).expect("read"), before);
    // the first build's cache put where the second's belongs is refused and replaced
    let second = both.iter().find(|f| **f != first[0]).expect("second file");
    std::fs::copy(&first[0], second).expect("copy");
    assert_eq!(run(&builds[1]), base);
    assert_ne!(
        std::fs::read(second).expect("read"),
        before,
        "the foreign file was trusted, not replaced"
    );
}

#[test]
fn file_order_and_thread_count_do_not_change_the_report() {
    let dir = corpus();
    let d = dir.path();
    let base = plain(d);
    let names: Vec<String> = walk(&d.join("site"))
        .iter()
        .map(|p| {
            p.strip_prefix(d)
                .expect("inside")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // paths that cannot be read, so standard error has something whose order matters too
    let missing = ["site/gone-a.md", "site/zz/gone-b.md", "aa-gone.md"];
    let mut rng = Rng(seed());
    let mut first_err: Option<String> = None;
    for (round, threads) in ["1", "2", "5", "3"].into_iter().enumerate() {
        // --files-from, the list shuffled
        let mut list: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .chain(missing.iter().copied())
            .collect();
        rng.shuffle(&mut list);
        let (code, out, err) = monolint(
            d,
            &[
                "check",
                "--format",
                "json",
                "--no-cache",
                "--threads",
                threads,
                "--files-from",
                "-",
            ],
            Some(&(list.join("\n") + "\n")),
        );
        assert_eq!(code, 2, "unreadable paths make the run untrusted: {err}");
        assert_eq!(
            out, base,
            "round {round}, --threads {threads}: the report changed"
        );
        for m in missing {
            assert_eq!(
                err.matches(&format!("cannot read {m}:")).count(),
                1,
                "{err}"
            );
        }
        match &first_err {
            None => first_err = Some(err),
            Some(first) => assert_eq!(&err, first, "round {round}: standard error changed"),
        }

        // paths on the command line, shuffled: the folder, some of its files again (some
        // as `./name`), in any order; each file is linted once
        let mut args: Vec<String> = Vec::new();
        for n in &names {
            match rng.below(6) {
                0 => args.push(format!("./{n}")),
                1 => args.push(n.clone()),
                _ => {}
            }
        }
        args.push("site".into());
        rng.shuffle(&mut args);
        let mut argv = vec![
            "check",
            "--format",
            "json",
            "--no-cache",
            "--threads",
            threads,
        ];
        argv.extend(args.iter().map(String::as_str));
        let (code, out, err) = monolint(d, &argv, None);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            out, base,
            "round {round}, --threads {threads}: paths given in another order changed the report"
        );
    }
}

/// Set a file's modification time.
fn set_mtime(path: &Path, when: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(when)
        .expect("set mtime");
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path)
        .expect("metadata")
        .modified()
        .expect("mtime")
}

/// The bytes of a file with the digit at `at` (the start of a dose figure) changed.
fn with_digit_changed(path: &Path, at: usize) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("read");
    assert!(bytes[at].is_ascii_digit(), "a digit at {at}");
    bytes[at] = if bytes[at] == b'9' {
        b'1'
    } else {
        bytes[at] + 1
    };
    bytes
}

/// Edit a file in place without changing its size or modification time (as a careless
/// script, or an editor saving twice in one clock tick, would leave it).
fn edit_keeping_size_and_mtime(path: &Path, at: usize) {
    let was = mtime(path);
    let bytes = with_digit_changed(path, at);
    std::fs::write(path, &bytes).expect("write");
    set_mtime(path, was);
}

#[test]
fn a_cache_that_skips_unchanged_files_notices_every_change() {
    // The cache serves a file whose state (inode, size, modification and status-change
    // times) it recorded without reading it, once the file has been left alone for two
    // seconds; give the corpus that long, so the warm runs below really skip the reads.
    let dir = corpus();
    let d = dir.path();
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let same = |what: &str, extra: &[&str]| -> String {
        let mut cached = vec!["check", "--cache-dir", "cache"];
        let mut fresh = vec!["check", "--no-cache"];
        for a in [&mut cached, &mut fresh] {
            a.extend_from_slice(extra);
            a.push("site");
        }
        let (code_a, a, _) = monolint(d, &cached, None);
        let (code_b, b, _) = monolint(d, &fresh, None);
        assert_eq!((code_a, &a), (code_b, &b), "{what}: {extra:?}");
        a
    };
    let every_mode = |what: &str| -> String {
        let json = same(what, &["--format", "json"]);
        for extra in [
            &["--format", "json", "--threads", "3"][..],
            &["--format", "human", "--threads", "1"],
            &["--format", "sarif", "--shard", "2/3"],
        ] {
            same(what, extra);
        }
        json
    };
    let base = plain(d);
    assert_eq!(every_mode("cold"), base);
    assert_eq!(every_mode("warm"), base);

    // pages with a dose figure, and where it starts
    let mut pages: Vec<(PathBuf, usize)> = Vec::new();
    let v: Value = serde_json::from_str(&base).expect("json");
    for diag in v["diagnostics"].as_array().expect("array") {
        let path = d.join(diag["path"].as_str().expect("path"));
        let text = diag["text"].as_str().expect("text");
        if diag["rule"]
            .as_str()
            .is_some_and(|r| r.starts_with("dose/"))
            && text.starts_with(|c: char| c.is_ascii_digit())
            && !pages.iter().any(|(p, _)| *p == path)
        {
            pages.push((path, diag["offset"].as_u64().expect("offset") as usize));
        }
    }
    assert!(pages.len() >= 4, "{pages:?}");
    // an edit that keeps the size and the modification time
    edit_keeping_size_and_mtime(&pages[0].0, pages[0].1);
    let edited = every_mode("edited in place, same size and mtime");
    assert_ne!(edited, base, "the edit changes the report");
    // the same, once that edit has settled and been recorded, then again
    std::thread::sleep(std::time::Duration::from_millis(2200));
    assert_eq!(every_mode("settled edit"), edited);
    edit_keeping_size_and_mtime(&pages[0].0, pages[0].1);
    let again = every_mode("edited again");
    assert_ne!(again, edited);
    // replaced by another file of the same size and modification time (a new inode)
    let other = d.join("replacement.tmp");
    let (page, at) = &pages[1];
    std::fs::write(&other, with_digit_changed(page, *at)).expect("write");
    set_mtime(&other, mtime(page));
    std::fs::rename(&other, page).expect("rename");
    let replaced = every_mode("replaced by rename");
    assert_ne!(replaced, again);
    // touched only (same bytes), and removed
    set_mtime(&pages[2].0, std::time::SystemTime::now());
    assert_eq!(every_mode("touched"), replaced);
    std::fs::remove_file(&pages[3].0).expect("remove");
    assert_ne!(every_mode("removed"), replaced);
}

/// On Linux the binary is position-dependent (see `crates/monolint-cli/build.rs`): its
/// start-up does not relocate the dependencies' tables. The ELF header's type is
/// `ET_EXEC` (2), not `ET_DYN` (3), unless the build asked for a position-independent one.
#[cfg(target_os = "linux")]
#[test]
fn the_binary_starts_without_relocating_its_tables() {
    let bin = std::fs::read(env!("CARGO_BIN_EXE_monolint")).expect("the binary");
    assert_eq!(&bin[..4], b"\x7fELF");
    let kind = u16::from_le_bytes([bin[16], bin[17]]);
    let expected = if option_env!("MONOLINT_PIE").is_some() {
        3
    } else {
        2
    };
    assert_eq!(kind, expected, "ELF type");
}
