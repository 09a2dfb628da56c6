//! The compound registry: names, aliases, regulatory status and flags.
//!
//! Names match case-insensitively as whole words across hyphen/space variants: each alias
//! is split into tokens (at hyphens, spaces and letter/digit changes) and every way of
//! joining them with `-`, ` ` or nothing is a spelling, so "IGF-1 LR3", "IGF1 LR3" and
//! "igf-1-lr3" are one name. The pack's one literal automaton ([`crate::literals`]) finds
//! them without enumerating the spellings, and leftmost-longest resolution lets the
//! longest alias win.

use crate::error::{locate, LoadError, Source};
use crate::literals::pattern_hash;
use crate::normalize::normalize_pattern;
use serde::Deserialize;
use std::sync::{Arc, OnceLock};

/// Regulatory status of a compound (US).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Approved,
    Supplement,
    Investigational,
    ResearchChemical,
    Unapproved,
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Supplement => "supplement",
            Status::Investigational => "investigational",
            Status::ResearchChemical => "research-chemical",
            Status::Unapproved => "unapproved",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// The status a registry names (`research-chemical`, ...).
    fn from_name(name: &str) -> Option<Status> {
        [
            Status::Approved,
            Status::Supplement,
            Status::Investigational,
            Status::ResearchChemical,
            Status::Unapproved,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// Approved drugs and supplements have an approved (or lawful) human use.
    pub fn has_approved_human_use(self) -> bool {
        matches!(self, Status::Approved | Status::Supplement)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompoundDef {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    status: Status,
    #[serde(default)]
    prescription: bool,
    #[serde(default)]
    sandboxed: Option<bool>,
    #[serde(default)]
    wada: Option<String>,
    #[serde(default)]
    approved_uses: Vec<String>,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    notes: Option<String>,
}

/// One compound of the registry.
#[derive(Debug, Clone)]
pub struct Compound {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub status: Status,
    pub prescription: bool,
    pub sandboxed: bool,
    pub wada: Option<String>,
    /// Normalized, lowercase phrases naming the uses the approval covers.
    pub approved_uses: Vec<String>,
    pub sources: Vec<String>,
    /// Which registry file defined it (shared by the file's compounds).
    pub origin: Arc<str>,
}

impl Compound {
    /// Its id (`k` = 0), name (1) and aliases (2 on): the names it is known by.
    fn name_at(&self, k: u32) -> &str {
        match k {
            0 => &self.id,
            1 => &self.name,
            k => &self.aliases[k as usize - 2],
        }
    }

    /// How many names [`Compound::name_at`] has.
    fn names_len(&self) -> u32 {
        2 + self.aliases.len() as u32
    }
}

/// A compound named in normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub compound: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub struct Registry {
    compounds: Vec<Compound>,
    /// Squeezed id, name and aliases -> compound: worked out on first use (or on a
    /// thread of its own while the linter is built: see [`Registry::prepare_index`]).
    by_key: OnceLock<KeyIndex>,
}

/// Every squeezed (see [`squeeze`]) id, name and alias with the first compound that has
/// it. The table holds where each key comes from, not the key: a registry of 10,000
/// compounds has 40,000 names, and no string is allocated for them.
#[derive(Debug)]
struct KeyIndex {
    table: hashbrown::HashTable<Key>,
}

#[derive(Debug, Clone, Copy)]
struct Key {
    hash: u64,
    compound: u32,
    /// Which of its names (see [`Compound::name_at`]).
    name: u32,
}

impl KeyIndex {
    fn build(compounds: &[Compound]) -> KeyIndex {
        let n = compounds.iter().map(|c| c.names_len() as usize).sum();
        let mut table = hashbrown::HashTable::with_capacity(n);
        let mut key = String::new();
        for (i, c) in compounds.iter().enumerate() {
            for k in 0..c.names_len() {
                squeeze_into(c.name_at(k), &mut key);
                let hash = pattern_hash(&key);
                if Self::find(compounds, &table, hash, &key).is_none() {
                    let entry = Key {
                        hash,
                        compound: i as u32,
                        name: k,
                    };
                    table.insert_unique(hash, entry, |e| e.hash);
                }
            }
        }
        KeyIndex { table }
    }

    /// The compound whose key `key` (squeezed) is, with `hash` its [`pattern_hash`].
    fn find(
        compounds: &[Compound],
        table: &hashbrown::HashTable<Key>,
        hash: u64,
        key: &str,
    ) -> Option<usize> {
        table
            .find(hash, |e| {
                e.hash == hash && squeezes_to(compounds[e.compound as usize].name_at(e.name), key)
            })
            .map(|e| e.compound as usize)
    }
}

/// Lowercase with hyphens and spaces removed: the identity of a name across variants.
pub fn squeeze(s: &str) -> String {
    let mut out = String::new();
    squeeze_into(s, &mut out);
    out
}

/// [`squeeze`] into `out` (replacing what it held).
fn squeeze_into(s: &str, out: &mut String) {
    out.clear();
    let b = s.as_bytes();
    // a large registry's index squeezes 40,000 names, nearly all printable ASCII (checked
    // in one pass that vectorizes), which normalizing only lowercases and whose spaces,
    // collapsed or trimmed by it, go anyway
    if b.iter()
        .fold(true, |all, &c| all & (b' '..=b'~').contains(&c))
    {
        // the runs between separators, copied whole (a name has a few), then lowercased
        let mut rest = s;
        while let Some(i) = rest.bytes().position(|c| c == b'-' || c == b' ') {
            out.push_str(&rest[..i]);
            rest = &rest[i + 1..];
        }
        out.push_str(rest);
        out.make_ascii_lowercase();
    } else {
        out.extend(
            normalize_pattern(s)
                .chars()
                .filter(|c| *c != '-' && *c != ' '),
        );
    }
}

/// Whether `name` squeezes to `key` (see [`squeeze`]), without making the squeezed form
/// of a printable name.
fn squeezes_to(name: &str, key: &str) -> bool {
    if printable_ascii(name) {
        name.bytes()
            .filter(|&b| b != b'-' && b != b' ')
            .map(|b| b.to_ascii_lowercase())
            .eq(key.bytes())
    } else {
        squeeze(name) == key
    }
}

/// Every byte a printable ASCII character or a space: text [`normalize_pattern`] leaves
/// as it is, but for collapsing runs of spaces, trimming and lowercasing.
fn printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// [`normalize_pattern`], quicker for the usual alias: printable ASCII with single spaces
/// is only trimmed and lowercased (no normalization map is built).
pub(crate) fn normalize_alias(s: &str) -> String {
    let mut out = String::new();
    normalize_alias_into(s, &mut out);
    out
}

/// [`normalize_alias`] into `out` (replacing what it held), reusing its allocation.
fn normalize_alias_into(s: &str, out: &mut String) {
    out.clear();
    let b = s.as_bytes();
    // printable ASCII without two spaces in a row: two passes without an early exit,
    // which vectorize (aliases are short, and nearly all plain)
    let plain = b
        .iter()
        .fold(true, |all, &c| all & (b' '..=b'~').contains(&c))
        && !b
            .iter()
            .zip(b.iter().skip(1))
            .fold(false, |any, (&x, &y)| any | ((x == b' ') & (y == b' ')));
    if plain {
        let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
        let end = b.iter().rposition(|&c| c != b' ').map_or(start, |e| e + 1);
        // cut at ASCII bytes, so at character boundaries
        out.push_str(&s[start..end.max(start)]);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&normalize_pattern(s));
    }
}

/// Two word characters that a scraped page glued together but that still meet at a word
/// boundary: lowercase then uppercase ("withIpamorelin"), or a letter and a digit
/// ("Timing30").
pub fn glued(a: u8, b: u8) -> bool {
    (a.is_ascii_lowercase() && b.is_ascii_uppercase())
        || (a.is_ascii_alphabetic() && b.is_ascii_digit())
        || (a.is_ascii_digit() && b.is_ascii_alphabetic())
}

/// Most compounds all registries together may define (each expands into every
/// hyphen/space spelling of every alias, at most 243 an alias).
pub const MAX_COMPOUNDS: usize = 100_000;

/// Most joints (hyphen/space/letter-digit changes) an alias may have for every mix of
/// separators to count; an alias with more matches only with one separator throughout.
pub(crate) const MAX_JOINTS: usize = 5;

/// Byte classes for [`Split::set`]: a separator, an ASCII letter, an ASCII digit, or
/// anything else (a byte of a token that never cuts it).
const SEPARATOR: u8 = 0;
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const OTHER: u8 = 4;
static TOKEN_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c == b'-' || c == b' ' {
            SEPARATOR
        } else if c.is_ascii_alphabetic() {
            LETTER
        } else if c.is_ascii_digit() {
            DIGIT
        } else {
            OTHER
        };
        i += 1;
    }
    t
};

/// An alias split for matching: its normalized form, and its tokens (split at hyphens,
/// spaces and letter/digit changes). Its spellings are the tokens joined at each joint by
/// `-`, ` ` or nothing (every mix up to [`MAX_JOINTS`] joints, else one separator
/// throughout), and the normalized form itself.
///
/// The tokens are byte ranges of `norm`, so one `Split` can be [`Split::set`] to alias
/// after alias without allocating for each (a large registry has tens of thousands).
#[derive(Debug, Default)]
pub(crate) struct Split {
    pub norm: String,
    tokens: Vec<(usize, usize)>,
}

impl Split {
    pub(crate) fn new(alias: &str) -> Split {
        let mut split = Split::default();
        split.set(alias);
        split
    }

    /// Split `alias` in place of what this held.
    pub(crate) fn set(&mut self, alias: &str) {
        self.norm.clear();
        // the usual alias (printable ASCII, no space at either end or two in a row) is
        // its own normalized form but for case: split as it is checked, in one pass (a
        // large registry has 40,000)
        if self.cut(alias.as_bytes(), true) {
            self.norm.push_str(alias);
            self.norm.make_ascii_lowercase();
            return;
        }
        normalize_alias_into(alias, &mut self.norm);
        let norm = std::mem::take(&mut self.norm);
        self.cut(norm.as_bytes(), false);
        self.norm = norm;
    }

    /// Cut `b` into tokens (in place of those held): every cut is at an ASCII byte, so
    /// the tokens are byte ranges of it; a token ends at a separator, and where a letter
    /// meets a digit or a digit a letter. With `plain`, stop and answer `false` at the
    /// first byte that normalizing would change other than by case (not printable
    /// ASCII, a space first or last or after a space).
    fn cut(&mut self, b: &[u8], plain: bool) -> bool {
        self.tokens.clear();
        let mut start = 0;
        let mut prev = SEPARATOR;
        let mut space = true;
        for (i, &c) in b.iter().enumerate() {
            if plain && (!(b' '..=b'~').contains(&c) || (space && c == b' ')) {
                return false;
            }
            space = c == b' ';
            let class = TOKEN_CLASS[c as usize];
            if class != prev {
                if class == SEPARATOR {
                    self.tokens.push((start, i));
                } else if prev == SEPARATOR {
                    start = i;
                } else if class | prev == LETTER | DIGIT {
                    self.tokens.push((start, i));
                    start = i;
                }
                prev = class;
            }
        }
        if prev != SEPARATOR {
            self.tokens.push((start, b.len()));
        }
        !(plain && space)
    }

    /// How many tokens.
    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Token `i` (`i < self.len()`).
    pub(crate) fn token(&self, i: usize) -> &str {
        let (s, e) = self.tokens[i];
        &self.norm[s..e]
    }

    /// The tokens in order.
    pub(crate) fn tokens(&self) -> impl Iterator<Item = &str> + '_ {
        self.tokens.iter().map(|&(s, e)| &self.norm[s..e])
    }

    /// Whether every mix of separators counts (else only one separator throughout).
    pub(crate) fn mixed(&self) -> bool {
        self.tokens.len() <= MAX_JOINTS + 1
    }

    /// Whether the normalized form is itself one of the joined spellings: no leading or
    /// trailing separator and never two in a row.
    pub(crate) fn norm_is_joined(&self) -> bool {
        let sep = |b: &u8| *b == b'-' || *b == b' ';
        let b = self.norm.as_bytes();
        !b.first().is_some_and(sep)
            && !b.last().is_some_and(sep)
            && !b.windows(2).any(|w| sep(&w[0]) && sep(&w[1]))
    }

    /// The tokens joined by `sep` throughout, into `out` (replacing what it held).
    pub(crate) fn join_into(&self, sep: &str, out: &mut String) {
        out.clear();
        for (i, t) in self.tokens().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(t);
        }
    }

    /// Every spelling, sorted and deduplicated.
    fn variants(&self) -> Vec<String> {
        if self.tokens.is_empty() {
            return Vec::new();
        }
        let tokens: Vec<&str> = self.tokens().collect();
        let mut out = vec![self.norm.clone()];
        if self.mixed() {
            out.extend(joins(&tokens));
        } else {
            for sep in ["", "-", " "] {
                out.push(tokens.join(sep));
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Every way of joining `tokens` with `-`, ` ` or nothing at each joint.
pub(crate) fn joins(tokens: &[&str]) -> Vec<String> {
    let Some((first, rest)) = tokens.split_first() else {
        return Vec::new();
    };
    let total = 3usize.pow(rest.len() as u32);
    (0..total)
        .map(|mut code| {
            let mut s = first.to_string();
            for t in rest {
                s.push_str(["", "-", " "][code % 3]);
                code /= 3;
                s.push_str(t);
            }
            s
        })
        .collect()
}

/// Registries at least this large (in compounds) have their lookup index built on a
/// thread of its own while the linter builds its automaton (the default registry is a
/// few hundred; a smaller one's index is built on first use).
pub(crate) const PARALLEL_INDEX_COMPOUNDS: usize = 2_000;

/// Registry files at least this large are parsed in pieces on several threads.
const PARALLEL_PARSE_BYTES: usize = 128 * 1024;

/// A registry entry, checked and made a [`Compound`].
type Entry = Compound;

/// Check a registry file's entries, in order, and make them compounds; the first fault
/// is the error.
fn check_entries(source: &Source, defs: Vec<CompoundDef>) -> Result<Vec<Entry>, Box<LoadError>> {
    let mut out = Vec::with_capacity(defs.len());
    check_entries_into(source, defs, &mut out)?;
    Ok(out)
}

/// [`check_entries`], appended to `out`.
fn check_entries_into(
    source: &Source,
    defs: Vec<CompoundDef>,
    out: &mut Vec<Entry>,
) -> Result<(), Box<LoadError>> {
    let origin = Arc::from(source.name.as_str());
    out.reserve(defs.len());
    for def in defs {
        out.push(check_entry(source, &origin, def)?);
    }
    Ok(())
}

fn check_entry(
    source: &Source,
    origin: &Arc<str>,
    def: CompoundDef,
) -> Result<Entry, Box<LoadError>> {
    let at = |needle: &str| locate(&source.text, Some(&def.id), needle);
    if def.id.trim().is_empty() {
        return Err(LoadError::at(
            source,
            at("id:"),
            "a compound has an empty id",
        ));
    }
    if def.sources.iter().all(|s| s.trim().is_empty()) {
        return Err(LoadError::at(
            source,
            at(&def.id),
            format!("compound `{}` cites no sources", def.id),
        )
        .with_help("add `sources: [\"...\"]`: where its status and flags come from"));
    }
    let mut names = std::iter::once(&def.name).chain(&def.aliases);
    if let Some(a) = names.find(|n| squeezes_to(n, "")) {
        return Err(LoadError::at(
            source,
            at(a),
            format!("compound `{}` has an empty name or alias", def.id),
        ));
    }
    let compound = Compound {
        sandboxed: def.sandboxed.unwrap_or(def.status != Status::Supplement),
        id: def.id,
        name: def.name,
        aliases: def.aliases,
        status: def.status,
        prescription: def.prescription,
        wada: def.wada.filter(|w| !w.trim().is_empty()),
        approved_uses: def
            .approved_uses
            .iter()
            .map(|u| normalize_alias(u))
            .collect(),
        sources: def.sources,
        origin: origin.clone(),
    };
    Ok(compound)
}

/// Parse and check a registry file. A large one is cut into pieces at its top-level
/// entries (see [`pieces`]) that are parsed and checked on several threads, since the YAML
/// parser is most of the cost of a large registry; if any piece does not parse on its
/// own, the whole file is parsed again, so that a parse error and where it points are
/// exactly those of one parse.
#[cfg(test)]
fn read_entries(source: &Source) -> Result<Vec<Entry>, Box<LoadError>> {
    let mut out = Vec::new();
    read_entries_into(source, &mut out)?;
    Ok(out)
}

/// [`read_entries`], appended to `out` (the registry's compounds: a large registry's
/// entries are moved once, not gathered first and moved again). Nothing is appended
/// when the file has a fault.
fn read_entries_into(source: &Source, out: &mut Vec<Entry>) -> Result<(), Box<LoadError>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = threads.min(source.text.len() / PARALLEL_PARSE_BYTES).max(1);
    let len = out.len();
    let read = match read_simply_into(source, n, out) {
        Some(read) => read,
        None => read_in_pieces_into(source, n, out),
    };
    if read.is_err() {
        out.truncate(len);
    }
    read
}

/// A registry entry read on the simple path (checked), or its text, left to the parser.
enum Read<'a> {
    Done(Result<Entry, Box<LoadError>>),
    Left(&'a str),
}

/// Read and check the entries of a registry file without the YAML parser where they
/// are simple (see [`crate::simple_yaml::entries`] and [`simple_def`]: the shapes the
/// default registry and generated registries are written in), on `n` threads; the
/// others are parsed one by one.
///
/// `None`, and the whole text goes to the parser, when the text is not plainly a list of
/// entries, when an entry left to the parser does not parse on its own (then the error
/// and where it points are those of the whole parse), or when the entries left to the
/// parser are so many that parsing them in pieces on several threads is faster. As with
/// the parser, a parse error comes before any fault the checks find, and the first fault
/// in the file's order is the error.
fn read_simply_into<'a>(
    source: &'a Source,
    n: usize,
    out: &mut Vec<Entry>,
) -> Option<Result<(), Box<LoadError>>> {
    let text: &'a str = &source.text;
    let origin = Arc::from(source.name.as_str());
    // the text in `n` runs of whole entries, each cut into its entries and read on a
    // thread of its own (`None`: not plainly a list of entries)
    let cuts = crate::simple_yaml::entry_cuts(text, n.max(1));
    let read_range = |lo: usize, hi: usize| -> Option<Vec<Read<'a>>> {
        let pieces = crate::simple_yaml::entries_between(text, lo, hi)?;
        Some(read_part(source, &origin, &pieces))
    };
    let read_range = &read_range;
    let read: Vec<Option<Vec<Read<'a>>>> = std::thread::scope(|scope| {
        let spawned: Vec<_> = cuts
            .windows(2)
            .skip(1)
            .map(|w| {
                let (lo, hi) = (w[0], w[1]);
                let job =
                    std::thread::Builder::new().spawn_scoped(scope, move || read_range(lo, hi));
                (lo, hi, job)
            })
            .collect();
        let mut out = vec![read_range(cuts[0], cuts[1])];
        for (lo, hi, job) in spawned {
            match job.map(|handle| handle.join()) {
                Ok(Ok(done)) => out.push(done),
                // no thread to be had, or it panicked: read the part here
                _ => out.push(read_range(lo, hi)),
            }
        }
        out
    });
    // each part as its thread read it (joined only into the entries)
    let read: Vec<Vec<Read<'a>>> = read.into_iter().collect::<Option<_>>()?;
    if read.iter().all(Vec::is_empty) {
        return None;
    }
    let left: usize = read
        .iter()
        .flatten()
        .map(|r| match r {
            Read::Left(piece) => piece.len(),
            Read::Done(_) => 0,
        })
        .sum();
    if left >= PARALLEL_PARSE_BYTES {
        return None;
    }
    // parse what is left first: a parse error comes before the checks' faults
    let mut parsed = Vec::new();
    for r in read.iter().flatten() {
        if let Read::Left(piece) = r {
            parsed.push(serde_yaml::from_str::<Vec<CompoundDef>>(piece).ok()?);
        }
    }
    let mut parsed = parsed.into_iter();
    out.reserve(read.iter().map(Vec::len).sum());
    let checked = (|| {
        for r in read.into_iter().flatten() {
            match r {
                Read::Done(entry) => out.push(entry?),
                Read::Left(_) => {
                    for def in parsed.next().into_iter().flatten() {
                        out.push(check_entry(source, &origin, def)?);
                    }
                }
            }
        }
        Ok(())
    })();
    Some(checked)
}

/// [`read_simply_into`], as a list.
#[cfg(test)]
fn read_simply(source: &Source, n: usize) -> Option<Result<Vec<Entry>, Box<LoadError>>> {
    let mut out = Vec::new();
    read_simply_into(source, n, &mut out).map(|r| r.map(|()| out))
}

/// [`read_in_pieces_into`], as a list.
#[cfg(test)]
fn read_in_pieces(source: &Source, n: usize) -> Result<Vec<Entry>, Box<LoadError>> {
    let mut out = Vec::new();
    read_in_pieces_into(source, n, &mut out).map(|()| out)
}

/// The entries of `pieces`, read and checked where they are simple (see [`read_simply_into`]).
fn read_part<'a>(source: &Source, origin: &Arc<str>, pieces: &[&'a str]) -> Vec<Read<'a>> {
    pieces
        .iter()
        .map(|&piece| {
            match crate::simple_yaml::entry(piece)
                .as_deref()
                .and_then(simple_def)
            {
                Some(def) => Read::Done(check_entry(source, origin, def)),
                None => Read::Left(piece),
            }
        })
        .collect()
}

/// A registry entry from its simple mapping, when the mapping holds what
/// [`CompoundDef`] reads, typed the way `serde_yaml` surely reads it (see
/// [`crate::simple_yaml::Scalar`]): `id`, `name` and `status` given, no other key than
/// the fields, strings where strings are read, `true` or `false` where booleans are.
/// `None` sends the entry to the parser, which reads it or gives the error.
fn simple_def<'a>(map: &[(&str, crate::simple_yaml::Value<'a>)]) -> Option<CompoundDef> {
    use crate::simple_yaml::Value;
    let text = |v: &Value<'a>| match v {
        Value::One(s) => s.string(),
        _ => None,
    };
    let one = |v: &Value<'a>| text(v).map(str::to_string);
    let list = |v: &Value<'_>| match v {
        Value::List(items) => {
            // as long as the list (a collected `Option` would start at four and grow)
            let mut list = Vec::with_capacity(items.len());
            for s in items {
                list.push(s.string()?.to_string());
            }
            Some(list)
        }
        _ => None,
    };
    let boolean = |v: &Value<'_>| match v {
        Value::One(s) => s.boolean(),
        _ => None,
    };
    let (mut id, mut name, mut status) = (None, None, None);
    let mut def = CompoundDef {
        id: String::new(),
        name: String::new(),
        aliases: Vec::new(),
        status: Status::Approved,
        prescription: false,
        sandboxed: None,
        wada: None,
        approved_uses: Vec::new(),
        sources: Vec::new(),
        notes: None,
    };
    for (key, value) in map {
        match *key {
            "id" => id = Some(one(value)?),
            "name" => name = Some(one(value)?),
            "status" => status = Some(Status::from_name(text(value)?)?),
            "aliases" => def.aliases = list(value)?,
            "approved_uses" => def.approved_uses = list(value)?,
            "sources" => def.sources = list(value)?,
            "prescription" => def.prescription = boolean(value)?,
            "sandboxed" => def.sandboxed = Some(boolean(value)?),
            "wada" => def.wada = Some(one(value)?),
            // a string monolint does not read: its text is not kept
            "notes" => match value {
                Value::Block => def.notes = Some(String::new()),
                other => def.notes = Some(one(other)?),
            },
            _ => return None,
        }
    }
    def.id = id?;
    def.name = name?;
    def.status = status?;
    Some(def)
}

/// [`read_entries`] with at most `n` pieces.
fn read_in_pieces_into(
    source: &Source,
    n: usize,
    out: &mut Vec<Entry>,
) -> Result<(), Box<LoadError>> {
    let text: &str = &source.text;
    let pieces = pieces(text, n);
    if pieces.len() > 1 {
        // None when the piece does not parse on its own
        let read = |piece: &str| {
            serde_yaml::from_str::<Vec<CompoundDef>>(piece)
                .ok()
                .map(|defs| check_entries(source, defs))
        };
        let done: Vec<Option<Result<Vec<Entry>, Box<LoadError>>>> = std::thread::scope(|scope| {
            let spawned: Vec<_> = pieces[1..]
                .iter()
                .map(|&piece| {
                    let job = std::thread::Builder::new().spawn_scoped(scope, move || read(piece));
                    (piece, job)
                })
                .collect();
            let mut out = vec![read(pieces[0])];
            for (piece, job) in spawned {
                out.push(match job {
                    Ok(handle) => handle.join().ok().flatten(),
                    // no thread to be had: read it here
                    Err(_) => read(piece),
                });
            }
            out
        });
        if let Some(done) = done.into_iter().collect::<Option<Vec<_>>>() {
            out.reserve(done.iter().map(|d| d.as_ref().map_or(0, Vec::len)).sum());
            for piece in done {
                // the first fault in the file's order
                out.extend(piece?);
            }
            return Ok(());
        }
    }
    let defs = serde_yaml::from_str(text).map_err(|e| LoadError::yaml(source, &e))?;
    check_entries_into(source, defs, out)
}

/// Cut a registry text into at most `n` pieces, each a run of whole top-level entries,
/// such that parsing the pieces one by one gives the entries of parsing the whole text;
/// one piece (the whole text) when the text is not plainly such a list
/// ([`crate::simple_yaml::entry_starts`] says when cutting is safe). The cuts are
/// [`crate::simple_yaml::entry_cuts`].
fn pieces(text: &str, n: usize) -> Vec<&str> {
    if n < 2 || crate::simple_yaml::entry_starts(text).is_none() {
        return vec![text];
    }
    crate::simple_yaml::entry_cuts(text, n)
        .windows(2)
        .map(|w| &text[w[0]..w[1]])
        .collect()
}

impl Registry {
    /// Load registry files in order; a later entry with the same id replaces an earlier one.
    pub fn load(sources: &[Source]) -> Result<Registry, Box<LoadError>> {
        let mut compounds: Vec<Compound> = Vec::new();
        // each compound by its id (an index into `compounds`, hashed by `pattern_hash(id)`)
        let mut by_id: hashbrown::HashTable<u32> = hashbrown::HashTable::new();
        for source in sources {
            crate::pack::check_size(source)?;
            // the embedded registry was parsed at build time
            let built = crate::embedded_json(source)
                .and_then(|json| serde_json::from_str::<Vec<CompoundDef>>(json).ok());
            // the file's entries are appended, then each replaces the earlier compound
            // with its id, or is kept (moved down over those that replaced one)
            let first = compounds.len();
            if let Some(defs) = built {
                check_entries_into(source, defs, &mut compounds)?;
            } else if !source.text.trim().is_empty() {
                read_entries_into(source, &mut compounds)?;
            }
            by_id.reserve(compounds.len() - first, |&i| {
                pattern_hash(&compounds[i as usize].id)
            });
            // [first, kept) the entries kept; [kept, i) what is left of those moved
            let mut kept = first;
            for i in first..compounds.len() {
                let hash = pattern_hash(&compounds[i].id);
                match by_id.find(hash, |&j| compounds[j as usize].id == compounds[i].id) {
                    Some(&j) => compounds.swap(j as usize, i),
                    None => {
                        compounds.swap(kept, i);
                        by_id.insert_unique(hash, kept as u32, |&j| {
                            pattern_hash(&compounds[j as usize].id)
                        });
                        kept += 1;
                    }
                }
            }
            compounds.truncate(kept);
        }
        if compounds.len() > MAX_COMPOUNDS {
            let last = sources
                .last()
                .cloned()
                .unwrap_or_else(|| Source::new("compounds", ""));
            return Err(LoadError::at(
                &last,
                None,
                format!(
                    "{} compounds; the limit is {MAX_COMPOUNDS}",
                    compounds.len()
                ),
            ));
        }
        Ok(Registry {
            compounds,
            by_key: OnceLock::new(),
        })
    }

    /// Build the index [`Registry::lookup`] uses, if it is not built yet (a large
    /// registry's takes milliseconds: the linter has it built on a thread of its own).
    pub(crate) fn prepare_index(&self) {
        self.index();
    }

    fn index(&self) -> &KeyIndex {
        self.by_key.get_or_init(|| KeyIndex::build(&self.compounds))
    }

    /// Every id, name and alias with its compound, in claiming order: where two compounds
    /// share a spelling, the first one here keeps it.
    pub fn names(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.compounds.iter().enumerate().flat_map(|(i, c)| {
            std::iter::once(&c.id)
                .chain(std::iter::once(&c.name))
                .chain(&c.aliases)
                .map(move |n| (n.as_str(), i as u32))
        })
    }

    /// Every hyphen/space spelling of every id, name and alias (normalized, lowercase),
    /// with the compound that claims it (the first to name it). Worked out on request:
    /// matching does not enumerate spellings (see [`crate::literals`]).
    pub fn alias_spellings(&self) -> Vec<(String, u32)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (name, c) in self.names() {
            for v in Split::new(name).variants() {
                if seen.insert(v.clone()) {
                    out.push((v, c));
                }
            }
        }
        out
    }

    pub fn compounds(&self) -> &[Compound] {
        &self.compounds
    }

    pub fn get(&self, i: usize) -> &Compound {
        &self.compounds[i]
    }

    /// Look a compound up by id, name or alias (any hyphen/space spelling).
    pub fn lookup(&self, name: &str) -> Option<usize> {
        let key = squeeze(name);
        let hash = pattern_hash(&key);
        KeyIndex::find(&self.compounds, &self.index().table, hash, &key)
    }
}

/// A small registry for unit tests (aliases with hyphen/space variants, an approved drug
/// whose name is also part of "insulin-like", short aliases), shared by the modules that
/// match names.
#[cfg(test)]
pub(crate) fn test_registry() -> Registry {
    Registry::load(&[Source::new(
        "t.yaml",
        r#"
- id: igf-1-lr3
  name: IGF-1 LR3
  aliases: [Long R3 IGF-1, LR3]
  status: research-chemical
  sources: [x]
- id: insulin
  name: insulin
  status: approved
  prescription: true
  sources: [x]
- id: semaglutide
  name: semaglutide
  aliases: [sema, Ozempic]
  status: approved
  sources: [x]
- id: semax
  name: semax
  status: unapproved
  sources: [x]
"#,
    )])
    .expect("test registry")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        test_registry()
    }

    /// `build.rs` parsed the embedded registry: the same entries as parsing the YAML now.
    #[test]
    fn build_time_registry_is_the_yaml() {
        let source = crate::default_compounds();
        let json = crate::embedded_json(&source).expect("embedded registry");
        let built: Vec<CompoundDef> = serde_json::from_str(json).expect("json");
        let yaml: Vec<CompoundDef> = serde_yaml::from_str(&source.text).expect("yaml");
        assert_eq!(format!("{built:?}"), format!("{yaml:?}"));
        let edited = Source::new("<default>/rules/compounds.yaml", "");
        assert!(crate::embedded_json(&edited).is_none());
    }

    /// The quick paths for plain ASCII give what normalizing gives.
    #[test]
    fn quick_normalizing_is_normalizing() {
        for s in [
            "IGF-1 LR3",
            "  Long  R3 IGF-1 ",
            "a\tb",
            "a\nb ",
            "\u{b}x\u{b}",
            "x\u{c}y",
            "Café-2",
            "ＢＰＣ-157",
            "- -",
            "",
            " ",
            "A~Z!",
            "Tb\u{ad}500",
            "BPC-157",
            "ab c1 ",
            " ab-12x",
            "a  b",
            "CJC 1295 DAC",
        ] {
            let slow: String = normalize_pattern(s)
                .chars()
                .filter(|c| *c != '-' && *c != ' ')
                .collect();
            assert_eq!(normalize_alias(s), normalize_pattern(s), "{s:?}");
            assert_eq!(squeeze(s), slow, "{s:?}");
            // split as it is checked: the normalized form cut in a pass of its own
            let split = Split::new(s);
            let mut slow = Split {
                norm: normalize_pattern(s),
                tokens: Vec::new(),
            };
            let norm = std::mem::take(&mut slow.norm);
            slow.cut(norm.as_bytes(), false);
            slow.norm = norm;
            assert_eq!(split.norm, slow.norm, "{s:?}");
            assert_eq!(split.tokens, slow.tokens, "{s:?}");
        }
    }

    #[test]
    fn split_cuts_at_separators_and_letter_digit_changes() {
        let tokens =
            |s: &str| -> Vec<String> { Split::new(s).tokens().map(str::to_string).collect() };
        assert_eq!(tokens("IGF-1 LR3"), ["igf", "1", "lr", "3"]);
        assert_eq!(tokens(" --BPC--157- "), ["bpc", "157"]);
        // a character the normalizer keeps as it is, not ASCII: no cut next to it
        let greek = normalize_pattern("Ω2x");
        assert!(!greek.is_ascii(), "{greek}");
        assert_eq!(tokens("Ω2x"), [&greek[..greek.len() - 1], "x"]);
        assert_eq!(tokens("ab"), ["ab"]);
        assert!(tokens("-").is_empty());
        // one split reused for alias after alias keeps nothing of the one before
        let mut reused = Split::new("Long R3 IGF-1 analogue x");
        for s in ["IGF-1 LR3", "-", "Ω2x", "ab"] {
            reused.set(s);
            let fresh = Split::new(s);
            assert_eq!(reused.norm, fresh.norm, "{s}");
            assert!(reused.tokens().eq(fresh.tokens()), "{s}");
            assert_eq!(reused.len(), tokens(s).len(), "{s}");
        }
    }

    /// `n` generated entries, one of them (`odd`) written as `odd_entry`.
    fn generated(n: usize, odd: usize, odd_entry: &str) -> String {
        let mut text = String::from("# generated\n\n");
        for i in 0..n {
            if i == odd {
                text.push_str(odd_entry);
            } else {
                text.push_str(&format!(
                    "- id: c-{i}\n  name: Name {i}\n  aliases: [\"ZX-{i}\", 'n {i} x']\n  \
                     status: unapproved\n  sources: [\"s\"]\n  notes: |\n    line\n\n    - not an entry\n"
                ));
            }
        }
        text
    }

    #[test]
    fn pieces_are_whole_entries_that_join_into_the_text() {
        let text = generated(50, usize::MAX, "");
        for n in [2, 3, 7] {
            let pieces = pieces(&text, n);
            assert_eq!(pieces.len(), n);
            assert_eq!(pieces.concat(), text);
            assert!(pieces[1..].iter().all(|p| p.starts_with("- id: c-")));
        }
        assert_eq!(pieces(&text, 1), [text.as_str()]);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(pieces(&crlf, 2).concat(), crlf);
        assert_eq!(pieces(&crlf, 2).len(), 2);
        // not plainly a list of entries at column 0: one piece
        for odd in [
            "---\n- id: x\n",
            "%YAML 1.2\n",
            "key:\n",
            "- id: x\n  name: &n X\n  aliases: [*n]\n",
            "- id: x\n  name: \"two\nlines\"\n",
            "- id: x\n  name: x\rkey: y\n",
            "- id: x\n  name: x\u{2028}key: y\n",
            "- id: x\n  name: Café x\u{85}\n",
        ] {
            let text = generated(50, 20, odd);
            assert_eq!(pieces(&text, 2).len(), 1, "{odd}");
        }
    }

    /// Reading in pieces gives the entries of reading the whole text, and the same error
    /// where one piece does not parse on its own (a quoted scalar across a cut) or the
    /// file is wrong.
    #[test]
    fn reading_in_pieces_is_reading_the_whole() {
        let whole = |text: &str| serde_yaml::from_str::<Vec<CompoundDef>>(text);
        let good = generated(60, usize::MAX, "");
        // every entry with a quoted name that goes on at column 0 with `- `
        let across = good
            .replace("name: Name ", "name: \"Name\n- x ")
            .replace("\n  aliases:", "\"\n  aliases:");
        assert!((2..8).any(|n| pieces(&across, n).iter().any(|p| whole(p).is_err())));
        for text in [&good, &across] {
            let source = Source::new("r.yaml", text.as_str());
            let defs = whole(text).map_err(|e| e.to_string()).expect("parses");
            let expected = format!("{:?}", check_entries(&source, defs).expect("checks"));
            assert!(expected.contains("\"n 3 x\"") && expected.contains("\"c-59\""));
            for n in 1..=8 {
                let got = read_in_pieces(&source, n).expect("reads in pieces");
                assert_eq!(format!("{got:?}"), expected, "{n} pieces");
            }
        }
        let unsourced = "- id: bad\n  name: Bad\n  status: approved\n";
        for (odd, message) in [
            ("- id: bad\n  colour: red\n", "unknown field `colour`"),
            // the flow sequence goes on into the next entries
            ("- id: bad\n  name: [unclosed\n", "invalid type: sequence"),
            (
                "- id: bad\n  status: approved\n  status: approved\n",
                "duplicate",
            ),
            (unsourced, "`bad` cites no sources"),
        ] {
            let text = generated(60, 45, odd);
            let line = text[..text.find("id: bad").expect("entry")]
                .matches('\n')
                .count()
                + 1;
            // the fault alone, and after a later fault of another kind in an early piece
            let texts = [
                generated(60, 45, odd),
                generated(60, 45, odd).replacen("sources: [\"s\"]", "sources: []", 1),
            ];
            for text in texts {
                let source = Source::new("r.yaml", text.as_str());
                let one = read_in_pieces(&source, 1).expect_err("bad entry");
                for n in 2..=4 {
                    let err = read_in_pieces(&source, n).expect_err("bad entry");
                    assert_eq!(err.message, one.message);
                    assert_eq!(err.line_col(), one.line_col());
                }
                // a parse error comes before any fault of a parsed entry
                if text.contains("sources: []") && odd == unsourced {
                    assert!(
                        one.message.contains("`c-0` cites no sources"),
                        "{}",
                        one.message
                    );
                } else {
                    assert!(one.message.contains(message), "{}", one.message);
                    assert!(
                        one.line_col().is_some_and(|(l, _)| l >= line),
                        "{}",
                        one.message
                    );
                }
            }
        }
    }

    #[test]
    fn lookup_by_any_name() {
        let r = reg();
        assert_eq!(
            r.lookup("OZEMPIC").map(|i| r.get(i).id.as_str()),
            Some("semaglutide")
        );
        assert_eq!(
            r.lookup("igf1-lr3").map(|i| r.get(i).id.as_str()),
            Some("igf-1-lr3")
        );
        assert!(r.lookup("unknown").is_none());
    }

    /// Comparing a name with a squeezed key (nothing, for the check for names with
    /// nothing left to match) tells exactly what squeezing does, and a name (not only an
    /// alias) that squeezes to nothing is the entry's fault.
    #[test]
    fn a_name_or_alias_that_squeezes_to_nothing_is_refused() {
        for s in [
            "",
            " ",
            "-",
            " - -",
            "a",
            "-a-",
            "\u{2013}",
            "\u{a0}",
            "\u{200b}",
            "\u{2013}x",
            "é",
            "--\u{a0}--",
            "IGF-1 LR3",
            "Ipa MORELIN",
        ] {
            assert_eq!(squeezes_to(s, ""), squeeze(s).is_empty(), "{s:?}");
            assert!(squeezes_to(s, &squeeze(s)), "{s:?}");
            assert!(!squeezes_to(s, &format!("{}x", squeeze(s))), "{s:?}");
            assert!(!squeezes_to(s, "igf1lr"), "{s:?}");
        }
        for (name, aliases) in [("\"- -\"", "[]"), ("Fine", "[ok, \"\u{2013}\"]")] {
            let text = format!(
                "- id: bad\n  name: {name}\n  aliases: {aliases}\n  status: approved\n  \
                 sources: [s]\n"
            );
            let err = Registry::load(&[Source::new("r.yaml", text.as_str())]).expect_err(name);
            assert!(
                err.message.contains("empty name or alias"),
                "{}",
                err.message
            );
            assert_eq!(
                err.line_col().map(|(l, _)| l),
                Some(if name == "Fine" { 3 } else { 2 })
            );
        }
    }

    /// Entries are appended and merged in place: the result must be what loading one
    /// entry at a time gives, each replacing the earlier compound with its id (in its
    /// place) or coming last; over the default registry, within a file, across files, on
    /// the small path and on the threaded one.
    #[test]
    fn a_later_entry_takes_the_place_of_the_earlier_one_with_its_id() {
        fn file(name: &str, ids: &[&str], tag: &str) -> Source {
            let mut text = String::new();
            for (k, id) in ids.iter().enumerate() {
                text.push_str(&format!(
                    "- id: {id}\n  name: {tag}{k}x{id}\n  status: unapproved\n  sources: [s]\n"
                ));
            }
            Source::new(name, text)
        }
        let many: Vec<String> = (0..5_000).map(|i| format!("g{}", i % 3_800)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let cases: [(&[&str], &[&str]); 4] = [
            (
                &["a", "semaglutide", "b", "a", "c", "b"],
                &["c", "d", "bpc-157"],
            ),
            (&["x", "x", "x"], &[]),
            (&[], &["y", "semaglutide", "y"]),
            (&many, &["g7", "new", "g3799"]),
        ];
        for (one, two) in cases {
            let sources = [
                crate::default_compounds(),
                file("one.yaml", one, "p"),
                file("two.yaml", two, "q"),
            ];
            let r = Registry::load(&sources).expect("loads");
            let mut naive: Vec<(String, String)> = Registry::load(&sources[..1])
                .expect("defaults")
                .compounds()
                .iter()
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect();
            for (ids, tag) in [(one, "p"), (two, "q")] {
                for (k, id) in ids.iter().enumerate() {
                    let e = (id.to_string(), format!("{tag}{k}x{id}"));
                    match naive.iter().position(|(i, _)| i == id) {
                        Some(at) => naive[at] = e,
                        None => naive.push(e),
                    }
                }
            }
            let got: Vec<(String, String)> = r
                .compounds()
                .iter()
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect();
            assert_eq!(got, naive, "{one:?} {two:?}");
            for (i, c) in r.compounds().iter().enumerate() {
                assert_eq!(r.lookup(&c.id), Some(i), "{}", c.id);
            }
        }
    }

    /// The lookup index keeps no strings: it must still give, for every spelling, the
    /// first compound (in registry order) with that squeezed key, as a map of squeezed
    /// keys filled in order does; a later entry with the same id takes the earlier one's
    /// place and its names, and the earlier one's other names are gone.
    #[test]
    fn lookup_gives_the_first_compound_with_the_key_as_a_map_of_keys_does() {
        let extra = Source::new(
            "extra.yaml",
            "- id: twin-a\n  name: Twin Name\n  aliases: [\"TW-1\", \"shared alias\"]\n  \
             status: unapproved\n  sources: [s]\n\
             - id: twin-b\n  name: twin-name\n  aliases: [\"Shared-Alias\", \"TW 2\"]\n  \
             status: unapproved\n  sources: [s]\n\
             - id: BPC 157 copy\n  name: BPC 157\n  status: unapproved\n  sources: [s]\n\
             - id: semaglutide\n  name: Semaglutide\n  aliases: [\"Sema Two\"]\n  \
             status: approved\n  sources: [s]\n",
        );
        let r = Registry::load(&[crate::default_compounds(), extra]).expect("loads");
        let mut naive: std::collections::HashMap<String, usize> = Default::default();
        for (i, c) in r.compounds().iter().enumerate() {
            for n in std::iter::once(&c.id).chain([&c.name]).chain(&c.aliases) {
                naive.entry(squeeze(n)).or_insert(i);
            }
        }
        assert!(naive.len() > 100, "{}", naive.len());
        for (key, &i) in &naive {
            assert_eq!(r.lookup(key), Some(i), "{key}");
        }
        let id = |q: &str| r.lookup(q).map(|i| r.get(i).id.clone());
        assert_eq!(id("TWIN NAME").as_deref(), Some("twin-a"));
        assert_eq!(id("sharedalias").as_deref(), Some("twin-a"));
        assert_eq!(id("tw-2").as_deref(), Some("twin-b"));
        // the default bpc-157 keeps "BPC 157"; the copy is found by its own id
        assert_eq!(id("bpc157").as_deref(), Some("bpc-157"));
        assert_eq!(id("BPC-157 copy").as_deref(), Some("BPC 157 copy"));
        // semaglutide was replaced in place: its new alias counts, its old ones do not
        let sema = r.lookup("semaglutide").expect("semaglutide");
        assert!(sema < 100, "{sema}: kept its place among the defaults");
        assert_eq!(id("sema two").as_deref(), Some("semaglutide"));
        assert_eq!(id("wegovy"), None);
        assert_eq!(id("not a compound"), None);
    }

    #[test]
    fn missing_sources_is_an_error_pointing_at_the_entry() {
        let src = Source::new("c.yaml", "- id: foo\n  name: Foo\n  status: supplement\n");
        let err = Registry::load(&[src]).unwrap_err();
        assert!(err.message.contains("cites no sources"), "{}", err.message);
        assert_eq!(err.line_col(), Some((1, 7)));
    }

    #[test]
    fn unknown_field_points_at_line() {
        let src = Source::new(
            "c.yaml",
            "- id: foo\n  name: Foo\n  colour: red\n  status: supplement\n  sources: [x]\n",
        );
        let err = Registry::load(&[src]).unwrap_err();
        assert!(
            err.message.contains("unknown field `colour`"),
            "{}",
            err.message
        );
        assert_eq!(err.line_col().map(|l| l.0), Some(3));
    }

    /// Entries of registry text for the simple reader: lines it takes and lines it must
    /// leave to the parser, or that are wrong.
    mod simple {
        use super::*;
        use proptest::prelude::*;

        /// Entries (debug-printed), or the error's message and where it points.
        type Outcome = Result<String, (String, Option<(usize, usize)>)>;

        /// The whole parse: the oracle.
        fn whole(text: &str) -> Outcome {
            let source = Source::new("r.yaml", text);
            read_in_pieces(&source, 1)
                .map(|e| format!("{e:?}"))
                .map_err(|e| (e.message.clone(), e.line_col()))
        }

        /// What `read_entries` gives (the simple path, or its fallback), and the simple
        /// path alone on one and on two threads when it answers.
        fn simply(text: &str) -> Vec<Outcome> {
            let source = Source::new("r.yaml", text);
            let show = |r: Result<Vec<Entry>, Box<LoadError>>| {
                r.map(|e| format!("{e:?}"))
                    .map_err(|e| (e.message.clone(), e.line_col()))
            };
            let mut out = vec![show(read_entries(&source))];
            out.extend((1..=2).filter_map(|n| read_simply(&source, n).map(show)));
            out
        }

        /// How many entries of `text` the simple reader takes.
        fn taken(text: &str) -> usize {
            crate::simple_yaml::entries(text)
                .unwrap_or_default()
                .iter()
                .filter(|p| {
                    crate::simple_yaml::entry(p)
                        .as_deref()
                        .and_then(simple_def)
                        .is_some()
                })
                .count()
        }

        #[test]
        fn the_default_registry_reads_simply_and_as_the_parser_does() {
            let text = include_str!("../../../rules/compounds.yaml");
            let pieces = crate::simple_yaml::entries(text).expect("a plain list");
            assert_eq!(pieces.len(), 55);
            // all but `5-amino-1MQ`, whose plain name starts with a digit
            assert_eq!(taken(text), 54);
            let expected = whole(text).expect("the default registry loads");
            assert!(expected.contains("\"bpc-157\"") && expected.contains("S0"));
            for got in simply(text) {
                assert_eq!(got.as_ref(), Ok(&expected));
            }
        }

        #[test]
        fn faults_are_the_parsers_faults_where_it_points() {
            let good = |i: usize| {
                format!(
                    "- id: c-{i}\n  name: Name {i}\n  aliases: [\"ZX-{i}\", n {i} x]\n  \
                     status: unapproved\n  sources:\n    - \"s\"\n  notes: >-\n    a\n    b\n\n"
                )
            };
            for (odd, message) in [
                ("- id: bad\n  colour: red\n", "unknown field `colour`"),
                ("- id: bad\n  name: [unclosed\n", "invalid type: sequence"),
                ("- id: bad\n  name: \"open\n", "did not find expected key"),
                ("- id: bad\n  status: approved\n  status: approved\n", "duplicate"),
                ("- id: bad\n  name: Bad\n  status: approved\n", "`bad` cites no sources"),
                ("- id: bad\n  name: Bad\n  status: Approved\n  sources: [s]\n", "unknown variant"),
                ("- id: bad\n  name: Bad\n  status: approved\n  sources: [s]\n  prescription: yes\n", "invalid type"),
                ("- id: \"\"\n  name: Bad\n  status: approved\n  sources: [s]\n", "empty id"),
                ("- id: bad\n  name: Bad\n  aliases: [\"-\"]\n  status: approved\n  sources: [s]\n", "empty name or alias"),
            ] {
                let text: String = (0..40)
                    .map(|i| if i == 25 { odd.to_string() } else { good(i) })
                    .collect();
                // the checks' faults are in entries the simple reader takes
                let checked = ["cites", "empty"].iter().any(|m| message.contains(m));
                assert_eq!(taken(&text), 39 + usize::from(checked), "{odd}");
                let expected = whole(&text).expect_err("a fault");
                assert!(expected.0.contains(message), "{}", expected.0);
                let line = (0..25).map(good).collect::<String>().matches('\n').count() + 1;
                // (an empty id has no text to find: that error points at the first `id:`)
                if !message.contains("empty id") {
                    assert!(expected.1.is_some_and(|(l, _)| l >= line), "{expected:?}");
                }
                for got in simply(&text) {
                    assert_eq!(got.as_ref(), Err(&expected), "{odd}");
                }
            }
        }

        /// Field lines after `- id: c-N`: the shapes the simple reader takes, and shapes
        /// it must leave to the parser (or that are wrong).
        fn field() -> impl Strategy<Value = &'static str> {
            let simple = prop::sample::select(vec![
                "  name: Foo\n",
                "  name: Foo Bar 2.0/x_y\n",
                "  name: \"Foo: bar, # µg – α\"\n",
                "  name:   spaced\n",
                "  status: approved\n",
                "  status: research-chemical\n",
                "  status: \"unapproved\"\n",
                "  aliases: [\"A-1\", \"b 2\"]\n",
                "  aliases: [a, b c,d]\n",
                "  aliases: []\n",
                "  aliases:\n    - \"x\"\n    - y z\n",
                "  aliases:\n# between\n      - x\n\n      - \"y\"\n",
                "  sources: [\"s\"]\n",
                "  sources:\n    - \"a source, with: colons\"\n",
                "  prescription: true\n",
                "  prescription: false\n",
                "  sandboxed: true\n",
                "  sandboxed: false\n",
                "  wada: S0\n",
                "  wada: \"S2\"\n",
                "  approved_uses: [\"type 2 diabetes\", obesity]\n",
                "  notes: >-\n    Text: with \"quotes\", \\ and # marks.\n    More.\n",
                "  notes: |\n    literal\n\n      deeper\n    back\n",
                "  notes: >\n     five\n",
                "  notes: plain note\n",
                "  notes: \"quoted note\"\n",
                "\n",
                "# comment\n",
            ]);
            let other = prop::sample::select(vec![
                "  name: 157\n",
                "  name: true\n",
                "  name: Yes\n",
                "  name: null\n",
                "  name: ~\n",
                "  name: inf\n",
                "  name: nan\n",
                "  name: .inf\n",
                "  name: Infinity\n",
                "  name: 1e3\n",
                "  name: 0x1F\n",
                "  name: 5-amino\n",
                "  name: 'single'\n",
                "  name: \"esc \\\" aped\"\n",
                "  name: \"tab\there\"\n",
                "  name: x # comment\n",
                "  name: a: b\n",
                "  name: &a x\n",
                "  name: trailing \n",
                "  name:\n",
                "  name: [a]\n",
                "  prescription: yes\n",
                "  prescription: True\n",
                "  prescription: \"true\"\n",
                "  sandboxed: null\n",
                "  sandboxed: ~\n",
                "  wada:\n",
                "  wada: ~\n",
                "  wada: null\n",
                "  wada: Null\n",
                "  sandboxed: NULL\n",
                "  notes: null\n",
                "  notes: >-\n      \n    b\n",
                "  status: Approved\n",
                "  status: unknown\n",
                "  colour: red\n",
                "  aliases: [a,]\n",
                "  aliases: [ a ]\n",
                "  aliases: [\"a\" , b]\n",
                "  aliases: [\"a\",\n    \"b\"]\n",
                "  aliases: \"not a list\"\n",
                "  aliases:\n  - compact\n",
                "  aliases:\n    - a\n      - b\n",
                "  aliases:\n    - a\n   - b\n",
                "  aliases:\n    - [a]\n",
                "  sources:\n",
                "  notes: >-\n  under-indented\n",
                "  notes: >-\n      deep\n    shallower\n",
                "  notes: >2\n    x\n",
                "  notes: >- # c\n    x\n",
                "  notes: >-\n    a\n   \n    b\n",
                "  notes: >-\n    tab\there\n",
                "  notes: \"multi\n    line\"\n",
                "  notes: >-\n",
                "   name: three spaces\n",
                "\tname: tab\n",
                "  name:\ttab\n",
                "    # indented comment\n",
                "  # comment at two\n",
                "  name: x\r\n",
                "- \n",
                "-\n",
                "---\n",
                "- - nested\n",
                "  - dash at two\n",
            ]);
            prop_oneof![10 => simple, 1 => other]
        }

        /// A registry text: entries of an id, the usual fields (each maybe left out) and
        /// random field lines.
        fn registry() -> impl Strategy<Value = String> {
            let entry = (
                prop::collection::vec(any::<bool>(), 3),
                prop::collection::vec(field(), 0..5),
            );
            (any::<bool>(), prop::collection::vec(entry, 1..6)).prop_map(|(preamble, entries)| {
                let mut text = String::new();
                if preamble {
                    text.push_str("# a registry\n\n");
                }
                for (i, (keep, fields)) in entries.into_iter().enumerate() {
                    text.push_str(&format!("- id: c-{i}\n"));
                    if keep[0] || i == 0 {
                        text.push_str(&format!("  name: N {i}\n"));
                    }
                    if keep[1] || i == 0 {
                        text.push_str("  status: supplement\n");
                    }
                    if keep[2] || i == 0 {
                        text.push_str("  sources: [\"s\"]\n");
                    }
                    text.extend(fields);
                }
                text
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]
            #[test]
            fn simple_reading_agrees_with_the_parser(text in registry()) {
                let expected = whole(&text);
                for got in simply(&text) {
                    prop_assert_eq!(&got, &expected);
                }
            }
        }
    }
}
