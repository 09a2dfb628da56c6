//! `--format sarif`: the log validates against the SARIF 2.1.0 JSON schema (vendored in
//! tests/sarif/, see its README), carries every field GitHub code scanning requires, agrees
//! with the JSON output on every position, and fingerprints findings by content.

mod common;

use common::{monolint, root};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

fn sarif(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend(args);
    let out = monolint(dir, &all);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the log parses as JSON")
}

fn schema_errors(log: &Value) -> Vec<String> {
    common::sarif_schema_errors(log)
}

fn text<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string at {ptr}"))
}

#[test]
fn log_of_every_fixture_is_valid_and_complete_for_github() {
    let log = sarif(&root(), &["fixtures"]);
    let errors = schema_errors(&log);
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
    // the validator has teeth: a level SARIF does not define is rejected
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema_errors(&broken).is_empty());

    assert_eq!(log["version"], "2.1.0");
    assert!(text(&log, "/$schema").contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(text(run, "/tool/driver/name"), "monolint");
    assert!(!text(run, "/tool/driver/version").is_empty());

    // every rule of the pack, in order, with what GitHub shows for it
    let linter = monolint::Linter::with_defaults().expect("default pack");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| text(r, "/id")).collect();
    let want: Vec<&str> = linter.rules().iter().map(|r| r.id()).collect();
    assert_eq!(ids, want);
    for (rule, def) in rules.iter().zip(linter.rules()) {
        let id = def.id();
        for ptr in [
            "/shortDescription/text",
            "/fullDescription/text",
            "/help/text",
            "/help/markdown",
        ] {
            assert!(!text(rule, ptr).trim().is_empty(), "{id}: empty {ptr}");
        }
        assert!(
            text(rule, "/helpUri").starts_with("https://"),
            "{id}: helpUri"
        );
        let level = text(rule, "/defaultConfiguration/level");
        let want = match def.severity {
            monolint::Severity::Error => "error",
            monolint::Severity::Warning => "warning",
            monolint::Severity::Info => "note",
        };
        assert_eq!(level, want, "{id}: level");
        assert_eq!(rule["defaultConfiguration"]["enabled"], true, "{id}");
    }

    // results agree with the JSON output, finding for finding
    let json = monolint(&root(), &["check", "--format", "json", "fixtures"]);
    let json: Value = serde_json::from_slice(&json.stdout).expect("json output");
    let diags = json["diagnostics"].as_array().expect("diagnostics");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), diags.len());
    assert!(results.len() > 100, "the fixtures have many findings");
    let mut fingerprints = HashSet::new();
    let mut levels = HashSet::new();
    for (r, d) in results.iter().zip(diags) {
        let rule_id = text(r, "/ruleId");
        assert_eq!(rule_id, d["rule"]);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[index], rule_id);
        let level = text(r, "/level");
        levels.insert(level.to_string());
        assert_eq!(level, text(&rules[index], "/defaultConfiguration/level"));
        assert_eq!(text(r, "/message/text"), d["message"]);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = text(loc, "/artifactLocation/uri");
        assert!(
            !uri.contains(':') && !uri.starts_with('/'),
            "relative uri: {uri}"
        );
        assert_eq!(
            common::percent_decode(uri),
            d["path"].as_str().expect("path")
        );
        assert!(
            root().join(common::percent_decode(uri)).is_file(),
            "{uri} exists from the repo root"
        );
        let region = &loc["region"];
        assert_eq!(region["startLine"], d["line"]);
        if d["length"].as_u64() > Some(0) {
            assert_eq!(region["startColumn"], d["column"]);
            assert_eq!(region["endLine"], d["end_line"]);
            assert_eq!(region["endColumn"], d["end_column"]);
        }
        let fp = text(r, "/partialFingerprints/monolintContentHash~1v1");
        assert!(
            fingerprints.insert(format!("{uri} {fp}")),
            "duplicate fingerprint {fp}"
        );
    }
    assert!(
        levels.contains("error") && levels.contains("warning"),
        "{levels:?}"
    );
}

fn page(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write page");
}

fn fingerprints(log: &Value) -> Vec<String> {
    let mut out: Vec<String> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                text(r, "/ruleId"),
                text(r, "/partialFingerprints/monolintContentHash~1v1")
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fingerprints_follow_content_not_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head =
        "# BPC-157\n\nBPC-157 is not approved for human use. Not medical advice. WADA bans it.\n\n";
    let body =
        "Forum protocols use 250 mcg twice daily.\n\nForum protocols use 250 mcg twice daily.\n";
    page(dir.path(), "bpc.md", &format!("{head}{body}"));
    let before = fingerprints(&sarif(dir.path(), &["bpc.md"]));
    assert_eq!(before.len(), 2);
    assert_ne!(
        before[0], before[1],
        "the same sentence twice: two fingerprints"
    );
    page(
        dir.path(),
        "bpc.md",
        &format!("{head}## Background\n\nA new paragraph pushes everything down.\n\n{body}"),
    );
    assert_eq!(fingerprints(&sarif(dir.path(), &["bpc.md"])), before);
    page(
        dir.path(),
        "bpc.md",
        &format!("{head}{}", body.replace("twice", "three times")),
    );
    let changed = fingerprints(&sarif(dir.path(), &["bpc.md"]));
    assert_eq!(changed.len(), 2);
    assert!(
        changed.iter().all(|f| !before.contains(f)),
        "a changed sentence is a new finding"
    );
}

#[test]
fn odd_paths_are_encoded_and_disabled_rules_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("my pages")).expect("mkdir");
    page(
        &dir.path().join("my pages"),
        "ipamorelin 50%,µ.md",
        "# Ipamorelin\n\nIpamorelin is not approved for human use. Not medical advice.\n",
    );
    page(dir.path(), "monolint.yaml", "disable: [claims/disease]\n");
    let log = sarif(dir.path(), &["my pages"]);
    let errors = schema_errors(&log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let r = &log["runs"][0]["results"][0];
    assert_eq!(
        text(r, "/locations/0/physicalLocation/artifactLocation/uri"),
        "my%20pages/ipamorelin%2050%25%2C%C2%B5.md"
    );
    assert_eq!(text(r, "/ruleId"), "disclaimer/anti-doping");
    let disabled: Vec<&Value> = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["defaultConfiguration"]["enabled"] == false)
        .collect();
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0]["id"], "claims/disease");
}
