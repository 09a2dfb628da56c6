//! Which patterns can run case-sensitively on lowercased text.
//!
//! Rule patterns are ASCII-case-insensitive. Compiling a pattern that way costs more than
//! compiling it case-sensitively (every letter becomes a two-byte class to translate and
//! compile): on a one-page run, about a third of the regexes' compile time. The engine
//! has the text ASCII-lowercased already (the literal scan reads it), so a pattern whose
//! case-insensitive form finds on any text what its case-sensitive form finds on that
//! text lowercased is compiled case-sensitively and run on the lowercased copy: same
//! matches, same offsets (lowercasing keeps every byte in place).
//!
//! [`runs_on_lowercase`] decides it from the two parsed forms, at build time for the
//! embedded pack (`build.rs` includes this file) and in a test for the dose regex: the
//! case-sensitive form, with each set of bytes cut to what lowercased text holds and
//! widened to both cases, must be the case-insensitive form, node for node. A pattern
//! with an uppercase letter, an `(?-i)` or a Unicode class is not run this way; it is
//! compiled case-insensitively, as before.

use regex_syntax::hir::{Capture, Class, ClassBytes, ClassBytesRange, Hir, HirKind, Repetition};
use regex_syntax::ParserBuilder;

/// Whether `pattern`, matched ASCII-case-insensitively on a text, finds exactly what it
/// finds matched case-sensitively on that text ASCII-lowercased (same spans, same groups).
/// `false` for a pattern that does not parse.
pub fn runs_on_lowercase(pattern: &str) -> bool {
    let parse = |ci: bool| {
        ParserBuilder::new()
            .case_insensitive(ci)
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .ok()
    };
    match (parse(true), parse(false)) {
        (Some(ci), Some(cs)) => folded(&cs).is_some_and(|f| f == ci),
        _ => false,
    }
}

/// The case-sensitive form `h` as it acts on lowercased text, with every byte set (and
/// literal byte) cut to the bytes such text has (no uppercase letter) and then widened to
/// both cases of its letters, rebuilt with the constructors the parser builds with. If
/// that is the case-insensitive parse of the same pattern, the two find the same: `h` on
/// lowercased text, and the case-insensitive form on the text (its sets hold both cases
/// of every letter, so lowercasing changes nothing for it). `None` for a Unicode class.
fn folded(h: &Hir) -> Option<Hir> {
    let fold = |mut class: ClassBytes| {
        class.difference(&ClassBytes::new([ClassBytesRange::new(b'A', b'Z')]));
        class.case_fold_simple();
        Hir::class(Class::Bytes(class))
    };
    Some(match h.kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(lit) => Hir::concat(
            lit.0
                .iter()
                .map(|&b| fold(ClassBytes::new([ClassBytesRange::new(b, b)])))
                .collect(),
        ),
        HirKind::Class(Class::Bytes(class)) => fold(class.clone()),
        HirKind::Class(Class::Unicode(_)) => return None,
        HirKind::Look(look) => Hir::look(*look),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(folded(&r.sub)?),
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(folded(&c.sub)?),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(folded).collect::<Option<_>>()?),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.iter().map(folded).collect::<Option<_>>()?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_patterns_run_on_lowercase() {
        for p in [
            r"\bwe recommend\b",
            r"\b(?:best|safest) (?:option|bet)\b",
            r"[^,.;:]{0,40},\s+",
            r"(?:^|[/.?=&_-])(?:shop|store)",
            r"\bsave \d+ ?%",
            r"[a-z0-9][a-z0-9-]* (?:at|for)\b",
            r"(?P<first>\d+)\s*(?:mg|mcg)",
            // `[^-a-z]` holds the uppercase letters, which lowercased text has none of
            r"(?:^|[^-a-z])label(?:s|'s|ed)?\b",
            "",
        ] {
            assert!(runs_on_lowercase(p), "{p}");
        }
    }

    #[test]
    fn patterns_that_see_case_do_not() {
        for p in [
            // an uppercase letter is never in lowercased text
            r"\bWe recommend\b",
            r"[A-Z]{2,}",
            // a part matched case-sensitively
            r"(?-i:x)yz",
            r"\x41",
            // does not parse
            r"(unclosed",
        ] {
            assert!(!runs_on_lowercase(p), "{p}");
        }
    }
}
