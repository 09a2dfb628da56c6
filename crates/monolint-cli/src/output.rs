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

/// Append `s` to `out` as a JSON string literal (RFC 8259), byte for byte as serde_json
/// writes it: `"` and `\` after a backslash; the control characters below U+0020 as
/// `\b`, `\t`, `\n`, `\f`, `\r`, the others as `\u00xx` (lowercase hex); everything else
/// (DEL, non-ASCII, U+2028 and U+2029 included) as it is. A test pins it to serde_json.
pub fn json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // bytes before `done` are written
    let mut done = 0;
    loop {
        let rest = &bytes[done..];
        let clean = clean_prefix(rest);
        let Some(i) = rest[clean..].iter().position(|&b| needs_escape(b)) else {
            out.extend_from_slice(rest);
            break;
        };
        let at = clean + i;
        out.extend_from_slice(&rest[..at]);
        let b = rest[at];
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        done += at + 1;
    }
    out.push(b'"');
}

/// A byte JSON cannot carry as it is inside a string.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// How many leading bytes of `bytes` certainly need no escaping: whole 16-byte blocks
/// without one, and the shorter tail too when it has none (a test the compiler turns
/// into a few vector instructions a block).
fn clean_prefix(bytes: &[u8]) -> usize {
    let dirty = |block: &[u8; 16]| block.iter().fold(false, |any, &b| any | needs_escape(b));
    let blocks = bytes.chunks_exact(16);
    let tail = blocks.remainder();
    let mut n = 0;
    for block in blocks {
        if block.try_into().map_or(true, dirty) {
            return n;
        }
        n += 16;
    }
    // the tail, padded with a byte that needs no escaping
    let mut last = [b' '; 16];
    last[..tail.len()].copy_from_slice(tail);
    if !dirty(&last) {
        n += tail.len();
    }
    n
}

/// One finding of the JSON report (SPEC §3) in its fixed field order, written without
/// serde: `T` is how its strings come (`&str` to be escaped, or a cache string-table id
/// whose escaped form is at hand), so fresh and cached findings share one writer.
pub struct JsonRecord<T> {
    pub severity: Severity,
    pub rule: T,
    pub message: T,
    /// line, column, end line, end column, offset, length
    pub nums: [usize; 6],
    pub text: T,
    pub compound: Option<T>,
    pub help: Option<T>,
}

impl<'a> From<&'a Diagnostic> for JsonRecord<&'a str> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonRecord {
            severity: d.severity,
            rule: &d.rule,
            message: &d.message,
            nums: d.positions(),
            text: &d.text,
            compound: d.compound.as_deref(),
            help: d.help.as_deref(),
        }
    }
}

impl<T> JsonRecord<T> {
    /// Append `{"path":…,"rule":…,…}` to `out`: `path` is already a JSON string literal,
    /// `put` appends one of the record's strings as one.
    pub fn write(self, out: &mut Vec<u8>, path: &[u8], mut put: impl FnMut(&mut Vec<u8>, T)) {
        let mut num = itoa::Buffer::new();
        out.extend_from_slice(b"{\"path\":");
        out.extend_from_slice(path);
        out.extend_from_slice(b",\"rule\":");
        put(out, self.rule);
        out.extend_from_slice(b",\"severity\":\"");
        out.extend_from_slice(self.severity.as_str().as_bytes());
        out.extend_from_slice(b"\",\"message\":");
        put(out, self.message);
        for (name, n) in [
            &b",\"line\":"[..],
            b",\"column\":",
            b",\"end_line\":",
            b",\"end_column\":",
            b",\"offset\":",
            b",\"length\":",
        ]
        .into_iter()
        .zip(self.nums)
        {
            out.extend_from_slice(name);
            out.extend_from_slice(num.format(n).as_bytes());
        }
        out.extend_from_slice(b",\"text\":");
        put(out, self.text);
        for (name, s) in [
            (&b",\"compound\":"[..], self.compound),
            (b",\"help\":", self.help),
        ] {
            out.extend_from_slice(name);
            match s {
                Some(s) => put(out, s),
                None => out.extend_from_slice(b"null"),
            }
        }
        out.push(b'}');
    }
}

#[derive(Serialize, Default)]
pub struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
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
    if matches!(format, Format::Json | Format::Human) {
        // the same report the streamed run writes, from findings held in memory
        let mut e = Emitter::new(format, run.started);
        for r in results {
            e.file(&r.path, &r.text, &r.diagnostics);
        }
        e.finish(run.files);
        return;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let res = if format == Format::Sarif {
        crate::sarif::write(&mut out, results, run.linter)
    } else {
        let res = crate::github::write(&mut out, results);
        let sum = summary(results, run.files);
        errln!("{}", summary_line(&sum, run.started.elapsed()));
        res
    };
    // a closed pipe (`monolint check | head`) is not an error worth reporting
    let _ = res.and_then(|()| out.flush());
}

/// Bytes gathered before they go to standard output.
const CHUNK: usize = 64 * 1024;

/// Writes the report to standard output as files come in (in path order), so a run
/// never holds more than the files in flight: the JSON object is written piece by piece
/// (byte for byte what serializing it whole would give), the human report one finding
/// at a time, with the summary on standard error at the end.
pub struct Emitter {
    format: Format,
    out: std::io::Stdout,
    /// What is not yet written to `out`: filled in memory, written in [`CHUNK`]s.
    buf: Vec<u8>,
    handler: Option<GraphicalReportHandler>,
    sum: Summary,
    first: bool,
    /// The first write error (a closed pipe): later output is dropped.
    failed: bool,
    /// Piped human output is one compact line a finding.
    tty: bool,
    started: Instant,
    /// The current file's path as a JSON string (reused from file to file).
    path_json: Vec<u8>,
}

impl Emitter {
    pub fn new(format: Format, started: Instant) -> Emitter {
        let tty = std::io::stdout().is_terminal();
        let handler = (format == Format::Human && tty).then(|| handler(tty));
        let mut e = Emitter {
            format,
            out: std::io::stdout(),
            buf: Vec::with_capacity(CHUNK + CHUNK / 4),
            handler,
            sum: Summary::default(),
            first: true,
            failed: false,
            tty,
            started,
            path_json: Vec::new(),
        };
        if format == Format::Json {
            e.buf.extend_from_slice(b"{\"version\":1,\"diagnostics\":[");
        }
        e
    }

    /// Write out what has been gathered, once it is a chunk (`all`: whatever there is).
    fn drain(&mut self, all: bool) {
        if self.buf.len() < CHUNK && !all {
            return;
        }
        if !self.failed && self.out.write_all(&self.buf).is_err() {
            self.failed = true;
        }
        self.buf.clear();
    }

    /// Errors, warnings and infos reported so far.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.sum.errors, self.sum.warnings, self.sum.infos)
    }

    fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.sum.errors += 1,
            Severity::Warning => self.sum.warnings += 1,
            Severity::Info => self.sum.infos += 1,
        }
    }

    /// `path` as a JSON string, in `self.path_json`.
    fn set_path(&mut self, path: &str) {
        self.path_json.clear();
        json_string(&mut self.path_json, path);
    }

    /// One file's findings (`text` is its content, for human snippets).
    pub fn file(&mut self, path: &str, text: &Arc<String>, diagnostics: &[Diagnostic]) {
        // SARIF and GitHub need the whole run: `finish::finish` writes them
        let shown = !self.failed && matches!(self.format, Format::Json | Format::Human);
        if !shown {
            for d in diagnostics {
                self.count(d.severity);
            }
            return;
        }
        if self.format == Format::Json && !diagnostics.is_empty() {
            self.set_path(path);
        }
        for d in diagnostics {
            self.count(d.severity);
            match self.format {
                Format::Json => {
                    if !std::mem::replace(&mut self.first, false) {
                        self.buf.push(b',');
                    }
                    JsonRecord::from(d).write(&mut self.buf, &self.path_json, json_string);
                }
                Format::Human if !self.tty => {
                    self.buf.extend_from_slice(compact(path, d).as_bytes());
                    self.buf.push(b'\n');
                }
                _ => {
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
                    self.buf.extend_from_slice(s.as_bytes());
                    self.buf.push(b'\n');
                }
            }
        }
        // a terminal shows each file's findings as they come
        self.drain(self.handler.is_some());
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
        self.set_path(path);
        let mut counts = [0usize; 3];
        let at = self.buf.len();
        loaded.write_json(
            &mut self.buf,
            &self.path_json,
            entry,
            &mut self.first,
            &mut counts,
        );
        self.sum.infos += counts[Severity::Info as usize];
        self.sum.warnings += counts[Severity::Warning as usize];
        self.sum.errors += counts[Severity::Error as usize];
        if self.failed {
            self.buf.truncate(at);
        }
        self.drain(false);
    }

    /// Close the report: the JSON summary, or the human summary line on standard error.
    pub fn finish(mut self, files: usize) {
        self.sum.files = files;
        match self.format {
            Format::Json => {
                self.buf.extend_from_slice(b"],\"summary\":");
                // four counts: serializing them cannot fail
                let _ = serde_json::to_writer(&mut self.buf, &self.sum);
                self.buf.extend_from_slice(b"}\n");
            }
            Format::Human | Format::Sarif | Format::Github => {}
        }
        self.drain(true);
        // a closed pipe (`monolint check | head`) is not an error worth reporting
        let _ = self.out.flush();
        if self.format == Format::Human {
            // after the findings, so that the two streams merged read in order
            errln!("{}", summary_line(&self.sum, self.started.elapsed()));
        }
    }
}

/// A finding whose every string needs escaping and whose numbers are large: the JSON
/// writer's tests (here and in the cache) check it against serde_json.
#[cfg(test)]
pub(crate) fn hostile_diagnostic() -> Diagnostic {
    Diagnostic {
        rule: "site/quote\"s".into(),
        severity: Severity::Warning,
        message: "a \"message\"\nwith\ttabs, \\ back\u{7f}slashes, \u{1b}[31m µ–é 🧪".into(),
        line: 1,
        column: 2,
        end_line: usize::MAX >> 1,
        end_column: 0,
        offset: 10,
        length: 12_345_678_901,
        text: "\u{0}\u{1f}\u{2028}\u{2029}".into(),
        compound: None,
        help: Some(String::new()),
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

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        json_string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    /// Characters JSON escaping could get wrong: every ASCII one (all the control
    /// characters, `"`, `\`, DEL), C1 controls, the line and paragraph separators that
    /// JavaScript (not JSON) forbids, a byte-order mark, and multi-byte characters.
    fn awkward() -> Vec<char> {
        let mut cs: Vec<char> = (0u8..=0x7f).map(char::from).collect();
        cs.extend([
            '\u{80}', '\u{85}', '\u{9f}', 'é', 'µ', '–', '\u{2028}', '\u{2029}', '\u{feff}',
            '\u{fffd}', '🧪',
        ]);
        cs
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        for c in awkward() {
            // alone, and at every place around the 16-byte blocks the fast path scans
            let one = c.to_string();
            assert_eq!(escaped(&one), serde_json::to_string(&one).unwrap(), "{c:?}");
            for len in 0..40 {
                for at in [0, len / 2, len] {
                    let mut s = "a".repeat(len);
                    s.insert(at, c);
                    assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
        let all: String = awkward().into_iter().collect();
        let twice = format!("{all}{all}");
        assert_eq!(escaped(&twice), serde_json::to_string(&twice).unwrap());
        assert_eq!(escaped(""), "\"\"");
        assert_eq!(
            escaped("a\"b\\c\u{1}\u{1f}\n"),
            r#""a\"b\\c\u0001\u001f\n""#
        );
    }

    proptest::proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(s in "\\PC*|[\\x00-\\x7f]*") {
            proptest::prop_assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap());
        }
    }

    #[test]
    fn a_finding_is_written_as_serde_writes_it_with_its_path_first() {
        // the largest line number there is, on top of the shared hostile finding
        let hostile = Diagnostic {
            end_line: usize::MAX,
            ..hostile_diagnostic()
        };
        let plain = Diagnostic {
            rule: "dose/unapproved".into(),
            severity: Severity::Info,
            compound: Some("ghrp-2".into()),
            help: None,
            ..hostile.clone()
        };
        for d in [hostile, plain] {
            for path in ["content/a.md", "dir/a \"b\"\n\\c.md"] {
                let path_json = serde_json::to_string(path).unwrap();
                let mut out = Vec::new();
                JsonRecord::from(&d).write(&mut out, path_json.as_bytes(), json_string);
                let body = serde_json::to_string(&d).unwrap();
                let want = format!("{{\"path\":{path_json},{}", &body[1..]);
                assert_eq!(String::from_utf8(out).unwrap(), want);
            }
        }
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
