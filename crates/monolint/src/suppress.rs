//! Suppression comments (SPEC §7).
//!
//! ```text
//! <!-- monolint-disable-next-line dose/unapproved -- quoting the FDA label -->
//! <!-- monolint-disable recommendation/sandboxed -- reason -->  …  <!-- monolint-enable recommendation/sandboxed -->
//! <!-- monolint-disable-file disclaimer/anti-doping -- reason -->
//! ```
//! In plain text the same directives are `#` lines. The reason after `--` is required:
//! without one a directive suppresses nothing and is reported (`suppression/no-reason`).
//! A directive that suppresses nothing is `suppression/unused`; an unknown rule id is
//! `suppression/unknown-rule`.

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::document::Document;
use crate::engine::Linter;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NextLine,
    Disable,
    Enable,
    File,
}

#[derive(Debug)]
struct Directive {
    kind: Kind,
    rules: Vec<String>,
    has_reason: bool,
    span: (usize, usize),
    line: usize,
    end_line: usize,
}

fn parse(doc: &Document<'_>, index: &LineIndex<'_>) -> Vec<Directive> {
    let mut out = Vec::new();
    for c in &doc.comments {
        let body = c.body.trim();
        let (kind, rest) = if let Some(r) = body.strip_prefix("monolint-disable-next-line") {
            (Kind::NextLine, r)
        } else if let Some(r) = body.strip_prefix("monolint-disable-file") {
            (Kind::File, r)
        } else if let Some(r) = body.strip_prefix("monolint-disable") {
            (Kind::Disable, r)
        } else if let Some(r) = body.strip_prefix("monolint-enable") {
            (Kind::Enable, r)
        } else {
            continue;
        };
        // the keyword must end here ("monolint-disabled" is not a directive)
        if rest.chars().next().is_some_and(|ch| !ch.is_whitespace()) {
            continue;
        }
        let (ids, reason) = match rest.split_once("--") {
            Some((ids, reason)) => (ids, reason.trim()),
            None => (rest, ""),
        };
        let rules = ids
            .split(|ch: char| ch == ',' || ch.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        out.push(Directive {
            kind,
            rules,
            has_reason: !reason.is_empty(),
            span: (c.span.start, c.span.end),
            line: index.line_col(c.span.start).0,
            end_line: index
                .line_col(c.span.end.saturating_sub(1).max(c.span.start))
                .0,
        });
    }
    out
}

/// Remove suppressed findings from `diags`; return the findings about the directives.
pub(crate) fn apply(
    linter: &Linter,
    doc: &Document<'_>,
    index: &LineIndex<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let directives = parse(doc, index);
    let mut meta = Vec::new();
    if directives.is_empty() {
        return meta;
    }
    let text = doc.src;
    // (directive, rule) pairs that suppressed something
    let mut used: Vec<Vec<bool>> = directives
        .iter()
        .map(|d| vec![false; d.rules.len()])
        .collect();
    let active = |d: &Directive| d.has_reason && d.kind != Kind::Enable;
    // the line a next-line directive covers: the next one that is not an annotation
    let lines: Vec<&str> = text.lines().collect();
    let target = |d: &Directive| -> usize {
        (d.end_line..lines.len())
            .find(|&i| !crate::expect::is_annotation(lines[i]))
            .map_or(d.end_line + 1, |i| i + 1)
    };
    // worked out once per directive, so a page of thousands of comments stays linear:
    // next-line directives by the line they cover; regions and files with, per rule they
    // name, the last line they cover
    let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut wide: Vec<(usize, Vec<usize>)> = Vec::new();
    for (di, d) in directives.iter().enumerate() {
        if !active(d) {
            continue;
        }
        match d.kind {
            Kind::NextLine => by_line.entry(target(d)).or_default().push(di),
            Kind::File => wide.push((di, vec![usize::MAX; d.rules.len()])),
            Kind::Disable => {
                let ends = d
                    .rules
                    .iter()
                    .map(|r| {
                        directives[di + 1..]
                            .iter()
                            .filter(|e| e.kind == Kind::Enable && e.line >= d.end_line)
                            .find(|e| e.rules.is_empty() || e.rules.contains(r))
                            .map_or(usize::MAX, |e| e.line)
                    })
                    .collect();
                wide.push((di, ends));
            }
            Kind::Enable => {}
        }
    }
    diags.retain(|f| {
        if f.rule.starts_with("suppression/") || f.rule.starts_with("io/") {
            return true;
        }
        let mut keep = true;
        for (di, ends) in &wide {
            let d = &directives[*di];
            let Some(ri) = d.rules.iter().position(|r| *r == f.rule) else {
                continue;
            };
            if d.kind == Kind::File || (f.line > d.end_line && f.line <= ends[ri]) {
                used[*di][ri] = true;
                keep = false;
            }
        }
        for &di in by_line.get(&f.line).map(Vec::as_slice).unwrap_or_default() {
            if let Some(ri) = directives[di].rules.iter().position(|r| *r == f.rule) {
                used[di][ri] = true;
                keep = false;
            }
        }
        keep
    });
    for (di, d) in directives.iter().enumerate() {
        let (s, e) = d.span;
        if d.kind != Kind::Enable && !d.has_reason {
            linter.meta_indexed(
                &mut meta,
                index,
                text,
                s,
                e,
                "suppression/no-reason",
                "suppression without a reason: add ` -- why` (it suppresses nothing until then)"
                    .into(),
            );
        }
        if d.rules.is_empty() {
            linter.meta_indexed(
                &mut meta,
                index,
                text,
                s,
                e,
                "suppression/unknown-rule",
                "suppression names no rule: list the rule ids it applies to".into(),
            );
            continue;
        }
        for (ri, r) in d.rules.iter().enumerate() {
            if linter.rule_index(r).is_none() {
                linter.meta_indexed(
                    &mut meta,
                    index,
                    text,
                    s,
                    e,
                    "suppression/unknown-rule",
                    format!("suppression names unknown rule `{r}` (see `monolint rules`)"),
                );
            } else if active(d) && !used[di][ri] {
                linter.meta_indexed(
                    &mut meta,
                    index,
                    text,
                    s,
                    e,
                    "suppression/unused",
                    format!("suppression of `{r}` suppresses nothing: remove it"),
                );
            }
        }
    }
    meta
}
