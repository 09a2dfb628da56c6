//! Dose figures: a number or range with a dose unit, on normalized text.
//!
//! "250 mcg", "25mg", "20-25 mg", "0.04 to 0.08 mg per kilogram", "250mcg to 500mcg",
//! "~2 mg", "2,000 IU", "10 units", "2 mL", "60-90 ug/kg". Percentages, years, counts,
//! durations, cm/yr, fold changes and PMIDs carry no dose unit and are never figures.

use crate::normalize::is_word_byte;
use regex::bytes::{Regex, RegexBuilder};
use std::sync::OnceLock;

const NUM: &str = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)";
const UNIT: &str = r"(?:milligrams?|micrograms?|mcgs?|nanograms?|grams?|gm|mgs?|ug|ng|g|i\.u\.|iu|international\s+units?|units?|milliliters?|millilitres?|ml|cc)";
const PER: &str =
    r"(?:\s*(?:/|per|a|each)\s*(?:kg|kilograms?|kilos?)(?:\s+(?:of\s+)?body\s*weight)?)";

/// The dose-figure regular expression (matched case-insensitively, ASCII only, on
/// normalized text; the benchmark hands the same pattern to ripgrep).
pub fn figure_pattern() -> String {
    format!(r"(?:~\s*)?{NUM}(?:\s*{UNIT})?(?:\s*(?:-|to|or)\s*~?\s*{NUM})?\s*{UNIT}{PER}?")
}

fn figure_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pat = figure_pattern();
        // the pattern is a constant: a failure here is a bug caught by every test
        RegexBuilder::new(&pat)
            .case_insensitive(true)
            .unicode(false)
            .build()
            .unwrap_or_else(|e| panic!("dose regex: {e}"))
    })
}

/// A dose figure at `start..end` of the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub start: usize,
    pub end: usize,
}

/// Every dose figure in `text` (normalized).
pub fn find_figures(text: &str, out: &mut Vec<Figure>) {
    let bytes = text.as_bytes();
    if !bytes.iter().any(u8::is_ascii_digit) {
        return;
    }
    for m in figure_regex().find_iter(bytes) {
        let (s, e) = (m.start(), m.end());
        // whole figure: no letter or digit glued to either side ("ly3437943 mg", "5 mgx")
        if s > 0 && (is_word_byte(bytes[s - 1]) || bytes[s - 1] == b'.') {
            continue;
        }
        if e < bytes.len() && is_word_byte(bytes[e]) {
            continue;
        }
        // lab values and physical constants: "104 mg/dL", "312 ng/mL", "1419.5 g/mol"
        let rest = &bytes[e..];
        let lab = |unit: &[u8]| {
            rest.len() > unit.len()
                && rest[0] == b'/'
                && rest[1..=unit.len()].eq_ignore_ascii_case(unit)
                && rest
                    .get(unit.len() + 1)
                    .is_none_or(|b| !b.is_ascii_alphanumeric())
        };
        let base = &bytes[s..e];
        let tiny = base.ends_with(b"ng") || base.ends_with(b"pg") || base.ends_with(b"NG");
        if lab(b"dl")
            || lab(b"l")
            || lab(b"mol")
            || lab(b"mmol")
            || lab(b"deciliter")
            || lab(b"liter")
            || lab(b"litre")
            || (tiny && lab(b"ml"))
        {
            continue;
        }
        // "29g needle", "31 g insulin syringe": gauge, not grams
        let unit_g = bytes[s..e]
            .last()
            .is_some_and(|b| b.eq_ignore_ascii_case(&b'g'));
        if unit_g {
            let rest = text[e..].trim_start().to_ascii_lowercase();
            if ["needle", "gauge", "insulin syringe", "syringe", "pin"]
                .iter()
                .any(|w| rest.starts_with(w))
            {
                continue;
            }
        }
        out.push(Figure { start: s, end: e });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::NormText;

    fn figs(s: &str) -> Vec<String> {
        let n = NormText::of(s);
        let mut out = Vec::new();
        find_figures(&n.text, &mut out);
        out.iter()
            .map(|f| n.text[f.start..f.end].to_string())
            .collect()
    }

    #[test]
    fn notations() {
        assert_eq!(figs("250 mcg twice daily"), ["250 mcg"]);
        assert_eq!(
            figs("25mg, 20–25 mg, 250-500 mcg"),
            ["25mg", "20-25 mg", "250-500 mcg"]
        );
        assert_eq!(
            figs("0.04 to 0.08 mg per kilogram"),
            ["0.04 to 0.08 mg per kilogram"]
        );
        assert_eq!(figs("250mcg to 500mcg"), ["250mcg to 500mcg"]);
        assert_eq!(
            figs("~40 µg/kg then ~120 μg/kg"),
            ["~40 ug/kg", "~120 ug/kg"]
        );
        assert_eq!(
            figs("2,000 IU, 10 iu, 2 mL, 5 cc, 3 units"),
            ["2,000 IU", "10 iu", "2 mL", "5 cc", "3 units"]
        );
        assert_eq!(figs("two doses of 2 micrograms"), ["2 micrograms"]);
        assert_eq!(figs("3mgs"), ["3mgs"]);
    }

    #[test]
    fn not_doses() {
        assert!(figs("49% of 76 participants in 2004, 2.8 cm/yr, 1.5- to 2-fold").is_empty());
        assert!(figs("PMID 17192294; 2,4-dinitrophenol; 52 weeks; 80 kg; 12 years").is_empty());
        assert!(figs("use a 29g needle or a 31 g insulin syringe").is_empty());
        assert!(figs("LY3437943mg and v2mg").is_empty());
        assert!(figs("glucose 104 mg/dL, IGF-1 312 ng/mL, 1419.5 g/mol, 5 mg/L").is_empty());
        assert_eq!(figs("reconstituted to 5 mg/mL"), ["5 mg"]);
    }
}
