//! Rule packs: YAML rule definitions, validated and compiled once at load.
//!
//! The engine knows a small closed set of rule kinds (`phrase`, `required`, `dose`, and
//! `builtin` for the rules the engine itself raises: `io/*`, `suppression/*`). Every
//! literal phrase of every rule goes into one aho-corasick automaton (see
//! [`crate::literals`]); regular expressions are compiled with size limits and run only on
//! the sentences where the automaton saw one of their gate literals ([`crate::gate`]).

use crate::diagnostic::Severity;
use crate::error::{locate, LoadError, Source};
use crate::normalize::normalize_pattern;
use crate::registry::Status;
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

/// The rule kinds the engine dispatches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Phrase,
    Required,
    Dose,
    Builtin,
}

/// Where a phrase rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Prose,
    Heading,
    Table,
}

/// Conditions on a compound.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(default)]
    pub status: Vec<Status>,
    pub sandboxed: Option<bool>,
    pub prescription: Option<bool>,
    pub wada: Option<bool>,
    pub off_label: Option<bool>,
    pub any: Option<bool>,
}

/// A rule as written in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub kind: Kind,
    pub severity: Severity,
    #[serde(default)]
    pub summary: String,
    pub message: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub bad: String,
    #[serde(default)]
    pub good: String,
    #[serde(default)]
    pub fix: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub when: When,
    #[serde(default)]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub scope: Vec<Scope>,
    pub negation: Option<bool>,
    #[serde(default)]
    pub unless: Vec<String>,
    /// Regular expressions that, matching anywhere in the sentence, void a match.
    #[serde(default)]
    pub unless_patterns: Vec<String>,
    /// Whether a sentence that is a question can fire (default true).
    pub questions: Option<bool>,
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub cells: Vec<String>,
    #[serde(default)]
    pub triggers: Vec<String>,
    #[serde(default)]
    pub contexts: Vec<String>,
    /// Praise ("a must-have", "game changer") that fires only when the sentence names a
    /// compound meeting `when`, or says "it"/"this": praise of sleep or a study is not a
    /// recommendation.
    #[serde(default)]
    pub endorsements: Vec<String>,
    /// `kind: required` only: the text `monolint check --fix` inserts when the requirement
    /// is missing (`{compound}` is replaced by the compound's name). A site's
    /// `monolint.yaml` (`fix: disclaimers:`) overrides it.
    pub insert: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    rules: Vec<RuleDef>,
}

/// Per rule: the gates of its `patterns` and of its `unless_patterns`.
type Gates = Vec<(Vec<Option<Vec<String>>>, Vec<Option<Vec<String>>>)>;

/// An embedded pack file as `build.rs` worked it out: parsed, with its gates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Embedded {
    pack: PackFile,
    gates: Gates,
    /// The pack's regexes that run on lowercased text (see `src/lowercase.rs`), sorted.
    lower: Vec<String>,
}

/// The pack file, and its gates and lowercase regexes when they were worked out at build
/// time (the embedded pack); any other text is parsed here.
fn parse(source: &Source) -> Result<(PackFile, Option<Gates>, Vec<String>), Box<LoadError>> {
    let built = crate::embedded_json(source)
        .and_then(|json| serde_json::from_str::<Embedded>(json).ok())
        .filter(|e| e.gates.len() == e.pack.rules.len());
    if let Some(e) = built {
        return Ok((e.pack, Some(e.gates), e.lower));
    }
    let file = serde_yaml::from_str(&source.text).map_err(|e| LoadError::yaml(source, &e))?;
    Ok((file, None, Vec::new()))
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub def: RuleDef,
    /// Effective severity (after configuration overrides).
    pub severity: Severity,
    /// Which pack defined it.
    pub origin: String,
    pub patterns: Vec<Pattern>,
    pub link_patterns: Vec<Pattern>,
    pub unless_patterns: Vec<Pattern>,
    /// Per `patterns[k]`: the literals one of which every match contains (see
    /// [`crate::gate`]); the regex runs only where the scan saw one. `None`: always runs.
    pub pattern_gates: Vec<Option<Vec<String>>>,
    /// The same for `unless_patterns`.
    pub unless_gates: Vec<Option<Vec<String>>>,
    pub cells: Vec<String>,
    pub negation: bool,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.def.id
    }

    pub fn in_scope(&self, scope: Scope) -> bool {
        self.def.scope.is_empty() || self.def.scope.contains(&scope)
    }

    /// Render the message for a compound display name.
    pub fn message(&self, compound: Option<&str>) -> String {
        let name = compound.unwrap_or("this page's compound");
        fill(&self.def.message, name)
    }

    /// The fix text for a finding about `compound` (display name), if the rule has one.
    pub fn help(&self, compound: Option<&str>) -> Option<String> {
        let fix = self.def.fix.trim();
        (!fix.is_empty()).then(|| fill(fix, compound.unwrap_or("this compound")))
    }

    /// The documentation sections `monolint explain` prints, with their names; a section
    /// that is empty is missing.
    pub fn doc_sections(&self) -> [(&'static str, &str); 6] {
        [
            ("summary", &self.def.summary),
            ("description", &self.def.description),
            ("bad", &self.def.bad),
            ("good", &self.def.good),
            ("fix", &self.def.fix),
            ("link", &self.def.link),
        ]
    }
}

/// Limits that keep an untrusted pack from making matching slow or huge.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
pub const MAX_PATTERN_LEN: usize = 2_000;
/// Most rules one pack file may define.
pub const MAX_RULES: usize = 5_000;
/// Most literal phrases (of every list together) and regular expressions one rule may have.
pub const MAX_LITERALS_PER_RULE: usize = 20_000;
pub const MAX_PATTERNS_PER_RULE: usize = 500;
/// Largest pack or registry file read, in bytes.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;

/// A rule regex. It is a `regex_automata` meta regex built without automatic literal
/// prefilters: every rule regex runs only where the literal scan already saw one of its
/// gate literals, inside one sentence, so a prefilter would save the search little, while
/// extracting it was most of the cost of compiling the pack's regexes (and of a one-page
/// run). Embedded patterns compile on first use; user patterns at load, where a bad one
/// is reported.
#[derive(Debug, Clone)]
pub struct Pattern {
    src: String,
    /// Compiled case-sensitively and run on the text ASCII-lowercased (see
    /// `src/lowercase.rs`): worked out at build time, for embedded patterns only.
    lower: bool,
    re: std::sync::OnceLock<MetaRegex>,
    /// For a pattern anchored at the start (`^…`): the first two bytes a match can open
    /// with (see [`crate::gate::openings`]), worked out with the regex.
    openings: std::sync::OnceLock<Option<crate::gate::Openings>>,
}

impl Pattern {
    fn lazy(src: &str, lower: bool) -> Pattern {
        Pattern {
            src: src.to_string(),
            lower,
            re: std::sync::OnceLock::new(),
            openings: std::sync::OnceLock::new(),
        }
    }

    fn compiled(src: &str, re: MetaRegex) -> Pattern {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(re);
        Pattern {
            src: src.to_string(),
            lower: false,
            re: cell,
            openings: std::sync::OnceLock::new(),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.src
    }

    fn regex(&self) -> &MetaRegex {
        self.re.get_or_init(|| {
            // only embedded patterns are lazy, and `default_pack_patterns_all_compile`
            // compiles every one of them, in both cases: this cannot fail on user input
            meta_regex_case(&self.src, !self.lower)
                .unwrap_or_else(|e| panic!("embedded pattern `{}`: {e}", self.src))
        })
    }

    /// The haystack this pattern runs on: `text`, or `lower` (`text` ASCII-lowercased).
    fn hay<'h>(&self, text: &'h [u8], lower: &'h [u8]) -> &'h [u8] {
        debug_assert_eq!(text.len(), lower.len());
        if self.lower {
            lower
        } else {
            text
        }
    }

    pub fn is_match(&self, haystack: &[u8]) -> bool {
        if self.lower {
            return with_lower(haystack, |lower| self.regex().is_match(lower));
        }
        self.regex().is_match(haystack)
    }

    /// [`Pattern::is_match`] with the text's lowercased copy at hand (`lower`: `text`
    /// ASCII-lowercased, as long).
    pub(crate) fn is_match_in(&self, text: &[u8], lower: &[u8]) -> bool {
        self.regex().is_match(self.hay(text, lower))
    }

    /// Work out the openings [`Pattern::find_iter`] turns haystacks away with (a
    /// start-anchored pattern's first words). Idempotent; results do not change.
    pub fn prepare_for_volume(&self) {
        self.openings
            .get_or_init(|| crate::gate::openings(&self.src));
    }

    /// Successive non-overlapping matches, leftmost-first. A pattern anchored at the start
    /// is turned away without a search when `haystack` cannot open a match.
    pub fn find_iter(&self, haystack: &[u8]) -> impl Iterator<Item = regex_automata::Match> {
        // (a pattern that runs on lowercased text needs a copy, which the matches outlive)
        let found: Vec<_> = if self.lower {
            with_lower(haystack, |lower| {
                self.find_iter_in(haystack, lower).collect()
            })
        } else {
            self.find_iter_in(haystack, haystack).collect()
        };
        found.into_iter()
    }

    /// [`Pattern::find_iter`] with the text's lowercased copy at hand (`lower`: `text`
    /// ASCII-lowercased, as long).
    pub(crate) fn find_iter_in<'h>(
        &'h self,
        text: &'h [u8],
        lower: &'h [u8],
    ) -> impl Iterator<Item = regex_automata::Match> + 'h {
        // (the openings are worked out only for runs over many files, see
        // `prepare_for_volume`: on a page or two, working them out costs more than the
        // searches they save)
        let open = self
            .openings
            .get()
            .and_then(Option::as_ref)
            .is_none_or(|o| o.may_open(text));
        open.then(|| self.regex().find_iter(self.hay(text, lower)))
            .into_iter()
            .flatten()
    }
}

type MetaRegex = regex_automata::meta::Regex;

/// Check a pattern as the user wrote it (ASCII-case-insensitive, on normalized bytes): the
/// `regex` crate's error messages are the ones users know, so validation goes through it.
pub fn compile_regex(p: &str) -> Result<Regex, regex::Error> {
    if p.len() > MAX_PATTERN_LEN {
        return Err(regex::Error::CompiledTooBig(MAX_PATTERN_LEN));
    }
    RegexBuilder::new(p)
        .case_insensitive(true)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT * 2)
        .build()
}

/// The matcher for a pattern: the same syntax and limits as [`compile_regex`] (bytes,
/// ASCII-case-insensitive, no Unicode classes), without automatic prefilters and without
/// a full DFA: the lazy one only (for a small pattern, "\bmake it this one\b", the full
/// DFA the meta regex builds by default took 150-220 µs to build, ten times the rest,
/// and a page searches a few sentences with it).
pub fn meta_regex(p: &str) -> Result<MetaRegex, Box<regex_automata::meta::BuildError>> {
    meta_regex_case(p, true)
}

/// `f` on `hay` ASCII-lowercased (same length, same offsets), in a buffer kept per thread
/// (a pool: `f` may call it again).
pub(crate) fn with_lower<R>(hay: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    thread_local!(static POOL: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) });
    let mut buf = POOL.with_borrow_mut(Vec::pop).unwrap_or_default();
    buf.clear();
    buf.extend_from_slice(hay);
    buf.make_ascii_lowercase();
    let r = f(&buf);
    POOL.with_borrow_mut(|p| p.push(buf));
    r
}

/// [`meta_regex`], or (`ci` false) compiled case-sensitively, for lowercased text.
pub(crate) fn meta_regex_case(
    p: &str,
    ci: bool,
) -> Result<MetaRegex, Box<regex_automata::meta::BuildError>> {
    use regex_automata::{meta, util::syntax};
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .auto_prefilter(false)
                .dfa(false)
                .utf8_empty(false)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .onepass_size_limit(Some(REGEX_SIZE_LIMIT))
                .hybrid_cache_capacity(REGEX_SIZE_LIMIT * 2),
        )
        .syntax(
            syntax::Config::new()
                .case_insensitive(ci)
                .unicode(false)
                .utf8(false),
        )
        .build(p)
        .map_err(Box::new)
}

/// `template` with every `{compound}` replaced by `name` (one allocation, sized up front:
/// this runs for every finding). Holes are looked for by their `{` (memchr): a substring
/// search sets up its searcher on every call, which cost more than the copying. Fix
/// texts (`fix::fix`) are filled by it too.
pub(crate) fn fill(template: &str, name: &str) -> String {
    const HOLE: &str = "{compound}";
    let mut out = String::with_capacity(template.len() + name.len());
    let mut rest = template;
    let mut from = 0;
    while let Some(i) = rest[from..].find('{').map(|i| from + i) {
        if rest[i..].starts_with(HOLE) {
            out.push_str(&rest[..i]);
            out.push_str(name);
            rest = &rest[i + HOLE.len()..];
            from = 0;
        } else {
            from = i + 1;
        }
    }
    out.push_str(rest);
    out
}

fn valid_id(id: &str) -> bool {
    let mut parts = id.split('/');
    let ok = |s: Option<&str>| {
        s.is_some_and(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// Parse and validate one pack file.
pub fn load_pack(source: &Source) -> Result<Vec<Rule>, Box<LoadError>> {
    check_size(source)?;
    let (file, mut built_gates, lower) = parse(source)?;
    if file.rules.len() > MAX_RULES {
        return Err(LoadError::at(
            source,
            locate(&source.text, None, "rules:"),
            format!(
                "{} rules in one pack; the limit is {MAX_RULES}",
                file.rules.len()
            ),
        )
        .with_help("split the pack into several files"));
    }
    let mut out = Vec::new();
    for (k, def) in file.rules.into_iter().enumerate() {
        let at = |needle: &str| locate(&source.text, Some(&def.id), needle);
        let err = |needle: &str, msg: String| LoadError::at(source, at(needle), msg);
        let literals = def.phrases.len()
            + def.unless.len()
            + def.cells.len()
            + def.contexts.len()
            + def.triggers.len()
            + def.endorsements.len();
        if literals > MAX_LITERALS_PER_RULE {
            return Err(err(
                &def.id,
                format!(
                    "rule `{}` has {literals} phrases; the limit is {MAX_LITERALS_PER_RULE}",
                    def.id
                ),
            ));
        }
        let regexes = def.patterns.len() + def.unless_patterns.len() + def.links.len();
        if regexes > MAX_PATTERNS_PER_RULE {
            return Err(err(
                &def.id,
                format!("rule `{}` has {regexes} regular expressions; the limit is {MAX_PATTERNS_PER_RULE}", def.id),
            ));
        }
        if !valid_id(&def.id) {
            return Err(err(
                &def.id,
                format!("rule id `{}` is not of the form family/name", def.id),
            )
            .with_help("ids are lowercase `family/name`, e.g. `dose/unapproved`"));
        }
        // the embedded pack's regexes (all compiled by a test) are built on first use, so a
        // one-page run pays only for the ones it needs; any other pack's are built now, so
        // a fault stops the load with the file and line
        let lazy = source.name.starts_with("<default>");
        let compile = |list: &[String], field: &str| -> Result<Vec<Pattern>, Box<LoadError>> {
            list.iter()
                .map(|p| {
                    if lazy {
                        let on_lowercase = lower.binary_search_by(|l| l.as_str().cmp(p)).is_ok();
                        return Ok(Pattern::lazy(p, on_lowercase));
                    }
                    compile_regex(p)
                        .map_err(|e| e.to_string())
                        .and_then(|_| meta_regex(p).map_err(|e| e.to_string()))
                        .map(|re| Pattern::compiled(p, re))
                        .map_err(|e| {
                            err(
                                p,
                                format!(
                                    "rule `{}`: invalid regular expression in `{field}`: `{p}`",
                                    def.id
                                ),
                            )
                            .with_label("this pattern")
                            .with_help(e)
                        })
                })
                .collect()
        };
        let patterns = compile(&def.patterns, "patterns")?;
        let link_patterns = compile(&def.links, "links")?;
        let unless_patterns = compile(&def.unless_patterns, "unless_patterns")?;
        let need = |ok: bool, field: &str, msg: &str| -> Result<(), Box<LoadError>> {
            if ok {
                Ok(())
            } else {
                Err(err(field, format!("rule `{}`: {msg}", def.id)))
            }
        };
        match def.kind {
            Kind::Phrase => need(
                !(def.phrases.is_empty()
                    && def.endorsements.is_empty()
                    && def.patterns.is_empty()
                    && def.cells.is_empty()
                    && def.links.is_empty()),
                "kind",
                "a phrase rule needs `phrases`, `patterns`, `cells` or `links`",
            )?,
            Kind::Required => need(
                !(def.phrases.is_empty() && def.patterns.is_empty()),
                "kind",
                "a required rule needs `phrases` or `patterns` (the phrasings that satisfy it)",
            )?,
            Kind::Dose => {}
            Kind::Builtin => need(
                source.name.starts_with("<default>"),
                "builtin",
                "`builtin` rules are raised by the engine itself and cannot be defined in a pack",
            )?,
        }
        if !def.contexts.is_empty() && def.kind != Kind::Dose {
            return Err(err(
                "contexts",
                format!("rule `{}`: `contexts` applies only to `kind: dose`", def.id),
            ));
        }
        if def.insert.is_some() && def.kind != Kind::Required {
            return Err(err(
                "insert",
                format!(
                    "rule `{}`: `insert` applies only to `kind: required` (a missing text can be inserted; a phrase cannot be fixed by adding one)",
                    def.id
                ),
            ));
        }
        if def.insert.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(err(
                "insert",
                format!("rule `{}`: `insert` is empty", def.id),
            ));
        }
        if def.when.off_label.is_some() && def.kind != Kind::Dose {
            return Err(err(
                "off_label",
                format!(
                    "rule `{}`: `off_label` applies only to `kind: dose`",
                    def.id
                ),
            ));
        }
        for p in def
            .phrases
            .iter()
            .chain(&def.unless)
            .chain(&def.cells)
            .chain(&def.contexts)
            .chain(&def.triggers)
            .chain(&def.endorsements)
        {
            if normalize_pattern(p).is_empty() {
                return Err(err(p, format!("rule `{}`: an empty phrase", def.id)));
            }
        }
        let (pattern_gates, unless_gates) = built_gates
            .as_mut()
            .and_then(|g| g.get_mut(k))
            .map(std::mem::take)
            .filter(|(p, u)| p.len() == def.patterns.len() && u.len() == def.unless_patterns.len())
            .unwrap_or_else(|| {
                let gates = |list: &[String]| list.iter().map(|p| crate::gate::gate(p)).collect();
                (gates(&def.patterns), gates(&def.unless_patterns))
            });
        out.push(Rule {
            pattern_gates,
            unless_gates,
            severity: def.severity,
            origin: source.name.clone(),
            cells: def.cells.iter().map(|c| normalize_pattern(c)).collect(),
            negation: def.negation.unwrap_or(true),
            patterns,
            link_patterns,
            unless_patterns,
            def,
        });
    }
    Ok(out)
}

/// An untrusted pack or registry file is refused above [`MAX_SOURCE_BYTES`].
pub fn check_size(source: &Source) -> Result<(), Box<LoadError>> {
    if source.text.len() > MAX_SOURCE_BYTES {
        return Err(LoadError::at(
            source,
            None,
            format!(
                "{} bytes; the limit for a rule pack or registry is {MAX_SOURCE_BYTES}",
                source.text.len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `build.rs` parsed the embedded pack and worked out its gates and which regexes run
    /// on lowercased text: the same rules, gates and regexes as working them out now; a
    /// file that is not the embedded text is parsed.
    #[test]
    fn build_time_pack_is_the_yaml() {
        let mut on_lowercase = 0;
        for source in crate::default_packs() {
            let (built, gates, lower) = parse(&source).expect("embedded pack");
            let gates = gates.unwrap_or_else(|| panic!("{} not built", source.name));
            let yaml: PackFile = serde_yaml::from_str(&source.text).expect("yaml");
            assert_eq!(format!("{:?}", built.rules), format!("{:?}", yaml.rules));
            let now = |list: &[String]| -> Vec<Option<Vec<String>>> {
                list.iter().map(|p| crate::gate::gate(p)).collect()
            };
            let want: Gates = yaml
                .rules
                .iter()
                .map(|r| (now(&r.patterns), now(&r.unless_patterns)))
                .collect();
            assert_eq!(gates, want, "{}", source.name);
            let mut want: Vec<String> = yaml
                .rules
                .iter()
                .flat_map(|r| r.patterns.iter().chain(&r.unless_patterns).chain(&r.links))
                .filter(|p| crate::lowercase::runs_on_lowercase(p))
                .cloned()
                .collect();
            want.sort();
            want.dedup();
            assert_eq!(lower, want, "{}", source.name);
            on_lowercase += lower.len();
        }
        // nearly all of them: they are written in lowercase
        assert!(on_lowercase > 50, "{on_lowercase}");
        let edited = Source::new("<default>/rules/dose.yaml", "rules: []\n");
        assert!(parse(&edited).expect("yaml").1.is_none());
        assert!(load_pack(&edited).expect("loads").is_empty());
    }

    #[test]
    fn messages_fill_every_compound_hole_once() {
        assert_eq!(
            fill("{compound} and {compound}.", "BPC-157"),
            "BPC-157 and BPC-157."
        );
        assert_eq!(fill("no hole here", "BPC-157"), "no hole here");
        // a name is put in as it is, never expanded again
        assert_eq!(fill("about {compound}", "{compound}"), "about {compound}");
        assert_eq!(fill("{compound", "x"), "{compound");
        // a brace that opens no hole is text, also just before one
        assert_eq!(fill("a {b} {{compound}}", "X"), "a {b} {X}");
        assert_eq!(fill("{", "X"), "{");
    }

    /// The self-dosing instruction pattern is written twice, once per opening (the
    /// sentence start, and after a colon or semicolon), so that each can be cheap; an edit
    /// to one must be made to the other.
    #[test]
    fn the_instruction_pattern_is_the_same_after_both_openings() {
        let rule = crate::Linter::with_defaults()
            .expect("default pack")
            .rule("recommendation/sandboxed")
            .expect("rule")
            .def
            .patterns
            .clone();
        let body = |opening: &str| -> Vec<String> {
            rule.iter()
                .filter_map(|p| p.strip_prefix(opening))
                .filter(|b| b.starts_with("(?:(?:for|if|when"))
                .map(str::to_string)
                .collect()
        };
        let (start, colon) = (body("^"), body(r"[:;]\s+"));
        assert_eq!(start.len(), 1, "{rule:?}");
        assert_eq!(start, colon);
    }

    /// A start-anchored pattern finds the same with and without its openings: they are
    /// worked out only once a run prepares for volume, and then turn a haystack away
    /// only where the pattern cannot match.
    #[test]
    fn openings_are_for_volume_runs_and_change_no_match() {
        let p = Pattern::lazy(r"^(?:take|inject) \d+ ?mg", false);
        let spans = |h: &str| -> Vec<(usize, usize)> {
            p.find_iter(h.as_bytes())
                .map(|m| (m.start(), m.end()))
                .collect()
        };
        let cases = [
            ("take 5 mg daily", vec![(0, 9)]),
            ("Inject 10mg", vec![(0, 11)]),
            ("then take 5 mg", vec![]),
            ("taken 5 mg", vec![]),
            ("", vec![]),
        ];
        for volume in [false, true] {
            if volume {
                p.prepare_for_volume();
            }
            assert_eq!(p.openings.get().is_some(), volume);
            for (h, want) in &cases {
                assert_eq!(&spans(h), want, "{h:?}, volume {volume}");
            }
        }
        // prepared, the openings do turn away what cannot open a match
        let o = p.openings.get().and_then(Option::as_ref).expect("openings");
        assert!(o.may_open(b"take 5 mg"));
        assert!(!o.may_open(b"then take 5 mg"));
    }

    #[test]
    fn default_pack_patterns_all_compile() {
        let mut n = 0;
        for source in crate::default_packs() {
            for rule in load_pack(&source).expect("default pack loads") {
                for p in rule
                    .patterns
                    .iter()
                    .chain(&rule.unless_patterns)
                    .chain(&rule.link_patterns)
                {
                    compile_regex(p.as_str())
                        .unwrap_or_else(|e| panic!("{}: `{}`: {e}", rule.id(), p.as_str()));
                    // and the matcher the engine runs (compiled lazily in real use), in
                    // both cases
                    meta_regex(p.as_str())
                        .unwrap_or_else(|e| panic!("{}: `{}`: {e}", rule.id(), p.as_str()));
                    meta_regex_case(p.as_str(), false)
                        .unwrap_or_else(|e| panic!("{}: `{}`: {e}", rule.id(), p.as_str()));
                    n += 1;
                }
            }
        }
        assert!(n > 20, "only {n} patterns in the default pack");
    }

    /// Every embedded regex that runs on lowercased text finds there, compiled
    /// case-sensitively, what it finds compiled case-insensitively on the text: on every
    /// line of the fixtures, as written, in capitals and with every other letter flipped.
    #[test]
    fn lowercase_regexes_find_what_the_patterns_find() {
        let mut lines = Vec::new();
        let mut dirs =
            vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    lines.extend(text.lines().map(str::to_string));
                }
            }
        }
        assert!(lines.len() > 1000, "{} fixture lines", lines.len());
        let variants: Vec<String> = lines
            .iter()
            .flat_map(|l| {
                let flipped: String = l
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                [l.clone(), l.to_ascii_uppercase(), flipped]
            })
            .collect();
        let spans = |re: &MetaRegex, hay: &[u8]| -> Vec<(usize, usize)> {
            re.find_iter(hay).map(|m| (m.start(), m.end())).collect()
        };
        let mut checked = 0;
        for source in crate::default_packs() {
            for rule in load_pack(&source).unwrap() {
                for p in rule
                    .patterns
                    .iter()
                    .chain(&rule.unless_patterns)
                    .chain(&rule.link_patterns)
                    .filter(|p| p.lower)
                {
                    let ci = meta_regex(p.as_str()).unwrap();
                    let mut found = 0;
                    for text in &variants {
                        let want = spans(&ci, text.as_bytes());
                        let lower = text.to_ascii_lowercase();
                        assert_eq!(
                            p.find_iter_in(text.as_bytes(), lower.as_bytes())
                                .map(|m| (m.start(), m.end()))
                                .collect::<Vec<_>>(),
                            want,
                            "`{}` on {text:?}",
                            p.as_str()
                        );
                        found += want.len();
                    }
                    checked += usize::from(found > 0);
                }
            }
        }
        // most of them find something in the fixtures, in all three spellings
        assert!(checked > 30, "{checked}");
    }

    #[test]
    fn untrusted_packs_are_capped() {
        let many: String = (0..MAX_LITERALS_PER_RULE + 1)
            .map(|i| format!("p{i}, "))
            .collect();
        let y = format!("rules:\n  - id: site/x\n    kind: phrase\n    severity: error\n    message: m\n    phrases: [{many}]\n");
        let e = load(&y).unwrap_err();
        assert!(e.message.contains("phrases; the limit is"), "{}", e.message);
        let pats: String = (0..MAX_PATTERNS_PER_RULE + 1)
            .map(|i| format!("'a{i}', "))
            .collect();
        let y = format!("rules:\n  - id: site/x\n    kind: phrase\n    severity: error\n    message: m\n    patterns: [{pats}]\n");
        let e = load(&y).unwrap_err();
        assert!(
            e.message.contains("regular expressions; the limit is"),
            "{}",
            e.message
        );
        let huge = "#".repeat(MAX_SOURCE_BYTES + 1);
        let e = load(&huge).unwrap_err();
        assert!(
            e.message.contains("the limit for a rule pack"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_regex_too_big_to_compile_is_refused() {
        // nested counted repetition compiles to far more than the size limit
        let y = "rules:\n  - id: site/x\n    kind: phrase\n    severity: error\n    message: m\n    patterns: ['(?:a{100}){100}(?:b{100}){100}']\n";
        let e = load(y).unwrap_err();
        assert!(
            e.message.contains("invalid regular expression"),
            "{}",
            e.message
        );
        assert!(
            e.help.as_deref().unwrap_or("").contains("size limit"),
            "{:?}",
            e.help
        );
    }

    fn load(y: &str) -> Result<Vec<Rule>, Box<LoadError>> {
        load_pack(&Source::new("pack.yaml", y))
    }

    #[test]
    fn bad_regex_names_rule_and_pattern_and_line() {
        let y = "rules:\n  - id: site/x\n    kind: phrase\n    severity: error\n    message: m\n    patterns: ['ok', '(unclosed']\n";
        let e = load(y).unwrap_err();
        assert!(
            e.message.contains("site/x") && e.message.contains("(unclosed"),
            "{}",
            e.message
        );
        assert_eq!(e.line_col(), Some((6, 23)));
    }

    #[test]
    fn unknown_key_is_an_error_with_location() {
        let y = "rules:\n  - id: site/x\n    kind: phrase\n    severity: error\n    message: m\n    phrasez: [a]\n";
        let e = load(y).unwrap_err();
        assert!(
            e.message.contains("unknown field `phrasez`"),
            "{}",
            e.message
        );
        assert_eq!(e.line_col().map(|l| l.0), Some(6));
    }

    #[test]
    fn bad_id_and_empty_phrase_rules() {
        assert!(load(
            "rules:\n  - id: NoSlash\n    kind: dose\n    severity: error\n    message: m\n"
        )
        .is_err());
        let e =
            load("rules:\n  - id: a/b\n    kind: phrase\n    severity: error\n    message: m\n")
                .unwrap_err();
        assert!(e.message.contains("needs `phrases`"), "{}", e.message);
    }

    #[test]
    fn builtin_only_in_default_pack() {
        let e =
            load("rules:\n  - id: io/x\n    kind: builtin\n    severity: error\n    message: m\n")
                .unwrap_err();
        assert!(e.message.contains("builtin"), "{}", e.message);
    }
}
