//! After linting: fixes, the baseline, the report and the exit code of `monolint check`.

use crate::check::Setup;
use crate::output::{self, plural, FileResult, RunInfo};
use crate::{baseline, fix, CheckArgs, FailOn};
use monolint::Severity;
use std::io::Write;
use std::time::Instant;

/// Argument combinations clap cannot check.
pub fn check_args(args: &CheckArgs) -> Result<(), String> {
    if args.fix && args.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err("--fix cannot write standard input; use --diff to see the change".to_string());
    }
    Ok(())
}

/// Fix (`--fix`, `--diff`), record (`--write-baseline`) or filter (`--baseline`) the
/// findings, report them, and return the exit code. `trusted` is false when an input could
/// not be read or nothing was linted (exit 2 whatever the findings).
pub fn finish(
    args: &CheckArgs,
    setup: &Setup,
    mut results: Vec<FileResult>,
    linted: usize,
    mut trusted: bool,
    started: Instant,
) -> u8 {
    let run = RunInfo {
        linter: &setup.linter,
        files: linted,
        started,
    };
    if args.fix || args.diff {
        let fixes = fix::apply(setup, &mut results, !args.diff);
        for n in &fixes.notes {
            errln!("{n}");
        }
        trusted &= !fixes.failed;
        let what = format!(
            "{} in {}",
            plural(fixes.fixed, "finding"),
            plural(fixes.files, "file")
        );
        if args.diff {
            // a closed pipe (`--diff | head`) is not an error worth reporting
            let _ = std::io::stdout().lock().write_all(fixes.diffs.as_bytes());
            errln!("monolint: --diff: would fix {what}");
            return if trusted {
                u8::from(fixes.files > 0)
            } else {
                2
            };
        }
        errln!("monolint: fixed {what}");
    }
    if let Some(file) = &args.write_baseline {
        if !trusted {
            errln!("monolint: error: not writing the baseline: the run could not be trusted");
            return 2;
        }
        return match baseline::write(file, &setup.linter, &results) {
            Ok((findings, files)) => {
                errln!(
                    "monolint: wrote {} in {} to {}",
                    plural(findings, "finding"),
                    plural(files, "file"),
                    file.display()
                );
                let sum = output::summary(&results, linted);
                errln!("{}", output::summary_line(&sum, started.elapsed()));
                0
            }
            Err(msg) => {
                errln!("monolint: error: {msg}");
                2
            }
        };
    }
    if let Some(file) = &args.baseline {
        match baseline::apply(file, &setup.linter, &mut results) {
            Ok(applied) => {
                for n in baseline::notes(file, &applied) {
                    errln!("{n}");
                }
            }
            Err(msg) => {
                errln!("monolint: error: {msg}");
                return 2;
            }
        }
    }
    output::emit(args.format, &results, &run);
    if !trusted {
        return 2;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    let failed = results
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(|d| d.severity >= threshold);
    u8::from(failed)
}
