//! The fixture runner: lints every annotated document under `fixtures/` with the embedded
//! default pack and checks both directions: every expected finding present, nothing extra.
//! Seeds keep their expectations in a sidecar (`NAME.expect`) because they must stay
//! byte-identical to `../shared/seeds`.

use monolint::expect::{check_page, describe, sidecar_path};
use monolint::Linter;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = entry.expect("dir entry").path();
            if p.is_dir() {
                // the evaluation corpus is measured (tests/corpus.rs), not matched exactly
                if p.file_name().is_some_and(|n| n != "corpus") {
                    stack.push(p);
                }
            } else if p.file_name().is_some_and(|n| n != "README.md")
                && p.extension().is_some_and(|e| {
                    ["md", "markdown", "mdx", "txt", "html", "htm"]
                        .contains(&e.to_str().unwrap_or(""))
                })
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_fixture_reports_exactly_what_it_expects() {
    let linter = Linter::with_defaults().expect("default pack loads");
    let dir = root().join("fixtures");
    let files = fixture_files(&dir);
    assert!(
        files.len() >= 20,
        "too few fixtures found under {}",
        dir.display()
    );
    let mut report = String::new();
    let mut total_expected = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read fixture");
        let sidecar = sidecar_path(path);
        let sidecar = sidecar
            .exists()
            .then(|| std::fs::read_to_string(&sidecar).expect("read sidecar"));
        let rel = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let checked = check_page(&linter, &rel, &bytes, sidecar.as_deref())
            .unwrap_or_else(|e| panic!("{rel}.expect: {e}"));
        total_expected += checked.expected;
        let text = String::from_utf8_lossy(&bytes);
        for m in &checked.mismatches {
            report.push_str(&describe(&rel, &text, m));
            report.push('\n');
        }
    }
    assert!(
        total_expected > 100,
        "fixtures expect only {total_expected} findings"
    );
    assert!(report.is_empty(), "fixture mismatches:\n{report}");
}

#[test]
fn seeds_are_byte_identical_to_shared() {
    let shared = root().join("../shared/seeds");
    if !shared.exists() {
        // CI has ../shared beside the clone; a lone clone checks the copies only
        return;
    }
    for name in ["000_80225c95d32a8a09.txt", "003_e3f48c51a407afa7.txt"] {
        let a = std::fs::read(shared.join(name)).expect("shared seed");
        let b = std::fs::read(root().join("fixtures/seeds").join(name)).expect("fixture seed");
        assert!(
            a == b,
            "fixtures/seeds/{name} differs from ../shared/seeds/{name}"
        );
    }
}
