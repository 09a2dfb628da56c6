//! One aho-corasick automaton over every literal of the pack: every spelling of every
//! compound alias, every phrase of every rule (in each of its roles), and the gate
//! literals of every rule regex. It is built once when the linter is built; a document
//! block is scanned once, and that one scan yields both the compound mentions and the
//! phrase hits, so no rule rescans the text.
//!
//! The scan reports every occurrence (overlapping matches), and each kind of literal gets
//! its own semantics from that one list:
//! - **aliases**: whole words, the longest alias at the leftmost start winning (the
//!   leftmost-longest rule: when the longest alias at a start is not a whole word, the
//!   search moves on one byte, so a shorter alias at the same start does not count);
//!   "insulin-like" and "insulin syringe"/"needle" are not mentions;
//! - **phrases** (and `unless`, `triggers`, `contexts`): whole words by their own edge
//!   characters (a phrase ending in punctuation needs no boundary after it), overlapping
//!   hits kept;
//! - **gates** (see [`crate::gate`]): plain substrings; they only tell the engine that a
//!   rule's regex may match in this sentence.
//!
//! Matching is ASCII-case-insensitive on normalized text with byte-level word checks: no
//! Unicode word boundary anywhere.

use crate::normalize::is_word_byte;
use crate::registry::{glued, Mention, Registry};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// What a literal means to the rule that lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `phrases` of a phrase rule; the satisfying phrasings of a required rule.
    Phrase,
    /// `unless`: the sentence is not the page speaking.
    Unless,
    /// `triggers` of a required rule.
    Trigger,
    /// `contexts` of a dose rule.
    Context,
    /// `endorsements` of a phrase rule: praise that counts only when aimed at a compound.
    Endorsement,
    /// A gate literal of the rule's `patterns[k]`.
    PatternGate(u16),
    /// A gate literal of the rule's `unless_patterns[k]`.
    UnlessGate(u16),
}

impl Role {
    pub fn is_gate(self) -> bool {
        matches!(self, Role::PatternGate(_) | Role::UnlessGate(_))
    }
}

/// A literal hit in normalized text.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub pattern: u32,
    /// Whether the hit is a whole word (phrase roles need it; gates do not).
    pub whole: bool,
}

/// Largest automaton built as a DFA (the default pack has about 3,000 literals).
const MAX_DFA_PATTERNS: usize = 20_000;

/// Compound of a pattern that is no alias.
const NO_COMPOUND: u32 = u32::MAX;

#[derive(Debug)]
pub struct Literals {
    /// A contiguous NFA: cheap to build (a few milliseconds), so a one-page run starts fast.
    ac: Option<AhoCorasick>,
    /// The same automaton as a DFA, built on request for large runs: it takes longer to
    /// build and more memory, and scans faster. Same matches, same order.
    fast: std::sync::OnceLock<Option<AhoCorasick>>,
    patterns: Vec<String>,
    /// Per pattern: the compound it is an alias spelling of, or [`NO_COMPOUND`].
    compound: Vec<u32>,
    /// Per pattern: the rules (and roles) that use it.
    owners: Vec<Vec<(u32, Role)>>,
    /// Per pattern: whether any owner is a gate (kept even when not a whole word).
    gated: Vec<bool>,
}

/// Scratch space a scan reuses (alias candidates before the leftmost-longest pass).
#[derive(Debug, Default)]
pub struct Scratch {
    aliases: Vec<(usize, usize, u32)>,
}

/// A rule's literals as the automaton needs them.
pub struct RuleLiterals<'a> {
    pub lists: Vec<(&'a [String], Role)>,
    pub gates: Vec<(Vec<String>, Role)>,
}

impl Literals {
    /// Build the automaton from the registry's alias spellings and each rule's literals
    /// (indexed like the rules).
    pub fn build(
        registry: &Registry,
        rules: &[RuleLiterals<'_>],
    ) -> Result<Literals, aho_corasick::BuildError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut compound: Vec<u32> = Vec::new();
        let mut owners: Vec<Vec<(u32, Role)>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut slot = |p: String,
                        patterns: &mut Vec<String>,
                        compound: &mut Vec<u32>,
                        owners: &mut Vec<Vec<(u32, Role)>>|
         -> usize {
            *index.entry(p).or_insert_with_key(|p| {
                patterns.push(p.clone());
                compound.push(NO_COMPOUND);
                owners.push(Vec::new());
                patterns.len() - 1
            })
        };
        for (spelling, c) in registry.alias_spellings() {
            let i = slot(spelling.clone(), &mut patterns, &mut compound, &mut owners);
            // the first compound to claim a spelling keeps it (the registry already
            // deduplicates; this keeps the rule if it ever did not)
            if compound[i] == NO_COMPOUND {
                compound[i] = *c;
            }
        }
        for (ri, rule) in rules.iter().enumerate() {
            let gates = rule
                .gates
                .iter()
                .flat_map(|(lits, role)| lits.iter().map(move |l| (l.clone(), *role)));
            let lists = rule.lists.iter().flat_map(|(list, role)| {
                list.iter()
                    .map(move |p| (crate::normalize::normalize_pattern(p), *role))
            });
            for (p, role) in lists.chain(gates) {
                let i = slot(p, &mut patterns, &mut compound, &mut owners);
                if !owners[i].contains(&(ri as u32, role)) {
                    owners[i].push((ri as u32, role));
                }
            }
        }
        let gated = owners
            .iter()
            .map(|o| o.iter().any(|(_, r)| r.is_gate()))
            .collect();
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(automaton(&patterns, AhoCorasickKind::ContiguousNFA)?)
        };
        Ok(Literals {
            ac,
            fast: std::sync::OnceLock::new(),
            patterns,
            compound,
            owners,
            gated,
        })
    }

    /// Build the DFA form of the automaton, for runs over many files (a DFA scans faster
    /// but takes tens of milliseconds to build). Idempotent; scans use it once built.
    pub fn prepare_for_volume(&self) {
        self.fast.get_or_init(|| {
            // a DFA over a huge registry would cost more to build than it saves
            (!self.patterns.is_empty() && self.patterns.len() <= MAX_DFA_PATTERNS)
                .then(|| automaton(&self.patterns, AhoCorasickKind::DFA).ok())
                .flatten()
        });
    }

    /// Every literal, normalized and lowercase.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Scan `text` (normalized) once: compound mentions (leftmost-longest whole words)
    /// are appended to `mentions` in order, phrase and gate hits to `hits` in order of
    /// start (longest first).
    pub fn scan(
        &self,
        text: &str,
        mentions: &mut Vec<Mention>,
        hits: &mut Vec<Hit>,
        scratch: &mut Scratch,
    ) {
        let Some(ac) = self
            .fast
            .get()
            .and_then(Option::as_ref)
            .or(self.ac.as_ref())
        else {
            return;
        };
        let bytes = text.as_bytes();
        let first_hit = hits.len();
        scratch.aliases.clear();
        for m in ac.find_overlapping_iter(text) {
            let (s, e) = (m.start(), m.end());
            let p = m.pattern().as_usize();
            let c = self.compound[p];
            if c != NO_COMPOUND {
                scratch.aliases.push((s, e, c));
            }
            if self.owners[p].is_empty() {
                continue;
            }
            // whole words: a phrase's own edge characters decide
            let first = bytes[s];
            let last = bytes[e - 1];
            // (a scraped page's glued words still meet at a boundary: "withIpamorelin")
            let whole = !(is_word_byte(first)
                && s > 0
                && is_word_byte(bytes[s - 1])
                && !glued(bytes[s - 1], first)
                || is_word_byte(last)
                    && e < bytes.len()
                    && is_word_byte(bytes[e])
                    && !glued(last, bytes[e]));
            if whole || self.gated[p] {
                hits.push(Hit {
                    start: s,
                    end: e,
                    pattern: p as u32,
                    whole,
                });
            }
        }
        hits[first_hit..].sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        self.resolve_aliases(text, &mut scratch.aliases, mentions);
    }

    /// Leftmost-longest over every alias occurrence, with the whole-word and device/"-like"
    /// checks: at each start only the longest alias counts; a rejected one moves the
    /// search one byte on.
    fn resolve_aliases(
        &self,
        text: &str,
        cands: &mut [(usize, usize, u32)],
        out: &mut Vec<Mention>,
    ) {
        let bytes = text.as_bytes();
        cands.sort_unstable_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut at = 0;
        let mut prev_start = usize::MAX;
        for &(s, e, c) in cands.iter() {
            if s == prev_start || s < at {
                continue; // a shorter alias at a start already decided
            }
            prev_start = s;
            let before_ok = s == 0 || !is_word_byte(bytes[s - 1]) || glued(bytes[s - 1], bytes[s]);
            let after_ok =
                e == bytes.len() || !is_word_byte(bytes[e]) || glued(bytes[e - 1], bytes[e]);
            let like = bytes
                .get(e..e + 5)
                .is_some_and(|t| t.eq_ignore_ascii_case(b"-like"));
            // "insulin syringe", "insulin needles": the device, not the drug
            let device = e < bytes.len() && bytes[e] == b' ' && {
                let rest = text[e..].trim_start_matches(' ').as_bytes();
                [&b"syringe"[..], b"needle", b"pen needle", b"pin"]
                    .iter()
                    .any(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w))
            };
            // "MT1 and MT2 receptors": the receptor, not the compound
            let receptor = text[e..]
                .trim_start_matches(' ')
                .as_bytes()
                .get(..8)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"receptor"));
            // "Reta Moss": a short alias in title case before a capitalised word is a name
            let matched = &bytes[s..e];
            let person = matched.len() <= 5
                && matched[0].is_ascii_uppercase()
                && matched[1..].iter().all(u8::is_ascii_lowercase)
                && text[e..].strip_prefix(' ').is_some_and(|r| {
                    let w = r.as_bytes();
                    w.len() > 1 && w[0].is_ascii_uppercase() && w[1].is_ascii_lowercase()
                });
            if before_ok && after_ok && !like && !device && !receptor && !person {
                out.push(Mention {
                    compound: c as usize,
                    start: s,
                    end: e,
                });
                at = e;
            } else {
                at = s + 1;
            }
        }
    }

    /// Whether hit `h` serves rule `rule` in `role`.
    #[inline]
    /// The rules (and roles) that use pattern `pattern`.
    pub fn owners(&self, pattern: u32) -> &[(u32, Role)] {
        &self.owners[pattern as usize]
    }

    pub fn has(&self, h: &Hit, rule: u32, role: Role) -> bool {
        (h.whole || role.is_gate()) && self.owners[h.pattern as usize].contains(&(rule, role))
    }
}

fn automaton(
    patterns: &[String],
    kind: AhoCorasickKind,
) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .kind(Some(kind))
        .prefilter(false)
        .build(patterns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        crate::registry::test_registry()
    }

    fn ids(text: &str) -> Vec<String> {
        let r = reg();
        let phrases = ["semax vs".to_string(), "buy".to_string()];
        let rules = [RuleLiterals {
            lists: vec![(&phrases[..], Role::Phrase)],
            gates: vec![(vec!["sema".into()], Role::PatternGate(0))],
        }];
        let lits = Literals::build(&r, &rules).unwrap();
        let (mut m, mut h) = (Vec::new(), Vec::new());
        lits.scan(text, &mut m, &mut h, &mut Scratch::default());
        m.iter().map(|m| r.get(m.compound).id.clone()).collect()
    }

    #[test]
    fn hyphen_space_variants_and_longest_alias() {
        assert_eq!(
            ids("IGF1 LR3 and igf-1-lr3, igf-1 lr3; LR3"),
            ["igf-1-lr3"; 4]
        );
        assert_eq!(ids("long r3 igf-1"), ["igf-1-lr3"]);
        assert_eq!(
            ids("semax vs sema vs semaglutide vs semantics"),
            ["semax", "semaglutide", "semaglutide"]
        );
    }

    #[test]
    fn whole_words_only_and_not_x_like() {
        assert!(ids("insulin-like growth factor, insulins, preinsulin").is_empty());
        assert_eq!(ids("Insulin's effect"), ["insulin"]);
        assert!(ids("drawn into an insulin syringe with a fresh insulin  needle").is_empty());
        assert!(ids("insulin receptors").is_empty());
        assert!(ids("our editor Sema Moss; an insulin pin").is_empty());
        assert_eq!(ids("Sema works; sema Moss"), ["semaglutide", "semaglutide"]);
        assert_eq!(ids("Stack it withInsulin"), ["insulin"]);
    }

    #[test]
    fn one_scan_serves_aliases_phrases_and_gates() {
        let r = reg();
        let phrases = ["semax vs".to_string(), "buy".to_string()];
        let rules = [RuleLiterals {
            lists: vec![(&phrases[..], Role::Phrase)],
            gates: vec![(vec!["sema".into()], Role::PatternGate(0))],
        }];
        let lits = Literals::build(&r, &rules).unwrap();
        let text = "semax vs semantics; buying is not buy";
        let (mut m, mut h) = (Vec::new(), Vec::new());
        lits.scan(text, &mut m, &mut h, &mut Scratch::default());
        assert_eq!(m.len(), 1, "{m:?}");
        let phrase_hits: Vec<&str> = h
            .iter()
            .filter(|h| lits.has(h, 0, Role::Phrase))
            .map(|h| &text[h.start..h.end])
            .collect();
        assert_eq!(phrase_hits, ["semax vs", "buy"]);
        // the gate is a substring match: inside "semax" and "semantics" too
        let gates = h
            .iter()
            .filter(|h| lits.has(h, 0, Role::PatternGate(0)))
            .count();
        assert_eq!(gates, 2);
        assert!(!h.iter().any(|h| lits.has(h, 1, Role::Phrase)));
        // the DFA built for large runs finds exactly the same
        lits.prepare_for_volume();
        assert!(lits.fast.get().is_some_and(Option::is_some));
        let (mut m2, mut h2) = (Vec::new(), Vec::new());
        lits.scan(text, &mut m2, &mut h2, &mut Scratch::default());
        assert_eq!(m2, m);
        let spans = |h: &[Hit]| -> Vec<(usize, usize, u32, bool)> {
            h.iter()
                .map(|h| (h.start, h.end, h.pattern, h.whole))
                .collect()
        };
        assert_eq!(spans(&h2), spans(&h));
    }
}
