//! Content keys: what identifies a finding across edits, for baselines and SARIF
//! fingerprints.
//!
//! A finding is identified by its rule, the compound it is about, the normalized text of
//! the finding and the normalized text of the sentence it is in; never by its line or
//! offset. Adding a paragraph above it, moving it, or re-wrapping its paragraph keeps its
//! key; changing the sentence itself makes it a new finding. A document-level finding (a
//! missing disclaimer) is keyed by rule and compound alone: it has no text of its own.

use crate::diagnostic::Diagnostic;
use crate::engine::Linter;
use crate::normalize::NormText;
use crate::pack::Kind;
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// The content key of a finding (without its file: callers add that).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    pub rule: String,
    pub compound: Option<String>,
    /// The finding's text, normalized ("" for document-level findings).
    pub text: String,
    /// The sentence (or table row, or heading) it is in, normalized.
    pub context: String,
}

/// Text folded for comparison: Unicode forms, dashes and spaces unified, lowercase,
/// white space collapsed.
pub fn normalized(s: &str) -> String {
    let folded = NormText::of(s).text.to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How a line takes part in a paragraph.
#[derive(PartialEq, Eq)]
enum Line {
    Blank,
    /// A unit by itself: a heading, a table row, a comment.
    Alone,
    /// Starts a unit that continues on the next lines: a list item, a quote.
    Starter,
    Continuation,
}

fn classify(line: &str) -> Line {
    let t = line.trim();
    if t.is_empty() {
        return Line::Blank;
    }
    if t.starts_with('#') || t.starts_with('|') || t.starts_with("<!--") {
        return Line::Alone;
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let numbered = digits > 0 && matches!(t.as_bytes().get(digits), Some(b'.' | b')'));
    if numbered || t.starts_with(['-', '*', '+', '>']) {
        return Line::Starter;
    }
    Line::Continuation
}

/// Byte ranges of the lines of `text` (without their line breaks).
fn lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices('\n') {
        out.push((start, i));
        start = i + 1;
    }
    if start < text.len() || out.is_empty() {
        out.push((start, text.len()));
    }
    out
}

/// The sentence of `text` that holds bytes `offset..offset + length`: within its paragraph,
/// list item, table row or heading, split at sentence boundaries (UAX #29).
pub fn sentence_at(text: &str, offset: usize, length: usize) -> &str {
    let offset = offset.min(text.len());
    let ls = lines(text);
    let at = ls
        .iter()
        .position(|&(s, e)| offset >= s && offset <= e)
        .unwrap_or(ls.len() - 1);
    let kind = |i: usize| classify(&text[ls[i].0..ls[i].1]);
    let (mut first, mut last) = (at, at);
    if kind(at) != Line::Alone && kind(at) != Line::Blank {
        if kind(at) == Line::Continuation {
            while first > 0 && kind(first - 1) != Line::Blank && kind(first - 1) != Line::Alone {
                first -= 1;
                if kind(first) == Line::Starter {
                    break;
                }
            }
        }
        while last + 1 < ls.len() && kind(last + 1) == Line::Continuation {
            last += 1;
        }
    }
    let (us, ue) = (ls[first].0, ls[last].1);
    let unit = &text[us..ue];
    let rel_s = offset - us.min(offset);
    let rel_e = (offset + length).clamp(offset, ue) - us;
    let mut start = 0;
    let mut end = unit.len();
    // line breaks inside a paragraph are not sentence ends (UAX #29 treats them as such)
    let flat = unit.replace(['\n', '\r'], " ");
    for (i, s) in flat.split_sentence_bound_indices() {
        let e = i + s.len();
        if i <= rel_s && rel_s < e {
            start = i;
        }
        if i < rel_e.max(rel_s + 1) && rel_e <= e {
            end = e;
            break;
        }
    }
    if start > end {
        return unit.trim();
    }
    unit[start..end].trim()
}

/// The content key of finding `d` in a file whose text is `text`.
pub fn key(linter: &Linter, d: &Diagnostic, text: &str) -> Key {
    let document_level = linter
        .rule(&d.rule)
        .is_some_and(|r| r.def.kind == Kind::Required);
    let (finding, context) = if document_level {
        (String::new(), String::new())
    } else {
        let context = sentence_at(text, d.offset, d.length);
        (normalized(&d.text), normalized(context))
    };
    Key {
        rule: d.rule.clone(),
        compound: d.compound.clone(),
        text: finding,
        context,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_within_a_rewrapped_paragraph() {
        let a = "# T\n\nFirst sentence here. Users take 250 mcg\ndaily. Last one.\n";
        let b = "# T\n\nFirst sentence here.\nUsers take 250\u{a0}mcg daily.\nLast one.\n\nMore.\n";
        let sa = sentence_at(a, a.find("250").unwrap(), 7);
        let sb = sentence_at(b, b.find("250").unwrap(), 8);
        assert_eq!(normalized(sa), "users take 250 mcg daily.");
        assert_eq!(normalized(sa), normalized(sb));
    }

    #[test]
    fn table_rows_headings_and_list_items_stand_alone() {
        let t = "| A | B |\n|---|---|\n| BPC-157 | 250 mcg |\n| TB-500 | 2 mg |\n";
        assert_eq!(
            sentence_at(t, t.find("250").unwrap(), 7),
            "| BPC-157 | 250 mcg |"
        );
        let t = "- one item\n- second 5 mg item\n  continued here\n- third\n";
        assert_eq!(
            normalized(sentence_at(t, t.find("5 mg").unwrap(), 4)),
            "- second 5 mg item continued here"
        );
        let t = "## Dosing 5 mg\nBody text.\n";
        assert_eq!(sentence_at(t, t.find("5 mg").unwrap(), 4), "## Dosing 5 mg");
    }

    #[test]
    fn normalization_folds_unicode_and_case() {
        assert_eq!(
            normalized("250\u{a0}µg  Twice–Daily"),
            normalized("250 ug twice-daily")
        );
    }
}
