//! `--format github`: one GitHub Actions workflow command per finding, which the runner
//! turns into an annotation on the pull request's diff:
//!
//! ```text
//! ::error file=content/bpc.md,line=6,col=21,endLine=6,endColumn=28,title=dose/unapproved::dose figure for BPC-157, ...
//! ```
//!
//! Errors are `::error`, warnings `::warning`, infos `::notice`. Values are escaped as the
//! runner expects: in the message `%`, `\r` and `\n` become `%25`, `%0D` and `%0A`; in
//! properties (file, title) `:` and `,` also become `%3A` and `%2C`.

use crate::output::FileResult;
use monolint::{Diagnostic, Severity};
use std::io::{self, Write};

/// Escape a command's message.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command for one finding.
pub fn command(path: &str, d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(path),
        d.line,
        d.column,
        d.end_line,
        d.end_column,
        escape_property(&d.rule),
        escape_data(&message)
    )
}

pub fn write(out: &mut impl Write, results: &[FileResult]) -> io::Result<()> {
    for r in results {
        for d in &r.diagnostics {
            writeln!(out, "{}", command(&r.path, d))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("100% a:b, c\r\nd"), "100%25 a:b, c%0D%0Ad");
        assert_eq!(
            escape_property("100% a:b, c\r\nd"),
            "100%25 a%3Ab%2C c%0D%0Ad"
        );
        // `%` first, so an escape is never escaped twice
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn severities_map_to_commands() {
        let d = |severity| Diagnostic {
            rule: "a/b".into(),
            severity,
            message: "m".into(),
            line: 2,
            column: 3,
            end_line: 2,
            end_column: 9,
            offset: 0,
            length: 0,
            text: String::new(),
            compound: None,
            help: None,
        };
        assert_eq!(
            command("x,y.md", &d(Severity::Info)),
            "::notice file=x%2Cy.md,line=2,col=3,endLine=2,endColumn=9,title=a/b::m"
        );
        assert!(command("x", &d(Severity::Warning)).starts_with("::warning "));
        assert!(command("x", &d(Severity::Error)).starts_with("::error "));
    }
}
