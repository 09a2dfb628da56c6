//! Rendering findings: human (on a terminal miette's graphical report, colour only there
//! and never with NO_COLOR; piped, one `path:line:col: severity[rule]: message` line per
//! finding), JSON (SPEC §3, version 1), SARIF 2.1.0 ([`crate::sarif`]) and GitHub workflow
//! commands ([`crate::github`]); the summary line on standard error.

use crate::Format;
use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    NamedSource, SourceCode,
};
use monolint::{Diagnostic, Linter, Severity};
use serde::Serialize;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        f.write_str(&printable(&self.d.message))
    }
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.d.message))
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
pub struct Summary {
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

pub fn summary(results: &[FileResult], files: usize) -> Summary {
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

/// `1204` -> `1,204`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural(n: usize, one: &str) -> String {
    format!("{} {one}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `checked 1,204 files in 0.41 s: 3 errors, 1 warning` (infos only when there are any).
pub fn summary_line(sum: &Summary, elapsed: Duration) -> String {
    let mut line = format!(
        "checked {} in {:.2} s: {}, {}",
        plural(sum.files, "file"),
        elapsed.as_secs_f64(),
        plural(sum.errors, "error"),
        plural(sum.warnings, "warning"),
    );
    if sum.infos > 0 {
        line.push_str(&format!(", {}", plural(sum.infos, "info")));
    }
    line
}

/// What the report needs besides the findings.
pub struct RunInfo<'a> {
    pub linter: &'a Linter,
    /// Files linted.
    pub files: usize,
    pub started: Instant,
}

/// Text for a human reader's terminal: control characters (a newline or an escape
/// sequence in a file name, or in a site pack's message) are shown escaped (`\n`,
/// `\u{1b}`), so a finding stays on its one line and a hostile name cannot drive the
/// terminal. JSON, SARIF and GitHub output carry the text as it is, in their own escaping.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// One finding on one line: `path:line:col: severity[rule]: message`.
pub fn compact(path: &str, d: &Diagnostic) -> String {
    format!(
        "{}:{}:{}: {}[{}]: {}",
        printable(path),
        d.line,
        d.column,
        d.severity,
        printable(&d.rule),
        printable(&d.message)
    )
}

/// Write the report to standard output, and for the human and GitHub formats the summary
/// line to standard error (JSON and SARIF carry their own).
pub fn emit(format: Format, results: &[FileResult], run: &RunInfo<'_>) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let sum = summary(results, run.files);
    let res = match format {
        Format::Sarif => crate::sarif::write(&mut out, results, run.linter),
        Format::Github => {
            let res = crate::github::write(&mut out, results);
            errln!("{}", summary_line(&sum, run.started.elapsed()));
            res
        }
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
            let tty = std::io::stdout().is_terminal();
            let h = handler(tty);
            let mut res = Ok(());
            for r in results {
                for d in &r.diagnostics {
                    if !tty {
                        res = res.and_then(|()| writeln!(out, "{}", compact(&r.path, d)));
                        continue;
                    }
                    let finding = Finding {
                        d,
                        src: NamedSource::new(printable(&r.path), Arc::clone(&r.text)),
                    };
                    let mut s = String::new();
                    if h.render_report(&mut s, &finding).is_err() {
                        s = compact(&r.path, d);
                    }
                    res = res.and_then(|()| writeln!(out, "{s}"));
                }
            }
            errln!("{}", summary_line(&sum, run.started.elapsed()));
            res
        }
    };
    // a closed pipe (`monolint check | head`) is not an error worth reporting
    let _ = res.and_then(|()| out.flush());
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
    /// Piped human output is one compact line a finding.
    tty: bool,
    started: Instant,
    /// Reused for each cached file's JSON: its path, its findings.
    scratch: (Vec<u8>, Vec<u8>),
}

impl Emitter {
    pub fn new(format: Format, started: Instant) -> Emitter {
        let tty = std::io::stdout().is_terminal();
        let handler = (format == Format::Human && tty).then(|| handler(tty));
        let mut e = Emitter {
            format,
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            handler,
            sum: Summary::default(),
            first: true,
            failed: false,
            tty,
            started,
            scratch: Default::default(),
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
                Format::Human if !self.tty => {
                    let line = compact(path, d);
                    self.write(|out| writeln!(out, "{line}"));
                }
                Format::Human => {
                    let finding = Finding {
                        d,
                        src: NamedSource::new(printable(path), Arc::clone(text)),
                    };
                    let mut s = String::new();
                    let rendered = self
                        .handler
                        .as_ref()
                        .is_some_and(|h| h.render_report(&mut s, &finding).is_ok());
                    if !rendered {
                        s = compact(path, d);
                    }
                    self.write(|out| writeln!(out, "{s}"));
                }
                // SARIF and GitHub need the whole run: `finish::finish` writes them
                Format::Sarif | Format::Github => {}
            }
        }
    }

    /// One file's findings served from the cache: for JSON written straight from the
    /// entry, otherwise decoded and reported as [`Emitter::file`] does.
    pub fn cached(
        &mut self,
        path: &str,
        text: &Arc<String>,
        loaded: &crate::cache::Loaded,
        entry: crate::cache::Entry<'_>,
    ) {
        if self.format != Format::Json {
            let diagnostics = loaded.decode(entry).diagnostics;
            self.file(path, text, &diagnostics);
            return;
        }
        let (mut path_json, mut out) = std::mem::take(&mut self.scratch);
        path_json.clear();
        out.clear();
        // a path is always a string: serializing it cannot fail
        let _ = serde_json::to_writer(&mut path_json, path);
        let mut counts = [0usize; 3];
        loaded.write_json(&mut out, &path_json, entry, &mut self.first, &mut counts);
        self.sum.infos += counts[Severity::Info as usize];
        self.sum.warnings += counts[Severity::Warning as usize];
        self.sum.errors += counts[Severity::Error as usize];
        self.write(|w| w.write_all(&out));
        self.scratch = (path_json, out);
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
                errln!("{}", summary_line(&self.sum, self.started.elapsed()));
            }
            Format::Sarif | Format::Github => {}
        }
        // a closed pipe (`monolint check | head`) is not an error worth reporting
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(printable("content/a b\"c\\é.md"), "content/a b\"c\\é.md");
        assert_eq!(
            printable("a\nb\tc\u{1b}[31md\u{7f}"),
            "a\\nb\\tc\\u{1b}[31md\\u{7f}"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let sum = Summary {
            files: 1204,
            errors: 3,
            warnings: 1,
            infos: 0,
        };
        assert_eq!(
            summary_line(&sum, Duration::from_millis(410)),
            "checked 1,204 files in 0.41 s: 3 errors, 1 warning"
        );
    }
}
