//! The compound registry: names, aliases, regulatory status and flags.
//!
//! Names match case-insensitively as whole words across hyphen/space variants: each alias
//! is split into tokens (at hyphens, spaces and letter/digit changes) and every way of
//! joining them with `-`, ` ` or nothing is a spelling, so "IGF-1 LR3", "IGF1 LR3" and
//! "igf-1-lr3" are one name. The pack's one literal automaton ([`crate::literals`]) finds
//! them without enumerating the spellings, and leftmost-longest resolution lets the
//! longest alias win.

use crate::error::{locate, LoadError, Source};
use crate::normalize::normalize_pattern;
use serde::Deserialize;
use std::collections::HashMap;

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
    /// Which registry file defined it.
    pub origin: String,
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
    /// Squeezed (no hyphens or spaces) lowercase id, name and aliases -> compound.
    by_key: HashMap<String, usize>,
}

/// Lowercase with hyphens and spaces removed: the identity of a name across variants.
pub fn squeeze(s: &str) -> String {
    normalize_pattern(s)
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect()
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

/// An alias split for matching: its normalized form, and its tokens (split at hyphens,
/// spaces and letter/digit changes). Its spellings are the tokens joined at each joint by
/// `-`, ` ` or nothing (every mix up to [`MAX_JOINTS`] joints, else one separator
/// throughout), and the normalized form itself.
pub(crate) struct Split {
    pub norm: String,
    pub tokens: Vec<String>,
}

impl Split {
    pub(crate) fn new(alias: &str) -> Split {
        let norm = normalize_pattern(alias);
        let mut tokens: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut prev: Option<char> = None;
        for c in norm.chars() {
            if c == '-' || c == ' ' {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                prev = None;
                continue;
            }
            if let Some(p) = prev {
                if p.is_ascii_alphabetic() && c.is_ascii_digit()
                    || p.is_ascii_digit() && c.is_ascii_alphabetic()
                {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            cur.push(c);
            prev = Some(c);
        }
        if !cur.is_empty() {
            tokens.push(cur);
        }
        Split { norm, tokens }
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

    /// Every spelling, sorted and deduplicated.
    fn variants(&self) -> Vec<String> {
        let tokens = &self.tokens;
        if tokens.is_empty() {
            return Vec::new();
        }
        let mut out = vec![self.norm.clone()];
        if self.mixed() {
            out.extend(joins(tokens));
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
pub(crate) fn joins(tokens: &[String]) -> Vec<String> {
    let Some((first, rest)) = tokens.split_first() else {
        return Vec::new();
    };
    let total = 3usize.pow(rest.len() as u32);
    (0..total)
        .map(|mut code| {
            let mut s = first.clone();
            for t in rest {
                s.push_str(["", "-", " "][code % 3]);
                code /= 3;
                s.push_str(t);
            }
            s
        })
        .collect()
}

impl Registry {
    /// Load registry files in order; a later entry with the same id replaces an earlier one.
    pub fn load(sources: &[Source]) -> Result<Registry, Box<LoadError>> {
        let mut compounds: Vec<Compound> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for source in sources {
            crate::pack::check_size(source)?;
            // the embedded registry was parsed at build time
            let built = crate::embedded_json(source)
                .and_then(|json| serde_json::from_str::<Vec<CompoundDef>>(json).ok());
            let defs: Vec<CompoundDef> = if let Some(defs) = built {
                defs
            } else if source.text.trim().is_empty() {
                Vec::new()
            } else {
                serde_yaml::from_str(&source.text).map_err(|e| LoadError::yaml(source, &e))?
            };
            for def in defs {
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
                for a in std::iter::once(&def.name).chain(&def.aliases) {
                    if squeeze(a).is_empty() {
                        return Err(LoadError::at(
                            source,
                            at(a),
                            format!("compound `{}` has an empty name or alias", def.id),
                        ));
                    }
                }
                let c = Compound {
                    sandboxed: def.sandboxed.unwrap_or(def.status != Status::Supplement),
                    id: def.id.clone(),
                    name: def.name,
                    aliases: def.aliases,
                    status: def.status,
                    prescription: def.prescription,
                    wada: def.wada.filter(|w| !w.trim().is_empty()),
                    approved_uses: def
                        .approved_uses
                        .iter()
                        .map(|u| normalize_pattern(u))
                        .collect(),
                    sources: def.sources,
                    origin: source.name.clone(),
                };
                match index.get(&def.id) {
                    Some(&i) => compounds[i] = c,
                    None => {
                        index.insert(def.id, compounds.len());
                        compounds.push(c);
                    }
                }
            }
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
        Self::build(compounds)
    }

    fn build(compounds: Vec<Compound>) -> Result<Registry, Box<LoadError>> {
        let mut by_key = HashMap::new();
        for (i, c) in compounds.iter().enumerate() {
            for name in std::iter::once(&c.id)
                .chain(std::iter::once(&c.name))
                .chain(&c.aliases)
            {
                by_key.entry(squeeze(name)).or_insert(i);
            }
        }
        Ok(Registry { compounds, by_key })
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
        self.by_key.get(&squeeze(name)).copied()
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
}
