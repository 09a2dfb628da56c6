//! Findings, their severity, and exact positions in the original bytes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding in one file. Positions are computed from the original bytes: `line` and
/// `column` are 1-based, columns count Unicode scalar values, `end_column` is exclusive;
/// `offset`/`length` are bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub offset: usize,
    pub length: usize,
    /// The original text of the finding.
    pub text: String,
    /// Registry id of the compound the finding is about.
    pub compound: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// The position fields in one fixed order: line, column, end line, end column,
    /// offset, length (the order the JSON record and the result cache store them in).
    pub fn positions(&self) -> [usize; 6] {
        [
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            self.offset,
            self.length,
        ]
    }
}

/// Line starts of a text, for offset -> line/column.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Every `MARK` bytes, (byte offset of a character boundary, characters before it):
    /// a column is then counted from the nearest mark, not from the start of its line,
    /// so a 100 MB single-line file costs the same per finding as a short page. Empty
    /// when no line is longer than `MARK` bytes: only such a line consults them.
    marks: Vec<(usize, usize)>,
}

const MARK: usize = 4096;

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        // memchr's vector search: `match_indices` costs ~2.5 instructions a byte here
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        // a line's extent, bounded above: to the next line's start, or past the text's end
        let ends = starts.iter().skip(1).copied().chain([text.len() + 1]);
        let long_line = starts.iter().zip(ends).any(|(s, e)| e - s > MARK);
        let mut marks = Vec::new();
        let (mut at, mut chars) = (0, 0);
        while long_line && at <= text.len() {
            let mut b = at;
            while !text.is_char_boundary(b) {
                b += 1;
            }
            if let Some((prev_at, prev_chars)) = marks.last().copied() {
                chars = prev_chars + text[prev_at..b].chars().count();
            }
            marks.push((b, chars));
            at += MARK;
        }
        Self {
            text,
            starts,
            marks,
        }
    }

    /// Characters before byte `offset` (a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let k = (offset / MARK).min(self.marks.len() - 1);
        let (mut at, mut chars) = self.marks[k];
        if at > offset {
            (at, chars) = self.marks[k.saturating_sub(1)];
        }
        chars
            + self
                .text
                .get(at..offset)
                .map_or(offset.saturating_sub(at), |s| s.chars().count())
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let far = offset - start > MARK && !self.marks.is_empty();
        let col = if far && self.text.is_char_boundary(offset) {
            self.chars_before(offset) - self.chars_before(start)
        } else {
            self.text
                .get(start..offset)
                .map_or(offset - start, |s| s.chars().count())
        };
        (line + 1, col + 1)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Byte range of 1-based `line`, without its line break.
    pub fn line_range(&self, line: usize) -> (usize, usize) {
        let s = self.line_start(line);
        let e = self.text[s..].find('\n').map_or(self.text.len(), |i| s + i);
        let e = if self.text[s..e].ends_with('\r') {
            e - 1
        } else {
            e
        };
        (s, e)
    }
}

/// Build a finding at byte range `start..end` of `text`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn make(
    index: &LineIndex<'_>,
    text: &str,
    start: usize,
    end: usize,
    rule: &str,
    severity: Severity,
    message: String,
    compound: Option<String>,
    help: Option<String>,
) -> Diagnostic {
    let (line, column) = index.line_col(start);
    let (end_line, end_column) = index.line_col(end);
    Diagnostic {
        rule: rule.to_string(),
        severity,
        message,
        line,
        column,
        end_line,
        end_column,
        offset: start,
        length: end - start,
        text: text.get(start..end).unwrap_or_default().to_string(),
        compound,
        help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_come_in_the_stored_order() {
        let d = Diagnostic {
            rule: "r".into(),
            severity: Severity::Error,
            message: "m".into(),
            line: 1,
            column: 2,
            end_line: 3,
            end_column: 4,
            offset: 5,
            length: 6,
            text: "t".into(),
            compound: None,
            help: None,
        };
        assert_eq!(d.positions(), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn columns_on_a_long_line_match_a_plain_count() {
        let line: String = "aµ–b ".repeat(5000);
        let t = format!("first\n{line}\nlast");
        let idx = LineIndex::new(&t);
        for (at, _) in t.char_indices().step_by(997) {
            let start = t[..at].rfind('\n').map_or(0, |i| i + 1);
            let expect = t[start..at].chars().count() + 1;
            assert_eq!(idx.line_col(at).1, expect, "at byte {at}");
        }
    }

    #[test]
    fn columns_are_right_on_lines_either_side_of_the_mark_spacing() {
        for len in [MARK - 1, MARK, MARK + 1, MARK + 2, 2 * MARK + 1] {
            // `µ` is two bytes: character and byte counts differ
            let line = "µ".repeat(len / 2) + &"a".repeat(len % 2);
            for t in [
                format!("{line}\nshort\n"),
                format!("short\n{line}"),
                format!("{line}\n{line}\n{line}"),
            ] {
                let idx = LineIndex::new(&t);
                for (at, _) in t.char_indices().chain([(t.len(), ' ')]) {
                    let start = t[..at].rfind('\n').map_or(0, |i| i + 1);
                    let expect = t[start..at].chars().count() + 1;
                    assert_eq!(idx.line_col(at).1, expect, "line of {len}, at byte {at}");
                }
            }
        }
    }

    #[test]
    fn columns_count_characters() {
        let t = "µg line\nsecond µ line";
        let idx = LineIndex::new(t);
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(2), (1, 2)); // after the two-byte µ
        let at = t.find("line\n").unwrap();
        assert_eq!(idx.line_col(at), (1, 4));
        let at = t.rfind("line").unwrap();
        assert_eq!(idx.line_col(at), (2, 10));
        assert_eq!(idx.line_range(2), (9, t.len()));
    }
}
