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
//! embedded pack (`build.rs` includes this file) and in a test for the dose regex. Every
//! set of bytes the case-insensitive form matches must hold both cases of each letter in
//! it (so it matches the same on a text and on its lowercased copy); with the uppercase
//! letters taken out of every set (a lowercased text has none), it must then be the
//! case-sensitive form, node for node. A pattern with an uppercase letter, an `(?-i)` or
//! a Unicode class is not run this way; it is compiled case-insensitively, as before.

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
        (Some(ci), Some(cs)) => sees_no_case(&cs) && folded(&cs).is_some_and(|f| f == ci),
        _ => false,
    }
}

/// The case-sensitive form `h` with every byte set (and literal byte) widened to both
/// cases of its letters, rebuilt with the constructors the parser builds with: the
/// case-insensitive parse of the same pattern, when that is what it is. `None` for a
/// Unicode class.
fn folded(h: &Hir) -> Option<Hir> {
    let fold = |mut class: ClassBytes| {
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

/// Every byte set of `h` (and literal byte) that holds an uppercase letter holds its
/// lowercase too, so on lowercased text it matches what its widened form does.
fn sees_no_case(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(lit) => !lit.0.iter().any(u8::is_ascii_uppercase),
        HirKind::Class(Class::Bytes(class)) => class.iter().all(|r| {
            (r.start()..=r.end())
                .filter(u8::is_ascii_uppercase)
                .all(|u| {
                    let l = u.to_ascii_lowercase();
                    class.iter().any(|r| r.start() <= l && l <= r.end())
                })
        }),
        HirKind::Class(Class::Unicode(_)) => false,
        HirKind::Repetition(r) => sees_no_case(&r.sub),
        HirKind::Capture(c) => sees_no_case(&c.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().all(sees_no_case),
    }
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
