//! The product contract, end to end through the binary: every rule is fully documented
//! (what `monolint explain` prints), and `--format json` matches SPEC §3 field for field.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn monolint(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_monolint"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run monolint")
}

#[test]
fn every_rule_explains_every_section() {
    let linter = monolint::Linter::with_defaults().expect("default pack");
    assert!(linter.rules().len() >= 16);
    let mut missing = Vec::new();
    for rule in linter.rules() {
        for (name, body) in rule.doc_sections() {
            if body.trim().is_empty() {
                missing.push(format!("{}: no `{name}`", rule.id()));
            }
        }
        let out = monolint(&["explain", rule.id()]);
        assert!(out.status.success(), "explain {} failed", rule.id());
        let text = String::from_utf8(out.stdout).expect("utf-8");
        for section in [
            "## What it catches, and why",
            "## Bad",
            "## Good",
            "## How to fix",
            "## How to suppress",
            "## Reference",
        ] {
            let Some(at) = text.find(section) else {
                missing.push(format!("{}: explain prints no `{section}`", rule.id()));
                continue;
            };
            let body = text[at + section.len()..].trim_start();
            if body.is_empty() || body.starts_with("##") {
                missing.push(format!("{}: `{section}` is empty", rule.id()));
            }
        }
        assert!(
            text.contains("monolint-disable"),
            "{}: no suppression example",
            rule.id()
        );
    }
    assert!(
        missing.is_empty(),
        "undocumented rules:\n{}",
        missing.join("\n")
    );
}

#[test]
fn json_output_matches_spec_section_3() {
    let out = monolint(&["check", "--format", "json", "fixtures/seeds"]);
    assert_eq!(out.status.code(), Some(1), "seed 000 has errors");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let obj = v.as_object().expect("object");
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        ["version", "diagnostics", "summary"]
    );
    assert_eq!(v["version"], 1);
    let diags = v["diagnostics"].as_array().expect("array");
    let keys = [
        "path",
        "rule",
        "severity",
        "message",
        "line",
        "column",
        "end_line",
        "end_column",
        "offset",
        "length",
        "text",
        "compound",
        "help",
    ];
    let mut prev: Option<(String, u64, String)> = None;
    for d in diags {
        let o = d.as_object().expect("diagnostic object");
        assert_eq!(o.keys().collect::<Vec<_>>(), keys, "field order");
        for k in [
            "line",
            "column",
            "end_line",
            "end_column",
            "offset",
            "length",
        ] {
            assert!(o[k].is_u64(), "{k} is a number");
        }
        assert!(o["compound"].is_string() || o["compound"].is_null());
        assert!(["error", "warning", "info"].contains(&o["severity"].as_str().unwrap()));
        // text is exactly the original bytes at offset..offset+length
        let path = root().join(o["path"].as_str().unwrap());
        let bytes = std::fs::read(&path).expect("read the reported file");
        let (off, len) = (
            o["offset"].as_u64().unwrap() as usize,
            o["length"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            &bytes[off..off + len],
            o["text"].as_str().unwrap().as_bytes()
        );
        // line/column agree with the offset (columns count characters, 1-based)
        let before = std::str::from_utf8(&bytes[..off]).unwrap();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
        assert_eq!(
            (
                o["line"].as_u64().unwrap() as usize,
                o["column"].as_u64().unwrap() as usize
            ),
            (line, col)
        );
        let end = std::str::from_utf8(&bytes[..off + len]).unwrap();
        let end_col = end.rsplit('\n').next().unwrap().chars().count() + 1;
        assert_eq!(
            o["end_column"].as_u64().unwrap() as usize,
            end_col,
            "end_column is exclusive"
        );
        // sorted by path, then offset, then rule
        let key = (
            o["path"].as_str().unwrap().to_string(),
            off as u64,
            o["rule"].as_str().unwrap().to_string(),
        );
        if let Some(p) = &prev {
            assert!(p <= &key, "{p:?} before {key:?}");
        }
        prev = Some(key);
    }
    let lines: Vec<(String, u64, String)> = diags
        .iter()
        .map(|d| {
            (
                d["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                d["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let seed = "000_80225c95d32a8a09.txt".to_string();
    assert_eq!(
        lines,
        [
            (seed.clone(), 1, "disclaimer/anti-doping".to_string()),
            (seed.clone(), 11, "recommendation/sandboxed".to_string()),
            (seed.clone(), 39, "recommendation/sandboxed".to_string()),
            (seed.clone(), 47, "recommendation/sandboxed".to_string()),
            (seed, 64, "recommendation/sandboxed".to_string()),
        ]
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"files": 2, "errors": 4, "warnings": 1, "infos": 0})
    );
}
