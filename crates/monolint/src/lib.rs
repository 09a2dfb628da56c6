//! # monolint
//!
//! Content-safety linting for health monographs: pages about supplements, peptides and
//! drugs. The library finds what such a page must not say (dose figures for compounds
//! with no approved human use or for off-label uses, recommendation and sourcing language
//! about compounds the site will not recommend) and what it must say (disclaimers), and
//! returns [`Diagnostic`]s with exact positions in the original bytes.
//!
//! It prints nothing and never exits the process: the `monolint` binary owns I/O.
//!
//! ```
//! # fn main() -> Result<(), Box<monolint::LoadError>> {
//! let linter = monolint::Linter::with_defaults()?;
//! let page = "# BPC-157\n\nMost protocols use 250 mcg twice daily.\n";
//! let found = linter.lint_str("bpc.md", page);
//! assert!(found.iter().any(|d| d.rule == "dose/unapproved" && d.text == "250 mcg"));
//! # Ok(())
//! # }
//! ```
//!
//! Layers, each its own module: [`document`] (Markdown and plain text into prose blocks),
//! [`normalize`] (Unicode folding with an offset map), [`registry`] (compounds and their
//! aliases), [`dose`] (dose figures), [`pack`] (YAML rules, compiled once), [`literals`]
//! (one automaton for every alias, phrase and regex gate, scanned once per block),
//! [`engine`] (attribution and rule dispatch), [`suppress`] (suppression comments),
//! [`config`] (`monolint.yaml`), [`fix`] (the edits `--fix` makes), [`fingerprint`]
//! (content keys for baselines and SARIF), [`expect`] (annotated test pages).

pub mod config;
pub mod diagnostic;
pub mod document;
pub mod dose;
pub mod engine;
pub mod error;
pub mod expect;
pub mod fingerprint;
pub mod fix;
pub mod gate;
pub mod literals;
pub mod normalize;
pub mod pack;
pub mod registry;
pub mod sentences;
pub mod suppress;

pub use config::Config;
pub use diagnostic::{Diagnostic, Severity};
pub use engine::{FileReport, Linter, LinterBuilder};
pub use error::{LoadError, Source};

/// The default pack's rule files, embedded at build time.
const DEFAULT_PACKS: &[(&str, &str)] = &[
    ("meta.yaml", include_str!("../../../rules/meta.yaml")),
    ("dose.yaml", include_str!("../../../rules/dose.yaml")),
    (
        "recommendation.yaml",
        include_str!("../../../rules/recommendation.yaml"),
    ),
    (
        "sourcing.yaml",
        include_str!("../../../rules/sourcing.yaml"),
    ),
    (
        "disclaimer.yaml",
        include_str!("../../../rules/disclaimer.yaml"),
    ),
    ("claims.yaml", include_str!("../../../rules/claims.yaml")),
];

const DEFAULT_COMPOUNDS: &str = include_str!("../../../rules/compounds.yaml");

/// The embedded files as `build.rs` parsed them (JSON; rule files with their gates).
const EMBEDDED_JSON: &[(&str, &str)] = &[
    (
        "meta.yaml",
        include_str!(concat!(env!("OUT_DIR"), "/meta.yaml.json")),
    ),
    (
        "dose.yaml",
        include_str!(concat!(env!("OUT_DIR"), "/dose.yaml.json")),
    ),
    (
        "recommendation.yaml",
        include_str!(concat!(env!("OUT_DIR"), "/recommendation.yaml.json")),
    ),
    (
        "sourcing.yaml",
        include_str!(concat!(env!("OUT_DIR"), "/sourcing.yaml.json")),
    ),
    (
        "disclaimer.yaml",
        include_str!(concat!(env!("OUT_DIR"), "/disclaimer.yaml.json")),
    ),
    (
        "claims.yaml",
        include_str!(concat!(env!("OUT_DIR"), "/claims.yaml.json")),
    ),
    (
        "compounds.yaml",
        include_str!(concat!(env!("OUT_DIR"), "/compounds.yaml.json")),
    ),
];

/// The build-time form of `source` when it is an embedded file, unchanged: loading it
/// skips the YAML parser and the regex analysis.
pub(crate) fn embedded_json(source: &Source) -> Option<&'static str> {
    let name = source.name.strip_prefix("<default>/rules/")?;
    let (_, text) = DEFAULT_PACKS
        .iter()
        .chain(&[("compounds.yaml", DEFAULT_COMPOUNDS)])
        .find(|(n, _)| *n == name)?;
    if *source.text != **text {
        return None;
    }
    EMBEDDED_JSON
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| *json)
}

/// The embedded default rule packs.
pub fn default_packs() -> Vec<Source> {
    DEFAULT_PACKS
        .iter()
        .map(|(name, text)| Source::new(format!("<default>/rules/{name}"), *text))
        .collect()
}

/// The engine's own rules (`io/*`, `suppression/*`), always loaded.
pub(crate) fn default_meta() -> Source {
    let (name, text) = DEFAULT_PACKS[0];
    Source::new(format!("<default>/rules/{name}"), text)
}

/// The embedded default compound registry.
pub fn default_compounds() -> Source {
    Source::new("<default>/rules/compounds.yaml", DEFAULT_COMPOUNDS)
}
