//! `--format sarif`: a SARIF 2.1.0 log that GitHub code scanning accepts.
//!
//! One run; the tool driver lists every loaded rule (id, short and full description, help
//! text and markdown, help link, default level; a disabled rule is listed with
//! `enabled: false`). Each finding is a result with its rule, level (`error`, `warning`,
//! `note`), message, a physical location whose URI is relative to the working folder (the
//! repository root in CI) and a 1-based region, and a `partialFingerprints` entry made
//! from the finding's content key (see `monolint::fingerprint`), so an alert keeps its
//! identity when lines move. Columns count Unicode code points (`columnKind`), as monolint's
//! columns do; `endColumn` is exclusive, as SARIF defines it.

use crate::output::FileResult;
use monolint::{Diagnostic, Linter, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The `partialFingerprints` key monolint fills.
pub const FINGERPRINT: &str = "monolintContentHash/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
    enabled: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [Location; 1],
    partial_fingerprints: HashMap<&'static str, String>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encode a path for a URI reference (RFC 3986): unreserved characters and `/`
/// stay, everything else is `%XX` per UTF-8 byte. A backslash is a folder separator on
/// Windows only; elsewhere it is part of a file name, and encoded like any other byte.
pub fn uri_encode(path: &str) -> String {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The artifact location of a path as shown: relative to the working folder where it can
/// be, else an absolute `file://` URI.
fn artifact(path: &str) -> ArtifactLocation {
    let p = Path::new(path);
    let rel = if p.is_absolute() {
        std::env::current_dir().ok().and_then(|cwd| {
            p.strip_prefix(cwd)
                .ok()
                .map(|r| r.to_string_lossy().into_owned())
        })
    } else {
        Some(path.to_string())
    };
    match rel {
        Some(rel) => ArtifactLocation {
            uri: uri_encode(&rel),
            uri_base_id: Some("%SRCROOT%"),
        },
        None => ArtifactLocation {
            uri: format!("file://{}", uri_encode(path)),
            uri_base_id: None,
        },
    }
}

/// Prose written with hard line breaks (YAML block scalars), as paragraphs.
fn reflow(s: &str) -> String {
    s.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn rule_entry(linter: &Linter, i: usize) -> Rule<'_> {
    let rule = &linter.rules()[i];
    let d = &rule.def;
    let summary = if d.summary.trim().is_empty() {
        d.message.trim()
    } else {
        d.summary.trim()
    };
    let full = if d.description.trim().is_empty() {
        summary.to_string()
    } else {
        reflow(&d.description)
    };
    let fix = rule.help(None).unwrap_or_else(|| summary.to_string());
    let mut text = format!("How to fix: {fix}");
    let mut markdown = format!("**How to fix:** {fix}");
    for (name, body) in [("Bad", d.bad.trim()), ("Good", d.good.trim())] {
        if !body.is_empty() {
            text.push_str(&format!("\n\n{name}: {body}"));
            markdown.push_str(&format!("\n\n**{name}:** {body}"));
        }
    }
    text.push_str(&format!(
        "\n\nRun `monolint explain {}` for how to suppress it.",
        d.id
    ));
    markdown.push_str(&format!(
        "\n\nRun `monolint explain {}` for how to suppress it.",
        d.id
    ));
    let link = d.link.trim();
    Rule {
        id: rule.id(),
        short_description: Text {
            text: summary.to_string(),
        },
        full_description: Text { text: full },
        help: Help { text, markdown },
        help_uri: (link.starts_with("https://") || link.starts_with("http://")).then_some(link),
        default_configuration: Configuration {
            level: level(rule.severity),
            enabled: linter.is_enabled(i),
        },
        properties: RuleProperties {
            tags: vec![d.id.split('/').next().unwrap_or_default(), "health-content"],
        },
    }
}

/// The fingerprint of a finding: a hash of its file and content key, and which occurrence
/// of that key in the file it is (`hash:n`).
pub fn fingerprint(
    linter: &Linter,
    path: &str,
    text: &str,
    d: &Diagnostic,
    seen: &mut HashMap<[u8; 32], usize>,
) -> String {
    let key = monolint::fingerprint::key(linter, d, text);
    let mut h = Sha256::new();
    for part in [
        path,
        &key.rule,
        key.compound.as_deref().unwrap_or(""),
        &key.text,
        &key.context,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest: [u8; 32] = h.finalize().into();
    let n = seen.entry(digest).or_insert(0);
    *n += 1;
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}:{n}")
}

pub fn write(out: &mut impl Write, results: &[FileResult], linter: &Linter) -> io::Result<()> {
    let rules: Vec<Rule<'_>> = (0..linter.rules().len())
        .map(|i| rule_entry(linter, i))
        .collect();
    let mut sarif_results = Vec::new();
    for r in results {
        let mut seen = HashMap::new();
        for d in &r.diagnostics {
            let located = d.length > 0;
            sarif_results.push(SarifResult {
                rule_id: d.rule.clone(),
                rule_index: linter.rule_index(&d.rule).unwrap_or(0),
                level: level(d.severity),
                message: Message {
                    text: d.message.clone(),
                },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&r.path),
                        region: Region {
                            start_line: d.line,
                            start_column: located.then_some(d.column),
                            end_line: located.then_some(d.end_line),
                            end_column: located.then_some(d.end_column),
                        },
                    },
                }],
                partial_fingerprints: HashMap::from([(
                    FINGERPRINT,
                    fingerprint(linter, &r.path, &r.text, d, &mut seen),
                )]),
            });
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "monolint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results: sarif_results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_encode("content/a b%,c.md"), "content/a%20b%25%2Cc.md");
        let sep = if cfg!(windows) { "/" } else { "%5C" };
        assert_eq!(uri_encode("dir\\µ.md"), format!("dir{sep}%C2%B5.md"));
        assert_eq!(
            uri_encode("a\"q\"\n#?.md"),
            "a%22q%22%0A%23%3F.md",
            "quotes, new lines, and characters with a meaning in URIs"
        );
    }
}
