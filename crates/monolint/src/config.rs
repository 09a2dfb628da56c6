//! `monolint.yaml`: extra packs and registries, severity overrides, disabled rules,
//! excluded paths (SPEC §6), and what `--fix` inserts (`fix:`). Unknown keys, unknown rule
//! ids and bad YAML are errors that point at the file, line and column.

use crate::diagnostic::Severity;
use crate::engine::Linter;
use crate::error::{locate, LoadError, Source};
use crate::fix::FixConfig;
use crate::pack::Kind;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Extra rule packs, relative to the configuration file.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Extra compound registries, relative to the configuration file.
    #[serde(default)]
    pub compounds: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub disable: Vec<String>,
    /// Glob patterns of paths not to lint when walking folders.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The largest file linted, in bytes (default 8 MiB); larger ones get `io/too-large`.
    #[serde(default)]
    pub max_file_size: Option<usize>,
    /// What `monolint check --fix` inserts, and where.
    #[serde(default)]
    pub fix: FixConfig,
}

impl Config {
    pub fn parse(source: &Source) -> Result<Config, Box<LoadError>> {
        if source.text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_yaml::from_str(&source.text).map_err(|e| LoadError::yaml(source, &e))
    }

    /// Apply severity overrides and disabled rules; an unknown rule id is an error that
    /// points at where the configuration names it.
    pub fn apply(&self, source: &Source, linter: &mut Linter) -> Result<(), Box<LoadError>> {
        if let Some(max) = self.max_file_size {
            linter.set_max_bytes(max);
        }
        let unknown = |id: &str| {
            LoadError::at(
                source,
                locate(&source.text, None, id),
                format!("unknown rule id `{id}`"),
            )
            .with_label("not a rule")
            .with_help("`monolint rules` lists every rule id")
        };
        for (id, sev) in &self.severity {
            if !linter.set_severity(id, *sev) {
                return Err(unknown(id));
            }
        }
        for id in &self.disable {
            if !linter.disable(id) {
                return Err(unknown(id));
            }
        }
        for (id, text) in &self.fix.disclaimers {
            let Some(rule) = linter.rule(id) else {
                return Err(unknown(id));
            };
            let at = locate(&source.text, Some("disclaimers"), id);
            if rule.def.kind != Kind::Required {
                return Err(LoadError::at(
                    source,
                    at,
                    format!("`{id}` cannot be fixed by inserting a text"),
                )
                .with_label("not a disclaimer rule")
                .with_help("`fix: disclaimers:` takes rules that require a text on the page (kind: required), e.g. disclaimer/medical-advice"));
            }
            if text.trim().is_empty() {
                return Err(LoadError::at(
                    source,
                    at,
                    format!("the text to insert for `{id}` is empty"),
                ));
            }
        }
        Ok(())
    }
}
