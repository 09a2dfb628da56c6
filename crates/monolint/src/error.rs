//! Errors loading rule packs, registries and configuration: miette diagnostics that point
//! at the file, line and column of the fault.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::sync::Arc;

/// A YAML (or other text) input, named for error messages.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// The text, shared by the clones. An `Arc<String>`, not an `Arc<str>`: a file read
    /// into a `String` becomes a `Source` without its text being copied (a generated
    /// registry of 10,000 compounds is 4 MB).
    pub text: Arc<String>,
}

impl Source {
    /// A source named `name` holding `text` (a `String` is taken as it is, not copied).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: Arc::new(text.into()),
        }
    }
}

/// A fault in a rule pack, compound registry or configuration file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(monolint::load))]
pub struct LoadError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl LoadError {
    /// An error at `span` (byte range) of `source`.
    pub fn at(
        source: &Source,
        span: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Box<Self> {
        let span = span.map(|(s, e)| {
            let s = s.min(source.text.len());
            let e = e.clamp(s, source.text.len());
            SourceSpan::from(s..e)
        });
        Box::new(Self {
            message: format!("{}: {}", source.name, message.into()),
            src: NamedSource::new(source.name.clone(), source.text.to_string()),
            span,
            label: "here".into(),
            help: None,
        })
    }

    pub fn with_label(mut self: Box<Self>, label: impl Into<String>) -> Box<Self> {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self: Box<Self>, help: impl Into<String>) -> Box<Self> {
        self.help = Some(help.into());
        self
    }

    /// A serde_yaml parse or shape error, placed where the parser stopped.
    pub fn yaml(source: &Source, err: &serde_yaml::Error) -> Box<Self> {
        let span = err.location().map(|l| {
            let text = &source.text;
            // at the end of the file there is nothing to underline: point at the last line
            // with content instead (an unclosed bracket, a missing value)
            let s = if l.index() >= text.trim_end().len() {
                text.trim_end().rfind('\n').map_or(0, |i| i + 1)
            } else {
                l.index()
            };
            let e = source.text[s.min(source.text.len())..]
                .find('\n')
                .map_or(source.text.len(), |n| s + n);
            (s, e.max(s + 1))
        });
        let msg = err.to_string();
        // serde_yaml appends "at line L column C"; the span already shows where
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        let line_col = err
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        Self::at(source, span, format!("{msg}{line_col}"))
    }

    /// The line and column (1-based) of the error's span, if any.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let span = self.span?;
        let text = self.src.inner();
        let before = &text[..span.offset().min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, col))
    }
}

/// Find where `needle` stands in `text`, searching after `anchor` when it is given (the
/// rule or compound the fault belongs to), so semantic errors point at the right line.
pub fn locate(text: &str, anchor: Option<&str>, needle: &str) -> Option<(usize, usize)> {
    let from = anchor
        .and_then(|a| find_value(text, 0, a))
        .map_or(0, |(s, _)| s);
    find_value(text, from, needle).or_else(|| anchor.and_then(|a| find_value(text, 0, a)))
}

fn find_value(text: &str, from: usize, needle: &str) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    text.get(from..)?
        .find(needle)
        .map(|i| (from + i, from + i + needle.len()))
}
