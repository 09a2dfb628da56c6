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

#[derive(Serialize, Default)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// Writes the report to standard output as files come in (in path order), so a run
/// never holds more than the files in flight: the JSON object is written piece by piece
/// (byte for byte what serializing it whole would give), the human report one finding
/// at a time, with the summary on standard error at the end.
pub struct Emitter {
    format: Format,
    out: std::io::BufWriter<std::io::Stdout>,
    handler: Option<GraphicalReportHandler>,
    sum: Summary,
    first: bool,
    /// The first write error (a closed pipe): later writes are skipped.
    failed: bool,
}

impl Emitter {
    pub fn new(format: Format) -> Emitter {
        let handler = (format == Format::Human).then(|| handler(std::io::stdout().is_terminal()));
        let mut e = Emitter {
            format,
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            handler,
            sum: Summary::default(),
            first: true,
            failed: false,
        };
        if format == Format::Json {
            e.write(|out| out.write_all(b"{\"version\":1,\"diagnostics\":["));
        }
        e
    }

    fn write(&mut self, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
        if !self.failed && f(&mut self.out).is_err() {
            self.failed = true;
        }
    }

    /// Errors, warnings and infos reported so far.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.sum.errors, self.sum.warnings, self.sum.infos)
    }

    /// One file's findings (`text` is its content, for human snippets).
    pub fn file(&mut self, path: &str, text: &Arc<String>, diagnostics: &[Diagnostic]) {
        for d in diagnostics {
            match d.severity {
                Severity::Error => self.sum.errors += 1,
                Severity::Warning => self.sum.warnings += 1,
                Severity::Info => self.sum.infos += 1,
            }
            match self.format {
                Format::Json => {
                    let first = std::mem::replace(&mut self.first, false);
                    self.write(|out| {
                        if !first {
                            out.write_all(b",")?;
                        }
                        serde_json::to_writer(out, &JsonDiagnostic { path, d })
                            .map_err(std::io::Error::other)
                    });
                }
                Format::Human => {
                    let finding = Finding {
                        d,
                        src: NamedSource::new(path, Arc::clone(text)),
                    };
                    let mut s = String::new();
                    let rendered = self
                        .handler
                        .as_ref()
                        .is_some_and(|h| h.render_report(&mut s, &finding).is_ok());
                    if !rendered {
                        s = format!(
                            "{path}:{}:{}: {} [{}]\n",
                            d.line, d.column, d.message, d.rule
                        );
                    }
                    self.write(|out| writeln!(out, "{s}"));
                }
            }
        }
    }

    /// Close the report: the JSON summary, or the human summary line on standard error.
    pub fn finish(mut self, files: usize) {
        self.sum.files = files;
        match self.format {
            Format::Json => {
                let sum = std::mem::take(&mut self.sum);
                self.write(|out| {
                    out.write_all(b"],\"summary\":")?;
                    serde_json::to_writer(&mut *out, &sum).map_err(std::io::Error::other)?;
                    out.write_all(b"}\n")
                });
            }
            Format::Human => {
                eprintln!(
                    "checked {}: {}, {}, {}",
                    plural(files, "file"),
                    plural(self.sum.errors, "error"),
                    plural(self.sum.warnings, "warning"),
                    plural(self.sum.infos, "info")
                );
            }
        }
        // a closed pipe (`monolint check | head`) is not an error worth reporting
        let _ = self.out.flush();
    }
}
