//! One aho-corasick automaton over every literal of the pack: the start of every
//! compound alias (the alias itself is then read from an alias trie, across its
//! hyphen/space spellings), every phrase of every rule (in each of its roles), and the
//! gate literals of every rule regex. It is built once when the linter is built; a document
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
use crate::registry::{glued, Mention, Registry, Split};
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{dfa, nfa::contiguous, Anchored, MatchKind};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

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

/// Largest automaton built as a DFA (the default pack has about 1,400 literals; a DFA over
/// a registry of thousands of compounds would cost more to build than it saves).
const MAX_DFA_PATTERNS: usize = 5_000;
/// Texts at least this long are scanned as two halves at once (see `keys_found`).
const TWO_LANES: usize = 64;

/// No alias (of a pattern, a trie node).
const NONE: u32 = u32::MAX;

/// The shortest first token an alias is found by; a shorter one ("N-acetyl semax",
/// "5-amino-1MQ", "TH-9507", "PT-141") is found by itself and the start of the next token,
/// enough to make this many bytes, in each spelling ("th95", "th-95", "th 95"), so that no
/// letter pair or short word that ordinary words contain ("th", "ly", "pt") is a pattern
/// that starts a trie walk. Every spelling of the alias starts with one of them, so none
/// is missed; and aliases that differ only further on share their patterns (10,000
/// generated "ZX-1nnnn" aliases need 30, not 30,000).
const MIN_ANCHOR: usize = 4;

#[derive(Debug)]
pub struct Literals {
    /// A contiguous NFA over the patterns (lowercase, matched case-sensitively on a
    /// lowercased copy of the text: that builds several times faster than an
    /// ASCII-case-insensitive automaton), so a one-page run starts fast.
    ac: Option<contiguous::NFA>,
    /// What the automata match: literal prefixes (see [`KEY_LEN`]).
    keys: Keys,
    /// The same automaton as an ASCII-case-insensitive DFA (on the text as it is), built
    /// on request for large runs: it takes longer to build and more memory, and scans
    /// faster. Same matches.
    fast: std::sync::OnceLock<Option<dfa::DFA>>,
    patterns: Vec<String>,
    /// Per pattern: whether it is the start of an alias (its first token or tokens in
    /// some spelling); the alias trie decides from there.
    anchor: Vec<bool>,
    /// Per pattern: the alias (claiming order) it is a whole spelling of, or [`NONE`]
    /// (spellings the trie does not cover: see [`Literals::build`]).
    whole: Vec<u32>,
    /// Every alias in claiming order: its compound.
    alias_compound: Vec<u32>,
    /// Every mixed alias's trie key (see [`AliasTrie`]), their bytes in `trie_bytes`,
    /// grouped by the anchor pattern they start with: pattern `p`'s keys are
    /// `anchored[anchor_from[p]..anchor_from[p + 1]]` (an alias with three anchor
    /// spellings is in three groups).
    trie_bytes: Vec<u8>,
    anchored: Vec<TrieKey>,
    anchor_from: Vec<u32>,
    /// Per pattern: the trie of the aliases it is an anchor of, built the first time a
    /// text holds the anchor. A registry of 10,000 compounds has some 10,000 anchors a
    /// site never names, and one trie of all 40,000 aliases was the longest part of
    /// building the automaton.
    tries: Vec<std::sync::OnceLock<Box<AliasTrie>>>,
    /// Per pattern: the rules (and roles) that use it.
    owners: Vec<Vec<(u32, Role)>>,
    /// Per pattern: whether any owner is a gate (kept even when not a whole word).
    gated: Vec<bool>,
    /// Per pattern: whether it can only count at a word start (see [`word_start`]): it
    /// begins with a word byte and no gate uses it (a gate is a plain substring). Every
    /// alias spelling and phrase role needs a word start for such a literal.
    start_only: Vec<bool>,
}

/// Every alias as its tokens with a joint between each two (stored as a space): at a
/// joint, the text may have `-`, ` ` or nothing. One path per alias, not one pattern per
/// spelling, so the automaton's size does not grow with 3^joints.
///
/// Nodes are numbered breadth first, so a node's children are consecutive and follow
/// the children of the node before it: `first[n] .. first[n + 1]` (`first` has one
/// more entry than there are nodes), their edge bytes sorted in `label` (indexed by
/// node: the byte on the edge into it).
#[derive(Debug, Default, Clone)]
struct AliasTrie {
    first: Vec<u32>,
    label: Vec<u8>,
    /// The first alias (claiming order) that ends at the node, or [`NONE`].
    term: Vec<u32>,
}

/// The joint marker in trie keys (tokens never hold a separator).
const JOINT: u8 = b' ';

/// The hash of tables keyed by pack and registry strings (patterns, ids, names): a folded
/// multiply over 8 bytes at a time, several times cheaper than the default SipHash on
/// short strings. (The keys come from the pack and registry, not from the pages being
/// linted.) Folding the high half of the product into the low one lets every input bit
/// reach the low bits the table indexes by: "gen-1234" and "gen-1235" differ only in
/// their last bytes.
#[derive(Default)]
pub(crate) struct PatternHasher(u64);

impl PatternHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        let p = u128::from(self.0 ^ word) * 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for PatternHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(w) ^ (rest.len() as u64) << 59);
    }

    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The [`PatternHasher`] hash of a pack or registry string: what the tables keyed by
/// patterns, ids and names are hashed by.
pub(crate) fn pattern_hash(s: &str) -> u64 {
    BuildHasherDefault::<PatternHasher>::default().hash_one(s)
}

/// An [`AliasTrie`] being built: each alias's trie key (its tokens, ASCII-lowercased,
/// with a [`JOINT`] between each two) is collected, and [`TrieBuilder::finish`] makes
/// the trie from all of them at once, level by level.
#[derive(Debug, Default)]
struct TrieBuilder {
    /// Every key's bytes, one after another.
    bytes: Vec<u8>,
    /// Per key: where its bytes start, how many, and its alias (claiming order).
    keys: Vec<TrieKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TrieKey {
    start: u32,
    len: u32,
    alias: u32,
}

/// Groups of at most this many keys are put in order by the standard sort, larger ones
/// by counting (a pass over the 257 ranks).
const SMALL_GROUP: usize = 24;

impl TrieBuilder {
    /// Add alias `alias` (claiming order). A path two aliases share ends at the earliest.
    fn insert(&mut self, split: &Split, alias: u32) {
        let start = self.bytes.len();
        for (i, t) in split.tokens().enumerate() {
            if i > 0 {
                self.bytes.push(JOINT);
            }
            // (a split alias's tokens are ASCII-lowercased, see `Split::set`)
            self.bytes.extend_from_slice(t.as_bytes());
        }
        self.keys.push(TrieKey {
            start: start as u32,
            len: (self.bytes.len() - start) as u32,
            alias,
        });
    }

    /// The trie of every key collected (see [`TrieBuilder::finish_keys`]).
    #[cfg(test)]
    fn finish(self) -> AliasTrie {
        let TrieBuilder { bytes, mut keys } = self;
        Self::finish_keys(&bytes, &mut keys)
    }

    /// The trie of `keys` (put in order in place; their bytes in `bytes`), numbered
    /// breadth first with each node's children sorted.
    ///
    /// Its nodes are the keys' distinct prefixes, and that numbering orders them by
    /// length, then bytewise. So the keys are put in order a byte position at a time,
    /// as a radix sort from the front does: the keys of a node at depth `d` (a group,
    /// consecutive in `keys`) are ordered by their byte `d` (those that end at `d`
    /// first), and each run of one byte is a child, queued for the next level. Each key
    /// is visited once a level it reaches, reading the key bytes in place: inserting
    /// keys one by one walked a linked list of children per byte, a cache miss a step.
    fn finish_keys(bytes: &[u8], keys: &mut [TrieKey]) -> AliasTrie {
        // a key's byte at `depth` as a sort key: 0 when it ends there
        let rank = |k: &TrieKey, depth: usize| -> u16 {
            if depth < k.len as usize {
                u16::from(bytes[k.start as usize + depth]) + 1
            } else {
                0
            }
        };
        let mut trie = AliasTrie::default();
        // at most a node a byte, and the root (pages never used are never touched)
        let most = keys.iter().map(|k| k.len as usize).sum::<usize>() + 1;
        for v in [&mut trie.first, &mut trie.term] {
            v.reserve(most + 1);
        }
        trie.label.reserve(most);
        trie.label.push(0);
        // the groups (ranges of `keys`) of this level's nodes, in node order
        let mut level: Vec<(u32, u32)> = vec![(0, keys.len() as u32)];
        let mut next: Vec<(u32, u32)> = Vec::new();
        // a group's ranks at this depth, and a copy of its keys to sort from
        let mut ranks: Vec<u16> = Vec::new();
        let mut spare: Vec<TrieKey> = Vec::new();
        let mut counts = [0u32; 257];
        let mut depth = 0;
        while !level.is_empty() {
            for &(lo, hi) in &level {
                // the nodes so far: this one's first child, if it has any
                trie.first.push(trie.label.len() as u32);
                let group = &mut keys[lo as usize..hi as usize];
                if let [key] = group {
                    // one key (most nodes: the rest of a name no other shares)
                    match rank(key, depth) {
                        0 => {
                            trie.term.push(key.alias);
                        }
                        r => {
                            trie.term.push(NONE);
                            trie.label.push((r - 1) as u8);
                            next.push((lo, hi));
                        }
                    }
                    continue;
                }
                ranks.clear();
                ranks.extend(group.iter().map(|k| rank(k, depth)));
                if ranks.iter().all(|&r| r == ranks[0]) {
                    // one byte for all (a prefix many names share): in order already
                } else if group.len() > SMALL_GROUP {
                    // by counting: where each rank's keys start, then the keys there
                    counts.fill(0);
                    for &r in &ranks {
                        counts[r as usize] += 1;
                    }
                    let mut at = 0;
                    for c in counts.iter_mut() {
                        (*c, at) = (at, at + *c);
                    }
                    spare.clear();
                    spare.extend_from_slice(group);
                    for (&r, k) in ranks.iter().zip(&spare) {
                        group[counts[r as usize] as usize] = *k;
                        counts[r as usize] += 1;
                    }
                    ranks.sort_unstable();
                } else {
                    group.sort_unstable_by_key(|k| rank(k, depth));
                    ranks.sort_unstable();
                }
                let ends = ranks.iter().take_while(|&&r| r == 0).count();
                let term = group[..ends].iter().map(|k| k.alias).min();
                trie.term.push(term.unwrap_or(NONE));
                let mut i = ends;
                while i < ranks.len() {
                    let r = ranks[i];
                    let run = ranks[i..].iter().take_while(|&&q| q == r).count();
                    trie.label.push((r - 1) as u8);
                    next.push((lo + i as u32, lo + (i + run) as u32));
                    i += run;
                }
            }
            std::mem::swap(&mut level, &mut next);
            next.clear();
            depth += 1;
        }
        // where the last node's children would start: node n's are first[n]..first[n + 1]
        trie.first.push(trie.label.len() as u32);
        trie
    }
}

impl AliasTrie {
    /// The children of `node`: their numbers, and their edge bytes in `label`.
    fn kids(&self, node: usize) -> std::ops::Range<usize> {
        self.first[node] as usize..self.first[node + 1] as usize
    }

    /// Every alias that starts at `s` in `bytes` (ASCII-case-insensitively): pushes
    /// `(s, end, alias)`.
    fn walk(
        &self,
        bytes: &[u8],
        s: usize,
        out: &mut Vec<(usize, usize, u32)>,
        stack: &mut Vec<(u32, usize)>,
    ) {
        stack.clear();
        stack.push((0, s));
        while let Some((node, pos)) = stack.pop() {
            let node = node as usize;
            if self.term[node] != NONE {
                out.push((s, pos, self.term[node]));
            }
            let range = self.kids(node);
            let f = range.start;
            let kids = &self.label[range];
            let next = bytes.get(pos).map(u8::to_ascii_lowercase);
            if let Ok(k) = kids.binary_search(&JOINT) {
                // a joint: one separator, or none
                let j = (f + k) as u32;
                if matches!(next, Some(b'-' | b' ')) {
                    stack.push((j, pos + 1));
                }
                stack.push((j, pos));
            }
            if let Some(b) = next.filter(|&b| b != JOINT) {
                if let Ok(k) = kids.binary_search(&b) {
                    stack.push(((f + k) as u32, pos + 1));
                }
            }
        }
    }
}

/// The DFA form of the automaton over `keys`, if it can and should be built: a DFA over
/// a huge registry would cost more to build than it saves.
fn volume_dfa(keys: &[String]) -> Option<dfa::DFA> {
    (!keys.is_empty() && keys.len() <= MAX_DFA_PATTERNS)
        .then(|| {
            dfa::Builder::new()
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(keys)
                .ok()
        })
        .flatten()
}

/// Scratch space a scan reuses (alias candidates before the leftmost-longest pass).
#[derive(Debug, Default)]
pub struct Scratch {
    aliases: Vec<(usize, usize, u32)>,
    /// (start, key) of every key occurrence the automaton reports.
    found: Vec<(usize, usize)>,
    /// The second half's occurrences (see `keys_found`).
    found2: Vec<(usize, usize)>,
    /// (start, anchor pattern) of every alias start found.
    starts: Vec<(usize, u32)>,
    stack: Vec<(u32, usize)>,
    lower: Vec<u8>,
}

/// A rule's literals as the automaton needs them.
pub struct RuleLiterals<'a> {
    pub lists: Vec<(&'a [String], Role)>,
    pub gates: Vec<(Vec<String>, Role)>,
}

impl Literals {
    /// Build the automaton from the registry's alias spellings and each rule's literals
    /// (indexed like the rules).
    ///
    /// Aliases are not enumerated spelling by spelling: each goes into an alias trie as
    /// its tokens and joints, and into the automaton only as its first token (or, when
    /// that is shorter than 4 bytes, `MIN_ANCHOR`, it and the start of the next) in each
    /// spelling: its anchor. A scan walks, from every place the automaton finds an
    /// anchor, the trie of the aliases that start with it, built the first time a text
    /// holds the anchor. The spellings the trie cannot hold (a normalized form with two
    /// separators in a row or one at an end; the three one-separator spellings of an
    /// alias with more than `registry::MAX_JOINTS` joints) are whole patterns. Either
    /// way, a spelling two aliases share belongs to the first (the registry's claiming
    /// order).
    pub fn build(
        registry: &Registry,
        rules: &[RuleLiterals<'_>],
    ) -> Result<Literals, aho_corasick::BuildError> {
        Self::build_for(registry, rules, false)
    }

    /// [`Literals::build`], ready for many files at once when `volume` (see
    /// [`Literals::prepare_for_volume`]): the DFA is built instead of the NFA.
    pub fn build_for(
        registry: &Registry,
        rules: &[RuleLiterals<'_>],
        volume: bool,
    ) -> Result<Literals, aho_corasick::BuildError> {
        Self::build_then(registry, rules, &mut || volume, None)
    }

    /// [`Literals::build_for`], with `side` run on a thread of its own once the aliases
    /// are split into patterns (the linter builds a large registry's lookup index there,
    /// beside the automaton), and `volume` asked once, when the automaton's form is
    /// chosen (after the aliases are split: the CLI walks the paths meanwhile).
    pub(crate) fn build_then(
        registry: &Registry,
        rules: &[RuleLiterals<'_>],
        volume: &mut dyn FnMut() -> bool,
        side: Option<&(dyn Fn() + Sync)>,
    ) -> Result<Literals, aho_corasick::BuildError> {
        std::thread::scope(|scope| {
            let mut start_side = || {
                if let Some(side) = side {
                    // no thread to be had: run here
                    if std::thread::Builder::new()
                        .spawn_scoped(scope, side)
                        .is_err()
                    {
                        side();
                    }
                }
            };
            Literals::build_with(registry, rules, volume, &mut start_side)
        })
    }

    /// [`Literals::build_then`], calling `after_names` once the aliases are split.
    fn build_with(
        registry: &Registry,
        rules: &[RuleLiterals<'_>],
        volume: &mut dyn FnMut() -> bool,
        after_names: &mut dyn FnMut(),
    ) -> Result<Literals, aho_corasick::BuildError> {
        // every mixed alias's trie key (collecting them on a thread of their own, beside
        // this loop, split every name twice and was slower), and (anchor pattern, key)
        // for each of its anchors
        let (names, name_bytes) = registry
            .names()
            .fold((0, 0), |(n, bytes), (name, _)| (n + 1, bytes + name.len()));
        let mut trie = TrieBuilder {
            bytes: Vec::with_capacity(name_bytes + names),
            keys: Vec::with_capacity(names),
        };
        let mut anchors_of: Vec<(u32, u32)> = Vec::with_capacity(names);
        let mut patterns: Vec<String> = Vec::with_capacity(names);
        let mut anchor: Vec<bool> = Vec::with_capacity(names);
        let mut whole: Vec<u32> = Vec::with_capacity(names);
        let mut owners: Vec<Vec<(u32, Role)>> = Vec::with_capacity(names);
        // each pattern by its text (an index into `patterns`: the text is not kept twice)
        let mut index: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(names);
        // The pattern `p` (ASCII-lowercased: a name's spellings are, being made of its
        // normalized form) by its number, made if it is new. (A registry of 10,000
        // compounds names 40,000 aliases: a pattern is allocated only when it is new.)
        let mut slot = |p: &str,
                        patterns: &mut Vec<String>,
                        anchor: &mut Vec<bool>,
                        whole: &mut Vec<u32>,
                        owners: &mut Vec<Vec<(u32, Role)>>|
         -> usize {
            debug_assert!(!p.bytes().any(|b| b.is_ascii_uppercase()), "{p}");
            let h = pattern_hash(p);
            if let Some(&i) = index.find(h, |&i| patterns[i as usize] == p) {
                return i as usize;
            }
            index.insert_unique(h, patterns.len() as u32, |&i| {
                pattern_hash(&patterns[i as usize])
            });
            patterns.push(p.to_owned());
            anchor.push(false);
            whole.push(NONE);
            owners.push(Vec::new());
            patterns.len() - 1
        };
        let mut alias_compound: Vec<u32> = Vec::with_capacity(names);
        let mut split = Split::default();
        let mut buf = String::new();
        // for a pattern made as the joined spelling of a short first token (shorter than
        // MIN_ANCHOR) and the start of the next, with its other two spellings numbered
        // right after it: that token's length (0 for any other pattern)
        let mut triple_first: Vec<u8> = Vec::new();
        for (name, c) in registry.names() {
            let alias = alias_compound.len() as u32;
            alias_compound.push(c);
            split.set(name);
            if split.len() == 0 {
                continue;
            }
            let key = trie.keys.len() as u32;
            if split.mixed() {
                trie.insert(&split, alias);
                // the first token; a short one with as much of the next as makes
                // MIN_ANCHOR bytes, in each spelling
                let first = split.token(0);
                if first.len() < MIN_ANCHOR && split.len() > 1 {
                    let next = split.token(1);
                    let mut n = MIN_ANCHOR - first.len();
                    while n < next.len() && !next.is_char_boundary(n) {
                        n += 1;
                    }
                    let next = &next[..n.min(next.len())];
                    // its three spellings, numbered together when they are new: when the
                    // joined one is found with the same first token, so are the others
                    // (most such anchors are shared: "gen-1", "gen-12", ...)
                    buf.clear();
                    buf.push_str(first);
                    buf.push_str(next);
                    let i = slot(&buf, &mut patterns, &mut anchor, &mut whole, &mut owners);
                    let spelled = if triple_first.get(i) == Some(&(first.len() as u8)) {
                        [i, i + 1, i + 2]
                    } else {
                        let mut is = [i, 0, 0];
                        for (k, sep) in [(1, "-"), (2, " ")] {
                            buf.clear();
                            buf.push_str(first);
                            buf.push_str(sep);
                            buf.push_str(next);
                            is[k] = slot(&buf, &mut patterns, &mut anchor, &mut whole, &mut owners);
                        }
                        if is == [i, i + 1, i + 2] && i + 3 == patterns.len() {
                            triple_first.resize(patterns.len(), 0);
                            triple_first[i] = first.len() as u8;
                        }
                        is
                    };
                    for i in spelled {
                        anchor[i] = true;
                        anchors_of.push((i as u32, key));
                    }
                } else {
                    let i = slot(first, &mut patterns, &mut anchor, &mut whole, &mut owners);
                    anchor[i] = true;
                    anchors_of.push((i as u32, key));
                }
            } else {
                for sep in ["", "-", " "] {
                    split.join_into(sep, &mut buf);
                    let i = slot(&buf, &mut patterns, &mut anchor, &mut whole, &mut owners);
                    whole[i] = whole[i].min(alias);
                }
            }
            // the alias as normalized, unless it is a mixed alias's joined spelling (those
            // are the trie's)
            if !(split.mixed() && split.norm_is_joined()) {
                let i = slot(
                    &split.norm,
                    &mut patterns,
                    &mut anchor,
                    &mut whole,
                    &mut owners,
                );
                whole[i] = whole[i].min(alias);
            }
        }
        after_names();
        for (ri, rule) in rules.iter().enumerate() {
            let gates = rule
                .gates
                .iter()
                .flat_map(|(lits, role)| lits.iter().map(move |l| (l.clone(), *role)));
            let lists = rule.lists.iter().flat_map(|(list, role)| {
                list.iter()
                    .map(move |p| (crate::normalize::normalize_pattern(p), *role))
            });
            for (mut p, role) in lists.chain(gates) {
                p.make_ascii_lowercase();
                let i = slot(&p, &mut patterns, &mut anchor, &mut whole, &mut owners);
                if !owners[i].contains(&(ri as u32, role)) {
                    owners[i].push((ri as u32, role));
                }
            }
        }
        // the keys grouped by anchor (by counting: pattern p's start at anchor_from[p])
        let mut anchor_from = vec![0u32; patterns.len() + 1];
        for &(p, _) in &anchors_of {
            anchor_from[p as usize + 1] += 1;
        }
        for i in 1..anchor_from.len() {
            anchor_from[i] += anchor_from[i - 1];
        }
        let mut fill = anchor_from.clone();
        let blank = TrieKey {
            start: 0,
            len: 0,
            alias: NONE,
        };
        let mut anchored = vec![blank; anchors_of.len()];
        for &(p, k) in &anchors_of {
            anchored[fill[p as usize] as usize] = trie.keys[k as usize];
            fill[p as usize] += 1;
        }
        drop(anchors_of);
        let gated: Vec<bool> = owners
            .iter()
            .map(|o| o.iter().any(|(_, r)| r.is_gate()))
            .collect();
        let start_only: Vec<bool> = patterns
            .iter()
            .zip(&gated)
            .map(|(p, &g)| !g && p.as_bytes().first().is_some_and(|&b| is_word_byte(b)))
            .collect();
        let keys = Keys::new(&patterns, &start_only, &anchor, &owners);
        let fast = std::sync::OnceLock::new();
        if volume() {
            let _ = fast.set(volume_dfa(&keys.keys));
        }
        let ac = if keys.keys.is_empty() || fast.get().is_some_and(Option::is_some) {
            // (the NFA is for scans without the DFA)
            None
        } else {
            Some(
                contiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(&keys.keys)?,
            )
        };
        let tries = (0..patterns.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        Ok(Literals {
            ac,
            fast,
            keys,
            patterns,
            anchor,
            whole,
            alias_compound,
            trie_bytes: trie.bytes,
            anchored,
            anchor_from,
            tries,
            owners,
            gated,
            start_only,
        })
    }

    /// The trie of the aliases anchor pattern `p` starts, built on first use.
    fn anchor_trie(&self, p: usize) -> &AliasTrie {
        self.tries[p].get_or_init(|| {
            let range = self.anchor_from[p] as usize..self.anchor_from[p + 1] as usize;
            let mut keys = self.anchored[range].to_vec();
            Box::new(TrieBuilder::finish_keys(&self.trie_bytes, &mut keys))
        })
    }

    /// Build the DFA form of the automaton, for runs over many files (a DFA scans faster
    /// but takes tens of milliseconds to build). Idempotent; scans use it once built.
    /// Whether the faster automaton for many files is built (see
    /// [`Literals::prepare_for_volume`]).
    #[cfg(test)]
    pub(crate) fn is_ready_for_volume(&self) -> bool {
        self.fast.get().is_some_and(Option::is_some)
    }

    pub fn prepare_for_volume(&self) {
        self.fast.get_or_init(|| volume_dfa(&self.keys.keys));
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
        let mut lower = std::mem::take(&mut scratch.lower);
        lower.clear();
        self.scan_appending(text, mentions, hits, scratch, &mut lower);
        scratch.lower = lower;
    }

    /// [`Literals::scan`], leaving the lowercased copy of `text` it reads appended to
    /// `lower` (at `lower.len()` as it was, and 8 zero bytes after it), for the engine's
    /// regexes that run on lowercased text.
    pub(crate) fn scan_appending(
        &self,
        text: &str,
        mentions: &mut Vec<Mention>,
        hits: &mut Vec<Hit>,
        scratch: &mut Scratch,
        lower: &mut Vec<u8>,
    ) {
        let bytes = text.as_bytes();
        let Scratch {
            aliases,
            starts,
            stack,
            lower: _,
            found,
            found2,
        } = scratch;
        let first_hit = hits.len();
        aliases.clear();
        starts.clear();
        found.clear();
        // both automata match the lowercase keys case-sensitively on a lowercased copy:
        // a DFA that also took uppercase letters would need twice the byte classes, and
        // its table (twice the size) would no longer fit the cache
        // (and 8 zero bytes after it, so that a literal's rest is read a word at a time
        // right up to the end)
        let base = lower.len();
        lower.extend_from_slice(bytes);
        lower[base..].make_ascii_lowercase();
        lower.extend_from_slice(&[0; 8]);
        let padded = &lower[base..];
        let hay = &padded[..bytes.len()];
        match (self.fast.get().and_then(Option::as_ref), &self.ac) {
            (Some(dfa), _) => Self::keys_found(dfa, hay, found, found2),
            (None, Some(nfa)) => Self::keys_found(nfa, hay, found, found2),
            (None, None) => return,
        }
        for &(s, k) in found.iter() {
            // a literal that only counts at a word start (see `start_only`) is not even
            // compared elsewhere
            let bound = word_start(bytes, s);
            if !bound && self.keys.start_only[k] {
                continue;
            }
            // every literal that starts with the key the automaton found, and is there:
            // the key's own bytes are known to match, only the rest is compared, its
            // first 8 bytes as one word (most rests are no longer; a key can have dozens
            // of literals: "recommen")
            let key = self.keys.keys[k].len();
            let at = s + key;
            // (the key ends inside the text and 8 padding bytes follow it: always there)
            let Some(word) = padded.get(at..at + 8).and_then(|w| w.try_into().ok()) else {
                continue;
            };
            let word = u64::from_le_bytes(word);
            let from = self.keys.at[k] as usize;
            let to = self.keys.at[k + 1] as usize;
            for (&p, &(rest, mask)) in self.keys.members[from..to]
                .iter()
                .zip(&self.keys.rest[from..to])
            {
                if !bound && self.start_only[p as usize] {
                    continue;
                }
                let lit = self.patterns[p as usize].as_bytes();
                if word & mask != rest
                    || s + lit.len() > bytes.len()
                    || lit.len() > key + 8 && hay[at + 8..s + lit.len()] != lit[key + 8..]
                {
                    continue;
                }
                let p = p as usize;
                let e = s + self.patterns[p].len();
                // an alias only counts at a word start, and one that does not cannot
                // change which does (see `resolve_aliases`)
                if self.anchor[p] && bound {
                    starts.push((s, p as u32));
                }
                if self.whole[p] != NONE && bound {
                    aliases.push((s, e, self.whole[p]));
                }
                if self.owners[p].is_empty() {
                    continue;
                }
                // whole words: a phrase's own edge characters decide
                let first = bytes[s];
                let last = bytes[e - 1];
                // (a scraped page's glued words still meet at a boundary: "withIpamorelin")
                let whole = !(is_word_byte(first) && !bound
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
        }
        hits[first_hit..].sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        // every alias from every place one can start
        starts.sort_unstable();
        starts.dedup();
        for &(s, p) in starts.iter() {
            self.anchor_trie(p as usize).walk(bytes, s, aliases, stack);
        }
        self.resolve_aliases(text, aliases, mentions);
    }

    /// Every occurrence of every key in `hay`, as (start, key), in the order of their
    /// ends, as an overlapping search reports them.
    ///
    /// The loop is ours, over the automaton's public transition function: a scan step is
    /// one table load whose latency sets the pace, so a long text is scanned as two
    /// halves at once (two independent chains of loads overlap in the CPU). The first
    /// half runs on until no key that starts in it can still end, and keeps only those;
    /// the second starts afresh at the middle, which finds every key starting there or
    /// later. Same occurrences, same order within each half.
    fn keys_found<A: Automaton>(
        aut: &A,
        hay: &[u8],
        out: &mut Vec<(usize, usize)>,
        second: &mut Vec<(usize, usize)>,
    ) {
        // an unanchored search always has a start state; a failure would find nothing
        let Ok(start) = aut.start_state(Anchored::No) else {
            return;
        };
        // every key ending at `at` (exclusive) that starts before `below`
        let report = |sid: StateID, at: usize, below: usize, out: &mut Vec<(usize, usize)>| {
            for i in 0..aut.match_len(sid) {
                let pid = aut.match_pattern(sid, i);
                let s = at - aut.pattern_len(pid);
                if s < below {
                    out.push((s, pid.as_usize()));
                }
            }
        };
        let longest = aut.max_pattern_len().max(1);
        let n = hay.len();
        if n < TWO_LANES {
            let mut sid = start;
            for (i, &b) in hay.iter().enumerate() {
                sid = aut.next_state(Anchored::No, sid, b);
                if aut.is_special(sid) {
                    if aut.is_dead(sid) {
                        return;
                    }
                    if aut.is_match(sid) {
                        report(sid, i + 1, n, out);
                    }
                }
            }
            return;
        }
        let mid = n / 2;
        let (one, two) = (&hay[..(mid + longest - 1).min(n)], &hay[mid..]);
        let (mut s1, mut s2) = (start, start);
        let both = one.len().min(two.len());
        second.clear();
        for i in 0..both {
            s1 = aut.next_state(Anchored::No, s1, one[i]);
            s2 = aut.next_state(Anchored::No, s2, two[i]);
            if aut.is_special(s1) && aut.is_match(s1) {
                report(s1, i + 1, mid, out);
            }
            if aut.is_special(s2) && aut.is_match(s2) {
                report(s2, mid + i + 1, n, second);
            }
        }
        for (i, &b) in one.iter().enumerate().skip(both) {
            s1 = aut.next_state(Anchored::No, s1, b);
            if aut.is_special(s1) && aut.is_match(s1) {
                report(s1, i + 1, mid, out);
            }
        }
        for (i, &b) in two.iter().enumerate().skip(both) {
            s2 = aut.next_state(Anchored::No, s2, b);
            if aut.is_special(s2) && aut.is_match(s2) {
                report(s2, mid + i + 1, n, second);
            }
        }
        out.append(second);
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
        // at a start, the longest alias; of equal ones, the earliest (which claims it)
        cands.sort_unstable_by_key(|&(s, e, a)| (s, std::cmp::Reverse(e), a));
        let mut at = 0;
        let mut prev_start = usize::MAX;
        for &(s, e, alias) in cands.iter() {
            if s == prev_start || s < at {
                continue; // a shorter alias at a start already decided
            }
            prev_start = s;
            let before_ok = word_start(bytes, s);
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
                    compound: self.alias_compound[alias as usize] as usize,
                    start: s,
                    end: e,
                });
                at = e;
            } else {
                at = s + 1;
            }
        }
    }

    /// The rules (and roles) that use pattern `pattern`.
    pub fn owners(&self, pattern: u32) -> &[(u32, Role)] {
        &self.owners[pattern as usize]
    }

    /// Whether hit `h` serves rule `rule` in `role`.
    #[inline]
    pub fn has(&self, h: &Hit, rule: u32, role: Role) -> bool {
        (h.whole || role.is_gate()) && self.owners[h.pattern as usize].contains(&(rule, role))
    }
}

/// Whether `s` starts a word in `bytes` (`s < bytes.len()`): the text's start, after a
/// byte that is not part of a word, or where two glued words meet ("withIpamorelin").
#[inline]
fn word_start(bytes: &[u8], s: usize) -> bool {
    s == 0 || !is_word_byte(bytes[s - 1]) || glued(bytes[s - 1], bytes[s])
}

/// Longest key the automaton holds for a literal: a literal goes in as its first
/// `KEY_LEN` bytes and is checked in full where that key occurs. Many phrases share their
/// first words, so the default pack's DFA is 1.7 MB instead of 6.3 MB (857 keys for 1,464
/// literals). Shorter keys shrink it further but cost more checks: 4 bytes was slower.
const KEY_LEN: usize = 8;
/// [`KEY_LEN`] for the start of an alias that is nothing else (no rule uses it): a large
/// registry's names differ early ("rexjurumab", "rexjur"), and keeping only their first
/// bytes keeps the DFA small (on the 10,000-compound benchmark registry, linting `small`
/// went from ~184 to ~181 ms, and from ~154 to ~152 ms with the default registry; they
/// are seldom in a page, so checking more of them in full where the key occurs costs
/// nothing measurable).
const ANCHOR_KEY_LEN: usize = 5;

/// The automaton's keys (distinct literal prefixes) and the literals behind each.
#[derive(Debug, Default)]
struct Keys {
    keys: Vec<String>,
    /// Key `k`'s literals are `members[at[k]..at[k + 1]]`, shortest first.
    at: Vec<u32>,
    members: Vec<u32>,
    /// Per key: whether every literal behind it is `start_only`.
    start_only: Vec<bool>,
    /// Per member (indexed like `members`): the first 8 bytes of its literal after the
    /// key, little-endian, and the mask of the bytes it has (see [`rest_word`]).
    rest: Vec<(u64, u64)>,
}

/// The first 8 bytes of `rest` as a little-endian word and the mask of those it has, so
/// that a literal's rest is compared with the text 8 bytes at a time.
fn rest_word(rest: &[u8]) -> (u64, u64) {
    let n = rest.len().min(8);
    let mut b = [0u8; 8];
    b[..n].copy_from_slice(&rest[..n]);
    let mask = if n == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    (u64::from_le_bytes(b), mask)
}

impl Keys {
    fn new(
        patterns: &[String],
        start_only: &[bool],
        anchor: &[bool],
        owners: &[Vec<(u32, Role)>],
    ) -> Keys {
        let mut by_key: Vec<(&str, u32)> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let len = if anchor[i] && owners[i].is_empty() {
                    ANCHOR_KEY_LEN
                } else {
                    KEY_LEN
                };
                let mut n = p.len().min(len);
                while !p.is_char_boundary(n) {
                    n -= 1;
                }
                (&p[..n], i as u32) // KEY_LEN >= 4: never cut to nothing
            })
            .collect();
        by_key.sort_by_key(|&(k, i)| (k, patterns[i as usize].len(), i));
        let mut keys = Keys::default();
        for (k, i) in by_key {
            if keys.keys.last().map(String::as_str) != Some(k) {
                keys.keys.push(k.to_string());
                keys.at.push(keys.members.len() as u32);
                keys.start_only.push(true);
            }
            keys.members.push(i);
            keys.rest
                .push(rest_word(&patterns[i as usize].as_bytes()[k.len()..]));
            if let Some(all) = keys.start_only.last_mut() {
                *all &= start_only[i as usize];
            }
        }
        keys.at.push(keys.members.len() as u32);
        keys
    }

    #[cfg(test)]
    fn members(&self, key: usize) -> impl Iterator<Item = u32> + '_ {
        self.members[self.at[key] as usize..self.at[key + 1] as usize]
            .iter()
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        crate::registry::test_registry()
    }

    /// The test registry's literals plus one rule (index 0) with these phrases and, for
    /// its pattern 0, these gate literals.
    fn rule_literals(phrases: &[&str], gates: &[&str]) -> (Registry, Literals) {
        rule_literals_for(phrases, gates, false)
    }

    /// [`rule_literals`], built for volume or not.
    fn rule_literals_for(phrases: &[&str], gates: &[&str], volume: bool) -> (Registry, Literals) {
        let r = reg();
        let phrases: Vec<String> = phrases.iter().map(|p| p.to_string()).collect();
        let rules = [RuleLiterals {
            lists: vec![(&phrases[..], Role::Phrase)],
            gates: vec![(
                gates.iter().map(|g| g.to_string()).collect(),
                Role::PatternGate(0),
            )],
        }];
        let lits = Literals::build_for(&r, &rules, volume).expect("automaton");
        (r, lits)
    }

    /// Hits as (start, end, pattern, whole), to compare two scans.
    fn spans(h: &[Hit]) -> Vec<(usize, usize, u32, bool)> {
        h.iter()
            .map(|h| (h.start, h.end, h.pattern, h.whole))
            .collect()
    }

    fn scan(lits: &Literals, text: &str) -> (Vec<Mention>, Vec<Hit>) {
        let (mut m, mut h) = (Vec::new(), Vec::new());
        lits.scan(text, &mut m, &mut h, &mut Scratch::default());
        (m, h)
    }

    fn ids(text: &str) -> Vec<String> {
        let (r, lits) = rule_literals(&["semax vs", "buy"], &["sema"]);
        let (m, _) = scan(&lits, text);
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
        let (_, lits) = rule_literals(&["semax vs", "buy"], &["sema"]);
        let text = "semax vs semantics; buying is not buy";
        let (m, h) = scan(&lits, text);
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
        let (m2, h2) = scan(&lits, text);
        assert_eq!(m2, m);
        assert_eq!(spans(&h2), spans(&h));
    }

    /// Literals behind one key ("recommen") have rests shorter than, as long as and
    /// longer than the 8 bytes compared as one word; each is found where its whole text
    /// is, in any case, and not where only its first bytes are or where it would run
    /// past the end of the text.
    #[test]
    fn literals_sharing_a_key_are_told_apart_by_their_whole_rest() {
        let phrases = [
            "recommen",
            "recommend",
            "recommended",
            "recommend it enough",
            "recommend it enough to all",
        ];
        let (_, lits) = rule_literals(&phrases, &[]);
        let found = |text: &str| -> Vec<String> {
            let (_, h) = scan(&lits, text);
            h.iter()
                .filter(|h| h.whole && lits.has(h, 0, Role::Phrase))
                .map(|h| text[h.start..h.end].to_string())
                .collect()
        };
        assert_eq!(found("we recommend"), ["recommend"]);
        assert_eq!(found("we RECOMMENDED it"), ["RECOMMENDED"]);
        assert_eq!(
            found("I recommend it enough to all."),
            [
                "recommend it enough to all",
                "recommend it enough",
                "recommend"
            ]
        );
        // a rest that differs past its first 8 bytes, or only in its last byte
        assert_eq!(
            found("I recommend it enough to any"),
            ["recommend it enough", "recommend"]
        );
        assert_eq!(
            found("I recommend it enougH"),
            ["recommend it enougH", "recommend"]
        );
        assert_eq!(found("I recommend it enougx"), ["recommend"]);
        // the text ends inside a longer literal
        assert_eq!(
            found("recommend it enough to al"),
            ["recommend it enough", "recommend"]
        );
        assert_eq!(found("recommen"), ["recommen"]);
        assert!(found("recomme").is_empty());
    }

    /// Built for volume in one pass: the DFA and no NFA, and the same scan.
    #[test]
    fn built_for_volume_scans_as_built_for_a_page() {
        let (_, page) = rule_literals_for(&["semax vs", "buy"], &["sema"], false);
        let (_, volume) = rule_literals_for(&["semax vs", "buy"], &["sema"], true);
        assert!(page.ac.is_some() && page.fast.get().is_none());
        assert!(volume.ac.is_none() && volume.fast.get().is_some_and(Option::is_some));
        let text = "Semax vs semantics; buying is not buy. IGF1-LR3, long r3 igf 1, Ozempic";
        let (m, h) = scan(&page, text);
        let (mv, hv) = scan(&volume, text);
        assert!(m.len() >= 3, "{m:?}");
        assert_eq!(mv, m);
        assert_eq!(spans(&hv), spans(&h));
    }

    /// Scanning blocks one after another into one buffer (as the engine does for a
    /// document) finds in each what a scan of it alone finds, and leaves each block's
    /// lowercased text at the offset the buffer had, with 8 zero bytes after it (the buffer
    /// starts with other bytes, and a short block comes before a longer one).
    #[test]
    fn scans_appended_to_one_buffer_find_what_each_finds_alone() {
        let (_, lits) = rule_literals(&["semax vs", "buy"], &["sema"]);
        let long = "X semax VS Buy IGF1-LR3; Semaglutide, insulin. ".repeat(3);
        let blocks = ["Sema", long.as_str(), "BUY"];
        let mut lower = b"earlier".to_vec();
        let mut scratch = Scratch::default();
        for text in blocks {
            let at = lower.len();
            let (mut m, mut h) = (Vec::new(), Vec::new());
            lits.scan_appending(text, &mut m, &mut h, &mut scratch, &mut lower);
            let (m1, h1) = scan(&lits, text);
            assert_eq!(m, m1, "{text}");
            assert_eq!(spans(&h), spans(&h1), "{text}");
            assert_eq!(
                &lower[at..at + text.len()],
                text.to_ascii_lowercase().as_bytes()
            );
            assert_eq!(&lower[at + text.len()..], [0; 8]);
        }
        assert!(lower.starts_with(b"earlier"));
    }

    /// The scratch a thread keeps between documents carries nothing from one to the next:
    /// a scan after a long (two-lane) one finds exactly what it finds with fresh scratch.
    #[test]
    fn scratch_reused_across_documents_keeps_nothing() {
        let (_, lits) = rule_literals(&["semax vs", "buy"], &["sema"]);
        let long = "Buy IGF1 LR3 and semax vs sema; insulin, Semaglutide. ".repeat(8);
        let short = "semantics, then Insulin";
        for volume in [false, true] {
            if volume {
                lits.prepare_for_volume();
            }
            let mut kept = Scratch::default();
            let (mut m, mut h) = (Vec::new(), Vec::new());
            lits.scan(&long, &mut m, &mut h, &mut kept);
            assert!(m.len() >= 24 && h.len() >= 16, "{} {}", m.len(), h.len());
            let (mut m2, mut h2) = (Vec::new(), Vec::new());
            lits.scan(short, &mut m2, &mut h2, &mut kept);
            let (fresh_m, fresh_h) = scan(&lits, short);
            assert_eq!(m2, fresh_m, "volume {volume}");
            assert_eq!(m2.len(), 1, "volume {volume}");
            let spans = |h: &[Hit]| -> Vec<(usize, usize, u32)> {
                h.iter().map(|h| (h.start, h.end, h.pattern)).collect()
            };
            assert_eq!(spans(&h2), spans(&fresh_h), "volume {volume}");
        }
    }

    #[test]
    fn literals_sharing_a_key_are_told_apart_in_full() {
        // all three share the 8-byte key "start at": each is checked in full where the
        // key occurs, and a cut-off one ("start at the lo") is not found
        let (_, lits) = rule_literals(
            &["start at the lower end", "start at the bottom", "start at"],
            &[],
        );
        let text = "Start at the bottom. START AT THE LOWER END! start at the lo";
        for volume in [false, true] {
            if volume {
                lits.prepare_for_volume();
            }
            let (_, h) = scan(&lits, text);
            let found: Vec<&str> = h
                .iter()
                .filter(|h| lits.has(h, 0, Role::Phrase))
                .map(|h| &text[h.start..h.end])
                .collect();
            assert_eq!(
                found,
                [
                    "Start at the bottom",
                    "Start at",
                    "START AT THE LOWER END",
                    "START AT",
                    "start at"
                ],
                "volume: {volume}"
            );
        }
    }
}

#[cfg(test)]
mod anchor_tests {
    use super::*;
    use crate::error::Source;

    /// A registry of short aliases: "PT-141" (a two-letter first token), "ipa" (one short
    /// token), "GW" (one two-letter token).
    fn short_registry() -> Registry {
        Registry::load(&[Source::new(
            "t.yaml",
            r#"
- id: bremelanotide
  name: Bremelanotide
  aliases: [PT-141]
  status: approved
  sources: [x]
- id: ipamorelin
  name: Ipamorelin
  aliases: [ipa]
  status: unapproved
  sources: [x]
- id: gw501516
  name: GW501516
  aliases: [GW]
  status: unapproved
  sources: [x]
"#,
        )])
        .expect("registry")
    }

    /// The compounds `lits` finds in `text` (id and the text found), and how many
    /// phrase hits.
    fn mentions<'r, 't>(
        reg: &'r Registry,
        lits: &Literals,
        text: &'t str,
    ) -> (Vec<(&'r str, &'t str)>, usize) {
        let (mut m, mut h) = (Vec::new(), Vec::new());
        lits.scan(text, &mut m, &mut h, &mut Scratch::default());
        let found = m
            .iter()
            .map(|x| (reg.get(x.compound).id.as_str(), &text[x.start..x.end]))
            .collect();
        (found, h.len())
    }

    fn found(lits: &Literals, t: &str) -> Vec<String> {
        let (mut m, mut h) = (Vec::new(), Vec::new());
        lits.scan(t, &mut m, &mut h, &mut Scratch::default());
        m.iter().map(|m| t[m.start..m.end].to_string()).collect()
    }

    #[test]
    fn a_short_first_token_anchors_with_the_next_one() {
        let lits = Literals::build(&short_registry(), &[]).expect("automaton");
        // the anchors are "pt" and the start of the next token (four bytes) in each
        // spelling, never "pt" alone
        let p = lits.patterns();
        for a in ["pt14", "pt-14", "pt 14"] {
            assert!(p.iter().any(|x| x == a), "{a}: {p:?}");
        }
        assert!(!p.iter().any(|x| x == "pt"), "{p:?}");
        // one-token aliases stay their own anchor, however short
        assert!(p.iter().any(|x| x == "ipa") && p.iter().any(|x| x == "gw"));
        assert_eq!(
            found(
                &lits,
                "PT141, pt-141 and Pt 141; apt-141, script141, pt-1410, pt"
            ),
            ["PT141", "pt-141", "Pt 141"]
        );
        assert_eq!(found(&lits, "pt-141 at the start"), ["pt-141"]);
    }

    /// Aliases whose first four bytes agree share their anchors, and each is still found
    /// for its own compound and only where it is written.
    /// Alias starts keyed by their first ANCHOR_KEY_LEN bytes share a key when names
    /// differ later ("rexjurumab", "rexjur", "rexju"): each is still found in full, as a
    /// whole word, by its own compound, and their shared start alone, or a longer word,
    /// is nothing. A phrase (a rule's literal) keeps its own longer key.
    #[test]
    fn alias_starts_sharing_a_short_key_are_told_apart_in_full() {
        let reg = Registry::load(&[Source::new(
            "r.yaml",
            "- id: a\n  name: Rexjurumab\n  aliases: [\"rexjur 5 peptide\"]\n  status: unapproved\n  sources: [x]\n\
             - id: b\n  name: Rexjur\n  status: unapproved\n  sources: [x]\n\
             - id: c\n  name: Rexju\n  status: unapproved\n  sources: [x]\n",
        )])
        .expect("registry");
        let phrases = ["rexjurumab stack".to_string()];
        let rules = [RuleLiterals {
            lists: vec![(&phrases[..], Role::Phrase)],
            gates: vec![],
        }];
        for volume in [false, true] {
            let lits = Literals::build_for(&reg, &rules, volume).expect("automaton");
            // the automaton key a literal is found by
            let key = |p: &str| {
                let i = lits.patterns().iter().position(|q| q == p).expect(p);
                (0..lits.keys.keys.len()).find(|&k| lits.keys.members(k).any(|m| m as usize == i))
            };
            // the three alias starts share one 5-byte key; the phrase has its own
            assert_eq!(key("rexjurumab"), key("rexjur"));
            assert_eq!(key("rexjur"), key("rexju"));
            assert_ne!(key("rexjurumab stack"), key("rexjurumab"));
            let text = "Rexjurumab, rexjur 5 peptide and REXJUR; rexju too. \
                        Not rexj, rexjurum, rexjurumabs or xrexju.";
            let (got, hits) = mentions(&reg, &lits, text);
            assert_eq!(
                got,
                [
                    ("a", "Rexjurumab"),
                    ("a", "rexjur 5 peptide"),
                    ("b", "REXJUR"),
                    ("c", "rexju")
                ],
                "volume: {volume}"
            );
            assert_eq!(hits, 0, "no phrase here: {volume}");
            let (mut m, mut h) = (Vec::new(), Vec::new());
            lits.scan("rexjurumab stack", &mut m, &mut h, &mut Scratch::default());
            assert_eq!(h.len(), 1, "the phrase: {volume}");
        }
    }

    /// A short first token's three anchor spellings are numbered together and found
    /// again by the joined one; two cuts that join alike ("ab cd", "abc d": both "abcd")
    /// keep their own other spellings, whichever comes first.
    #[test]
    fn short_anchors_joined_alike_keep_their_own_spellings() {
        for order in [["ab cd", "abc d"], ["abc d", "ab cd"]] {
            let mut yaml = String::new();
            let aliases = [order[0], order[1], "ab cde", "abc de", "ab cdx"];
            for (i, a) in aliases.iter().enumerate() {
                yaml.push_str(&format!(
                    "- id: c{i}\n  name: Compound {i}\n  aliases: [\"{a}\"]\n  status: unapproved\n  sources: [x]\n"
                ));
            }
            let reg = Registry::load(&[Source::new("g.yaml", yaml.as_str())]).expect("registry");
            let lits = Literals::build(&reg, &[]).expect("automaton");
            let p = lits.patterns();
            for a in ["abcd", "ab-cd", "ab cd", "abc-d", "abc d"] {
                assert_eq!(p.iter().filter(|x| *x == a).count(), 1, "{a}: {p:?}");
            }
            let text = "ab-cd; abc-d; ab cde; abc-de; ab-cdx; abc de; ab-cde";
            let (got, _) = mentions(&reg, &lits, text);
            let (one, two) = if order[0] == "ab cd" {
                ("c0", "c1")
            } else {
                ("c1", "c0")
            };
            assert_eq!(
                got,
                [
                    (one, "ab-cd"),
                    (two, "abc-d"),
                    ("c2", "ab cde"),
                    ("c3", "abc-de"),
                    ("c4", "ab-cdx"),
                    ("c3", "abc de"),
                    ("c2", "ab-cde")
                ],
                "{order:?}"
            );
            // near misses that share those anchors: longer words, a letter before, a
            // token cut apart, a mix no alias has
            let near = "ab-cdy, abc-dz, xab-cd, ab-c d, abc-dex, abcdxy, ab cdxy";
            assert_eq!(mentions(&reg, &lits, near).0, [], "{order:?}");
        }
    }

    #[test]
    fn aliases_with_one_short_start_share_anchors_and_stay_apart() {
        let mut yaml = String::new();
        for i in 0..50 {
            yaml.push_str(&format!(
                "- id: generated-{i}\n  name: Generated {i}\n  aliases: [ZX-{}]\n  status: unapproved\n  sources: [x]\n",
                10_000 + i
            ));
        }
        let reg = Registry::load(&[Source::new("g.yaml", yaml.as_str())]).expect("registry");
        let lits = Literals::build(&reg, &[]).expect("automaton");
        let anchors: Vec<&String> = lits
            .patterns()
            .iter()
            .zip(&lits.anchor)
            .filter(|(p, &a)| a && p.starts_with("zx"))
            .map(|(p, _)| p)
            .collect();
        assert_eq!(anchors, ["zx10", "zx-10", "zx 10"]);
        let (mut m, mut h) = (Vec::new(), Vec::new());
        lits.scan(
            "ZX-10007 and zx 10042, not zx-100, zx-10050 or zx10",
            &mut m,
            &mut h,
            &mut Scratch::default(),
        );
        let ids: Vec<&str> = m.iter().map(|x| reg.get(x.compound).id.as_str()).collect();
        assert_eq!(ids, ["generated-7", "generated-42"]);
    }

    #[test]
    fn aliases_count_at_word_starts_only_glued_ones_included() {
        let lits = Literals::build(&short_registry(), &[]).expect("automaton");
        assert_eq!(
            found(
                &lits,
                "Ipa. participants anticipate gwen; stack withIpa or GW-ipa"
            ),
            ["Ipa", "Ipa", "GW", "ipa"]
        );
        assert!(found(&lits, "xipa ipax GWx").is_empty());
    }

    #[test]
    fn gates_and_punctuation_phrases_match_inside_words() {
        let r = short_registry();
        let phrases = ["#1 choice".to_string(), "ipa".to_string()];
        let rules = [RuleLiterals {
            lists: vec![(&phrases[..], Role::Phrase)],
            gates: vec![(vec!["pt".to_string()], Role::PatternGate(0))],
        }];
        let lits = Literals::build(&r, &rules).expect("automaton");
        let text = "our#1 choice: a script with apt ipa, xipa";
        let (mut m, mut h) = (Vec::new(), Vec::new());
        lits.scan(text, &mut m, &mut h, &mut Scratch::default());
        let of = |role: Role| -> Vec<(&str, usize)> {
            h.iter()
                .filter(|h| lits.has(h, 0, role))
                .map(|h| (&text[h.start..h.end], h.start))
                .collect()
        };
        // a phrase starting with punctuation needs no word start; "ipa" (a phrase and an
        // alias) does, so "xipa" is neither
        assert_eq!(of(Role::Phrase), [("#1 choice", 3), ("ipa", 32)]);
        // the gate is a plain substring, inside "script" and "apt"
        assert_eq!(of(Role::PatternGate(0)), [("pt", 20), ("pt", 29)]);
        assert_eq!(m.len(), 1);
    }
}

#[cfg(test)]
mod spelling_tests {
    use super::*;

    /// Each anchor's own trie, built when a text first holds the anchor, finds what one
    /// trie of every alias finds from the same places: the scans of a large registry
    /// with many aliases to an anchor (`QX-2004`, `QX-20`, `qx 200`: anchor `qx20` and
    /// its spellings) give the same mentions either way, and only the anchors found have
    /// their trie built.
    #[test]
    fn each_anchor_trie_finds_what_one_trie_of_every_alias_finds() {
        let mut text = String::new();
        for i in 0..crate::registry::PARALLEL_INDEX_COMPOUNDS + 5 {
            text.push_str(&format!(
                "- id: gen-{i}\n  name: Gen {i} Amide\n  aliases: [\"QX-{i}\"]\n  \
                 status: unapproved\n  sources: [s]\n"
            ));
        }
        let reg = Registry::load(&[
            crate::default_compounds(),
            crate::error::Source::new("gen.yaml", text),
        ])
        .expect("generated registry");
        let lazy = Literals::build(&reg, &[]).expect("automaton");
        let one = Literals::build(&reg, &[]).expect("automaton");
        // every alias's key once, in one trie, standing in for every anchor's
        let mut keys = lazy.anchored.clone();
        keys.sort_by_key(|k| (k.alias, k.start));
        keys.dedup_by_key(|k| k.alias);
        let whole = TrieBuilder::finish_keys(&lazy.trie_bytes, &mut keys);
        for t in &one.tries {
            t.set(Box::new(whole.clone())).expect("not built yet");
        }
        assert!(lazy.tries.iter().all(|t| t.get().is_none()));
        let texts = [
            "take gen 2003 amide or QX2004 daily",
            "QX-20, qx 2004, Gen-1-Amide, gen1amide, GEN 20 AMIDE; qx-200 and qx-2000x",
            "BPC-157 with bpc 157, IGF-1 LR3 (igf1 lr3) and IGF 1; tb-500, TB500",
            "Qx 1999 qx-1999 QX1999 gen 1999amide gen-2004 amide",
        ];
        let ids = |lits: &Literals, text: &str| {
            let (mut m, mut h) = (Vec::new(), Vec::new());
            lits.scan(text, &mut m, &mut h, &mut Scratch::default());
            m.iter()
                .map(|m| (m.start, m.end, reg.get(m.compound).id.clone()))
                .collect::<Vec<_>>()
        };
        for text in texts {
            assert_eq!(ids(&lazy, text), ids(&one, text), "{text}");
        }
        // near misses are no mention, either way
        for miss in ["qxx 2004, gen2003amides, qx-", "genamide qx"] {
            assert_eq!(ids(&lazy, miss), [], "{miss}");
            assert_eq!(ids(&one, miss), [], "{miss}");
        }
        let found: Vec<String> = ids(&lazy, texts[0])
            .into_iter()
            .map(|(_, _, id)| id)
            .collect();
        assert_eq!(found, ["gen-2003", "gen-2004"]);
        let built = lazy.tries.iter().filter(|t| t.get().is_some()).count();
        let anchors = lazy.anchor.iter().filter(|&&a| a).count();
        assert!(
            built > 0 && built * 20 < anchors,
            "{built} of {anchors} anchors built"
        );
    }

    /// The trie built by insertion does not depend on the order aliases arrive in but for
    /// which alias claims a shared path (the earliest), its nodes are numbered breadth
    /// first, and each node's children are sorted (the walk searches them by halving).
    #[test]
    fn the_trie_is_the_same_whatever_the_insertion_order() {
        let names = [
            "IGF-1 LR3",
            "igf 1",
            "ZX-10001",
            "zx-10002",
            "zx 1000",
            "ab",
            "ab-c d",
        ];
        let build = |order: &[usize]| {
            let mut b = TrieBuilder::default();
            for &i in order {
                b.insert(&Split::new(names[i]), i as u32);
            }
            b.finish()
        };
        let fwd = build(&[0, 1, 2, 3, 4, 5, 6]);
        let back = build(&[6, 5, 4, 3, 2, 1, 0]);
        let mixed = build(&[3, 0, 6, 2, 5, 1, 4]);
        for t in [&back, &mixed] {
            assert_eq!(t.first, fwd.first);
            assert_eq!(t.label, fwd.label);
            assert_eq!(t.term, fwd.term);
        }
        // breadth first: the children of nodes in order are consecutive, in order
        let mut next = 1;
        assert_eq!(fwd.first.len(), fwd.term.len() + 1);
        for n in 0..fwd.term.len() {
            let (f, c) = (fwd.kids(n).start, fwd.kids(n).len());
            assert_eq!(f, next, "node {n}");
            next += c;
            assert!(
                fwd.label[f..f + c].windows(2).all(|w| w[0] < w[1]),
                "node {n}"
            );
        }
        assert_eq!(next, fwd.label.len());
        // "igf 1" ends on the path of "IGF-1 LR3"; each name ends at one node
        let mut found = Vec::new();
        fwd.walk(b"igf-1 lr3", 0, &mut found, &mut Vec::new());
        found.sort_unstable();
        assert_eq!(found, [(0, 5, 1), (0, 9, 0)]);
        let ends: Vec<u32> = fwd.term.iter().copied().filter(|&a| a != NONE).collect();
        assert_eq!(ends.len(), names.len());
    }

    /// Matching through the alias trie finds exactly what one pattern per spelling found:
    /// every spelling of every name of the default registry, at its exact span, for the
    /// compound that claims it.
    #[test]
    fn every_spelling_is_found_for_its_claimant() {
        let reg = Registry::load(&[crate::default_compounds()]).expect("default registry");
        let lits = Literals::build(&reg, &[]).expect("automaton");
        let mut scratch = Scratch::default();
        let spellings = reg.alias_spellings();
        assert!(spellings.len() > 1000, "{}", spellings.len());
        for dfa in [false, true] {
            if dfa {
                lits.prepare_for_volume();
            }
            for (sp, c) in &spellings {
                let text = format!("x {sp} y");
                let (mut m, mut h) = (Vec::new(), Vec::new());
                lits.scan(&text, &mut m, &mut h, &mut scratch);
                let want = Mention {
                    compound: *c as usize,
                    start: 2,
                    end: 2 + sp.len(),
                };
                assert!(m.contains(&want), "{sp:?}: {m:?}, want {want:?}");
            }
        }
    }

    #[test]
    fn separators_at_joints_only_and_one_at_most() {
        let r = crate::registry::test_registry();
        let lits = Literals::build(&r, &[]).expect("automaton");
        let found = |t: &str| {
            let (mut m, mut h) = (Vec::new(), Vec::new());
            lits.scan(t, &mut m, &mut h, &mut Scratch::default());
            m.iter()
                .map(|m| &t[m.start..m.end])
                .collect::<Vec<_>>()
                .join("|")
        };
        assert_eq!(found("IGF 1 LR 3"), "IGF 1 LR 3");
        assert_eq!(found("igf--1 lr3"), "lr3");
        assert_eq!(found("ig-f1 lr3"), "lr3");
        assert_eq!(
            found("Long-R3-IGF1 and longr3igf-1"),
            "Long-R3-IGF1|longr3igf-1"
        );
        assert_eq!(found("long r3 igf-"), "");
    }
}

#[cfg(test)]
mod lane_tests {
    use super::*;
    use aho_corasick::AhoCorasick;
    use proptest::prelude::*;

    /// Every (start, key) the crate's own overlapping search finds, sorted.
    fn reference(keys: &[String], hay: &[u8]) -> Vec<(usize, usize)> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(keys)
            .expect("automaton");
        let mut all: Vec<(usize, usize)> = ac
            .find_overlapping_iter(hay)
            .map(|m| (m.start(), m.pattern().as_usize()))
            .collect();
        all.sort_unstable();
        all
    }

    /// Both automata, through the two-lane loop: the same occurrences, the first half's
    /// (starts before the middle) ahead of the second's, each half in order of ends.
    fn check(keys: &[String], hay: &[u8]) -> Result<(), TestCaseError> {
        let want = reference(keys, hay);
        let dfa = dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .build(keys)
            .expect("dfa");
        let nfa = contiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .build(keys)
            .expect("nfa");
        for got in [
            {
                let mut out = Vec::new();
                Literals::keys_found(&dfa, hay, &mut out, &mut Vec::new());
                out
            },
            {
                let mut out = Vec::new();
                Literals::keys_found(&nfa, hay, &mut out, &mut Vec::new());
                out
            },
        ] {
            let mid = if hay.len() < TWO_LANES {
                hay.len()
            } else {
                hay.len() / 2
            };
            let split = got.iter().position(|&(s, _)| s >= mid).unwrap_or(got.len());
            prop_assert!(got[split..].iter().all(|&(s, _)| s >= mid));
            for half in [&got[..split], &got[split..]] {
                let ends: Vec<usize> = half.iter().map(|&(s, k)| s + keys[k].len()).collect();
                prop_assert!(ends.windows(2).all(|w| w[0] <= w[1]), "{:?}", half);
            }
            let mut sorted = got.clone();
            sorted.sort_unstable();
            prop_assert_eq!(&sorted, &want);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        /// Keys and texts over a four-letter alphabet overlap everywhere, also across the
        /// middle of the text, at every length around the two-lane threshold.
        #[test]
        fn two_lanes_find_what_the_overlapping_search_finds(
            keys in prop::collection::vec("[ab -]{1,8}", 1..12),
            hay in "[ab -]{0,200}",
        ) {
            check(&keys, hay.as_bytes())?;
        }
    }

    #[test]
    fn a_key_across_the_middle_is_found_once() {
        let keys = vec!["middle".to_string(), "dd".to_string()];
        let hay = format!("{}middle{}", "x".repeat(61), "y".repeat(61));
        assert_eq!(hay.len() / 2, 64); // "middle" spans bytes 61..67, across the cut
        let dfa = dfa::Builder::new().build(&keys).expect("dfa");
        let mut out = Vec::new();
        Literals::keys_found(&dfa, hay.as_bytes(), &mut out, &mut Vec::new());
        assert_eq!(out, [(63, 1), (61, 0)]);
    }
}

#[cfg(test)]
mod trie_tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The trie as its definition has it: a node for every distinct prefix of a key
    /// (the root the empty one), numbered by length and then bytewise (breadth first,
    /// children in byte order), the first alias whose key a node is.
    fn oracle(keys: &[(Vec<u8>, u32)]) -> AliasTrie {
        let mut nodes: BTreeMap<(usize, Vec<u8>), u32> = BTreeMap::new();
        nodes.insert((0, Vec::new()), NONE);
        for (key, alias) in keys {
            for d in 1..=key.len() {
                nodes.entry((d, key[..d].to_vec())).or_insert(NONE);
            }
            let term = nodes.entry((key.len(), key.clone())).or_insert(NONE);
            *term = (*term).min(*alias);
        }
        let ids: BTreeMap<&[u8], usize> = nodes
            .keys()
            .enumerate()
            .map(|(i, (_, p))| (p.as_slice(), i))
            .collect();
        let mut trie = AliasTrie::default();
        // breadth first: the children of the nodes before this one, and the root, come first
        let mut first = 1;
        for ((_, prefix), &term) in &nodes {
            let kids: Vec<usize> = (0..=255u8)
                .filter_map(|b| {
                    let mut p = prefix.clone();
                    p.push(b);
                    ids.get(p.as_slice()).copied()
                })
                .collect();
            if let Some(&k) = kids.first() {
                assert_eq!(k, first, "the oracle's numbering is breadth first");
            }
            trie.first.push(first as u32);
            trie.label.push(prefix.last().copied().unwrap_or(0));
            trie.term.push(term);
            first += kids.len();
        }
        trie.first.push(first as u32);
        trie
    }

    fn built(keys: &[(Vec<u8>, u32)]) -> AliasTrie {
        let mut b = TrieBuilder::default();
        for (key, alias) in keys {
            let start = b.bytes.len() as u32;
            b.bytes.extend_from_slice(key);
            b.keys.push(TrieKey {
                start,
                len: key.len() as u32,
                alias: *alias,
            });
        }
        b.finish()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Few letters and many keys: long shared prefixes, keys that are prefixes of
        /// others, repeats with different aliases, groups large enough to be counted.
        #[test]
        fn the_trie_is_every_prefix_breadth_first(
            keys in prop::collection::vec(("[ab c]{1,6}", 0u32..50), 1..80),
        ) {
            let keys: Vec<(Vec<u8>, u32)> =
                keys.into_iter().map(|(k, a)| (k.into_bytes(), a)).collect();
            let (got, want) = (built(&keys), oracle(&keys));
            prop_assert_eq!(&got.label, &want.label);
            prop_assert_eq!(&got.term, &want.term);
            prop_assert_eq!(&got.first, &want.first);
        }
    }
}
