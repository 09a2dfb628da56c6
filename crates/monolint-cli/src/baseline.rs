//! Baselines, for adopting monolint on a site with many existing pages:
//! `--write-baseline FILE` records today's findings, `--baseline FILE` reports only the
//! ones that are not recorded.
//!
//! An entry is a finding's content key (file, rule, compound, normalized text of the
//! finding and of its sentence; see `monolint::fingerprint`) with a count, never a line
//! number, so adding or moving text elsewhere in a page, or re-wrapping a paragraph, does
//! not bring old findings back. File paths are stored relative to the baseline file's
//! folder, so the baseline works from any working folder. Entries for files that were
//! linted but no longer have that finding are reported as stale, so the baseline shrinks
//! as the site is fixed, and so are entries for files that no longer exist; entries for
//! files this run did not lint are left alone.

use crate::output::FileResult;
use monolint::Linter;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    /// What wrote it, for people reading the file.
    #[serde(default)]
    generated_by: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    pub compound: Option<String>,
    pub text: String,
    pub context: String,
    pub count: usize,
}

type Key = (String, String, Option<String>, String, String);

fn key_of(e: &Entry) -> Key {
    (
        e.path.clone(),
        e.rule.clone(),
        e.compound.clone(),
        e.text.clone(),
        e.context.clone(),
    )
}

fn entry(((path, rule, compound, text, context), count): (Key, usize)) -> Entry {
    Entry {
        path,
        rule,
        compound,
        text,
        context,
        count,
    }
}

/// `path` without `.` and with `..` applied, lexically.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Where paths in a baseline are relative to: the baseline file's folder, absolute.
struct Base {
    cwd: PathBuf,
    dir: PathBuf,
}

impl Base {
    fn new(baseline: &Path) -> Result<Base, String> {
        let cwd =
            std::env::current_dir().map_err(|e| format!("cannot read the working folder: {e}"))?;
        let dir = clean(&cwd.join(baseline.parent().unwrap_or(Path::new(""))));
        Ok(Base { cwd, dir })
    }

    /// A linted file's path as the baseline stores it.
    fn entry_path(&self, shown: &str) -> String {
        let abs = clean(&self.cwd.join(shown));
        let rel = abs
            .strip_prefix(&self.dir)
            .map(Path::to_path_buf)
            .unwrap_or(abs);
        rel.to_string_lossy().replace('\\', "/")
    }
}

fn keys(linter: &Linter, base: &Base, r: &FileResult) -> Vec<Key> {
    let path = base.entry_path(&r.path);
    r.diagnostics
        .iter()
        .map(|d| {
            let k = monolint::fingerprint::key(linter, d, &r.text);
            (path.clone(), k.rule, k.compound, k.text, k.context)
        })
        .collect()
}

/// Record every finding in `results`. Returns (findings, files with findings).
pub fn write(
    file: &Path,
    linter: &Linter,
    results: &[FileResult],
) -> Result<(usize, usize), String> {
    let base = Base::new(file)?;
    let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
    let mut files = BTreeSet::new();
    for r in results {
        for k in keys(linter, &base, r) {
            files.insert(k.0.clone());
            *counts.entry(k).or_default() += 1;
        }
    }
    let findings = counts.values().sum();
    let entries = counts.into_iter().map(entry).collect();
    let doc = BaselineFile {
        version: VERSION,
        generated_by: format!("monolint {}", env!("CARGO_PKG_VERSION")),
        entries,
    };
    let mut json = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    json.push('\n');
    crate::atomic::write(file, json.as_bytes())
        .map_err(|e| format!("cannot write the baseline {}: {e}", file.display()))?;
    Ok((findings, files.len()))
}

/// What applying a baseline did.
pub struct Applied {
    /// Findings hidden because the baseline has them.
    pub hidden: usize,
    /// Entries (with their unmatched counts) for linted files that no longer match.
    pub stale: Vec<Entry>,
}

/// Drop the findings the baseline records from `results`.
pub fn apply(file: &Path, linter: &Linter, results: &mut [FileResult]) -> Result<Applied, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read the baseline {}: {e}", file.display()))?;
    let doc: BaselineFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not a monolint baseline: {e} (write one with --write-baseline)",
            file.display()
        )
    })?;
    if doc.version != VERSION {
        return Err(format!(
            "{}: baseline version {} is not supported (this monolint writes version {VERSION}); write it again with --write-baseline",
            file.display(),
            doc.version
        ));
    }
    let base = Base::new(file)?;
    let mut remaining: BTreeMap<Key, usize> = BTreeMap::new();
    for e in &doc.entries {
        *remaining.entry(key_of(e)).or_default() += e.count;
    }
    let mut hidden = 0;
    let mut linted = BTreeSet::new();
    for r in results.iter_mut() {
        linted.insert(base.entry_path(&r.path));
        let ks = keys(linter, &base, r);
        let mut keep = ks.iter().map(|k| match remaining.get_mut(k) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        let before = r.diagnostics.len();
        r.diagnostics.retain(|_| keep.next().unwrap_or(true));
        hidden += before - r.diagnostics.len();
    }
    let stale = remaining
        .into_iter()
        .filter(|(k, n)| *n > 0 && (linted.contains(&k.0) || !base.dir.join(&k.0).exists()))
        .map(entry)
        .collect();
    Ok(Applied { hidden, stale })
}

/// Notes for standard error about what the baseline did.
pub fn notes(file: &Path, applied: &Applied) -> Vec<String> {
    let mut out = Vec::new();
    if applied.hidden > 0 {
        out.push(format!(
            "monolint: baseline: {} recorded in {} not shown",
            crate::output::plural(applied.hidden, "finding"),
            file.display()
        ));
    }
    let stale: usize = applied.stale.iter().map(|e| e.count).sum();
    if stale > 0 {
        out.push(format!(
            "monolint: baseline: {} no longer {} (fixed, or the sentence changed); refresh it with --write-baseline {}",
            if stale == 1 {
                "1 entry".to_string()
            } else {
                format!("{} entries", crate::output::thousands(stale))
            },
            if stale == 1 { "matches" } else { "match" },
            file.display()
        ));
        const SHOWN: usize = 10;
        for e in applied.stale.iter().take(SHOWN) {
            let what = if e.text.is_empty() {
                String::new()
            } else {
                format!(" `{}`", e.text)
            };
            out.push(format!("  {}: {}{what}", e.path, e.rule));
        }
        if applied.stale.len() > SHOWN {
            out.push(format!("  ... and {} more", applied.stale.len() - SHOWN));
        }
    }
    out
}
