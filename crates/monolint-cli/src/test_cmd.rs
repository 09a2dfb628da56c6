//! `monolint test [PATH ...]`: the fixture runner monolint tests itself with, for sites that
//! write their own rules or compounds. Every page under the paths (default `fixtures/`) is
//! linted with the configured packs and compounds and compared with what it expects:
//! `<!-- expect: rule/id -->` (Markdown, HTML) or `# expect: rule/id` (plain text) for the
//! next line, or a sidecar `NAME.expect` of `LINE RULE` lines. Every expected finding must
//! be reported and nothing else may be. A folder's `README.md` describes it and is not a
//! page. Exit 0 when every page matches, 1 on any difference, 2 when the run cannot be
//! trusted (bad configuration, unreadable page or sidecar, no page at all).

use crate::check::{lintable, setup, SKIP_DIRS};
use crate::output::plural;
use monolint::expect::{check_page, describe, sidecar_path};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn pages(paths: &[PathBuf], problems: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
            continue;
        }
        if !p.is_dir() {
            problems.push(format!(
                "cannot read {}: no such file or folder",
                p.display()
            ));
            continue;
        }
        let walker = walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0
                    || !e.file_type().is_dir()
                    || !(name.starts_with('.') || SKIP_DIRS.contains(&name.as_ref()))
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if lintable(e.path()) && e.file_name() != "README.md" {
                        out.push(e.path().to_path_buf());
                    }
                }
                Ok(_) => {}
                Err(e) => problems.push(format!("cannot walk {}: {e}", p.display())),
            }
        }
    }
    out
}

fn shown(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

pub fn run(paths: &[PathBuf], config: Option<&Path>) -> u8 {
    let started = Instant::now();
    let linter = match setup(config) {
        Ok(s) => s.linter,
        Err(msg) => {
            errln!("{msg}");
            return 2;
        }
    };
    let mut problems = Vec::new();
    let files = pages(paths, &mut problems);
    let (mut tested, mut expected, mut missing, mut unexpected) = (0, 0, 0, 0);
    for path in &files {
        let name = shown(path);
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("cannot read {name}: {e}"));
                continue;
            }
        };
        let sidecar_file = sidecar_path(path);
        let sidecar = if sidecar_file.is_file() {
            match std::fs::read_to_string(&sidecar_file) {
                Ok(s) => Some(s),
                Err(e) => {
                    problems.push(format!("cannot read {}: {e}", shown(&sidecar_file)));
                    continue;
                }
            }
        } else {
            None
        };
        let checked = match check_page(&linter, &name, &bytes, sidecar.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!("{}: {e}", shown(&sidecar_file)));
                continue;
            }
        };
        tested += 1;
        expected += checked.expected;
        let text = String::from_utf8_lossy(&bytes);
        for m in &checked.mismatches {
            match m {
                monolint::expect::Mismatch::Missing { .. } => missing += 1,
                monolint::expect::Mismatch::Unexpected { .. } => unexpected += 1,
            }
            outln!("{}", describe(&name, &text, m));
        }
    }
    for p in &problems {
        errln!("monolint: error: {p}");
    }
    if files.is_empty() && problems.is_empty() {
        errln!(
            "monolint: error: no annotated pages ({}) in {}",
            crate::check::EXTENSIONS.join(", "),
            paths
                .iter()
                .map(|p| shown(p))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return 2;
    }
    errln!(
        "tested {} in {:.2} s: {} expected, {} missing, {} unexpected",
        plural(tested, "page"),
        started.elapsed().as_secs_f64(),
        plural(expected, "finding"),
        crate::output::thousands(missing),
        crate::output::thousands(unexpected),
    );
    if !problems.is_empty() {
        2
    } else {
        u8::from(missing + unexpected > 0)
    }
}
