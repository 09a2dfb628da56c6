//! Dose figures: a number or range with a dose unit, on normalized text.
//!
//! "250 mcg", "25mg", "20-25 mg", "0.04 to 0.08 mg per kilogram", "250mcg to 500mcg",
//! "~2 mg", "2,000 IU", "2,5 mg", "10 units", "2 mL", "60-90 ug/kg", "6.4-12.8 nmol/kg",
//! "two hundred fifty micrograms", and labels glued on by scraped tables
//! ("Dose200-400mcg"). "1 mg or 3 mg" is two figures. Percentages, years, counts,
//! durations, cm/yr, fold changes and PMIDs carry no dose unit and are never figures;
//! concentrations and lab values ("104 mg/dL", "0.5 ug/mL", "1419.5 g/mol") are not doses.

use crate::normalize::is_word_byte;
use regex::bytes::{Regex, RegexBuilder};
use std::sync::OnceLock;

const NUM: &str = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)";
const UNIT: &str = r"(?:milligrams?|micrograms?|mcgs?|nanograms?|grams?|gm|mgs?|ug|ng|g|i\.u\.|iu|international\s+units?|units?|milliliters?|millilitres?|ml|cc|[nmpu]mol(?:es)?\s*/\s*kg)";
/// The number words of figures written in words ("two hundred fifty micrograms").
const NUMBER_WORDS: [&str; 29] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
];
/// Numbers written as words: "two hundred fifty", "half a", "a quarter of a" (`{NUMBERS}`
/// stands for [`NUMBER_WORDS`]).
const WORDS: &str = r"(?:(?:half|a\s+half)\s+an?|a\s+quarter\s+of\s+an?|(?:(?:{NUMBERS})(?:[\s-]+(?:and[\s-]+)?|\b))+(?:a\s+half\s+)?)";
/// Per body weight, and per day or week: "mg/kg", "mg per kilogram of body weight", "mg/kg/day".
const PER: &str = r"(?:\s*(?:/|per|a|each)\s*(?:kg|kilograms?|kilos?)(?:\s+(?:of\s+)?body\s*weight)?)?(?:\s*/\s*(?:day|d|week|wk|dose)\b)?";

/// The dose-figure regular expression (matched case-insensitively, ASCII only, on
/// normalized text; the benchmark hands the same pattern to ripgrep).
///
/// Three forms: a number or range with a unit, number words with a unit, a bracketed unit
/// before a number. The first two end the same way, so they share one `{UNIT}{PER}`:
/// `(?:X|Y)S` tries the same paths in the same order as `XS|YS` (each unit copy is ~1M
/// instructions to compile on a one-page run; a property test holds the shared form to
/// the written-out one).
pub fn figure_pattern() -> String {
    let words = WORDS.replace("{NUMBERS}", &NUMBER_WORDS.join("|"));
    format!(
        r"(?:(?:~\s*)?(?P<first>{NUM}(?:\s*{UNIT})?)(?:\s*(?P<join>-|to|or)\s*~?\s*(?P<second>{NUM}))?(?:\s*|-)|\b{words}\s*){UNIT}{PER}|\(\s*{UNIT}\s*\)\s*{NUM}(?:\s*(?:-|to)\s*{NUM})?"
    )
}

/// The figure regex, compiled case-sensitively: it runs on lowercased text, where it finds
/// what the pattern finds case-insensitively on the text (a test holds the pattern to
/// that, see `src/lowercase.rs`), for a third less compiling.
fn figure_regex() -> &'static regex_automata::meta::Regex {
    static RE: OnceLock<regex_automata::meta::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // the pattern is a constant: a failure here is a bug caught by every test
        crate::pack::meta_regex_case(&figure_pattern(), false)
            .unwrap_or_else(|e| panic!("dose regex: {e}"))
    })
}

/// Is the whole text a bare amount, a number or range with no unit ("25", "10-20")?
///
/// This runs on every block without a figure, and compiling its regex (Unicode `\d` and
/// `\s`) was a tenth of a one-page run: ASCII text is read by hand, and only text made of
/// the pattern's ASCII bytes and other characters (which may be Unicode digits or spaces)
/// goes to the regex (`bare_amount_regex`).
pub fn bare_amount(text: &str) -> bool {
    let t = text.trim();
    // most blocks open with a letter: turned away before anything reads the whole text
    // (a trimmed amount opens with `~`, a digit or `.`; a non-ASCII digit goes on below)
    if t.as_bytes()
        .first()
        .is_some_and(|&b| b.is_ascii() && !(b == b'~' || b == b'.' || b.is_ascii_digit()))
    {
        return false;
    }
    if t.is_ascii() {
        return bare_amount_ascii(t.as_bytes());
    }
    if t.bytes()
        .any(|b| b.is_ascii() && !b"0123456789~,.-to \t\n\x0b\x0c\r".contains(&b))
    {
        return false;
    }
    bare_amount_regex().is_match(t.as_bytes())
}

/// The regex `bare_amount` stands for: `^~?\s*NUM(?:\s*(?:-|to)\s*NUM)?$` on the trimmed
/// text, Unicode-aware.
fn bare_amount_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(r"^~?\s*{NUM}(?:\s*(?:-|to)\s*{NUM})?$"))
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// [`bare_amount_regex`] on ASCII text, by hand. A number is made of digits, `,` and `.`,
/// and what may follow one (a space, `-`, `to`, the end) is none of these, so each number
/// is the whole run of them.
fn bare_amount_ascii(t: &[u8]) -> bool {
    let is_num_byte = |b: &u8| b.is_ascii_digit() || *b == b',' || *b == b'.';
    let skip_spaces = |i: usize| {
        i + t[i..]
            .iter()
            .take_while(|b| b" \t\n\x0b\x0c\r".contains(b))
            .count()
    };
    let number = |i: usize| {
        let n = t[i..].iter().take_while(|b| is_num_byte(b)).count();
        is_num(&t[i..i + n]).then_some(i + n)
    };
    let mut i = usize::from(t.first() == Some(&b'~'));
    i = skip_spaces(i);
    let Some(e) = number(i) else {
        return false;
    };
    if e == t.len() {
        return true;
    }
    i = skip_spaces(e);
    i = if t[i..].starts_with(b"-") {
        i + 1
    } else if t[i..].starts_with(b"to") {
        i + 2
    } else {
        return false;
    };
    i = skip_spaces(i);
    number(i) == Some(t.len())
}

/// Is `n` (digits, `,` and `.` only) a whole `NUM`: "2,000", "2,000.5", "25", "2.5",
/// "2,5", ".5"?
fn is_num(n: &[u8]) -> bool {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if let Some(frac) = n.strip_prefix(b".") {
        return digits(frac);
    }
    let lead = n.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = &n[lead..];
    if lead == 0 {
        return false;
    }
    // `\d+(?:[.,]\d+)?`
    if rest.is_empty() || (digits(&rest[1..]) && rest.len() > 1) {
        return true;
    }
    // `\d{1,3}(?:,\d{3})+(?:\.\d+)?`
    if lead > 3 {
        return false;
    }
    let mut r = rest;
    let mut groups = 0;
    while r.len() >= 4 && r[0] == b',' && digits(&r[1..4]) {
        r = &r[4..];
        groups += 1;
    }
    groups > 0 && (r.is_empty() || r.strip_prefix(b".").is_some_and(digits))
}

/// Does a column header carry a dose unit in brackets ("MK-677 (mg)", "Dose (mcg/kg)")?
pub fn header_unit(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        RegexBuilder::new(&format!(r"\(\s*{UNIT}{PER}\s*\)"))
            .case_insensitive(true)
            .unicode(false)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .is_match(text.as_bytes())
}

/// A dose figure at `start..end` of the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub start: usize,
    pub end: usize,
}

/// Does `rest` start with `/unit` and then a word boundary?
fn per_unit(rest: &[u8], unit: &[u8]) -> bool {
    rest.len() > unit.len()
        && rest[0] == b'/'
        && rest[1..=unit.len()].eq_ignore_ascii_case(unit)
        && rest
            .get(unit.len() + 1)
            .is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// If a bracketed figure follows at `e` ("250 mcg (0.25 mg)"), where it ends.
fn restatement(text: &str, lower: &[u8], e: usize) -> Option<usize> {
    let rest = &text[e..];
    let open = rest.len() - rest.trim_start().len();
    let inner = rest.trim_start().strip_prefix('(')?;
    let close = inner.find(')')?;
    if close > 40 {
        return None;
    }
    let mut figs = Vec::new();
    let body = &inner[..close];
    let from = e + open + 1;
    find_figures_in(body, &lower[from..from + body.len()], &mut figs);
    let f = figs.first()?;
    (f.start <= 3 && body[f.end..].trim().is_empty()).then_some(e + open + 1 + close + 1)
}

/// The next few words after byte `e`, lowercased into `buf`: only a bounded stretch, so
/// looking ahead costs the same per figure however long the block is, and nothing is
/// allocated.
fn next_words<'b>(text: &str, e: usize, buf: &'b mut [u8; 64]) -> &'b [u8] {
    let mut to = text.len().min(e + 64);
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let words = text[e..to].trim_start().as_bytes();
    let out = &mut buf[..words.len()];
    out.copy_from_slice(words);
    out.make_ascii_lowercase();
    out
}

/// Does `fig` end with `unit` (lowercase), in any case?
fn ends_with_ci(fig: &[u8], unit: &[u8]) -> bool {
    fig.len() >= unit.len() && fig[fig.len() - unit.len()..].eq_ignore_ascii_case(unit)
}

/// Can `bytes` hold a figure at all? Every figure has a digit (`NUM`) or, written in
/// words, a number word: "half", "quarter" or one of [`NUMBER_WORDS`], as a whole ASCII
/// word (`WORDS`: the regex's `\b` and separators around it are ASCII). Digits are looked
/// for sixteen bytes at a time, with comparisons the compiler turns into vector code; the
/// words only in a text without a digit.
fn may_hold_figure(bytes: &[u8]) -> bool {
    has_digit(bytes) || has_number_word(bytes)
}

const CHUNK: usize = 16;

fn has_digit(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(CHUNK);
    for c in &mut chunks {
        // `fold`, not `any`: no early exit inside a chunk, so the loop vectorizes
        if c.iter().fold(false, |a, &b| a | b.is_ascii_digit()) {
            return true;
        }
    }
    chunks.remainder().iter().any(u8::is_ascii_digit)
}

/// Is there a whole ASCII word (a run of letters, digits and `_` between other bytes) that
/// is a number word of a figure, in any case? One pass, packing each word's bytes into a
/// [`word_key`] as it goes; a word of three to nine bytes is then looked up among
/// [`NUMBER_KEYS`].
fn has_number_word(bytes: &[u8]) -> bool {
    // per byte: 0 for a byte that ends a word, else the byte as `word_key` packs it
    const KEY_BYTE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            if c.is_ascii_alphanumeric() || c == b'_' {
                t[b] = c | 0x20;
            }
            b += 1;
        }
        t
    };
    let (mut key, mut len) = (0u64, 0usize);
    for &b in bytes {
        let k = KEY_BYTE[usize::from(b)];
        if k != 0 {
            key = (key << 8) | u64::from(k);
            len += 1;
        } else {
            if (3..=9).contains(&len) && NUMBER_KEYS.binary_search(&key).is_ok() {
                return true;
            }
            (key, len) = (0, 0);
        }
    }
    (3..=9).contains(&len) && NUMBER_KEYS.binary_search(&key).is_ok()
}

/// A word's bytes with the `0x20` bit set (lowercase, for letters; digits keep theirs, and
/// `_` becomes a byte no letter is), packed into a `u64`: the last eight of a longer word.
/// Only a nine-byte word ending in "eventeen" other than "seventeen" shares a key with a
/// number word; the prefilter then lets a text through that it could have turned away.
const fn word_key(w: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < w.len() {
        key = (key << 8) | (w[i] | 0x20) as u64;
        i += 1;
    }
    key
}

/// The keys of [`NUMBER_WORDS`], "half" and "quarter", sorted.
const NUMBER_KEYS: [u64; NUMBER_WORDS.len() + 2] = {
    let mut keys = [0; NUMBER_WORDS.len() + 2];
    keys[0] = word_key(b"half");
    keys[1] = word_key(b"quarter");
    let mut i = 0;
    while i < NUMBER_WORDS.len() {
        keys[i + 2] = word_key(NUMBER_WORDS[i].as_bytes());
        i += 1;
    }
    // insertion sort (`sort` is not `const`)
    let mut i = 1;
    while i < keys.len() {
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            let t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    keys
};

/// Does a matched figure contain the word "or" (case-insensitively)?
fn contains_or(fig: &[u8]) -> bool {
    fig.windows(2).any(|w| w.eq_ignore_ascii_case(b"or"))
}

/// Every dose figure in `text` (normalized).
pub fn find_figures(text: &str, out: &mut Vec<Figure>) {
    crate::pack::with_lower(text.as_bytes(), |lower| find_figures_in(text, lower, out));
}

/// [`find_figures`] with the text's lowercased copy at hand (`lower`: `text`
/// ASCII-lowercased, as long): the figure regex is compiled for lowercased text.
pub(crate) fn find_figures_in(text: &str, lower: &[u8], out: &mut Vec<Figure>) {
    let bytes = text.as_bytes();
    debug_assert_eq!(bytes.len(), lower.len());
    if !may_hold_figure(bytes) {
        return;
    }
    let re = figure_regex();
    let mut last_end = 0;
    for m in re.find_iter(lower) {
        let (s, e) = (m.start(), m.end());
        // inside a bracketed restatement already merged into the previous figure
        if s < last_end {
            continue;
        }
        // whole figure: no digit or short code glued before it ("ly3437943mg", "v2mg"),
        // though a scraped table may glue a cell's label to it ("Dose200-400mcg")
        if s > 0 && (is_word_byte(bytes[s - 1]) || bytes[s - 1] == b'.') {
            let letters = bytes[..s]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            let glued_label = letters >= 3
                && bytes[s].is_ascii_digit()
                && (letters == s || !is_word_byte(bytes[s - letters - 1]));
            if !glued_label {
                continue;
            }
        }
        // glued after: only a scraped table's next cell ("200mcg1x daily", "250mcgFrequency")
        if e < bytes.len() && is_word_byte(bytes[e]) {
            let next_cell = bytes[e].is_ascii_digit()
                || (bytes[e].is_ascii_uppercase() && bytes[e - 1].is_ascii_lowercase());
            if !next_cell {
                continue;
            }
        }
        // concentrations and lab values are not amounts given ("104 mg/dL", "0.5 ug/mL");
        // a product's strength in mg/mL is ("Strength: 25 mg/mL")
        let rest = &bytes[e..];
        let fig = &bytes[s..e];
        let mg = ends_with_ci(fig, b"mg");
        if [
            &b"dl"[..],
            b"l",
            b"mol",
            b"mmol",
            b"deciliter",
            b"liter",
            b"litre",
            b"min",
        ]
        .iter()
        .any(|u| per_unit(rest, u))
            || (per_unit(rest, b"ml") && !mg)
        {
            continue;
        }
        let mut buf = [0u8; 64];
        let after = next_words(text, e, &mut buf);
        // a syringe's capacity ("a 1 mL U-100 syringe") is not an amount given
        let ml = ends_with_ci(fig, b"ml") || ends_with_ci(fig, b"cc");
        if ml
            && after
                .split(|&b| b == b' ')
                .take(3)
                .any(|w| w.starts_with(b"syringe"))
        {
            continue;
        }
        // units of alcohol ("capped alcohol at 14 units a week") are not a dose
        if ends_with_ci(fig, b"units") {
            let mut from = s.saturating_sub(40);
            while !text.is_char_boundary(from) {
                from += 1;
            }
            let alcohol_before = bytes[from..s]
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"alcohol"));
            if alcohol_before || after.starts_with(b"of alcohol") {
                continue;
            }
        }
        let followed_by = |words: &[&[u8]]| words.iter().any(|w| after.starts_with(w));
        // grams of food ("10 g of carbs per unit") are nutrition, not a dose
        if ends_with_ci(fig, b"g")
            && followed_by(&[
                b"of carb",
                b"of protein",
                b"of fat",
                b"of sugar",
                b"of fib",
                b"carbs",
                b"protein",
            ])
        {
            continue;
        }
        // "29g needle", "31 g insulin syringe": gauge, not grams
        if ends_with_ci(fig, b"g")
            && followed_by(&[b"needle", b"gauge", b"insulin syringe", b"syringe", b"pin"])
        {
            continue;
        }
        // "2,000 mcg (2 mg)", "10 units (0.1 mL)": a restatement in brackets is the same
        // amount, one figure
        let restated = restatement(text, lower, e);
        let e = restated.unwrap_or(e);
        last_end = e;
        // "1 mg or 3 mg", "1.6 or 3.2 mg/kg": alternatives are two figures, not a range
        // (the groups are only worked out for a figure that has an "or" in it)
        let caps = contains_or(&bytes[s..m.end()]).then(|| {
            let mut caps = re.create_captures();
            re.search_captures(&regex_automata::Input::new(lower).range(s..), &mut caps);
            caps
        });
        let group = |name: &str| caps.as_ref()?.get_group_by_name(name);
        if let (true, Some(join), Some(first), Some(second)) = (
            caps.as_ref()
                .and_then(|c| c.get_match())
                .is_some_and(|g| g.start() == s),
            group("join"),
            group("first"),
            group("second"),
        ) {
            if bytes[join.range()].eq_ignore_ascii_case(b"or") {
                out.push(Figure {
                    start: s,
                    end: first.end,
                });
                out.push(Figure {
                    start: second.start,
                    end: e,
                });
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
    use proptest::prelude::*;

    /// Strings built from the pieces figures are made of: digits, unit words and their
    /// look-alikes, number words, punctuation, spaces, and other letters and bytes.
    fn pieces() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "0",
            "7",
            "12",
            "2,000",
            "1,2345,678",
            ".5",
            "1.",
            "~",
            "(",
            ")",
            " ",
            "  ",
            "\t",
            "-",
            "/",
            ",",
            ".",
            "mg",
            "MG",
            "mcg",
            "ug",
            "g",
            "gm",
            "gram",
            "grams",
            "gr",
            "un",
            "unit",
            "Units",
            "iu",
            "I.U.",
            "i",
            "u",
            "m",
            "ml",
            "mL",
            "cc",
            "nmol",
            "/kg",
            "per",
            "kilogram",
            "day",
            "/d",
            "to",
            "or",
            "a",
            "A",
            "half",
            "quarter",
            "of",
            "an",
            "one",
            "two",
            "Twenty",
            "hundred",
            "and",
            "five",
            "fifty",
            "ten",
            "tenth",
            "seventeen",
            "alcohol",
            "syringe",
            "needle",
            "carbs",
            "dL",
            "L",
            "min",
            "x",
            "Dose",
            "ly",
            "µ",
            "_",
            "e",
            "s",
            "t",
            "h",
            "n",
            "f",
            "o",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    fn figs(s: &str) -> Vec<String> {
        let mut n = NormText::of(s);
        n.collapse_spaced();
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
        assert_eq!(figs("1 mg or 3 mg daily"), ["1 mg", "3 mg"]);
        assert_eq!(figs("1.6 or 3.2 mg/kg/day"), ["1.6", "3.2 mg/kg/day"]);
        assert_eq!(figs("6.4–12.8 nmol/kg"), ["6.4-12.8 nmol/kg"]);
        assert_eq!(figs("2,5 mg and 2iu"), ["2,5 mg", "2iu"]);
        assert_eq!(figs("Standard Subcutaneous Dose200–400mcg"), ["200-400mcg"]);
        assert_eq!(
            figs("two hundred fifty micrograms, half a milligram"),
            ["two hundred fifty micrograms", "half a milligram"]
        );
        assert_eq!(figs("６０–９０ µg/kg"), ["60-90 ug/kg"]);
        assert_eq!(figs("B P C at 2 5 0 m c g"), ["250mcg"]);
        assert_eq!(figs("2,000 mcg (2 mg) a week"), ["2,000 mcg (2 mg)"]);
        assert_eq!(
            figs("10 units (0.1 mL) on a syringe"),
            ["10 units (0.1 mL)"]
        );
        assert_eq!(figs("Anti-aging100–200mcg1x daily"), ["100-200mcg"]);
        assert_eq!(figs("Strength: 25 mg/mL"), ["25 mg"]);
        assert_eq!(
            figs("a 10-mg vial; each 20-unit draw"),
            ["10-mg", "20-unit"]
        );
        assert_eq!(
            figs("twelve and a half milligrams; five mg"),
            ["twelve and a half milligrams", "five mg"]
        );
        assert_eq!(figs("Dose (mcg)200–400"), ["(mcg)200-400"]);
    }

    #[test]
    fn header_units_and_bare_amounts() {
        assert!(header_unit("MK-677 (mg)") && header_unit("Dose (mcg/kg)"));
        assert!(!header_unit("Week") && !header_unit("Duration (weeks)"));
        assert!(bare_amount("25") && bare_amount("10-20") && bare_amount(" 2.5 "));
        assert!(!bare_amount("25 mg") && !bare_amount("week 3"));
    }

    #[test]
    fn not_doses() {
        assert!(figs("49% of 76 participants in 2004, 2.8 cm/yr, 1.5- to 2-fold").is_empty());
        assert!(figs("PMID 17192294; 2,4-dinitrophenol; 52 weeks; 80 kg; 12 years").is_empty());
        assert!(figs("use a 29g needle or a 31 g insulin syringe").is_empty());
        assert_eq!(figs("LY3437943mg and v2mg"), Vec::<String>::new());
        assert_eq!(
            figs("glucose 104 mg/dL, IGF-1 312 ng/mL, 1419.5 g/mol, 5 mg/L"),
            Vec::<String>::new()
        );
        assert!(figs("circulating 0.5-1 ug/mL; LH 4 IU/L; 312 ng/mL").is_empty());
        assert!(figs("eGFR below 60 mL/min; alcohol capped at 14 units a week").is_empty());
        assert_eq!(
            figs("a 1 mL U-100 syringe; 0.5 mL insulin syringes; 10 g of carbs"),
            Vec::<String>::new()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The prefilter turns away only text in which the figure regex finds nothing.
        #[test]
        fn prefilter_turns_away_only_text_without_a_match(text in pieces(), pad in 0usize..40) {
            // padded so that the pieces fall at every offset of a 16-byte chunk
            let text = format!("{}{text}", "x".repeat(pad));
            let b = text.as_bytes();
            if !may_hold_figure(b) {
                prop_assert!(figure_regex().find(text.to_ascii_lowercase().as_bytes()).is_none(), "{:?}", text);
            }
        }
    }

    /// Text a bare amount may or may not be: number pieces, separators, joins, Unicode
    /// digits and spaces, and other characters.
    fn amount_pieces() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "0", "7", "12", "123", "1234", ",", ".", ",000", ",00", ".5", "~", " ", "\t", "\u{b}",
            "\u{a0}", "\u{2003}", "\u{85}", "-", "to", "t", "o", "TO", "x", "mg", "\u{663}",
            "\u{ff15}", "\u{b2}", "\u{bd}", "\u{e9}", "\n",
        ]);
        let loose = prop::collection::vec(piece, 0..10).prop_map(|v| v.concat());
        // shaped like an amount, so that most numbers are near misses of `NUM`
        let num = prop::collection::vec(
            prop::sample::select(vec!["1", "12", "123", "1234", "0", ",", ".", ",000", ".5"]),
            1..6,
        )
        .prop_map(|v| v.concat());
        let sp = prop::sample::select(vec!["", " ", "\t", "  ", "\u{a0}", "x"]);
        let join = prop::sample::select(vec!["-", "to", "", "or", "--"]);
        let shaped = (
            prop::sample::select(vec!["", "~", "~~", " "]),
            sp.clone(),
            num.clone(),
            prop::option::of((sp.clone(), join, sp, num)),
        )
            .prop_map(|(t, s, n, r)| {
                let r = r.map(|(a, j, b, m)| format!("{a}{j}{b}{m}"));
                format!("{t}{s}{n}{}", r.unwrap_or_default())
            });
        prop_oneof![loose, shaped]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn bare_amount_is_its_regex(text in amount_pieces()) {
            let by_regex = bare_amount_regex().is_match(text.trim().as_bytes());
            prop_assert_eq!(bare_amount(&text), by_regex, "{:?}", text);
        }
    }

    #[test]
    fn bare_amounts_read_by_hand() {
        for yes in [
            "1,000",
            "1,000,000.25",
            "12,34",
            "1234",
            ".5",
            "~ 2 to 3",
            "2-3",
            "1 -\t.5",
        ] {
            assert!(
                bare_amount(yes) && bare_amount_regex().is_match(yes.as_bytes()),
                "{yes}"
            );
        }
        for no in [
            "1,0000,000",
            "1234,000.5",
            "1.",
            "1,000.",
            "..5",
            "2 - ",
            "to 3",
            "2 TO 3",
            "~~2",
        ] {
            assert!(
                !bare_amount(no) && !bare_amount_regex().is_match(no.as_bytes()),
                "{no}"
            );
        }
        // Unicode digits and spaces go to the regex
        assert!(bare_amount("\u{663}\u{a0}-\u{a0}\u{664}"));
        assert!(!bare_amount("\u{663} mg"));
    }

    /// The figure pattern as first written, with `{UNIT}{PER}` once per form.
    fn figure_pattern_written_out() -> String {
        let words = WORDS.replace("{NUMBERS}", &NUMBER_WORDS.join("|"));
        format!(
            r"(?:~\s*)?(?P<first>{NUM}(?:\s*{UNIT})?)(?:\s*(?P<join>-|to|or)\s*~?\s*(?P<second>{NUM}))?(?:\s*|-){UNIT}{PER}|\b{words}\s*{UNIT}{PER}|\(\s*{UNIT}\s*\)\s*{NUM}(?:\s*(?:-|to)\s*{NUM})?"
        )
    }

    /// Every match with its groups, as spans.
    fn spans(re: &regex_automata::meta::Regex, text: &[u8]) -> Vec<Vec<Option<(usize, usize)>>> {
        let mut caps = re.create_captures();
        re.captures_iter(text)
            .map(|c| {
                caps = c;
                (0..caps.group_len())
                    .map(|g| caps.get_group(g).map(|s| (s.start, s.end)))
                    .collect()
            })
            .collect()
    }

    /// Text around figures: whole figures built part by part (each part sometimes left
    /// out or swapped for a near miss), among the pieces figures are made of.
    fn figure_text() -> impl Strategy<Value = String> {
        fn pick(v: Vec<&'static str>) -> BoxedStrategy<&'static str> {
            prop::sample::select(v).boxed()
        }
        let sp = || pick(vec!["", " ", "  ", "\t", "-"]);
        let num = || pick(vec!["5", "25", "2,000", "1,2345", "0.5", ".5", "2,5", "1."]);
        let unit = || {
            pick(vec![
                "mg",
                "MG",
                "mgs",
                "mcg",
                "micrograms",
                "milligram",
                "gm",
                "g",
                "ug",
                "ng",
                "iu",
                "i.u.",
                "I.U",
                "international  units",
                "units",
                "unit",
                "ml",
                "millilitres",
                "cc",
                "pmol / kg",
                "mmoles/kg",
                "nmol",
                "grams",
                "gr",
                "m",
            ])
        };
        let per = || {
            pick(vec![
                "",
                "/kg",
                " per kilogram",
                " a kilo",
                " each kg of body weight",
                "/kg/day",
                "/day",
                "/d",
                "/dose",
                "/week",
                "/wk",
                "/kgs",
                " per",
                "/days",
            ])
        };
        let words = pick(vec![
            "two hundred fifty ",
            "half a ",
            "a half an ",
            "a quarter of a ",
            "twelve and a half ",
            "thirty-five ",
            "five",
            "ten-",
            "one hundred and ",
            "fifty",
            "tenth ",
        ]);
        let join = pick(vec!["-", "to", "or", "TO", "Or", "and", ""]);
        let numeric = (
            pick(vec!["", "~", "~ "]),
            num(),
            prop::option::of((sp(), unit())),
            prop::option::of((sp(), join.clone(), sp(), pick(vec!["", "~", "~ "]), num())),
            sp(),
            unit(),
            per(),
        )
            .prop_map(|(t, n, u, r, s, u2, p)| {
                let u = u.map(|(a, b)| format!("{a}{b}")).unwrap_or_default();
                let r = r
                    .map(|(a, j, b, t, m)| format!("{a}{j}{b}{t}{m}"))
                    .unwrap_or_default();
                format!("{t}{n}{u}{r}{s}{u2}{p}")
            });
        let worded = (words, sp(), unit(), per()).prop_map(|(w, s, u, p)| format!("{w}{s}{u}{p}"));
        let bracketed = (
            sp(),
            unit(),
            sp(),
            num(),
            prop::option::of((sp(), join, sp(), num())),
        )
            .prop_map(|(a, u, b, n, r)| {
                let r = r
                    .map(|(c, j, d, m)| format!("{c}{j}{d}{m}"))
                    .unwrap_or_default();
                format!("({a}{u}{b}){n}{r}")
            });
        let part = prop_oneof![
            numeric,
            worded,
            bracketed,
            pieces(),
            pick(vec![" ", ", ", "; ", "x", "("]).prop_map(String::from),
        ];
        prop::collection::vec(part, 0..6).prop_map(|v| v.concat())
    }

    /// The figure regex is compiled case-sensitively for lowercased text: the pattern
    /// finds the same that way (see `src/lowercase.rs`).
    #[test]
    fn figure_pattern_runs_on_lowercase() {
        assert!(crate::lowercase::runs_on_lowercase(&figure_pattern()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn shared_unit_figure_pattern_matches_the_written_out_one(text in figure_text()) {
            static OLD: OnceLock<regex_automata::meta::Regex> = OnceLock::new();
            let old = OLD.get_or_init(|| {
                crate::pack::meta_regex(&figure_pattern_written_out())
                    .unwrap_or_else(|e| panic!("{e}"))
            });
            // (the regex runs on lowercased text; the written-out one as the pattern reads)
            let lower = text.to_ascii_lowercase();
            prop_assert_eq!(spans(figure_regex(), lower.as_bytes()), spans(old, text.as_bytes()), "{:?}", text);
        }
    }

    #[test]
    fn prefilter_sees_digits_and_number_words_only() {
        for pad in 0..40 {
            let s = format!("{}7{}", "x".repeat(pad), "x".repeat(40 - pad));
            assert!(may_hold_figure(s.as_bytes()), "{s}");
        }
        for w in NUMBER_WORDS.iter().chain(&["half", "quarter"]) {
            for s in [
                w.to_string(),
                format!("({}-", w.to_uppercase()),
                format!("µ{w}_"),
            ] {
                let whole = !s.ends_with('_');
                assert_eq!(may_hold_figure(s.as_bytes()), whole, "{s}");
            }
        }
        for s in [
            "",
            "mg mcg gram units ml iu",
            "someone tone twofold halfway",
            "the one_x",
        ] {
            assert!(!may_hold_figure(s.as_bytes()), "{s}");
        }
    }

    /// Figures in words with any unit, in a text without a digit (the prefilter once let
    /// such a text through only when it held "gram", "unit", "mg", "mcg", "ml" or "iu").
    #[test]
    fn figures_in_words_without_a_digit_in_the_text() {
        for (text, figure) in [
            ("Draw up five cc before bed.", "five cc"),
            ("Take half a g with food.", "half a g"),
            ("Give ten i.u. at night.", "ten i.u."),
            ("Start with two ug daily.", "two ug"),
            ("Use three nmol/kg weekly.", "three nmol/kg"),
            ("Inject five milliliters.", "five milliliters"),
            ("About twenty ng is typical.", "twenty ng"),
        ] {
            assert_eq!(figs(text), [figure], "{text}");
        }
        assert!(figs("Five reasons to avoid it; take care.").is_empty());
    }
}
