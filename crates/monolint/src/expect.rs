//! Annotated fixtures: expected findings written in the documents themselves.
//!
//! `<!-- expect: rule/a, rule/b -->` (Markdown, HTML) or `# expect: rule/a` (plain text)
//! names the findings expected on the next line that is not itself an annotation
//! (`expect:`, `ok:`, `decision:`). A sidecar file (`NAME.expect`, lines of `LINE RULE`)
//! serves documents that must stay byte-identical. [`compare`] checks both directions:
//! every expected finding reported, nothing else reported.

use crate::diagnostic::Diagnostic;
use crate::engine::Linter;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// (line, rule) -> how many findings.
pub type Expectations = BTreeMap<(usize, String), usize>;

fn annotation(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    let body = if let Some(rest) = t.strip_prefix("<!--") {
        rest.strip_suffix("-->")?.trim()
    } else if let Some(rest) = t.strip_prefix('#') {
        rest.trim()
    } else {
        return None;
    };
    for key in ["expect:", "ok:", "decision:"] {
        if let Some(rest) = body.strip_prefix(key) {
            return Some((key, rest.trim()));
        }
    }
    None
}

/// Is this line only an annotation (`expect:`, `ok:`, `decision:`)?
pub fn is_annotation(line: &str) -> bool {
    annotation(line).is_some()
}

/// Expectations written inside a document.
pub fn parse_inline(text: &str) -> Expectations {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Expectations::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(("expect:", rules)) = annotation(line) else {
            continue;
        };
        let target = (i + 1..lines.len()).find(|&j| annotation(lines[j]).is_none());
        let Some(target) = target else { continue };
        for rule in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            *out.entry((target + 1, rule.to_string())).or_default() += 1;
        }
    }
    out
}

/// Expectations from a sidecar file: `LINE RULE` lines, `#` comments.
pub fn parse_sidecar(text: &str) -> Result<Expectations, String> {
    let mut out = Expectations::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut parts = t.split_whitespace();
        let (Some(n), Some(rule), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("line {}: expected `LINE RULE`, got `{t}`", i + 1));
        };
        let n: usize = n
            .parse()
            .map_err(|_| format!("line {}: `{n}` is not a line number", i + 1))?;
        *out.entry((n, rule.to_string())).or_default() += 1;
    }
    Ok(out)
}

/// One difference between expectations and findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// Expected but not reported.
    Missing { line: usize, rule: String },
    /// Reported but not expected.
    Unexpected {
        line: usize,
        rule: String,
        text: String,
        message: String,
    },
}

/// Compare findings with expectations in both directions.
pub fn compare(expected: &Expectations, found: &[Diagnostic]) -> Vec<Mismatch> {
    let mut got: BTreeMap<(usize, String), Vec<&Diagnostic>> = BTreeMap::new();
    for d in found {
        got.entry((d.line, d.rule.clone())).or_default().push(d);
    }
    let mut out = Vec::new();
    for ((line, rule), &n) in expected {
        let have = got.get(&(*line, rule.clone())).map_or(0, Vec::len);
        for _ in have..n {
            out.push(Mismatch::Missing {
                line: *line,
                rule: rule.clone(),
            });
        }
    }
    for ((line, rule), ds) in &got {
        let want = expected.get(&(*line, rule.clone())).copied().unwrap_or(0);
        for d in ds.iter().skip(want) {
            out.push(Mismatch::Unexpected {
                line: *line,
                rule: rule.clone(),
                text: d.text.clone(),
                message: d.message.clone(),
            });
        }
    }
    out.sort_by_key(|m| match m {
        Mismatch::Missing { line, .. } | Mismatch::Unexpected { line, .. } => *line,
    });
    out
}

/// The sidecar expectations file of a page: `NAME.expect` beside it.
pub fn sidecar_path(page: &Path) -> PathBuf {
    let mut name = page.file_name().unwrap_or_default().to_os_string();
    name.push(".expect");
    page.with_file_name(name)
}

/// What checking one annotated page found.
#[derive(Debug, Clone, Default)]
pub struct PageCheck {
    /// Findings the page expects.
    pub expected: usize,
    pub mismatches: Vec<Mismatch>,
}

/// Lint one annotated page (`name` picks the format) and compare with its expectations:
/// the sidecar's (`NAME.expect` text) if there is one, else its inline annotations. A
/// malformed sidecar is an error.
pub fn check_page(
    linter: &Linter,
    name: &str,
    bytes: &[u8],
    sidecar: Option<&str>,
) -> Result<PageCheck, String> {
    let expected = match sidecar {
        Some(s) => parse_sidecar(s)?,
        None => parse_inline(&String::from_utf8_lossy(bytes)),
    };
    let found = linter.lint_bytes(name, bytes).diagnostics;
    Ok(PageCheck {
        expected: expected.values().sum(),
        mismatches: compare(&expected, &found),
    })
}

/// A difference, readably: `NAME:LINE: missing    rule/id` or `NAME:LINE: unexpected
/// rule/id on `text`: message`, then the page's line.
pub fn describe(name: &str, text: &str, m: &Mismatch) -> String {
    let (line, what) = match m {
        Mismatch::Missing { line, rule } => (*line, format!("missing    {rule}")),
        Mismatch::Unexpected {
            line,
            rule,
            text,
            message,
        } => (*line, format!("unexpected {rule} on `{text}`: {message}")),
    };
    let src = text.lines().nth(line.wrapping_sub(1)).unwrap_or("");
    let src: String = src.chars().take(100).collect();
    format!("{name}:{line}: {what}\n      | {src}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_annotations_skip_other_annotations() {
        let t = "<!-- expect: a/b, a/b -->\n<!-- ok: note -->\ntarget\n# expect: c/d\n# decision: x\nsecond\n";
        let e = parse_inline(t);
        assert_eq!(e.get(&(3, "a/b".into())), Some(&2));
        assert_eq!(e.get(&(6, "c/d".into())), Some(&1));
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn sidecar_rejects_garbage() {
        assert!(parse_sidecar("# c\n11 a/b\n").is_ok());
        assert!(parse_sidecar("eleven a/b\n").is_err());
        assert!(parse_sidecar("11\n").is_err());
    }
}
