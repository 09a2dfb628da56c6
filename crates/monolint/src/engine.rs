//! The engine: runs every enabled rule over a document and returns diagnostics.
//!
//! Per document: parse into blocks, scan each block once with the pack's one literal
//! automaton (compound mentions, phrase hits and regex gates in one pass), decide the
//! primary compound, then dispatch each rule by kind. Sentences and dose figures are
//! worked out lazily, only for blocks where some rule has a candidate: most blocks of a
//! page never need them. Attribution (which compound a figure or phrase is about) is shared by
//! all kinds: the compound named in the sentence (nearest; "of X"), else the table's row
//! or column header, else the page's primary compound.

use crate::diagnostic::{make, Diagnostic, LineIndex, Severity};
use crate::document::{Block, BlockKind, Document, Format};
use crate::dose::{find_figures_in, Figure};
use crate::error::{LoadError, Source};
use crate::literals::{Hit, Literals, Role, RuleLiterals, Scratch};
use crate::pack::{load_pack, Kind, Rule, Scope, When};
use crate::registry::{Compound, Mention, Registry, Status};
use crate::suppress;
use std::cell::{Cell, OnceCell};
use std::collections::HashMap;

/// A configured linter: the rules, the registry and the compiled matchers.
#[derive(Debug)]
pub struct Linter {
    rules: Vec<Rule>,
    enabled: Vec<bool>,
    registry: Registry,
    literals: Literals,
    /// What the results depend on besides the file: every pack and registry text, in
    /// order (hashed by callers that cache results).
    sources: Vec<Source>,
    /// Files larger than this are not linted (`io/too-large`); see [`Linter::set_max_bytes`].
    max_bytes: usize,
    /// Per rule: where its (rule, role) keys start; see [`Linter::key`].
    key_base: Vec<usize>,
    /// How many (rule, role) keys there are: the width of a block's role set.
    keys: usize,
}

/// The default largest file monolint lints: far above any real page (monographs run to
/// tens of kilobytes), low enough that the worst case stays within a few hundred MB of
/// memory (an 8 MB page that is one finding per line). `max_file_size` in monolint.yaml
/// changes it.
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// What linting one file produced.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub diagnostics: Vec<Diagnostic>,
    /// False when the file was not linted at all (binary).
    pub linted: bool,
}

/// Builds a [`Linter`] from rule packs and registries.
#[derive(Debug, Default)]
pub struct LinterBuilder {
    packs: Vec<Source>,
    compounds: Vec<Source>,
    no_default: bool,
    volume: bool,
}

impl LinterBuilder {
    /// Add a rule pack (YAML with `rules:`).
    pub fn pack(mut self, source: Source) -> Self {
        self.packs.push(source);
        self
    }

    /// Add a compound registry (YAML list); entries replace default ones with the same id.
    pub fn compounds(mut self, source: Source) -> Self {
        self.compounds.push(source);
        self
    }

    /// Leave out the embedded default pack and registry.
    pub fn without_default(mut self) -> Self {
        self.no_default = true;
        self
    }

    /// Build the linter ready for many files ([`Linter::prepare_for_volume`]), in the
    /// same pass: the literal automaton's faster form is then built instead of its
    /// quick one, while a large registry's alias trie is built beside it.
    pub fn for_volume(mut self) -> Self {
        self.volume = true;
        self
    }

    pub fn build(self) -> Result<Linter, Box<LoadError>> {
        self.build_deciding(|| false)
    }

    /// [`LinterBuilder::build`], asking whether to build ready for many files (see
    /// [`LinterBuilder::for_volume`]) only when the literal automaton's form is chosen,
    /// after the registry and the packs are loaded and the aliases split: the caller can
    /// work the answer out meanwhile (the CLI walks the paths to lint on a thread of its
    /// own). `decide` is called once, or not at all when loading fails first or the
    /// builder is [`LinterBuilder::for_volume`] already.
    pub fn build_deciding(self, decide: impl FnOnce() -> bool) -> Result<Linter, Box<LoadError>> {
        let (mut packs, mut regs) = if self.no_default {
            (Vec::new(), Vec::new())
        } else {
            (crate::default_packs(), vec![crate::default_compounds()])
        };
        // the engine's own rules are always known
        if self.no_default {
            packs.push(crate::default_meta());
        }
        packs.extend(self.packs);
        regs.extend(self.compounds);
        let sources: Vec<Source> = packs.iter().chain(&regs).cloned().collect();
        let registry = Registry::load(&regs)?;
        let mut rules: Vec<Rule> = Vec::new();
        for source in &packs {
            for rule in load_pack(source)? {
                if let Some(prev) = rules.iter().find(|r| r.id() == rule.id()) {
                    let span = crate::error::locate(&source.text, None, rule.id());
                    return Err(LoadError::at(
                        source,
                        span,
                        format!("rule `{}` is already defined in {}", rule.id(), prev.origin),
                    )
                    .with_help("give your rule its own id, and disable the other one in monolint.yaml if it should not run"));
                }
                rules.push(rule);
            }
        }
        let rule_literals: Vec<RuleLiterals<'_>> = rules.iter().map(rule_literals).collect();
        // a large registry's lookup index is built on a thread of its own once the
        // aliases are split (a smaller one's, on first use)
        let large = registry.compounds().len() >= crate::registry::PARALLEL_INDEX_COMPOUNDS;
        let index = || registry.prepare_index();
        let mut volume = self.volume;
        let mut decide = Some(decide);
        let mut ask = || {
            if let Some(decide) = decide.take().filter(|_| !volume) {
                volume = decide();
            }
            volume
        };
        let literals = Literals::build_then(
            &registry,
            &rule_literals,
            &mut ask,
            large.then_some(&index as &(dyn Fn() + Sync)),
        )
        .map_err(|e| {
            LoadError::at(
                &Source::new("rule packs", ""),
                None,
                format!("cannot build the literal automaton: {e}"),
            )
        })?;
        drop(rule_literals);
        let mut key_base = Vec::with_capacity(rules.len());
        let mut keys = 0;
        for r in &rules {
            key_base.push(keys);
            keys += ROLE_KEYS + r.patterns.len() + r.unless_patterns.len();
        }
        let linter = Linter {
            key_base,
            keys,
            enabled: vec![true; rules.len()],
            rules,
            registry,
            literals,
            sources,
            max_bytes: DEFAULT_MAX_BYTES,
        };
        if volume {
            // the rest of it (the automaton is ready)
            linter.prepare_for_volume();
        }
        Ok(linter)
    }
}

/// A rule's literals for the automaton: its phrase lists by role, and the gate literals
/// of its regexes.
fn rule_literals(rule: &Rule) -> RuleLiterals<'_> {
    let d = &rule.def;
    fn gates(
        list: &[Option<Vec<String>>],
        role: fn(u16) -> Role,
    ) -> impl Iterator<Item = (Vec<String>, Role)> + '_ {
        list.iter()
            .enumerate()
            .filter_map(move |(k, g)| Some((g.clone()?, role(u16::try_from(k).ok()?))))
    }
    RuleLiterals {
        lists: vec![
            (&d.phrases[..], Role::Phrase),
            (&d.unless[..], Role::Unless),
            (&d.triggers[..], Role::Trigger),
            (&d.contexts[..], Role::Context),
            (&d.endorsements[..], Role::Endorsement),
        ],
        gates: gates(&rule.pattern_gates, Role::PatternGate)
            .chain(gates(&rule.unless_gates, Role::UnlessGate))
            .collect(),
    }
}

/// Mentions in order of distance from a span: those overlapping it, then alternately the
/// closer of the next one before and the next one after (before wins a tie).
struct NearestFirst<'m> {
    ms: &'m [Mention],
    overlap: std::ops::Range<usize>,
    before: usize,
    after: usize,
    span: (usize, usize),
}

impl<'m> Iterator for NearestFirst<'m> {
    type Item = &'m Mention;

    fn next(&mut self) -> Option<&'m Mention> {
        if let Some(k) = self.overlap.next() {
            return self.ms.get(k);
        }
        let b = (self.before > 0).then(|| &self.ms[self.before - 1]);
        let a = self.ms.get(self.after);
        let take_before = match (b, a) {
            (Some(b), Some(a)) => {
                self.span.0 - b.end.min(self.span.0) <= a.start.saturating_sub(self.span.1)
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if take_before {
            self.before -= 1;
            b
        } else {
            self.after += 1;
            a
        }
    }
}

/// A finding before positions are computed: original byte range.
#[derive(Debug, Clone)]
struct Raw {
    rule: usize,
    start: usize,
    end: usize,
    compound: Option<usize>,
}

/// Table cells by (table, row, column) -> block, header cells with row 0: a sorted list
/// (blocks come in document order, so it is nearly sorted already) searched by halving,
/// cheaper than hashing every cell of every page.
#[derive(Default)]
struct Cells(Vec<((u32, u32, u32), usize)>);

impl Cells {
    /// Sort by key; of two cells at one key the later one stays (as a map insert would).
    fn seal(&mut self) {
        self.0.sort_by_key(|&(k, _)| k); // stable: equal keys keep document order
                                         // `later` is removed when it repeats `kept`'s key; its block wins
        self.0.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = later.1;
            }
            same
        });
    }

    fn get(&self, key: &(u32, u32, u32)) -> Option<&usize> {
        self.0
            .binary_search_by_key(key, |&(k, _)| k)
            .ok()
            .map(|i| &self.0[i].1)
    }

    fn contains_key(&self, key: &(u32, u32, u32)) -> bool {
        self.get(key).is_some()
    }
}

thread_local! {
    /// The buffer of [`Ctx::lower`], kept with the thread between pages like the scan's
    /// scratch (it grows to the largest page once).
    static LOWER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Everything computed once per document.
struct Ctx<'d> {
    doc: &'d Document<'d>,
    /// Mentions of every block, in block order; block `bi`'s are
    /// `mentions[mention_at[bi]..mention_at[bi + 1]]`.
    mentions: Vec<Mention>,
    mention_at: Vec<usize>,
    /// Literal hits, laid out the same way.
    hits: Vec<Hit>,
    hit_at: Vec<usize>,
    /// Sentence ranges and dose figures, worked out on first use.
    sentences: Vec<OnceCell<Vec<(usize, usize)>>>,
    figures: Vec<OnceCell<Vec<Figure>>>,
    primary: Vec<usize>,
    /// (table, row, col) -> block; header cells are stored with row 0.
    cells: Cells,
    /// The innermost heading a block falls under (for a heading: the one enclosing it).
    parent: Vec<Option<usize>>,
    /// Per block, the set of (rule, role) keys some hit of the block has (a bit set of
    /// `words` words per block): "does this block have a phrase of rule r" is one load.
    roles: Vec<u64>,
    words: usize,
    /// Every block's text ASCII-lowercased, as the literal scan left it (each followed by
    /// 8 zero bytes): block `bi`'s starts at `lower_at[bi]` (the regexes compiled for
    /// lowercased text run on it, see [`crate::pack::Pattern`]).
    lower: Vec<u8>,
    lower_at: Vec<usize>,
}

impl Ctx<'_> {
    fn mentions(&self, bi: usize) -> &[Mention] {
        &self.mentions[self.mention_at[bi]..self.mention_at[bi + 1]]
    }

    fn hits(&self, bi: usize) -> &[Hit] {
        &self.hits[self.hit_at[bi]..self.hit_at[bi + 1]]
    }

    /// Block `bi`'s text, ASCII-lowercased.
    fn lower(&self, bi: usize) -> &[u8] {
        let at = self.lower_at[bi];
        &self.lower[at..at + self.doc.blocks[bi].norm.text.len()]
    }

    fn sentences(&self, bi: usize) -> &[(usize, usize)] {
        self.sentences[bi].get_or_init(|| crate::sentences::split(&self.doc.blocks[bi].norm.text))
    }

    fn figures(&self, bi: usize) -> &[Figure] {
        self.figures[bi].get_or_init(|| {
            let block = &self.doc.blocks[bi];
            let text = &block.norm.text;
            let mut figs = Vec::new();
            find_figures_in(text, self.lower(bi), &mut figs);
            // a bare amount under a column header that carries the unit ("MK-677 (mg)")
            if figs.is_empty() && crate::dose::bare_amount(text) {
                let unit_head = block.cell.filter(|c| !c.header).and_then(|c| {
                    self.cells.get(&(c.table, 0, c.col)).filter(|&&h| {
                        h != bi && crate::dose::header_unit(&self.doc.blocks[h].norm.text)
                    })
                });
                if unit_head.is_some() {
                    figs.push(Figure {
                        start: 0,
                        end: text.len(),
                    });
                }
            }
            // a figure that swallowed a compound's digits ("BPC-157 to 500mcg" read as a
            // range) is read again after the name; one inside a name ("CJC1295mg") is not one.
            // Figures and mentions are both sorted: one pass over each.
            let ms = self.mentions(bi);
            let mut kept = Vec::with_capacity(figs.len());
            let mut k = 0;
            for f in figs {
                while k < ms.len() && ms[k].end <= f.start {
                    k += 1;
                }
                match ms.get(k).filter(|m| m.start < f.end) {
                    None => kept.push(f),
                    Some(m) if m.end < f.end => {
                        let mut again = Vec::new();
                        find_figures_in(
                            &text[m.end..f.end],
                            &self.lower(bi)[m.end..f.end],
                            &mut again,
                        );
                        kept.extend(again.into_iter().map(|g| Figure {
                            start: g.start + m.end,
                            end: g.end + m.end,
                        }));
                    }
                    Some(_) => {}
                }
            }
            kept
        })
    }

    /// Block `bi`'s mentions that lie inside `range` (mentions are sorted and do not
    /// overlap, so this is two binary searches, not a scan).
    fn mentions_in(&self, bi: usize, range: (usize, usize)) -> &[Mention] {
        let ms = self.mentions(bi);
        let a = ms.partition_point(|m| m.start < range.0);
        let b = a + ms[a..].partition_point(|m| m.end <= range.1);
        &ms[a..b]
    }

    /// Block `bi`'s hits that start inside `range` (sorted by start; the caller checks
    /// where each ends).
    fn hits_from(&self, bi: usize, range: (usize, usize)) -> &[Hit] {
        let hs = self.hits(bi);
        let a = hs.partition_point(|h| h.start < range.0);
        let b = a + hs[a..].partition_point(|h| h.start < range.1);
        &hs[a..b]
    }

    /// The sentence of block `bi` that holds byte `at`.
    fn sentence_at(&self, bi: usize, at: usize) -> Option<(usize, usize)> {
        let ss = self.sentences(bi);
        let i = ss.partition_point(|s| s.1 <= at);
        ss.get(i).copied().filter(|s| s.0 <= at)
    }

    /// Does some hit of block `bi` have key `key` (see [`Linter::key`])?
    fn block_has(&self, bi: usize, key: usize) -> bool {
        self.roles[bi * self.words + key / 64] & (1 << (key % 64)) != 0
    }

    /// The headings block `bi` falls under, nearest first.
    fn headings(&self, bi: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.parent[bi], |&h| self.parent[h])
    }
}

const NEGATORS: &[&str] = &[
    "not",
    "no",
    "never",
    "don't",
    "dont",
    "doesn't",
    "doesnt",
    "didn't",
    "didnt",
    "won't",
    "wont",
    "cannot",
    "can't",
    "cant",
    "nor",
    "neither",
    "none",
    "avoid",
    "against",
    "refuse",
    "refuses",
    "isn't",
    "aren't",
    "shouldn't",
    "wouldn't",
    "nobody",
];
const CLAUSE_WORDS: &[&str] = &[
    "but", "however", "instead", "rather", "although", "though", "yet",
];
/// "It" and these make praise ("a must-have") about the compound being discussed.
const PRAISE_PRONOUNS: &[&str] = &[
    "this is",
    "this was",
    "this one",
    "this stuff",
    "this peptide",
    "this compound",
];
/// The bit of pattern `k` when `role` is its gate (patterns past the 64th always run).
fn gate_bit(role: Role) -> u64 {
    match role {
        Role::PatternGate(k) if k < 64 => 1 << k,
        _ => 0,
    }
}

fn gate_bits(mine: &[(usize, usize, Role)]) -> u64 {
    mine.iter().fold(0, |acc, m| acc | gate_bit(m.2))
}

/// Keys per rule before its gate keys: Phrase, Unless, Trigger, Context, Endorsement.
const ROLE_KEYS: usize = 5;
/// Bytes looked back for a negation (well beyond `NEGATION_WINDOW` words).
const NEGATION_LOOKBACK: usize = 300;
const NEGATION_WINDOW: usize = 8;

impl Linter {
    pub fn builder() -> LinterBuilder {
        LinterBuilder::default()
    }

    /// The embedded default pack and registry.
    pub fn with_defaults() -> Result<Linter, Box<LoadError>> {
        Self::builder().build()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Every word literal of the pack's automaton (alias spellings and rule phrases, not
    /// regex gates), normalized and lowercase, sorted.
    pub fn literals(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .registry
            .alias_spellings()
            .iter()
            .map(|(s, _)| s.clone())
            .collect();
        for r in &self.rules {
            let d = &r.def;
            for p in d
                .phrases
                .iter()
                .chain(&d.unless)
                .chain(&d.triggers)
                .chain(&d.contexts)
            {
                v.push(crate::normalize::normalize_pattern(p));
            }
        }
        v.sort();
        v.dedup();
        v
    }

    /// Get ready to lint many files: build the faster (and slower to build) form of the
    /// literal automaton, and the opening words of start-anchored patterns. Results do
    /// not change. Worth it from a few dozen files on.
    pub fn prepare_for_volume(&self) {
        self.literals.prepare_for_volume();
        for rule in &self.rules {
            for p in rule
                .patterns
                .iter()
                .chain(&rule.link_patterns)
                .chain(&rule.unless_patterns)
            {
                p.prepare_for_volume();
            }
        }
    }

    /// The rule pack and registry texts the linter was built from, in load order.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id() == id)
    }

    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id() == id)
    }

    pub fn is_enabled(&self, i: usize) -> bool {
        self.enabled[i]
    }

    /// Override a rule's severity. Returns false for an unknown id.
    pub fn set_severity(&mut self, id: &str, severity: Severity) -> bool {
        match self.rule_index(id) {
            Some(i) => {
                self.rules[i].severity = severity;
                true
            }
            None => false,
        }
    }

    /// Turn a rule off. Returns false for an unknown id.
    pub fn disable(&mut self, id: &str) -> bool {
        match self.rule_index(id) {
            Some(i) => {
                self.enabled[i] = false;
                true
            }
            None => false,
        }
    }

    /// Lint a file's bytes. The format comes from `path`'s extension. Invalid UTF-8 is
    /// reported (`io/invalid-utf8`) and the rest still linted; a binary file is not linted
    /// (`io/binary`); an empty file gets `io/empty`.
    /// Files larger than `max` bytes are refused with `io/too-large` instead of linted.
    pub fn set_max_bytes(&mut self, max: usize) {
        self.max_bytes = max;
    }

    /// The size limit in force.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    pub fn lint_bytes(&self, path: &str, bytes: &[u8]) -> FileReport {
        if bytes.len() > self.max_bytes {
            let mut diagnostics = Vec::new();
            self.meta(
                &mut diagnostics,
                "",
                0,
                0,
                "io/too-large",
                format!(
                    "file of {} bytes is over the {}-byte limit: not linted (raise `max_file_size` in monolint.yaml to lint it)",
                    bytes.len(),
                    self.max_bytes
                ),
            );
            return FileReport {
                diagnostics,
                linted: false,
            };
        }
        let head = &bytes[..bytes.len().min(8192)];
        if head.contains(&0) {
            let mut diagnostics = Vec::new();
            self.meta(
                &mut diagnostics,
                "",
                0,
                0,
                "io/binary",
                "binary file (it contains NUL bytes): not linted".into(),
            );
            return FileReport {
                diagnostics,
                linted: false,
            };
        }
        let (text, bad) = decode(bytes);
        let mut diagnostics = self.lint_str(path, &text);
        if let Some((at, count)) = bad {
            let len = bytes[at..]
                .iter()
                .take_while(|b| !b.is_ascii())
                .count()
                .max(1);
            let mut d = Vec::new();
            self.meta(
                &mut d,
                &text,
                at,
                at + len.min(4),
                "io/invalid-utf8",
                format!(
                    "invalid UTF-8 at byte {at} ({count} invalid byte{}); the rest of the file was linted",
                    if count == 1 { "" } else { "s" }
                ),
            );
            diagnostics.extend(d);
            sort(&mut diagnostics);
        }
        FileReport {
            diagnostics,
            linted: true,
        }
    }

    /// Lint text already decoded. The format comes from `path`'s extension.
    pub fn lint_str(&self, path: &str, text: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if text.trim().is_empty() {
            self.meta(
                &mut out,
                text,
                0,
                0,
                "io/empty",
                "empty file: nothing to lint".into(),
            );
            return out;
        }
        let doc = Document::parse(text, Format::from_path(path));
        let mut ctx = self.context(&doc);
        // every compound a finding could be attributed to: the ones the page names and its
        // primary ones; a rule whose `when` none of them meets cannot fire here
        let mut present: Vec<usize> = ctx.mentions.iter().map(|m| m.compound).collect();
        present.extend(&ctx.primary);
        present.sort_unstable();
        present.dedup();
        let mut raw: Vec<Raw> = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            if !self.enabled[ri] {
                continue;
            }
            if rule.def.kind != Kind::Builtin
                && !present
                    .iter()
                    .any(|&c| self.when(&rule.def.when, self.registry.get(c)))
            {
                continue;
            }
            match rule.def.kind {
                Kind::Phrase => self.run_phrase(&ctx, ri, &mut raw),
                Kind::Required => self.run_required(&ctx, ri, &mut raw),
                Kind::Dose => self.run_dose(&ctx, ri, &mut raw),
                Kind::Builtin => {}
            }
        }
        LOWER.set(std::mem::take(&mut ctx.lower));
        if raw.is_empty() && doc.comments.is_empty() {
            return out;
        }
        let index = LineIndex::new(text);
        let mut diags: Vec<Diagnostic> = raw
            .into_iter()
            .map(|r| {
                let rule = &self.rules[r.rule];
                let compound = r.compound.map(|c| self.registry.get(c));
                make(
                    &index,
                    text,
                    r.start,
                    r.end,
                    rule.id(),
                    rule.severity,
                    rule.message(compound.map(|c| c.name.as_str())),
                    compound.map(|c| c.id.clone()),
                    rule.help(compound.map(|c| c.name.as_str())),
                )
            })
            .collect();
        let meta = suppress::apply(self, &doc, &index, &mut diags);
        diags.extend(meta);
        sort(&mut diags);
        diags
    }

    /// A finding of one of the engine's own rules, if it is enabled.
    pub(crate) fn meta(
        &self,
        out: &mut Vec<Diagnostic>,
        text: &str,
        start: usize,
        end: usize,
        id: &str,
        message: String,
    ) {
        self.meta_indexed(out, &LineIndex::new(text), text, start, end, id, message);
    }

    /// [`Linter::meta`] with a line index the caller already has (one per document, not
    /// one per finding: a page of many suppression comments stays linear).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn meta_indexed(
        &self,
        out: &mut Vec<Diagnostic>,
        index: &LineIndex<'_>,
        text: &str,
        start: usize,
        end: usize,
        id: &str,
        message: String,
    ) {
        let Some(i) = self.rule_index(id) else { return };
        if !self.enabled[i] {
            return;
        }
        let rule = &self.rules[i];
        let help = rule.help(None);
        out.push(make(
            index,
            text,
            start,
            end.min(text.len()),
            id,
            rule.severity,
            message,
            None,
            help,
        ));
    }

    fn context<'d>(&self, doc: &'d Document<'d>) -> Ctx<'d> {
        let n = doc.blocks.len();
        let mut mentions = Vec::new();
        let mut mention_at = Vec::with_capacity(n + 1);
        let mut hits = Vec::new();
        let mut hit_at = Vec::with_capacity(n + 1);
        // the scan's buffers live on with the thread: they grow to the largest block once
        // instead of being allocated afresh (and cold) for every page
        thread_local! {
            static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
        }
        let mut scratch = SCRATCH.take();
        let mut cells = Cells::default();
        let mut parent: Vec<Option<usize>> = Vec::with_capacity(n);
        let mut chain: Vec<usize> = Vec::new(); // open headings, outermost first
        let words = self.keys.div_ceil(64).max(1);
        let mut roles = vec![0u64; n * words];
        let mut lower = LOWER.take();
        lower.clear();
        let mut lower_at = Vec::with_capacity(n);
        for (bi, b) in doc.blocks.iter().enumerate() {
            mention_at.push(mentions.len());
            hit_at.push(hits.len());
            lower_at.push(lower.len());
            let first = hits.len();
            self.literals.scan_appending(
                &b.norm.text,
                &mut mentions,
                &mut hits,
                &mut scratch,
                &mut lower,
            );
            let set = &mut roles[bi * words..(bi + 1) * words];
            for h in &hits[first..] {
                for &(r, role) in self.literals.owners(h.pattern) {
                    if h.whole || role.is_gate() {
                        let key = self.key(r as usize, role);
                        set[key / 64] |= 1 << (key % 64);
                    }
                }
            }
            if let Some(c) = b.cell {
                cells
                    .0
                    .push(((c.table, if c.header { 0 } else { c.row }, c.col), bi));
            }
            if b.kind == BlockKind::Heading {
                while chain
                    .last()
                    .is_some_and(|&h| doc.blocks[h].level >= b.level)
                {
                    chain.pop();
                }
                parent.push(chain.last().copied());
                chain.push(bi);
            } else {
                parent.push(chain.last().copied());
            }
        }
        mention_at.push(mentions.len());
        hit_at.push(hits.len());
        SCRATCH.set(scratch);
        cells.seal();
        let mut ctx = Ctx {
            doc,
            mentions,
            mention_at,
            hits,
            hit_at,
            sentences: (0..n).map(|_| OnceCell::new()).collect(),
            figures: (0..n).map(|_| OnceCell::new()).collect(),
            primary: Vec::new(),
            cells,
            parent,
            roles,
            words,
            lower,
            lower_at,
        };
        ctx.primary = self.primary(&ctx);
        ctx
    }

    /// The page's primary compounds: front matter, else the title, else the most-mentioned.
    fn primary(&self, ctx: &Ctx<'_>) -> Vec<usize> {
        let doc = ctx.doc;
        let mut out: Vec<usize> = doc
            .front
            .compounds
            .iter()
            .filter_map(|c| self.registry.lookup(c))
            .collect();
        if out.is_empty() {
            if let Some(title) = &doc.front.title {
                let n = crate::normalize::NormText::of(title);
                let (mut m, mut h) = (Vec::new(), Vec::new());
                self.literals
                    .scan(&n.text, &mut m, &mut h, &mut Scratch::default());
                out.extend(m.iter().map(|m| m.compound));
            }
        }
        if out.is_empty() {
            let title = match doc.format {
                Format::Markdown | Format::Html => {
                    doc.blocks.iter().position(|b| b.kind == BlockKind::Heading)
                }
                Format::Text => doc.title_block(),
            };
            // "the compound in the title": the first one it names
            if let Some(t) = title {
                out.extend(ctx.mentions(t).first().map(|m| m.compound));
            }
        }
        if out.is_empty() {
            let mut counts: HashMap<usize, (usize, usize)> = HashMap::new(); // compound -> (count, first seen)
            for (order, m) in ctx.mentions.iter().enumerate() {
                let e = counts.entry(m.compound).or_insert((0, order));
                e.0 += 1;
            }
            if let Some((&c, _)) = counts
                .iter()
                .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
            {
                out.push(c);
            }
        }
        let mut seen = Vec::new();
        out.retain(|c| {
            let new = !seen.contains(c);
            seen.push(*c);
            new
        });
        out
    }

    fn when(&self, w: &When, c: &Compound) -> bool {
        (w.status.is_empty() || w.status.contains(&c.status))
            && w.sandboxed.is_none_or(|v| v == c.sandboxed)
            && w.prescription.is_none_or(|v| v == c.prescription)
            && w.wada.is_none_or(|v| v == c.wada.is_some())
    }

    /// The compound a span of block `bi`'s sentence is about. `pick` selects among the
    /// compounds named in the sentence (nearest first).
    fn attribute(
        &self,
        ctx: &Ctx<'_>,
        bi: usize,
        sent: (usize, usize),
        span: (usize, usize),
        nearest_only: bool,
        ok: &dyn Fn(&Compound) -> bool,
    ) -> Option<usize> {
        let block = &ctx.doc.blocks[bi];
        let text = &block.norm.text;
        let in_sent = ctx.mentions_in(bi, sent);
        if !in_sent.is_empty() {
            // "250 mcg of BPC-157": the compound right after "of" owns the figure
            let after = text[span.1..sent.1].trim_start();
            let after_at = sent.1 - after.len();
            for lead in ["of the ", "of "] {
                // bytes, not str: the text after "of" may begin with any character (fuzz crash)
                if after
                    .as_bytes()
                    .get(..lead.len())
                    .is_some_and(|b| b.eq_ignore_ascii_case(lead.as_bytes()))
                {
                    let at = after_at + lead.len();
                    let k = in_sent.partition_point(|m| m.start < at);
                    if let Some(m) = in_sent.get(k).filter(|m| m.start == at) {
                        return Some(m.compound);
                    }
                }
            }
            // nearest first: overlapping ones, then outwards from the span (before wins a
            // tie); mentions are sorted, so this walks from the split point, not the sentence
            let i = in_sent.partition_point(|m| m.end <= span.0);
            let j = i + in_sent[i..].partition_point(|m| m.start < span.1);
            let nearest = NearestFirst {
                ms: in_sent,
                overlap: i..j,
                before: i,
                after: j,
                span,
            };
            let mut nearest = nearest.map(|m| m.compound);
            if nearest_only {
                return nearest.next();
            }
            let named = nearest.find(|&c| ok(self.registry.get(c)));
            // "stack it with 5 g of creatine": the phrase's "it" is the page's compound, and
            // the compound named after it is the partner
            let says_it = text[span.0..span.1]
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w.eq_ignore_ascii_case("it"));
            if named.is_none() && says_it && i == 0 && j == 0 {
                return ctx.primary.first().copied();
            }
            return named;
        }
        if let Some(c) = block.cell.filter(|c| !c.header) {
            // the row: the nearest cell to the left that names a compound
            let row_head = (0..c.col)
                .rev()
                .filter_map(|col| ctx.cells.get(&(c.table, c.row, col)))
                .find(|&&h| !ctx.mentions(h).is_empty());
            let col_head = ctx
                .cells
                .get(&(c.table, 0, c.col))
                .filter(|&&h| ctx.doc.blocks[h].cell.is_some_and(|p| p.header))
                // a table without header markup: its first row heads the columns
                .or_else(|| {
                    (c.row > 1 && !ctx.cells.contains_key(&(c.table, 0, c.col)))
                        .then(|| ctx.cells.get(&(c.table, 1, c.col)))
                        .flatten()
                });
            for h in [row_head, col_head].into_iter().flatten() {
                if let Some(m) = ctx.mentions(*h).first() {
                    return Some(m.compound);
                }
            }
        }
        if nearest_only {
            return ctx.primary.first().copied();
        }
        ctx.primary
            .iter()
            .copied()
            .find(|&p| ok(self.registry.get(p)))
            .or(ctx.primary.first().copied())
    }

    /// Is the sentence exempt for this rule (`unless` phrases or patterns)?
    fn voided(&self, ctx: &Ctx<'_>, bi: usize, sent: (usize, usize), ri: usize) -> bool {
        let rule = &self.rules[ri];
        self.has_role(ctx, bi, sent, ri, Role::Unless)
            || rule.unless_patterns.iter().enumerate().any(|(k, re)| {
                self.gate_open(ctx, bi, sent, ri, k, true)
                    && re.is_match_in(
                        &ctx.doc.blocks[bi].norm.text.as_bytes()[sent.0..sent.1],
                        &ctx.lower(bi)[sent.0..sent.1],
                    )
            })
    }

    /// The key of rule `ri`'s `role`: an index into a block's role set.
    fn key(&self, ri: usize, role: Role) -> usize {
        let r = &self.rules[ri];
        self.key_base[ri]
            + match role {
                Role::Phrase => 0,
                Role::Unless => 1,
                Role::Trigger => 2,
                Role::Context => 3,
                Role::Endorsement => 4,
                Role::PatternGate(k) => ROLE_KEYS + usize::from(k),
                Role::UnlessGate(k) => ROLE_KEYS + r.patterns.len() + usize::from(k),
            }
    }

    fn has_role(
        &self,
        ctx: &Ctx<'_>,
        bi: usize,
        range: (usize, usize),
        ri: usize,
        role: Role,
    ) -> bool {
        if !ctx.block_has(bi, self.key(ri, role)) {
            return false;
        }
        // every hit of a block lies inside it
        if range.0 == 0 && range.1 >= ctx.doc.blocks[bi].norm.text.len() {
            return true;
        }
        ctx.hits_from(bi, range)
            .iter()
            .any(|h| h.end <= range.1 && self.literals.has(h, ri as u32, role))
    }

    /// May rule `ri`'s regex `k` (of `unless_patterns` when `unless`, else `patterns`)
    /// match inside `range` of block `bi`? Only if the scan saw one of its gate literals
    /// there; a regex without a gate always may.
    fn gate_open(
        &self,
        ctx: &Ctx<'_>,
        bi: usize,
        range: (usize, usize),
        ri: usize,
        k: usize,
        unless: bool,
    ) -> bool {
        let rule = &self.rules[ri];
        let gates = if unless {
            &rule.unless_gates
        } else {
            &rule.pattern_gates
        };
        let Ok(k16) = u16::try_from(k) else {
            return true;
        };
        if gates.get(k).is_none_or(Option::is_none) {
            return true;
        }
        let role = if unless {
            Role::UnlessGate(k16)
        } else {
            Role::PatternGate(k16)
        };
        self.has_role(ctx, bi, range, ri, role)
    }

    fn scope_of(block: &Block) -> Scope {
        match block.kind {
            BlockKind::Heading => Scope::Heading,
            BlockKind::Prose => Scope::Prose,
            BlockKind::Cell => Scope::Table,
        }
    }

    fn orig(block: &Block, doc: &Document<'_>, s: usize, e: usize) -> (usize, usize) {
        block.norm.orig_range(s, e, doc.src)
    }

    fn run_phrase(&self, ctx: &Ctx<'_>, ri: usize, out: &mut Vec<Raw>) {
        let rule = &self.rules[ri];
        let ok = |c: &Compound| self.when(&rule.def.when, c);
        // patterns with no gate run in every sentence, as do any past the 64th (gates are
        // tracked in a u64; a gate only ever saves work)
        let ungated = rule
            .pattern_gates
            .iter()
            .enumerate()
            .filter(|(k, g)| *k < 64 && g.is_none())
            .fold(0u64, |acc, (k, _)| acc | (1 << k));
        let some_always_run = ungated != 0 || rule.patterns.len() > 64;
        let mut mine: Vec<(usize, usize, Role)> = Vec::new();
        for (bi, block) in ctx.doc.blocks.iter().enumerate() {
            if !rule.in_scope(Self::scope_of(block)) {
                continue;
            }
            let text = &block.norm.text;
            // a badge: the whole cell is the phrase
            if block.cell.is_some_and(|c| !c.header) {
                let not_alnum = |c: char| !c.is_ascii_alphanumeric();
                let bare = text.trim_matches(not_alnum);
                if !bare.is_empty() && rule.cells.iter().any(|c| c.eq_ignore_ascii_case(bare)) {
                    let s = text.len() - text.trim_start_matches(not_alnum).len();
                    let sent = (0, text.len());
                    if let Some(c) = self.attribute(ctx, bi, sent, (s, s + bare.len()), false, &ok)
                    {
                        if ok(self.registry.get(c)) {
                            let (os, oe) = Self::orig(block, ctx.doc, s, s + bare.len());
                            out.push(Raw {
                                rule: ri,
                                start: os,
                                end: oe,
                                compound: Some(c),
                            });
                            continue;
                        }
                    }
                }
            }
            // this rule's hits in the block, in order of start: each sentence below looks
            // at its own stretch of them instead of asking about every role and gate
            mine.clear();
            for h in ctx.hits(bi) {
                for &(r, role) in self.literals.owners(h.pattern) {
                    if r as usize == ri && (h.whole || role.is_gate()) {
                        mine.push((h.start, h.end, role));
                    }
                }
            }
            // nothing in this block for this rule: no sentences, no regex
            let phrase_here = mine
                .iter()
                .any(|m| matches!(m.2, Role::Phrase | Role::Endorsement));
            if !phrase_here && !some_always_run && gate_bits(&mine) == 0 {
                continue;
            }
            for &sent in ctx.sentences(bi) {
                let stext = &text[sent.0..sent.1];
                let lo = mine.partition_point(|m| m.0 < sent.0);
                let hi = lo + mine[lo..].partition_point(|m| m.0 < sent.1);
                let here = || mine[lo..hi].iter().filter(|m| m.1 <= sent.1);
                let mut cands: Vec<(usize, usize)> = here()
                    .filter(|m| m.2 == Role::Phrase)
                    .map(|m| (m.0, m.1))
                    .collect();
                // praise counts when it is aimed at a compound: named in the sentence, "it"
                // or "this is", or praise that opens its clause with the page's compound as
                // its implied subject ("A must-have for anyone who trains hard") unless it
                // is the subject of something else ("The game changer in this field was a
                // 1997 study")
                let praise: Vec<(usize, usize)> = here()
                    .filter(|m| m.2 == Role::Endorsement)
                    .map(|m| (m.0, m.1))
                    .collect();
                let open = ungated | here().fold(0, |acc, m| acc | gate_bit(m.2));
                if !praise.is_empty() {
                    let lower = stext.to_ascii_lowercase();
                    let named = ctx.mentions(bi).iter().any(|m| {
                        m.start >= sent.0 && m.end <= sent.1 && ok(self.registry.get(m.compound))
                    });
                    let pronoun = lower
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .any(|w| w == "it")
                        || PRAISE_PRONOUNS.iter().any(|p| contains_words(&lower, p));
                    let opens_clause = |at: usize| {
                        let mut from = sent.0.max(at.saturating_sub(200));
                        while !text.is_char_boundary(from) {
                            from += 1;
                        }
                        let before = &text[from..at];
                        let clause = before.rsplit([':', ';', ',', '-']).next().unwrap_or(before);
                        let mut to = sent.1.min(at + 200);
                        while !text.is_char_boundary(to) {
                            to -= 1;
                        }
                        let copula = text[at..to]
                            .split(|c: char| !c.is_ascii_alphabetic())
                            .any(|w| matches!(w, "is" | "was" | "are" | "were" | "Is" | "Was"));
                        clause.split_whitespace().count() <= 2 && !copula
                    };
                    for (s, e) in praise {
                        if named || pronoun || opens_clause(s) {
                            cands.push((s, e));
                        }
                    }
                }
                // the open patterns only, in order: a sentence visits its set bits, not
                // every pattern of the rule (a rule can have dozens, a page hundreds of
                // sentences); any past the 64th always run
                let mut bits = open;
                let next_open = || {
                    (bits != 0).then(|| {
                        let k = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        k
                    })
                };
                let open_ks = std::iter::from_fn(next_open)
                    .take_while(|&k| k < rule.patterns.len())
                    .chain(64..rule.patterns.len());
                for k in open_ks {
                    let re = &rule.patterns[k];
                    for m in re.find_iter_in(stext.as_bytes(), &ctx.lower(bi)[sent.0..sent.1]) {
                        if m.end() > m.start() {
                            // a pattern may match the punctuation before a clause (": give
                            // each step..."): the finding starts at the words
                            let lead = stext[m.start()..m.end()]
                                .find(|c: char| c.is_alphanumeric())
                                .unwrap_or(0);
                            cands.push((sent.0 + m.start() + lead, sent.0 + m.end()));
                        }
                    }
                }
                if cands.is_empty() || self.voided(ctx, bi, sent, ri) {
                    continue;
                }
                let question = stext.trim_end_matches(['"', '\'', ')']).ends_with('?');
                if rule.def.questions == Some(false) && question {
                    continue;
                }
                // a rhetorical question answered no ("Should you buy it online? No: ...")
                if question
                    && text[sent.1..]
                        .trim_start_matches(['?', '"', '\'', ')', ' '])
                        .split(|c: char| !c.is_ascii_alphabetic())
                        .next()
                        .is_some_and(|w| w.eq_ignore_ascii_case("no"))
                {
                    continue;
                }
                cands.sort();
                let mut negated_spans: Vec<(usize, usize)> = Vec::new();
                for (s, e) in cands {
                    // "where to buy" negated also silences the "buy" inside it
                    if negated_spans.iter().any(|&(ns, ne)| s < ne && ns < e) {
                        continue;
                    }
                    if rule.negation && negated(text, sent.0, s) {
                        negated_spans.push((s, e));
                        continue;
                    }
                    let Some(c) = self.attribute(ctx, bi, sent, (s, e), false, &ok) else {
                        continue;
                    };
                    if !ok(self.registry.get(c)) {
                        continue;
                    }
                    let (os, oe) = Self::orig(block, ctx.doc, s, e);
                    out.push(Raw {
                        rule: ri,
                        start: os,
                        end: oe,
                        compound: Some(c),
                    });
                    break; // one finding per sentence per rule
                }
            }
        }
        if !rule.link_patterns.is_empty() {
            for link in &ctx.doc.links {
                // link patterns read the URL lowercased, whichever way they are compiled
                let url = link.url.to_ascii_lowercase();
                if !rule
                    .link_patterns
                    .iter()
                    .any(|re| re.is_match_in(url.as_bytes(), url.as_bytes()))
                {
                    continue;
                }
                let c = ctx
                    .doc
                    .blocks
                    .iter()
                    .enumerate()
                    .rfind(|(_, b)| b.start < link.span.end)
                    .and_then(|(bi, _)| {
                        ctx.mentions(bi)
                            .iter()
                            .map(|m| m.compound)
                            .find(|&c| ok(self.registry.get(c)))
                    })
                    .or_else(|| {
                        ctx.primary
                            .iter()
                            .copied()
                            .find(|&p| ok(self.registry.get(p)))
                    });
                if let Some(c) = c {
                    // a link in a block that already has this finding adds nothing
                    let block = ctx.doc.blocks.iter().rfind(|b| b.start < link.span.end);
                    let (bs, be) = block.map_or((link.span.start, link.span.end), |b| {
                        b.norm.orig_range(0, b.norm.text.len(), ctx.doc.src)
                    });
                    let (bs, be) = (bs.min(link.span.start), be.max(link.span.end));
                    if out
                        .iter()
                        .any(|r| r.rule == ri && r.start < be && r.end > bs)
                    {
                        continue;
                    }
                    out.push(Raw {
                        rule: ri,
                        start: link.span.start,
                        end: link.span.end,
                        compound: Some(c),
                    });
                }
            }
        }
    }

    fn run_required(&self, ctx: &Ctx<'_>, ri: usize, out: &mut Vec<Raw>) {
        let rule = &self.rules[ri];
        let ok = |c: &Compound| self.when(&rule.def.when, c);
        let Some(&subject) = ctx.primary.iter().find(|&&p| ok(self.registry.get(p))) else {
            return;
        };
        if !rule.def.triggers.is_empty() {
            let triggered = (0..ctx.doc.blocks.len()).any(|bi| {
                ctx.hits(bi)
                    .iter()
                    .filter(|h| self.literals.has(h, ri as u32, Role::Trigger))
                    .any(|h| {
                        let Some(sent) = ctx.sentence_at(bi, h.start).filter(|s| h.end <= s.1)
                        else {
                            return false;
                        };
                        !negated(&ctx.doc.blocks[bi].norm.text, sent.0, h.start)
                            && !self.voided(ctx, bi, sent, ri)
                            && self
                                .attribute(ctx, bi, sent, (h.start, h.end), false, &ok)
                                .is_some_and(|c| ok(self.registry.get(c)))
                    })
            });
            if !triggered {
                return;
            }
        }
        // a phrase anywhere (one bit per block) before any regex runs
        let phrase = |bi: usize| ctx.block_has(bi, self.key(ri, Role::Phrase));
        let satisfied = (0..ctx.doc.blocks.len()).any(phrase)
            || ctx.doc.blocks.iter().enumerate().any(|(bi, b)| {
                let whole = (0, b.norm.text.len());
                rule.patterns.iter().enumerate().any(|(k, re)| {
                    self.gate_open(ctx, bi, whole, ri, k, false)
                        && re.is_match_in(b.norm.text.as_bytes(), ctx.lower(bi))
                })
            });
        if satisfied {
            return;
        }
        let (s, e) = body_line(ctx.doc);
        out.push(Raw {
            rule: ri,
            start: s,
            end: e,
            compound: Some(subject),
        });
    }

    fn run_dose(&self, ctx: &Ctx<'_>, ri: usize, out: &mut Vec<Raw>) {
        let rule = &self.rules[ri];
        let w = &rule.def.when;
        for (bi, block) in ctx.doc.blocks.iter().enumerate() {
            if !rule.in_scope(Self::scope_of(block)) {
                continue;
            }
            for f in ctx.figures(bi) {
                let Some(sent) = ctx.sentence_at(bi, f.start) else {
                    continue;
                };
                let Some(c) = self.attribute(ctx, bi, sent, (f.start, f.end), true, &|_| true)
                else {
                    continue;
                };
                let compound = self.registry.get(c);
                if !self.when(w, compound) {
                    continue;
                }
                if w.off_label == Some(true)
                    && !self.off_label(ctx, ri, bi, sent, (f.start, f.end), compound)
                {
                    continue;
                }
                let (os, oe) = Self::orig(block, ctx.doc, f.start, f.end);
                out.push(Raw {
                    rule: ri,
                    start: os,
                    end: oe,
                    compound: Some(c),
                });
            }
        }
    }

    /// Is a figure in sentence `sent` of block `bi` about a use the approval does not cover?
    fn off_label(
        &self,
        ctx: &Ctx<'_>,
        ri: usize,
        bi: usize,
        sent: (usize, usize),
        fig: (usize, usize),
        c: &Compound,
    ) -> bool {
        if c.status != Status::Approved {
            return false;
        }
        let in_sentence = self.has_role(ctx, bi, sent, ri, Role::Context);
        let in_heading = ctx.headings(bi).any(|h| {
            self.has_role(
                ctx,
                h,
                (0, ctx.doc.blocks[h].norm.text.len()),
                ri,
                Role::Context,
            )
        });
        // a table cell's context is also its row's and its column's header
        let in_table = ctx.doc.blocks[bi].cell.is_some_and(|c| {
            let row = ctx.cells.get(&(c.table, c.row, 0));
            let col = ctx.cells.get(&(c.table, 0, c.col));
            [row, col].into_iter().flatten().any(|&h| {
                h != bi
                    && self.has_role(
                        ctx,
                        h,
                        (0, ctx.doc.blocks[h].norm.text.len()),
                        ri,
                        Role::Context,
                    )
            })
        });
        if !in_sentence && !in_heading && !in_table {
            return false;
        }
        // the approved use is looked for in the sentence, or in a window around the figure
        // when the "sentence" is pathologically long (a megabyte without a full stop)
        let text = &ctx.doc.blocks[bi].norm.text;
        let (mut from, mut to) = (
            sent.0.max(fig.0.saturating_sub(600)),
            sent.1.min(fig.1 + 600),
        );
        while !text.is_char_boundary(from) {
            from += 1;
        }
        while !text.is_char_boundary(to) {
            to -= 1;
        }
        let stext = text[from..to].to_ascii_lowercase();
        let names_approved_use = c.approved_uses.iter().any(|u| contains_words(&stext, u));
        !(names_approved_use || self.voided(ctx, bi, sent, ri))
    }
}

fn sort(d: &mut [Diagnostic]) {
    d.sort_by(|a, b| (a.offset, &a.rule, a.length).cmp(&(b.offset, &b.rule, b.length)));
}

/// The first line of body text: where document-level findings point. It spans the first
/// block's text on its first line (not the markup around it).
fn body_line(doc: &Document<'_>) -> (usize, usize) {
    let s = doc.body_start();
    let rest = &doc.src[s..];
    let line_end = s + rest.find('\n').unwrap_or(rest.len());
    let block = doc.blocks.iter().find(|b| b.start == s);
    let text_end = block.map_or(line_end, |b| {
        b.norm.orig_range(0, b.norm.text.len(), doc.src).1
    });
    let e = text_end.min(line_end).max(s);
    (s, s + doc.src[s..e].trim_end().len())
}

/// Whether `phrase` occurs in `text` as whole words (both lowercase).
fn contains_words(text: &str, phrase: &str) -> bool {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(phrase) {
        let s = from + i;
        let e = s + phrase.len();
        let ok_s = s == 0 || !crate::normalize::is_word_byte(b[s - 1]);
        let ok_e = e == b.len() || !crate::normalize::is_word_byte(b[e]);
        if ok_s && ok_e {
            return true;
        }
        from = s + 1;
        while from < text.len() && !text.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// Is the match at `at` negated within its clause? Looks back up to a few words, to the
/// start of the sentence or clause ("we do not recommend", "never buy", "does not sell,
/// supply, source, or recommend").
fn negated(text: &str, sent_start: usize, at: usize) -> bool {
    // a clause's negation is within a few words: look back a bounded stretch, so a
    // megabyte-long "sentence" costs the same per match as a short one
    let mut from = sent_start.max(at.saturating_sub(NEGATION_LOOKBACK));
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let prefix = &text[from..at];
    let cut = prefix
        .rfind(['.', ';', ':', '!', '?', '(', ')', '"'])
        .map_or(0, |i| i + 1);
    let clause = &prefix[cut..];
    let clause = match clause.rfind(" - ") {
        Some(i) => &clause[i + 3..],
        None => clause,
    };
    let words: Vec<String> = clause
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let start = words
        .iter()
        .rposition(|w| CLAUSE_WORDS.contains(&w.as_str()))
        .map_or(0, |i| i + 1);
    let words = &words[start..];
    let window = &words[words.len().saturating_sub(NEGATION_WINDOW)..];
    let negates = |i: usize, w: &str| {
        // "no contest", "no doubt", "no joke" are emphasis, not negation
        let idiom = w == "no"
            && window.get(i + 1).is_some_and(|n| {
                [
                    "contest", "doubt", "question", "joke", "brainer", "matter", "wonder",
                    "problem",
                ]
                .contains(&n.as_str())
            });
        !idiom && (NEGATORS.contains(&w) || w.ends_with("n't"))
    };
    if window.iter().enumerate().any(|(i, w)| negates(i, w)) {
        return true;
    }
    // the match itself opens with a negated verb: "do not inject before bed"
    let head: Vec<String> = text[at..]
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .take(2)
        .map(str::to_ascii_lowercase)
        .collect();
    let opener = head.first().map(String::as_str);
    (opener == Some("do") && head.get(1).is_some_and(|w| w == "not"))
        || matches!(opener, Some("don't" | "dont" | "never"))
}

/// Decode bytes as UTF-8; each invalid byte becomes U+001A (one byte, so offsets hold).
/// Returns the text and, if any byte was invalid, the first one's offset and the count.
fn decode(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, Option<(usize, usize)>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), None),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            let mut first = None;
            let mut count = 0;
            let mut rest = bytes;
            let mut at = 0;
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        out.push_str(s);
                        break;
                    }
                    Err(e) => {
                        let good = e.valid_up_to();
                        out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                        let bad = e.error_len().unwrap_or(rest.len() - good);
                        first.get_or_insert(at + good);
                        count += bad;
                        for _ in 0..bad {
                            out.push('\u{1A}');
                        }
                        rest = &rest[good + bad..];
                        at += good + bad;
                    }
                }
            }
            (std::borrow::Cow::Owned(out), first.map(|f| (f, count)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cells;

    #[test]
    fn a_phrase_rule_with_more_than_64_patterns_runs_every_one() {
        // gates are tracked in a u64: patterns past the 64th must run without one
        let mut pack = String::from(
            "rules:\n  - id: site/many\n    kind: phrase\n    severity: warning\n    message: \"m {compound}\"\n    patterns:\n",
        );
        for k in 0..69 {
            pack.push_str(&format!("      - '\\bzzq{k}word\\b'\n"));
        }
        pack.push_str("      - '\\bmiracle cure\\b'\n");
        let linter = super::Linter::builder()
            .pack(crate::Source::new("site.yaml", pack))
            .build()
            .expect("pack loads");
        let found = |page: &str| -> Vec<String> {
            linter
                .lint_str("p.md", page)
                .into_iter()
                .filter(|d| d.rule == "site/many")
                .map(|d| d.text)
                .collect()
        };
        assert_eq!(
            found("# BPC-157\n\nBPC-157 is a miracle cure.\n"),
            ["miracle cure"]
        );
        assert_eq!(
            found("# BPC-157\n\nBPC-157 is one zzq3word.\n"),
            ["zzq3word"]
        );
        assert_eq!(
            found("# BPC-157\n\nBPC-157 is one zzq66word.\n"),
            ["zzq66word"]
        );
        assert!(found("# BPC-157\n\nBPC-157 is a miracle. A cure is not near.\n").is_empty());
        // several open patterns in one sentence: every one runs (the sentence's finding is
        // its earliest, here never the lowest-numbered pattern's), below and past the 64th
        let one = |words: &str| found(&format!("# BPC-157\n\nBPC-157 is {words}.\n"));
        assert_eq!(one("zzq5word and zzq3word"), ["zzq5word"]);
        assert_eq!(one("zzq63word, zzq40word and zzq3word"), ["zzq63word"]);
        assert_eq!(one("zzq67word, zzq63word and zzq3word"), ["zzq67word"]);
    }

    /// The volume question is asked once, when the automaton is built, and its answer
    /// is what is built; a builder already for volume, or one whose pack fails to load,
    /// never asks. Either way the findings are the same.
    #[test]
    fn build_deciding_asks_once_and_builds_what_it_is_told() {
        let asked = std::cell::Cell::new(0);
        let ask = |answer: bool| {
            let asked = &asked;
            move || {
                asked.set(asked.get() + 1);
                answer
            }
        };
        let many = super::Linter::builder()
            .build_deciding(ask(true))
            .expect("default pack");
        assert_eq!(asked.get(), 1);
        assert!(many.literals.is_ready_for_volume());
        let few = super::Linter::builder()
            .build_deciding(ask(false))
            .expect("default pack");
        assert_eq!(asked.get(), 2);
        assert!(!few.literals.is_ready_for_volume());
        let already = super::Linter::builder()
            .for_volume()
            .build_deciding(ask(false))
            .expect("default pack");
        assert_eq!(asked.get(), 2, "a builder for volume does not ask");
        assert!(already.literals.is_ready_for_volume());
        let broken = super::Linter::builder()
            .pack(crate::Source::new("site.yaml", "rules: [\n"))
            .build_deciding(ask(true));
        assert!(broken.is_err());
        assert_eq!(asked.get(), 2, "a load that fails does not ask");
        let page = "# BPC-157\n\nWe recommend BPC-157 at 250 mcg twice a day.\n";
        let found = |l: &super::Linter| -> Vec<(String, usize)> {
            l.lint_str("p.md", page)
                .into_iter()
                .map(|d| (d.rule, d.line))
                .collect()
        };
        assert!(!found(&few).is_empty());
        assert_eq!(found(&many), found(&few));
    }

    /// Regexes compiled for lowercased text read each block's own stretch of the
    /// document's lowercased copy: a pattern (no phrase) fires on a capitalized sentence in
    /// a later block, and stays silent on its near miss in the block after it.
    #[test]
    fn regexes_read_each_blocks_lowercased_text() {
        let linter = super::Linter::builder().build().expect("default pack");
        let page = "# BPC-157\n\nBPC-157 is a research peptide.\n\nA paragraph first.\n\n\
                    OUR DOCTORS USUALLY SUGGEST BPC-157 FOR TENDONS.\n\n\
                    Our doctors never suggest BPC-157 for tendons.\n";
        let found: Vec<(usize, String)> = linter
            .lint_str("p.md", page)
            .into_iter()
            .filter(|d| d.rule == "recommendation/sandboxed")
            .map(|d| (d.line, d.text))
            .collect();
        assert_eq!(found, [(7, "OUR DOCTORS USUALLY SUGGEST".to_string())]);
    }

    #[test]
    fn cells_find_by_key_and_the_later_of_two_wins() {
        let mut c = Cells::default();
        c.0.extend([
            ((1, 0, 0), 0),
            ((1, 0, 1), 1),
            ((1, 1, 0), 2),
            ((1, 0, 1), 7),
        ]);
        c.seal();
        assert_eq!(c.get(&(1, 0, 0)), Some(&0));
        assert_eq!(
            c.get(&(1, 0, 1)),
            Some(&7),
            "a map insert keeps the later one"
        );
        assert_eq!(c.get(&(1, 1, 0)), Some(&2));
        assert!(!c.contains_key(&(2, 0, 0)));
        assert_eq!(c.0.len(), 3);
    }

    use super::*;

    #[test]
    fn negation_window() {
        let t = "PeptidePanel does not sell, supply, source, or recommend it";
        assert!(negated(t, 0, t.find("recommend").unwrap()));
        let t = "We do not recommend it, but we recommend magnesium";
        assert!(negated(t, 0, t.find("recommend").unwrap()));
        assert!(!negated(t, 0, t.rfind("recommend").unwrap()));
        let t = "Individual needs vary - start at the lower end";
        assert!(!negated(t, 0, t.find("start").unwrap()));
        let t = "No trial ran long enough to show harm in any of the people who took part, so we recommend it";
        assert!(!negated(t, 0, t.find("we recommend").unwrap()));
    }

    #[test]
    fn decode_keeps_offsets() {
        let (t, bad) = decode(b"ok \xff\xfe then 250 mcg");
        assert_eq!(t.len(), 18);
        assert_eq!(bad, Some((3, 2)));
        assert_eq!(&t[11..18], "250 mcg");
    }

    #[test]
    fn sentences_split_on_punctuation_not_abbreviations() {
        let t = "Started low (e.g. ~40 ug/kg) and titrated. Next one here.";
        let s = crate::sentences::split(t);
        assert_eq!(s.len(), 2, "{s:?}");
    }
}
