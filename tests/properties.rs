//! Properties that hold for any input (issue 5): no panic; every finding lies inside the
//! file on character boundaries, its `text` is exactly the original bytes at
//! `offset..offset+length`, and its line and column agree with its offset; findings are
//! stable when an unrelated paragraph is added above them.

use monolint::{Diagnostic, Linter};
use proptest::prelude::*;
use std::sync::OnceLock;

fn linter() -> &'static Linter {
    static L: OnceLock<Linter> = OnceLock::new();
    L.get_or_init(|| Linter::with_defaults().expect("default pack"))
}

/// 1-based line and character column of byte `at`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn check_positions(text: &str, diags: &[Diagnostic]) -> Result<(), TestCaseError> {
    let mut prev = 0;
    for d in diags {
        let end = d.offset + d.length;
        prop_assert!(
            end <= text.len(),
            "{d:?} ends past the file ({})",
            text.len()
        );
        prop_assert!(
            text.is_char_boundary(d.offset) && text.is_char_boundary(end),
            "{d:?} splits a character"
        );
        prop_assert_eq!(&text[d.offset..end], d.text.as_str());
        prop_assert_eq!(line_col(text, d.offset), (d.line, d.column));
        prop_assert_eq!(line_col(text, end), (d.end_line, d.end_column));
        prop_assert!(d.offset >= prev, "findings are sorted by offset");
        prev = d.offset;
    }
    Ok(())
}

const PATHS: &[&str] = &["page.md", "page.txt", "page.html"];

/// Fragments of real monographs, tricky characters included.
const FRAGMENTS: &[&str] = &[
    "# BPC-157",
    "## Dosing",
    "Most users inject 250 mcg of BPC-157 twice daily.",
    "| Attribute | TB-500 |",
    "|---|---|",
    "| Dose | 2–5 mg weekly |",
    "We recommend starting at the lower end.",
    "We do not recommend it.",
    "Buy it here, use code HEAL10.",
    "Never buy peptides online.",
    "This page is for educational purposes only and is not medical advice.",
    "It is not approved for human use.",
    "It is on the WADA Prohibited List.",
    "Semaglutide is started at 0.25\u{a0}mg weekly for type 2 diabetes.",
    "For longevity, biohackers take 0.25 mg every other week.",
    "Magnesium cures migraines.",
    "<!-- monolint-disable-next-line dose/unapproved -- quoted -->",
    "<p>250&nbsp;&micro;g of <b>BPC</b>-157</p>",
    "<script>var d = '500 mcg';</script>",
    "```\n250 mcg\n```",
    "---\ncompound: bpc-157\n---",
    "В\u{200b}РС-157 at ２５０ mcg",
    "B P C - 1 5 7 at 2 5 0 m c g",
    "e\u{301}\u{301}\u{301}",
    "\u{200b}\u{200b}\u{ad}",
    "- item one\n  - item two\n    > quoted 10 IU",
    "Dose200–400mcg",
    "~0.25–1 mg, 2,5 mg, 2iu",
    "",
    "\r\n",
    "\t",
    "&",
    "&micro",
    "|",
    "<!--",
    "-->",
    "µ",
    "–",
    "#",
];

fn monograph() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|parts| parts.join("\n"))
}

proptest! {
    // 256 cases a test in CI; PROPTEST_CASES=N for a longer run (an explicit `cases`
    // would override the environment, so it is read here)
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_unicode_never_panics_and_positions_hold(text in any::<String>(), p in 0..3usize) {
        let diags = linter().lint_str(PATHS[p], &text);
        check_positions(&text, &diags)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_inside(bytes in prop::collection::vec(any::<u8>(), 0..2048), p in 0..3usize) {
        let report = linter().lint_bytes(PATHS[p], &bytes);
        for d in &report.diagnostics {
            prop_assert!(d.offset + d.length <= bytes.len(), "{d:?} ends past {} bytes", bytes.len());
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check_positions(text, &report.diagnostics)?;
        }
    }

    #[test]
    fn monograph_shaped_documents_hold_positions(doc in monograph(), p in 0..3usize) {
        let diags = linter().lint_str(PATHS[p], &doc);
        check_positions(&doc, &diags)?;
    }

    #[test]
    fn findings_are_stable_when_a_paragraph_is_added_above(body in monograph()) {
        let title = "# BPC-157 notes\n\n";
        let filler = "A filler paragraph about the weather, with nothing to report.\n\n";
        let before = format!("{title}{body}");
        let after = format!("{title}{filler}{body}");
        let shift = filler.len();
        let a = linter().lint_str("page.md", &before);
        let b = linter().lint_str("page.md", &after);
        let key = |d: &Diagnostic, moved: usize| {
            let off = if d.offset >= title.len() { d.offset + moved } else { d.offset };
            (d.rule.clone(), d.text.clone(), d.compound.clone(), off)
        };
        let mut ka: Vec<_> = a.iter().map(|d| key(d, shift)).collect();
        let mut kb: Vec<_> = b.iter().map(|d| key(d, 0)).collect();
        ka.sort();
        kb.sort();
        prop_assert_eq!(ka, kb);
    }
}
