//! The compound registry: names, aliases, regulatory status and flags, and one
//! aho-corasick automaton over every spelling of every alias.
//!
//! Names match case-insensitively as whole words across hyphen/space variants: each alias
//! is split into tokens (at hyphens, spaces and letter/digit changes) and every way of
//! joining them with `-`, ` ` or nothing is a pattern, so "IGF-1 LR3", "IGF1 LR3" and
//! "igf-1-lr3" are one name. Leftmost-longest matching lets the longest alias win.

use crate::error::{locate, LoadError, Source};
use crate::normalize::{is_word_byte, normalize_pattern};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
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
    matcher: AhoCorasick,
    owner: Vec<u32>,
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

/// Every hyphen/space spelling of an alias.
fn variants(alias: &str) -> Vec<String> {
    let norm = normalize_pattern(alias);
    // tokens split at separators and letter/digit changes
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
    if tokens.is_empty() {
        return Vec::new();
    }
    let joints = tokens.len() - 1;
    let mut out = vec![norm.clone()];
    if joints <= 5 {
        let total = 3usize.pow(joints as u32);
        for mut code in 0..total {
            let mut s = tokens[0].clone();
            for t in &tokens[1..] {
                s.push_str(["", "-", " "][code % 3]);
                code /= 3;
                s.push_str(t);
            }
            out.push(s);
        }
    } else {
        for sep in ["", "-", " "] {
            out.push(tokens.join(sep));
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Registry {
    /// Load registry files in order; a later entry with the same id replaces an earlier one.
    pub fn load(sources: &[Source]) -> Result<Registry, Box<LoadError>> {
        let mut compounds: Vec<Compound> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for source in sources {
            let defs: Vec<CompoundDef> = if source.text.trim().is_empty() {
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
        Self::build(compounds)
    }

    fn build(compounds: Vec<Compound>) -> Result<Registry, Box<LoadError>> {
        let mut patterns: Vec<String> = Vec::new();
        let mut owner: Vec<u32> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut by_key = HashMap::new();
        for (i, c) in compounds.iter().enumerate() {
            for name in std::iter::once(&c.id)
                .chain(std::iter::once(&c.name))
                .chain(&c.aliases)
            {
                by_key.entry(squeeze(name)).or_insert(i);
                for v in variants(name) {
                    // the first compound to claim a spelling keeps it
                    if seen.contains_key(&v) {
                        continue;
                    }
                    seen.insert(v.clone(), i);
                    patterns.push(v);
                    owner.push(i as u32);
                }
            }
        }
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .map_err(|e| {
                LoadError::at(
                    &Source::new("compounds", ""),
                    None,
                    format!("cannot build the alias automaton: {e}"),
                )
            })?;
        Ok(Registry {
            compounds,
            matcher,
            owner,
            by_key,
        })
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

    /// Every compound named as a whole word in `text` (normalized text).
    pub fn find(&self, text: &str, out: &mut Vec<Mention>) {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let Some(m) = self.matcher.find(Input::new(text).range(at..)) else {
                break;
            };
            let (s, e) = (m.start(), m.end());
            let before_ok = s == 0 || !is_word_byte(bytes[s - 1]) || glued(bytes[s - 1], bytes[s]);
            let after_ok =
                e == bytes.len() || !is_word_byte(bytes[e]) || glued(bytes[e - 1], bytes[e]);
            let like = bytes
                .get(e..e + 5)
                .is_some_and(|t| t.eq_ignore_ascii_case(b"-like"));
            // "insulin syringe", "insulin needles": the device, not the drug
            let device = {
                let rest = text[e..].trim_start_matches(' ').as_bytes();
                [&b"syringe"[..], b"needle", b"pen needle", b"pin"]
                    .iter()
                    .any(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w))
                    && e < bytes.len()
                    && bytes[e] == b' '
            };
            // "MT1 and MT2 receptors": the receptor, not the compound
            let receptor = text[e..]
                .trim_start_matches(' ')
                .get(..8)
                .is_some_and(|w| w.eq_ignore_ascii_case("receptor"));
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
                    compound: self.owner[m.pattern().as_usize()] as usize,
                    start: s,
                    end: e,
                });
                at = e;
            } else {
                // a longer match that is not a whole word may hide a shorter one inside it
                at = s + 1;
                while at < bytes.len() && !text.is_char_boundary(at) {
                    at += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
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
        .unwrap()
    }

    fn ids(r: &Registry, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        r.find(text, &mut out);
        out.iter().map(|m| r.get(m.compound).id.clone()).collect()
    }

    #[test]
    fn hyphen_space_variants_and_longest_alias() {
        let r = reg();
        assert_eq!(
            ids(&r, "IGF1 LR3 and igf-1-lr3, igf-1 lr3; LR3"),
            ["igf-1-lr3"; 4]
        );
        assert_eq!(ids(&r, "long r3 igf-1"), ["igf-1-lr3"]);
        assert_eq!(
            ids(&r, "semax vs sema vs semaglutide vs semantics"),
            ["semax", "semaglutide", "semaglutide"]
        );
    }

    #[test]
    fn whole_words_only_and_not_x_like() {
        let r = reg();
        assert!(ids(&r, "insulin-like growth factor, insulins, preinsulin").is_empty());
        assert_eq!(ids(&r, "Insulin's effect"), ["insulin"]);
        assert!(ids(
            &r,
            "drawn into an insulin syringe with a fresh insulin  needle"
        )
        .is_empty());
        assert!(ids(&r, "insulin receptors").is_empty());
        assert!(ids(&r, "our editor Sema Moss; an insulin pin").is_empty());
        assert_eq!(
            ids(&r, "Sema works; sema Moss"),
            ["semaglutide", "semaglutide"]
        );
        assert_eq!(ids(&r, "Stack it withInsulin"), ["insulin"]);
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
