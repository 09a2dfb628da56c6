//! Literal gates for regular expressions: a set of literals at least one of which occurs
//! in every match of the regex.
//!
//! The gates go into the pack's one literal automaton, so a rule's regex runs only on a
//! sentence (or block) where the scan has already seen one of its gate literals; every
//! other sentence is skipped without touching the regex engine. A gate is a necessary
//! condition, never a sufficient one: the regex still decides. A regex whose literals
//! cannot be worked out (or whose best gate is shorter than [`MIN_GATE_LEN`], which would
//! fire on nearly every sentence, unless it is punctuation such as `:` or `;`) has no gate
//! and runs everywhere, as before.
//!
//! Literals are lowercase: the regexes are compiled ASCII-case-insensitive on normalized
//! text, and the automaton matches ASCII-case-insensitively.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth gating on.
pub const MIN_GATE_LEN: usize = 3;
/// Most literals in one set (alternations and optional parts multiply).
const MAX_SET: usize = 64;
/// Most bytes a character class may stand for before it is "anything".
const MAX_CLASS: usize = 8;

type Set = Vec<Vec<u8>>;

/// `pattern` as the engine reads it: bytes, no Unicode classes (case is handled by the
/// callers, which lowercase what they extract).
fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
}

/// The gate of `pattern`: literals one of which every match contains; `None` when there is
/// no useful one.
pub fn gate(pattern: &str) -> Option<Vec<String>> {
    let hir = parse(pattern)?;
    let set = necessary(&hir)?;
    if !all_rare(&set) {
        return None;
    }
    let mut out: Vec<String> = set
        .into_iter()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .collect();
    out.sort();
    out.dedup();
    // a literal that contains another one is implied by it
    let all = out.clone();
    out.retain(|l| !all.iter().any(|o| o != l && l.contains(o.as_str())));
    Some(out)
}

/// Is a literal rare enough to gate on: [`MIN_GATE_LEN`] bytes or more, or punctuation
/// that most sentences lack (a pattern that can only open after a colon or semicolon is
/// gated on those; not on `.`, `,`, `-` or quotes, which nearly every sentence has).
fn rare(l: &[u8]) -> bool {
    l.len() >= MIN_GATE_LEN
        || !l.is_empty()
            && l.iter()
                .all(|b| b.is_ascii_punctuation() && !b".,-'\"".contains(b))
}

fn all_rare(set: &Set) -> bool {
    set.iter().all(|l| rare(l))
}

fn min_len(set: &Set) -> usize {
    set.iter().map(Vec::len).min().unwrap_or(0)
}

/// Which of two necessary sets filters better: only rare literals (see [`rare`]), then
/// longer shortest literal, then fewer literals.
fn better(a: Option<Set>, b: Option<Set>) -> Option<Set> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let ka = (all_rare(&a), min_len(&a), usize::MAX - a.len());
            let kb = (all_rare(&b), min_len(&b), usize::MAX - b.len());
            Some(if kb > ka { b } else { a })
        }
        (a, b) => a.or(b),
    }
}

fn lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

/// Every string `hir` can match, when that set is small and finite.
fn exact(hir: &Hir) -> Option<Set> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => Some(vec![lit.0.iter().map(|&b| lower(b)).collect()]),
        HirKind::Class(class) => {
            let mut bytes: Vec<u8> = Vec::new();
            match class {
                Class::Bytes(c) => {
                    for r in c.ranges() {
                        if (r.end() - r.start()) as usize >= MAX_CLASS * 2 {
                            return None;
                        }
                        bytes.extend((r.start()..=r.end()).map(lower));
                    }
                }
                Class::Unicode(c) => {
                    for r in c.ranges() {
                        if !(r.end().is_ascii()) || (r.end() as u32 - r.start() as u32) >= 16 {
                            return None;
                        }
                        bytes.extend((r.start() as u8..=r.end() as u8).map(lower));
                    }
                }
            }
            bytes.sort_unstable();
            bytes.dedup();
            (bytes.len() <= MAX_CLASS).then(|| bytes.into_iter().map(|b| vec![b]).collect())
        }
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Concat(items) => {
            let mut acc: Set = vec![Vec::new()];
            for item in items {
                acc = product(&acc, &exact(item)?)?;
            }
            Some(acc)
        }
        HirKind::Alternation(items) => {
            let mut acc: Set = Vec::new();
            for item in items {
                acc.extend(exact(item)?);
                if acc.len() > MAX_SET {
                    return None;
                }
            }
            Some(acc)
        }
        HirKind::Repetition(rep) => {
            let max = rep.max?;
            if max > 1 {
                return None;
            }
            let mut set = exact(&rep.sub)?;
            if rep.min == 0 {
                set.push(Vec::new());
            }
            Some(set)
        }
    }
}

fn product(a: &Set, b: &Set) -> Option<Set> {
    if a.len() * b.len() > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    Some(out)
}

/// A set of literals one of which every match of `hir` contains.
fn necessary(hir: &Hir) -> Option<Set> {
    if let Some(set) = exact(hir) {
        return (min_len(&set) > 0).then_some(set);
    }
    match hir.kind() {
        HirKind::Capture(c) => necessary(&c.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => necessary(&rep.sub),
        HirKind::Alternation(items) => {
            let mut acc: Set = Vec::new();
            for item in items {
                acc.extend(necessary(item)?);
                if acc.len() > MAX_SET {
                    return None;
                }
            }
            Some(acc)
        }
        HirKind::Concat(items) => {
            // every maximal run of exactly-known parts gives one literal set (their
            // product); every part gives its own; the best of them is the gate
            let mut best: Option<Set> = None;
            let mut run: Option<Set> = None;
            for item in items {
                match exact(item) {
                    Some(set) => {
                        run = Some(match run.take() {
                            None => set,
                            Some(r) => match product(&r, &set) {
                                Some(p) => p,
                                None => {
                                    best = better(best, nonempty(r));
                                    set
                                }
                            },
                        });
                    }
                    None => {
                        if let Some(r) = run.take() {
                            best = better(best, nonempty(r));
                        }
                        best = better(best, necessary(item));
                    }
                }
            }
            if let Some(r) = run {
                best = better(best, nonempty(r));
            }
            best
        }
        _ => None,
    }
}

fn nonempty(set: Set) -> Option<Set> {
    (min_len(&set) > 0).then_some(set)
}

/// How a match of a pattern anchored at the start (`^…`) can open: literals (lowercase, at
/// most `MAX_OPENING` bytes) one of which begins every match. The engine runs such a
/// pattern on every sentence; most sentences are turned away by comparing one word with
/// the few literals that open with their first byte, instead of a regex search.
#[derive(Debug, Clone)]
pub struct Openings {
    /// Per literal, sorted by first byte: its first bytes as a little-endian word, the
    /// mask of those bytes, and how many there are.
    lits: Vec<(u64, u64, usize)>,
    /// The literals opening with byte `b` are `lits[at[b]..at[b + 1]]`.
    at: Box<[u32; 257]>,
}

/// Longest opening literal kept: one word (a shorter prefix of a literal is still a prefix
/// of every match it begins).
const MAX_OPENING: usize = 8;

/// The first [`MAX_OPENING`] bytes of `b`, lowercase, as a little-endian word.
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; MAX_OPENING];
    for (x, y) in w.iter_mut().zip(b) {
        *x = y.to_ascii_lowercase();
    }
    u64::from_le_bytes(w)
}

impl Openings {
    fn new(mut lits: Vec<Vec<u8>>) -> Openings {
        lits.sort();
        lits.dedup();
        let mut at = Box::new([0u32; 257]);
        let mut packed = Vec::with_capacity(lits.len());
        for l in &lits {
            let n = l.len();
            let mask = if n >= 8 {
                u64::MAX
            } else {
                (1u64 << (8 * n)) - 1
            };
            packed.push((word(l), mask, n));
            at[usize::from(l[0]) + 1] += 1;
        }
        for b in 1..257 {
            at[b] += at[b - 1];
        }
        Openings { lits: packed, at }
    }

    /// Can a match open at the start of `hay`? `false` only when none can.
    #[inline]
    pub fn may_open(&self, hay: &[u8]) -> bool {
        let Some(first) = hay.first() else {
            return false;
        };
        let b = usize::from(first.to_ascii_lowercase());
        let (from, to) = (self.at[b] as usize, self.at[b + 1] as usize);
        if from == to {
            return false;
        }
        let key = word(hay);
        self.lits[from..to]
            .iter()
            .any(|&(w, mask, n)| n <= hay.len() && key & mask == w)
    }
}

/// The [`Openings`] of `pattern`, when every match is anchored at the haystack's start and
/// the literals every match begins with can be worked out; `None` otherwise (the pattern
/// then runs on every sentence, as before).
pub fn openings(pattern: &str) -> Option<Openings> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    use regex_syntax::hir::Look;
    let hir = parse(pattern)?;
    if !hir.properties().look_set_prefix().contains(Look::Start) {
        return None;
    }
    // a class of more than one byte ends a literal (so `\s` and `[:,]` do not multiply
    // them); alternatives of alternatives may still multiply, hence the high total
    let seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_class(1)
        .limit_total(20_000)
        .extract(&hir);
    // matched ASCII-case-insensitively: every casing of a match lowercases to one of these
    let lits: Vec<Vec<u8>> = seq
        .literals()?
        .iter()
        .map(|l| {
            let b = l.as_bytes();
            b[..b.len().min(MAX_OPENING)].to_ascii_lowercase()
        })
        .collect();
    if lits.is_empty() || lits.iter().any(Vec::is_empty) {
        return None;
    }
    Some(Openings::new(lits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_of_the_default_pack_shapes() {
        assert_eq!(
            gate(r"\b(?:we|i)(?:'d| would| strongly)* (?:recommend|suggest|advise)\b").unwrap(),
            [" advise", " recommend", " suggest"]
        );
        assert_eq!(
            gate(r"\b(?:highly|strongly) recommend(?:ed)?\b").unwrap(),
            ["highly recommend", "strongly recommend"]
        );
        assert_eq!(
            gate(r"(?:^|[^-a-z])label(?:s|'s|ed|led|ing|ling)?\b").unwrap(),
            ["label"]
        );
        assert_eq!(gate(r"\bHas Not\b").unwrap(), ["has not"]);
    }

    #[test]
    fn no_gate_when_nothing_is_required_or_too_short() {
        assert!(gate(r"\w+ly").is_none());
        assert!(gate(r"(?:ab|cd)\d+").is_none());
        assert!(gate(r"foo|\d+").is_none());
        assert_eq!(gate(r"(?:miracle)?\s+cure").unwrap(), ["cure"]);
        // punctuation that nearly every sentence has is no gate
        assert!(gate(r"\.\s+(?:take|do|go)\b").is_none());
        assert!(gate(r"^(?:take|do|go)\b").is_none());
    }

    #[test]
    fn openings_of_start_anchored_patterns() {
        let o = openings(r"^(?:(?:then|also) )?(?:take|do|go)\b").unwrap();
        for yes in [
            "Take it",
            "do it",
            "GO now",
            "then take",
            "Also do",
            "do",
            "dog",
        ] {
            assert!(o.may_open(yes.as_bytes()), "{yes}");
        }
        for no in ["The dose", "Most users", "It is", "  take", "t", "", "dg"] {
            assert!(!o.may_open(no.as_bytes()), "{no}");
        }
        // not anchored, or anchored only at a line start: no openings
        assert!(openings(r"(?:take|do)\b").is_none());
        assert!(openings(r"(?m)^take").is_none());
        assert!(openings(r"(?:^|[:;]\s+)take").is_none());
        // what can open is unknown: no openings
        assert!(openings(r"^\w+ly\b").is_none());
    }

    /// A sentence [`Openings::may_open`] turns away has no match.
    #[test]
    fn openings_never_turn_away_a_match() {
        let pat = r"^(?:(?:for|if|when)\b[^,.;:]{0,40},\s+)?(?:(?:tip|note|then)[:,]?\s+)*(?:take|inject|do|go|run)\b[^.!?;]*?\b(?:night|daily|\d+\s*mg)\b";
        let o = openings(pat).unwrap();
        let re = crate::pack::meta_regex(pat).unwrap();
        let words = [
            "for", "if", "when", "tip:", "Note", "then", "take", "Inject", "do", "GO", "run", "it",
            "at", "night", "daily", "5", "mg", "the", ",", "x",
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(x % 7 + 1) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push_str(words[(x % words.len() as u64) as usize]);
                s.push(' ');
            }
            if re.is_match(s.as_bytes()) {
                assert!(
                    o.may_open(s.as_bytes()),
                    "{s:?} matches but was turned away"
                );
            }
        }
        assert!(o.may_open(b"Take it daily"));
        assert!(!o.may_open(b"It daily"));
    }

    #[test]
    fn rare_punctuation_gates_a_pattern_whose_words_are_too_short() {
        // the words ("do", "go") are too short to gate on; the colon or semicolon is not
        assert_eq!(
            gate(r"[:;]\s+(?:(?:then|also) )?(?:take|do|go)\b").unwrap(),
            [":", ";"]
        );
        // a rare literal of three bytes or more still wins over punctuation only when
        // both are rare: the longer one filters better
        assert_eq!(gate(r"[:;]\s+inject\b").unwrap(), ["inject"]);
    }

    /// The gate is a necessary condition: on every match, one of its literals occurs.
    #[test]
    fn every_match_contains_a_gate_literal() {
        let cases = [
            (
                r"\bnot (?:been |yet )?(?:(?:fda|ema)[- ])?approved (?:by (?:the )?fda|for (?:any |human )?use)\b",
                "it has not yet FDA-approved for human use, not approved by the fda",
            ),
            (
                r"\b(?:consult|talk (?:to|with)|ask|see)(?: (?:a|your))? (?:doctor|gp)\b",
                "Ask a doctor or see your GP, talk with your doctor",
            ),
            (
                r"(?:[0-9]+ )?(?:cures?|treats?) cancer",
                "it cures cancer and 2 treats cancer",
            ),
            (
                r"[:;]\s+(?:then )?(?:take|do|go)\b",
                "Tip: take it; then do the rest",
            ),
        ];
        for (pat, text) in cases {
            let g = gate(pat).unwrap_or_else(|| panic!("no gate for {pat}"));
            let re = regex::RegexBuilder::new(pat)
                .case_insensitive(true)
                .build()
                .unwrap();
            let lower = text.to_ascii_lowercase();
            let mut n = 0;
            for m in re.find_iter(text) {
                n += 1;
                let s = &lower[m.start()..m.end()];
                assert!(
                    g.iter().any(|l| s.contains(l.as_str())),
                    "{pat}: {s:?} has none of {g:?}"
                );
            }
            assert!(n > 0, "{pat} should match {text}");
        }
    }
}
