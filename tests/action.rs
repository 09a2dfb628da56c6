//! The composite GitHub Action (`action.yml`): its structure, and its two scripts run the
//! way the runner runs them. GitHub evaluates `${{ inputs.NAME }}` in each step's `env:`
//! mapping and runs `run:` with bash; this test does the same with the inputs' defaults and
//! overrides, a stand-in `cargo` that records how the install step calls it, and the
//! monolint binary under test on PATH.

mod common;

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn action() -> Value {
    let text = std::fs::read_to_string(common::root().join("action.yml")).expect("action.yml");
    serde_yaml::from_str(&text).expect("action.yml parses")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn step<'a>(a: &'a Value, name: &str) -> &'a Value {
    a["runs"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .find(|st| s(&st["name"]) == name)
        .unwrap_or_else(|| panic!("no step {name}"))
}

/// `${{ inputs.NAME }}` as GitHub evaluates it: the given value, else the default.
fn evaluate(a: &Value, expr: &str, given: &BTreeMap<&str, &str>) -> String {
    let inner = expr
        .trim()
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("not an expression: {expr}"));
    let name = inner
        .strip_prefix("inputs.")
        .unwrap_or_else(|| panic!("env takes only inputs: {expr}"));
    assert!(a["inputs"].get(name).is_some(), "unknown input {name}");
    given
        .get(name)
        .map(|v| v.to_string())
        .unwrap_or_else(|| s(&a["inputs"][name]["default"]).to_string())
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    github_output: String,
    github_path: String,
}

fn run_step(a: &Value, name: &str, dir: &Path, given: &BTreeMap<&str, &str>, path: &str) -> Ran {
    let st = step(a, name);
    assert_eq!(s(&st["shell"]), "bash");
    let script = s(&st["run"]);
    let out_file = dir.join("github_output");
    let path_file = dir.join("github_path");
    std::fs::write(&out_file, "").expect("write");
    std::fs::write(&path_file, "").expect("write");
    let mut cmd = Command::new("bash");
    cmd.args(["-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_ACTION_PATH", common::root())
        .env("GITHUB_OUTPUT", &out_file)
        .env("GITHUB_PATH", &path_file)
        .env("RUNNER_TEMP", dir.join("runner-temp"))
        .env("NO_COLOR", "1");
    if let Some(env) = st["env"].as_mapping() {
        for (k, v) in env {
            cmd.env(s(k), evaluate(a, s(v), given));
        }
    }
    let out = cmd.output().expect("run bash");
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        github_output: std::fs::read_to_string(&out_file).expect("read"),
        github_path: std::fs::read_to_string(&path_file).expect("read"),
    }
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_monolint"))
        .parent()
        .expect("bin dir")
        .to_path_buf()
}

#[test]
fn structure_inputs_and_no_expressions_in_scripts() {
    let a = action();
    assert_eq!(s(&a["runs"]["using"]), "composite");
    assert!(!s(&a["name"]).is_empty() && !s(&a["description"]).is_empty());
    for input in [
        "paths",
        "format",
        "fail-on",
        "config",
        "baseline",
        "sarif-file",
    ] {
        let i = &a["inputs"][input];
        assert!(!s(&i["description"]).is_empty(), "{input}: description");
        assert!(i.get("default").is_some(), "{input}: default");
    }
    for st in a["runs"]["steps"].as_sequence().expect("steps") {
        // inputs reach scripts through env only: no script injection
        assert!(
            !s(&st["run"]).contains("${{"),
            "expression in a script: {st:?}"
        );
    }
    assert_eq!(
        s(&a["outputs"]["sarif-file"]["value"]),
        "${{ steps.run.outputs.sarif-file }}"
    );
    let manifest = std::fs::read_to_string(common::root().join("crates/monolint-cli/Cargo.toml"))
        .expect("the install step's crate exists");
    assert!(manifest.contains("name = \"monolint\""));
}

#[test]
fn install_step_installs_from_the_action_checkout() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let shims = tmp.path().join("shims");
    std::fs::create_dir(&shims).expect("mkdir");
    let log = tmp.path().join("cargo.log");
    let shim = format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n", log.display());
    std::fs::write(shims.join("cargo"), shim).expect("write shim");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(shims.join("cargo"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let path = format!("{}:/usr/bin:/bin", shims.display());
    let r = run_step(
        &action(),
        "Install monolint",
        tmp.path(),
        &BTreeMap::new(),
        &path,
    );
    assert_eq!(r.code, Some(0));
    let args: Vec<String> = std::fs::read_to_string(&log)
        .expect("cargo was called")
        .lines()
        .map(String::from)
        .collect();
    let root = tmp.path().join("runner-temp/monolint");
    let crate_path = common::root().join("crates/monolint-cli");
    let want = [
        "install",
        "--locked",
        "--quiet",
        "--path",
        &crate_path.to_string_lossy(),
        "--root",
        &root.to_string_lossy(),
    ];
    assert_eq!(args, want);
    assert_eq!(r.github_path.trim(), root.join("bin").to_string_lossy());
}

#[test]
fn run_step_formats_fail_levels_and_paths() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir(dir.join("content")).expect("mkdir");
    std::fs::write(
        dir.join("content/bpc.md"),
        "# BPC-157\n\nBPC-157 is not approved for human use. Not medical advice. WADA bans it.\n\nUsers take 250 mcg.\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("tb500.md"),
        "# TB-500\n\nTB-500 is not approved for human use. Not medical advice.\n",
    )
    .expect("write");
    let path = format!("{}:/usr/bin:/bin", bin_dir().display());
    let a = action();
    let run = |given: &[(&str, &str)]| {
        let given: BTreeMap<&str, &str> = given.iter().copied().collect();
        run_step(&a, "Run monolint", dir, &given, &path)
    };

    // defaults: github annotations for the whole folder, failing on the error
    let r = run(&[]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stdout.contains("::error file=content/bpc.md,line=5"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("::warning file=tb500.md"), "{}", r.stdout);

    // one path; a warning passes at the default fail level and fails at `warning`
    let r = run(&[("paths", "tb500.md")]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    let r = run(&[("paths", "tb500.md"), ("fail-on", "warning")]);
    assert_eq!(r.code, Some(1));

    // several paths, spaces and new lines
    let r = run(&[
        ("paths", " tb500.md\n  content/bpc.md \n"),
        ("format", "json"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["summary"]["files"], 2);

    // sarif goes to the file and the step output names it
    let r = run(&[("format", "sarif"), ("sarif-file", "out.sarif")]);
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.is_empty());
    assert_eq!(r.github_output.trim(), "sarif-file=out.sarif");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.sarif")).expect("sarif"))
            .expect("sarif parses");
    assert_eq!(log["version"], "2.1.0");

    // a config and a baseline are passed through
    std::fs::write(dir.join("site.yaml"), "disable: [disclaimer/anti-doping]\n").expect("w");
    let out = common::monolint(dir, &["check", "--write-baseline", "base.json", "content"]);
    assert!(out.status.success());
    let r = run(&[("config", "site.yaml"), ("baseline", "base.json")]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert_eq!(r.stdout, "");
}
