//! One aho-corasick automaton over every literal phrase of every rule in the pack.
//!
//! A document block is scanned once; each hit knows which rules use its phrase and in
//! what role (a forbidden phrase, an exemption, a trigger, a satisfying phrasing, a
//! use context), so no rule rescans the text.

use crate::normalize::{is_word_byte, normalize_pattern};
use crate::pack::Rule;
use crate::registry::glued;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;

/// What a phrase means to the rule that lists it.
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
}

/// A whole-word phrase hit in normalized text.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub pattern: u32,
}

#[derive(Debug)]
pub struct PhraseSet {
    ac: Option<AhoCorasick>,
    owners: Vec<Vec<(u32, Role)>>,
}

impl PhraseSet {
    pub fn build(rules: &[Rule]) -> Result<PhraseSet, aho_corasick::BuildError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<(u32, Role)>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (ri, rule) in rules.iter().enumerate() {
            let d = &rule.def;
            let lists: [(&[String], Role); 5] = [
                (&d.phrases, Role::Phrase),
                (&d.unless, Role::Unless),
                (&d.triggers, Role::Trigger),
                (&d.contexts, Role::Context),
                (&d.endorsements, Role::Endorsement),
            ];
            for (list, role) in lists {
                for p in list {
                    let n = normalize_pattern(p);
                    let i = *index.entry(n.clone()).or_insert_with(|| {
                        patterns.push(n);
                        owners.push(Vec::new());
                        patterns.len() - 1
                    });
                    if !owners[i].contains(&(ri as u32, role)) {
                        owners[i].push((ri as u32, role));
                    }
                }
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .build(&patterns)?,
            )
        };
        Ok(PhraseSet { ac, owners })
    }

    /// Every whole-word hit in `text`, overlapping ones included, in order of start.
    pub fn find(&self, text: &str, out: &mut Vec<Hit>) {
        let Some(ac) = &self.ac else { return };
        let bytes = text.as_bytes();
        let start = out.len();
        for m in ac.find_overlapping_iter(text) {
            let (s, e) = (m.start(), m.end());
            // whole words: a phrase's own edge characters decide (a phrase ending in
            // punctuation needs no boundary after it)
            let first = bytes[s];
            let last = bytes[e - 1];
            if is_word_byte(first)
                && s > 0
                && is_word_byte(bytes[s - 1])
                && !glued(bytes[s - 1], first)
            {
                continue;
            }
            if is_word_byte(last)
                && e < bytes.len()
                && is_word_byte(bytes[e])
                && !glued(last, bytes[e])
            {
                continue;
            }
            out.push(Hit {
                start: s,
                end: e,
                pattern: m.pattern().as_usize() as u32,
            });
        }
        out[start..].sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    }

    /// The rules (and roles) that use the phrase of a hit.
    pub fn owners(&self, hit: &Hit) -> &[(u32, Role)] {
        &self.owners[hit.pattern as usize]
    }
}
