//! `monolint check`: configuration, input discovery, linting, reporting.

use crate::output::{self, FileResult};
use crate::CheckArgs;
use globset::{Glob, GlobSet, GlobSetBuilder};
use monolint::{Config, Linter, LoadError, Source};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Extensions linted when walking folders.
pub const EXTENSIONS: &[&str] = &["md", "markdown", "mdx", "html", "htm", "txt"];
/// Folders never walked into (besides hidden ones).
pub const SKIP_DIRS: &[&str] = &["target", "node_modules"];

/// A linter configured from `--config` or the nearest `monolint.yaml`, and the exclude
/// globs with the folder they are relative to.
pub struct Setup {
    pub linter: Linter,
    pub exclude: Option<(GlobSet, PathBuf)>,
    /// What `--fix` inserts (`fix:` in monolint.yaml).
    pub fix: monolint::fix::FixConfig,
}

/// The nearest `monolint.yaml` from `start` up.
fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join("monolint.yaml"))
        .find(|p| p.is_file())
}

/// A path as the user should see it: relative to the working folder when inside it.
fn shown(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    display(&rel)
}

fn read_source(path: &Path) -> Result<Source, String> {
    std::fs::read_to_string(path)
        .map(|t| Source::new(shown(path), t))
        .map_err(|e| format!("cannot read {}: {e}", shown(path)))
}

/// Build the linter. Errors are already rendered for standard error.
pub fn setup(config: Option<&Path>) -> Result<Setup, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working folder: {e}"))?;
    let path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => discover(&cwd),
    };
    let Some(path) = path else {
        let linter = Linter::with_defaults().map_err(|e| output::render_error(e.as_ref()))?;
        return Ok(Setup {
            linter,
            exclude: None,
            fix: Default::default(),
        });
    };
    let source = read_source(&path)?;
    let cfg = Config::parse(&source).map_err(|e| output::render_error(e.as_ref()))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut builder = Linter::builder();
    for p in &cfg.rules {
        builder = builder.pack(read_source(&base.join(p)).map_err(|e| located(&source, p, e))?);
    }
    for p in &cfg.compounds {
        builder =
            builder.compounds(read_source(&base.join(p)).map_err(|e| located(&source, p, e))?);
    }
    let mut linter = builder
        .build()
        .map_err(|e| output::render_error(e.as_ref()))?;
    cfg.apply(&source, &mut linter)
        .map_err(|e| output::render_error(e.as_ref()))?;
    let exclude = if cfg.exclude.is_empty() {
        None
    } else {
        let mut b = GlobSetBuilder::new();
        for g in &cfg.exclude {
            let glob = Glob::new(g).map_err(|e| {
                let err = LoadError::at(
                    &source,
                    monolint::error::locate(&source.text, Some("exclude"), g),
                    format!("invalid exclude pattern `{g}`"),
                )
                .with_help(e.to_string());
                output::render_error(err.as_ref())
            })?;
            b.add(glob);
        }
        let set = b
            .build()
            .map_err(|e| format!("{}: exclude patterns: {e}", source.name))?;
        let abs_base = if base.is_absolute() {
            base
        } else {
            cwd.join(base)
        };
        Some((set, abs_base))
    };
    Ok(Setup {
        linter,
        exclude,
        fix: cfg.fix,
    })
}

/// An error about a path named in the configuration, pointing at where it is named.
fn located(source: &Source, needle: &str, msg: String) -> String {
    let err = LoadError::at(
        source,
        monolint::error::locate(&source.text, None, needle),
        msg,
    );
    output::render_error(err.as_ref())
}

fn excluded(exclude: &Option<(GlobSet, PathBuf)>, path: &Path) -> bool {
    let Some((set, base)) = exclude else {
        return false;
    };
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let rel = abs.strip_prefix(base).unwrap_or(&abs);
    let rel = rel.strip_prefix(".").unwrap_or(rel);
    set.is_match(rel) || set.is_match(path)
}

pub fn lintable(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// How a path is shown: as given or as walked, without a leading `./`.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// The files to lint, and problems that make the run untrustworthy.
fn collect(args: &CheckArgs, setup: &Setup, problems: &mut Vec<String>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in &args.paths {
        if p.as_os_str() == "-" {
            files.push(p.clone());
            continue;
        }
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("cannot read {}: {e}", p.display()));
                continue;
            }
        };
        if !meta.is_dir() {
            files.push(p.clone());
            continue;
        }
        let before = files.len();
        let walker = walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 || !e.file_type().is_dir() {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                !(name.starts_with('.') || SKIP_DIRS.contains(&name.as_ref()))
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() || e.file_type().is_symlink() => {
                    let path = e.path();
                    if !lintable(path) || excluded(&setup.exclude, path) {
                        continue;
                    }
                    // a link is linted through; one that leads nowhere is a problem, not a skip
                    match std::fs::metadata(path) {
                        Ok(m) if m.is_file() => files.push(path.to_path_buf()),
                        Ok(_) => {}
                        Err(err) => problems.push(format!("cannot read {}: {err}", display(path))),
                    }
                }
                Ok(_) => {}
                Err(e) => problems.push(format!("cannot walk {}: {e}", p.display())),
            }
        }
        if files.len() == before {
            eprintln!(
                "monolint: note: no lintable files ({}) in {}",
                EXTENSIONS.join(", "),
                display(p)
            );
        }
    }
    files
}

pub fn run(args: &CheckArgs) -> u8 {
    let started = std::time::Instant::now();
    if let Err(msg) = crate::finish::check_args(args) {
        eprintln!("monolint: error: {msg}");
        return 2;
    }
    let setup = match setup(args.config.as_deref()) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("{msg}");
            return 2;
        }
    };
    let mut problems = Vec::new();
    let files = collect(args, &setup, &mut problems);
    let mut results: Vec<FileResult> = Vec::new();
    let mut linted = 0usize;
    let progress = crate::progress::Progress::new(files.len());
    for path in &files {
        progress.inc();
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut buf = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
                problems.push(format!("cannot read standard input: {e}"));
                continue;
            }
            (
                args.stdin_filename.clone().unwrap_or_else(|| "-".into()),
                buf,
            )
        } else {
            match std::fs::read(path) {
                Ok(b) => (display(path), b),
                Err(e) => {
                    problems.push(format!("cannot read {}: {e}", display(path)));
                    continue;
                }
            }
        };
        let report = setup.linter.lint_bytes(&name, &bytes);
        if report.linted {
            linted += 1;
        }
        // a file that was not linted (binary) has no text worth showing
        let text = if report.linted {
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            String::new()
        };
        let text = std::sync::Arc::new(text);
        results.push(FileResult {
            path: name,
            text,
            diagnostics: report.diagnostics,
        });
    }
    progress.finish();
    results.sort_by(|a, b| a.path.cmp(&b.path));
    for p in &problems {
        eprintln!("monolint: error: {p}");
    }
    if linted == 0 && problems.is_empty() {
        eprintln!("monolint: error: nothing was linted");
    }
    let trusted = problems.is_empty() && linted > 0;
    crate::finish::finish(args, &setup, results, linted, trusted, started)
}
