//! Every way of running `monolint check` that exists for speed (threads, the result
//! cache, shards, `--files-from`) must report exactly what one plain single-threaded,
//! uncached run reports; and the cache must never serve a result for a changed pack or a
//! damaged cache file.

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
