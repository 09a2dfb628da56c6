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
// (used by `build.rs`, which includes the file; the library only tests it)
#[cfg(test)]
mod lowercase;
pub mod normalize;
pub mod pack;
pub mod registry;
pub mod sentences;
mod simple_yaml;
pub mod suppress;

pub use config::Config;
pub use diagnostic::{Diagnostic, Severity};
pub use engine::{FileReport, Linter, LinterBuilder};
pub use error::{LoadError, Source};

/// An embedded file: its name, its YAML, and the JSON `build.rs` made of it (a rule
/// file's with the gates of its regexes).
struct Embedded {
    name: &'static str,
    yaml: &'static str,
    json: &'static str,
}

macro_rules! embedded {
    ($name:literal) => {
        Embedded {
            name: $name,
            yaml: include_str!(concat!("../../../rules/", $name)),
            json: include_str!(concat!(env!("OUT_DIR"), "/", $name, ".json")),
        }
    };
}

/// The default pack's rule files; the first holds the engine's own rules.
const DEFAULT_PACKS: &[Embedded] = &[
    embedded!("meta.yaml"),
    embedded!("dose.yaml"),
    embedded!("recommendation.yaml"),
    embedded!("sourcing.yaml"),
    embedded!("disclaimer.yaml"),
    embedded!("claims.yaml"),
];

const DEFAULT_COMPOUNDS: Embedded = embedded!("compounds.yaml");

fn embedded_source(e: &Embedded) -> Source {
    Source::new(format!("<default>/rules/{}", e.name), e.yaml)
}

/// The build-time form of `source` when it is an embedded file, unchanged: loading it
/// skips the YAML parser and the regex analysis.
pub(crate) fn embedded_json(source: &Source) -> Option<&'static str> {
    let name = source.name.strip_prefix("<default>/rules/")?;
    DEFAULT_PACKS
        .iter()
        .chain([&DEFAULT_COMPOUNDS])
        .find(|e| e.name == name && *source.text == *e.yaml)
        .map(|e| e.json)
}

/// The embedded default rule packs.
pub fn default_packs() -> Vec<Source> {
    DEFAULT_PACKS.iter().map(embedded_source).collect()
}

/// The engine's own rules (`io/*`, `suppression/*`), always loaded.
pub(crate) fn default_meta() -> Source {
    embedded_source(&DEFAULT_PACKS[0])
}

/// The embedded default compound registry.
pub fn default_compounds() -> Source {
    embedded_source(&DEFAULT_COMPOUNDS)
}
