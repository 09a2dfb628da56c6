//! Safe fixes: the edits `monolint check --fix` can make without a person's judgment.
//!
//! Only a missing document-level text (a `kind: required` rule: the disclaimers) can be
//! fixed, by inserting the site's configured text, or the rule's own `insert` text, after
//! the page's title (or at its end). Every other finding needs an editor.
//!
//! This module computes the new text and checks it: the page is linted again, and an
//! insertion is kept only if its finding is gone and no other finding appeared, so a second
//! `--fix` finds nothing to do. It never writes files; the binary does.

use crate::diagnostic::Diagnostic;
use crate::document::{BlockKind, Document, Format};
use crate::engine::Linter;
use crate::pack::Kind;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Where inserted texts go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// After the title: the first heading in Markdown, the first line in plain text. A
    /// Markdown page without a heading gets the text before its first block.
    #[default]
    AfterTitle,
    /// At the end of the page.
    End,
}

/// The `fix:` section of `monolint.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixConfig {
    #[serde(default)]
    pub place: Place,
    /// Rule id -> the text to insert when that disclaimer is missing (`{compound}` is
    /// replaced by the compound's name). Rules not named use their own `insert` text.
    #[serde(default)]
    pub disclaimers: BTreeMap<String, String>,
}

impl FixConfig {
    /// The text inserted for a missing `rule`, before `{compound}` is filled in.
    pub fn text_for<'a>(&'a self, linter: &'a Linter, rule: &str) -> Option<&'a str> {
        let def = &linter.rule(rule)?.def;
        if def.kind != Kind::Required {
            return None;
        }
        self.disclaimers
            .get(rule)
            .map(String::as_str)
            .or(def.insert.as_deref())
    }
}

/// A finding that was not fixed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub rule: String,
    pub reason: String,
}

/// What fixing one page produced.
#[derive(Debug, Clone, Default)]
pub struct FixOutcome {
    /// The page after the fixes (equal to the input when nothing was fixed).
    pub text: String,
    /// The findings the fixes removed.
    pub fixed: Vec<Diagnostic>,
    /// The findings of the new text.
    pub diagnostics: Vec<Diagnostic>,
    pub skipped: Vec<Skipped>,
}

impl FixOutcome {
    pub fn changed(&self) -> bool {
        !self.fixed.is_empty()
    }
}

/// Can this finding be fixed with this configuration?
pub fn fixable(linter: &Linter, config: &FixConfig, d: &Diagnostic) -> bool {
    config.text_for(linter, &d.rule).is_some()
}

/// Fix what can be fixed on page `path`: `text` and `found`, every finding `linter`
/// reports on it. Findings that cannot be fixed are left; ones that could be but were not
/// are in `skipped`.
pub fn fix(
    linter: &Linter,
    config: &FixConfig,
    path: &str,
    text: &str,
    found: &[Diagnostic],
) -> FixOutcome {
    let mut todo: Vec<(usize, &Diagnostic, String)> = Vec::new();
    for d in found {
        let Some(template) = config.text_for(linter, &d.rule) else {
            continue;
        };
        if todo.iter().any(|(_, t, _)| t.rule == d.rule) {
            continue;
        }
        let name = d
            .compound
            .as_deref()
            .and_then(|id| linter.registry().lookup(id))
            .map_or("This compound", |i| linter.registry().get(i).name.as_str());
        let order = linter.rule_index(&d.rule).unwrap_or(usize::MAX);
        todo.push((order, d, crate::pack::fill(template.trim(), name)));
    }
    let unchanged = |skipped: Vec<Skipped>| FixOutcome {
        text: text.to_string(),
        fixed: Vec::new(),
        diagnostics: found.to_vec(),
        skipped,
    };
    if todo.is_empty() {
        return unchanged(Vec::new());
    }
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".html") || lower.ends_with(".htm") {
        let skipped = todo
            .iter()
            .map(|(_, d, _)| Skipped {
                rule: d.rule.clone(),
                reason: "--fix does not edit HTML pages yet".into(),
            })
            .collect();
        return unchanged(skipped);
    }
    todo.sort_by_key(|(order, _, _)| *order);
    let counts = |ds: &[Diagnostic]| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for d in ds {
            *m.entry(d.rule.clone()).or_default() += 1;
        }
        m
    };
    let old = counts(found);
    let doc = Document::parse(text, Format::from_path(path));
    let at = insertion_point(&doc, config.place);
    let mut skipped = Vec::new();
    // each round drops the insertions whose finding remains; at most one round per text
    while !todo.is_empty() {
        let texts: Vec<&str> = todo.iter().map(|(_, _, t)| t.as_str()).collect();
        let new_text = insert(text, at, &texts);
        let after = linter.lint_str(path, &new_text);
        let new = counts(&after);
        let still: Vec<usize> = todo
            .iter()
            .enumerate()
            .filter(|(_, (_, d, _))| after.iter().any(|a| a.rule == d.rule))
            .map(|(i, _)| i)
            .collect();
        if !still.is_empty() {
            for &i in still.iter().rev() {
                let (_, d, _) = todo.remove(i);
                skipped.push(Skipped {
                    rule: d.rule.clone(),
                    reason: format!(
                        "the text to insert does not satisfy {}; change `fix: disclaimers: {}` in monolint.yaml",
                        d.rule, d.rule
                    ),
                });
            }
            continue;
        }
        let added: Vec<&String> = new
            .iter()
            .filter(|(rule, n)| **n > old.get(*rule).copied().unwrap_or(0))
            .map(|(rule, _)| rule)
            .collect();
        if !added.is_empty() {
            let mut added: Vec<&str> = added.into_iter().map(String::as_str).collect();
            added.sort_unstable();
            for (_, d, _) in &todo {
                skipped.push(Skipped {
                    rule: d.rule.clone(),
                    reason: format!(
                        "inserting the text would add findings ({}); fix the page by hand",
                        added.join(", ")
                    ),
                });
            }
            break;
        }
        return FixOutcome {
            text: new_text,
            fixed: todo.iter().map(|(_, d, _)| (*d).clone()).collect(),
            diagnostics: after,
            skipped,
        };
    }
    skipped.sort_by(|a, b| a.rule.cmp(&b.rule));
    unchanged(skipped)
}

/// Byte offset of the start of the line after the one holding byte `at` (or the end).
fn next_line(src: &str, at: usize) -> usize {
    src[at..].find('\n').map_or(src.len(), |i| at + i + 1)
}

fn line_at(src: &str, start: usize) -> &str {
    let rest = &src[start..];
    let end = rest.find('\n').unwrap_or(rest.len());
    rest[..end].trim_end_matches('\r')
}

/// Where the texts go: always the start of a line, or the end of the text.
fn insertion_point(doc: &Document<'_>, place: Place) -> usize {
    let src = doc.src;
    if place == Place::End {
        return src.len();
    }
    let title = match doc.format {
        Format::Markdown | Format::Html => doc.blocks.iter().find(|b| b.kind == BlockKind::Heading),
        Format::Text => doc.blocks.first(),
    };
    let Some(title) = title else {
        // no title: before the first block (after any front matter)
        let s = doc.body_start();
        return src[..s].rfind('\n').map_or(0, |i| i + 1);
    };
    if doc.format == Format::Text {
        return next_line(src, title.start);
    }
    let (_, end) = title.norm.orig_range(0, title.norm.text.len(), src);
    let mut at = next_line(src, end.max(title.start).min(src.len()));
    // a setext heading's underline belongs to the title
    let under = line_at(src, at).trim();
    if at < src.len()
        && !under.is_empty()
        && (under.bytes().all(|b| b == b'=') || under.bytes().all(|b| b == b'-'))
    {
        at = next_line(src, at);
    }
    at
}

/// Insert `texts` as paragraphs of their own at `at` (a line start or the end), with blank
/// lines around them and the page's own line ending.
fn insert(src: &str, at: usize, texts: &[&str]) -> String {
    let nl = if src.contains("\r\n") { "\r\n" } else { "\n" };
    let head = &src[..at];
    let tail = &src[at..];
    let mut out =
        String::with_capacity(src.len() + texts.iter().map(|t| t.len() + 4).sum::<usize>());
    out.push_str(head);
    if !head.is_empty() {
        // end the line before, then a blank line unless that line is blank already
        let last_line = match head.strip_suffix('\n') {
            Some(h) => h.rsplit('\n').next().unwrap_or(""),
            None => {
                out.push_str(nl);
                head.rsplit('\n').next().unwrap_or("")
            }
        };
        if !last_line.trim().is_empty() {
            out.push_str(nl);
        }
    }
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            out.push_str(nl);
            out.push_str(nl);
        }
        for (j, line) in t.lines().enumerate() {
            if j > 0 {
                out.push_str(nl);
            }
            out.push_str(line.trim_end());
        }
    }
    out.push_str(nl);
    if !tail.is_empty() && !line_at(tail, 0).trim().is_empty() {
        out.push_str(nl);
    }
    out.push_str(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linter() -> Linter {
        Linter::with_defaults().unwrap()
    }

    fn fix_all(path: &str, text: &str, place: Place) -> FixOutcome {
        let l = linter();
        let cfg = FixConfig {
            place,
            ..FixConfig::default()
        };
        let found = l.lint_str(path, text);
        fix(&l, &cfg, path, text, &found)
    }

    const BPC: &str = "# BPC-157\n\nBPC-157 is a peptide studied in rats.\n";

    #[test]
    fn inserts_after_the_title_and_is_idempotent() {
        let out = fix_all("bpc.md", BPC, Place::AfterTitle);
        assert!(out.changed(), "{:?}", out.skipped);
        assert!(out
            .text
            .starts_with("# BPC-157\n\nThis page is for educational"));
        assert!(out
            .text
            .ends_with("\n\nBPC-157 is a peptide studied in rats.\n"));
        assert!(out.text.contains("BPC-157 is not approved for human use"));
        assert!(out
            .diagnostics
            .iter()
            .all(|d| !d.rule.starts_with("disclaimer/")));
        let again = fix_all("bpc.md", &out.text, Place::AfterTitle);
        assert!(!again.changed());
        assert_eq!(again.text, out.text);
    }

    #[test]
    fn end_place_and_crlf_and_setext() {
        let t = "BPC-157\r\n=======\r\nBPC-157 is a peptide studied in rats.";
        let out = fix_all("bpc.md", t, Place::AfterTitle);
        assert!(
            out.text.starts_with("BPC-157\r\n=======\r\n\r\nThis page"),
            "{:?}",
            out.text
        );
        assert!(
            !out.text.replace("\r\n", "").contains('\n'),
            "only CRLF line ends"
        );
        let out = fix_all("bpc.md", BPC, Place::End);
        assert!(out.text.starts_with(BPC), "{:?}", out.text);
        assert!(out.text[BPC.len()..].starts_with("\nThis page"));
    }

    #[test]
    fn plain_text_title_is_the_first_line() {
        let t = "BPC-157 overview\nBPC-157 is a peptide studied in rats.\n";
        let out = fix_all("bpc.txt", t, Place::AfterTitle);
        assert!(
            out.text.starts_with("BPC-157 overview\n\nThis page"),
            "{:?}",
            out.text
        );
        assert!(out
            .text
            .ends_with(".\n\nBPC-157 is a peptide studied in rats.\n"));
    }

    #[test]
    fn configured_text_that_does_not_satisfy_the_rule_is_skipped() {
        let l = linter();
        let mut cfg = FixConfig::default();
        cfg.disclaimers
            .insert("disclaimer/medical-advice".into(), "Read carefully.".into());
        let found = l.lint_str("bpc.md", BPC);
        let out = fix(&l, &cfg, "bpc.md", BPC, &found);
        assert!(out
            .skipped
            .iter()
            .any(|s| s.rule == "disclaimer/medical-advice"));
        // the others are still fixed
        assert!(out
            .fixed
            .iter()
            .any(|d| d.rule == "disclaimer/research-chemical"));
        assert!(!out.text.contains("Read carefully"));
    }

    #[test]
    fn every_default_insert_text_satisfies_its_rule() {
        let pages = [
            "# Semaglutide\n\nSemaglutide lowers blood sugar.\n",
            "# BPC-157\n\nBPC-157 is a peptide studied in rats.\n",
            "# Magnesium\n\nMagnesium supports healthy sleep.\n",
        ];
        let mut fixed = std::collections::BTreeSet::new();
        for page in pages {
            let out = fix_all("page.md", page, Place::AfterTitle);
            assert!(out.skipped.is_empty(), "{page}: {:?}", out.skipped);
            assert!(
                out.diagnostics
                    .iter()
                    .all(|d| !d.rule.starts_with("disclaimer/")),
                "{}",
                out.text
            );
            fixed.extend(out.fixed.into_iter().map(|d| d.rule));
        }
        let with_text: std::collections::BTreeSet<String> = linter()
            .rules()
            .iter()
            .filter(|r| r.def.insert.is_some())
            .map(|r| r.id().to_string())
            .collect();
        assert_eq!(fixed, with_text);
    }

    #[test]
    fn html_is_left_alone() {
        let out = fix_all(
            "bpc.html",
            "<h1>BPC-157</h1>\n<p>A peptide.</p>\n",
            Place::End,
        );
        assert!(!out.changed());
        assert!(!out.skipped.is_empty());
    }
}
