//! `monolint check --fix` and `--diff`: apply the library's safe fixes (missing disclaimers,
//! see `monolint::fix`) to the linted files, or show them as a unified diff.
//!
//! A file is written atomically (see [`crate::atomic`]) and only if its content is still
//! exactly what was linted; a file that changed during the run, is not valid UTF-8, or came
//! from standard input is left alone, with a note.

use crate::check::Setup;
use crate::output::FileResult;
use std::path::Path;
use std::sync::Arc;

/// What the fixes did.
#[derive(Default)]
pub struct Fixes {
    /// Findings fixed (or, with --diff, that would be).
    pub fixed: usize,
    /// Files changed (or that would be).
    pub files: usize,
    /// With --diff: the unified diffs.
    pub diffs: String,
    /// Notes for standard error: what was not fixed and why.
    pub notes: Vec<String>,
    /// A file could not be written: the run cannot be trusted.
    pub failed: bool,
}

/// Fix every fixable finding in `results` (each holds every finding of its file: this runs
/// before a baseline hides any); `write` false only computes the diffs. Fixed files get
/// their new text and findings.
pub fn apply(setup: &Setup, results: &mut [FileResult], write: bool) -> Fixes {
    let linter = &setup.linter;
    let mut out = Fixes::default();
    for r in results.iter_mut() {
        if !r
            .diagnostics
            .iter()
            .any(|d| monolint::fix::fixable(linter, &setup.fix, d))
        {
            continue;
        }
        if r.diagnostics.iter().any(|d| d.rule == "io/invalid-utf8") {
            out.notes.push(format!(
                "monolint: note: {}: not fixed: the file is not valid UTF-8",
                r.path
            ));
            continue;
        }
        let outcome = monolint::fix::fix(linter, &setup.fix, &r.path, &r.text, &r.diagnostics);
        for s in &outcome.skipped {
            out.notes.push(format!(
                "monolint: note: {}: {} not fixed: {}",
                r.path, s.rule, s.reason
            ));
        }
        if !outcome.changed() {
            continue;
        }
        if !write {
            let diff = similar::TextDiff::from_lines(r.text.as_str(), outcome.text.as_str());
            out.diffs.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", r.path), &format!("b/{}", r.path))
                    .to_string(),
            );
            out.fixed += outcome.fixed.len();
            out.files += 1;
            continue;
        }
        match crate::atomic::replace_if_unchanged(
            Path::new(&r.path),
            r.text.as_bytes(),
            outcome.text.as_bytes(),
        ) {
            Ok(()) => {
                out.fixed += outcome.fixed.len();
                out.files += 1;
                r.text = Arc::new(outcome.text);
                r.diagnostics = outcome.diagnostics;
            }
            Err(crate::atomic::NotWritten::Changed) => out.notes.push(format!(
                "monolint: note: {}: not fixed: the file changed while monolint ran; run again",
                r.path
            )),
            Err(crate::atomic::NotWritten::Io(e)) => {
                out.failed = true;
                out.notes
                    .push(format!("monolint: error: cannot write {}: {e}", r.path));
            }
        }
    }
    out
}
