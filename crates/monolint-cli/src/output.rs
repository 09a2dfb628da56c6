//! Rendering findings: human (miette's graphical report, colour only on a terminal and
//! never with NO_COLOR) and JSON (SPEC §3, version 1).

use crate::Format;
use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    NamedSource, SourceCode,
};
use monolint::{Diagnostic, Severity};
use serde::Serialize;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

/// The findings of one file, with its text for snippets.
pub struct FileResult {
    pub path: String,
    pub text: Arc<String>,
    pub diagnostics: Vec<Diagnostic>,
}

fn colour(stream_is_tty: bool) -> bool {
    stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn handler(tty: bool) -> GraphicalReportHandler {
    let theme = if colour(tty) {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_width(100)
}

/// A load error (rule pack, registry, configuration) rendered for standard error.
pub fn render_error(err: &dyn MietteDiagnostic) -> String {
    let mut out = String::new();
    let h = handler(std::io::stderr().is_terminal());
    if h.render_report(&mut out, err).is_err() {
        out = err.to_string();
    }
    let loc = err
        .labels()
        .and_then(|mut l| l.next())
        .map(|l| l.offset())
        .zip(err.source_code())
        .and_then(|(off, src)| {
            src.read_span(&(off, 0).into(), 0, 0)
                .ok()
                .map(|s| (s.line() + 1, s.column() + 1))
        });
    match loc {
        Some((line, col)) => format!("monolint: error at line {line}, column {col}:\n{out}"),
        None => format!("monolint: error:\n{out}"),
    }
}

/// One finding as a miette diagnostic.
struct Finding<'a> {
    d: &'a Diagnostic,
    src: NamedSource<Arc<String>>,
}

impl fmt::Debug for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Finding<'_> {}

impl MietteDiagnostic for Finding<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.d.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.src.inner().is_empty()).then_some(&self.src as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.src.inner().is_empty() {
            return None;
        }
        let label = match &self.d.compound {
            Some(c) => format!("{} ({c})", self.d.rule),
            None => self.d.rule.clone(),
        };
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            self.d.offset,
            self.d.length,
        ))))
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: &'a str,
    #[serde(flatten)]
    d: &'a Diagnostic,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

fn summary(results: &[FileResult], files: usize) -> Summary {
    let count = |s: Severity| {
        results
            .iter()
            .flat_map(|r| &r.diagnostics)
            .filter(|d| d.severity == s)
            .count()
    };
    Summary {
        files,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
    }
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// Write the report to standard output (and the human summary to standard error).
pub fn emit(format: Format, results: &[FileResult], files: usize) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let sum = summary(results, files);
    let res = match format {
        Format::Json => {
            let report = JsonReport {
                version: 1,
                diagnostics: results
                    .iter()
                    .flat_map(|r| {
                        r.diagnostics
                            .iter()
                            .map(move |d| JsonDiagnostic { path: &r.path, d })
                    })
                    .collect(),
                summary: sum,
            };
            serde_json::to_writer(&mut out, &report)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
        Format::Human => {
            let h = handler(std::io::stdout().is_terminal());
            let mut res = Ok(());
            for r in results {
                for d in &r.diagnostics {
                    let finding = Finding {
                        d,
                        src: NamedSource::new(r.path.clone(), Arc::clone(&r.text)),
                    };
                    let mut s = String::new();
                    if h.render_report(&mut s, &finding).is_err() {
                        s = format!(
                            "{}:{}:{}: {} [{}]\n",
                            r.path, d.line, d.column, d.message, d.rule
                        );
                    }
                    res = res.and_then(|()| writeln!(out, "{s}"));
                }
            }
            eprintln!(
                "checked {}: {}, {}, {}",
                plural(files, "file"),
                plural(sum.errors, "error"),
                plural(sum.warnings, "warning"),
                plural(sum.infos, "info")
            );
            res
        }
    };
    // a closed pipe (`monolint check | head`) is not an error worth reporting
    let _ = res.and_then(|()| out.flush());
}
