//! `monolint check`: configuration, input discovery, linting, reporting.

use crate::cache::{self, Cache, Cached};
use crate::output::{self, Emitter, FileResult};
use crate::{CheckArgs, FailOn, Format};
use globset::{Glob, GlobSet, GlobSetBuilder};
use monolint::{Config, Linter, LoadError, Source};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// Parse `--shard K/N`.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}` is not of the form K/N (e.g. 2/4)"))?;
    let num = |x: &str| {
        x.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{x}` in `{s}` is not a whole number"))
    };
    let (k, n) = (num(k)?, num(n)?);
    if n == 0 || k == 0 || k > n {
        return Err(format!("K must be between 1 and N (got {k}/{n})"));
    }
    Ok((k, n))
}

/// The shard (1-based, of `n`) a path as shown belongs to: a stable hash of the path, so
/// every run on every machine splits the same way.
fn shard_of(name: &str, n: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64(name.as_bytes()) % n + 1
}

/// The paths to lint: the arguments and the `--files-from` list (`.` when neither gives
/// any). `Err` is a message for a run that cannot start.
fn requested_paths(args: &CheckArgs) -> Result<Vec<PathBuf>, String> {
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        let from_stdin = list.as_os_str() == "-";
        if from_stdin && paths.iter().any(|p| p.as_os_str() == "-") {
            return Err(
                "standard input cannot be both the --files-from list and a file to lint".into(),
            );
        }
        let text = if from_stdin {
            let mut t = String::new();
            std::io::stdin()
                .read_to_string(&mut t)
                .map(|_| t)
                .map_err(|e| format!("cannot read the file list from standard input: {e}"))?
        } else {
            std::fs::read_to_string(list)
                .map_err(|e| format!("cannot read the file list {}: {e}", list.display()))?
        };
        paths.extend(
            text.lines()
                .map(|l| l.trim_end_matches('\r'))
                .filter(|l| !l.trim().is_empty())
                .map(PathBuf::from),
        );
    } else if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    Ok(paths)
}

/// The files to lint, and problems that make the run untrustworthy.
fn collect(paths: &[PathBuf], setup: &Setup, problems: &mut Vec<String>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
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

/// One file to lint: its name as shown, and where its bytes come from.
struct Job {
    name: String,
    /// `None`: standard input (read before linting starts).
    path: Option<PathBuf>,
}

/// What linting one file gave.
struct Outcome {
    result: Result<Cached, String>,
    /// The file's text, for human snippets (only when there is something to show).
    text: Arc<String>,
}

struct Run<'a> {
    linter: &'a Linter,
    cache: Option<Mutex<Cache>>,
    stdin: Vec<u8>,
    want_text: bool,
}

impl Run<'_> {
    fn lint(&self, job: &Job) -> Outcome {
        let read;
        let bytes: &[u8] = match &job.path {
            None => &self.stdin,
            Some(p) => match std::fs::read(p) {
                Ok(b) => {
                    read = b;
                    &read
                }
                Err(e) => {
                    return Outcome {
                        result: Err(format!("cannot read {}: {e}", job.name)),
                        text: Arc::default(),
                    }
                }
            },
        };
        let key = cache::key(bytes, monolint::document::Format::from_path(&job.name));
        let hit = self
            .cache
            .as_ref()
            .and_then(|c| c.lock().ok().and_then(|mut c| c.get(key)));
        let result = hit.unwrap_or_else(|| {
            let report = self.linter.lint_bytes(&job.name, bytes);
            let value = Cached {
                linted: report.linted,
                diagnostics: report.diagnostics,
            };
            if let Some(Ok(mut c)) = self.cache.as_ref().map(Mutex::lock) {
                c.put(key, &value);
            }
            value
        });
        // a file that was not linted (binary) has no text worth showing
        let text = if self.want_text && result.linted && !result.diagnostics.is_empty() {
            Arc::new(String::from_utf8_lossy(bytes).into_owned())
        } else {
            Arc::default()
        };
        Outcome {
            result: Ok(result),
            text,
        }
    }
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
    let paths = match requested_paths(args) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("monolint: error: {msg}");
            return 2;
        }
    };
    let mut problems = Vec::new();
    let files = collect(&paths, &setup, &mut problems);
    let mut stdin = Vec::new();
    let mut jobs: Vec<Job> = Vec::with_capacity(files.len());
    for path in files {
        if path.as_os_str() == "-" {
            if let Err(e) = std::io::stdin().read_to_end(&mut stdin) {
                problems.push(format!("cannot read standard input: {e}"));
                continue;
            }
            jobs.push(Job {
                name: args.stdin_filename.clone().unwrap_or_else(|| "-".into()),
                path: None,
            });
        } else {
            jobs.push(Job {
                name: display(&path),
                path: Some(path),
            });
        }
    }
    // the report is in path order, whatever order the files are linted in
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    let requested = jobs.len();
    // fixes, baselines, SARIF and GitHub annotations need the whole run's findings; the
    // JSON and human reports stream file by file
    let whole_run = args.fix
        || args.diff
        || args.baseline.is_some()
        || args.write_baseline.is_some()
        || matches!(args.format, Format::Sarif | Format::Github);
    if let Some((k, n)) = args.shard {
        jobs.retain(|j| shard_of(&j.name, n) == k);
    }
    // an empty share of a split, or an empty change list, is a run with nothing to do
    let nothing_expected = (args.shard.is_some() && requested > 0 && jobs.is_empty())
        || (args.files_from.is_some() && paths.is_empty());
    let cache = if args.no_cache {
        None
    } else {
        args.cache_dir
            .clone()
            .or_else(|| dirs::cache_dir().map(|d| d.join("monolint")))
            .map(|dir| Mutex::new(Cache::open(&dir, cache::fingerprint(&setup.linter))))
    };
    let run = Run {
        linter: &setup.linter,
        cache,
        stdin,
        want_text: args.format == Format::Human || whole_run,
    };
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let pool = if threads > 1 && jobs.len() > 1 {
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("monolint: note: running on one thread: {e}");
                None
            }
        }
    } else {
        None
    };
    // the DFA form of the automaton costs ~20 ms to build and pays off over many files
    if jobs.len() >= 64 {
        setup.linter.prepare_for_volume();
    }
    let mut emitter = Emitter::new(args.format, started);
    let mut results: Vec<FileResult> = Vec::new();
    let progress = crate::progress::Progress::new(jobs.len());
    let mut linted = 0usize;
    let mut report = |window: &[Job], outcomes: Vec<Outcome>, problems: &mut Vec<String>| {
        for (job, outcome) in window.iter().zip(outcomes) {
            match outcome.result {
                Ok(r) => {
                    linted += usize::from(r.linted);
                    progress.inc();
                    if whole_run {
                        results.push(FileResult {
                            path: job.name.clone(),
                            text: outcome.text,
                            diagnostics: r.diagnostics,
                        });
                    } else {
                        emitter.file(&job.name, &outcome.text, &r.diagnostics);
                    }
                }
                Err(p) => problems.push(p),
            }
        }
    };
    // Files go out in windows: linted in parallel, reported in order, then dropped, so
    // memory holds two windows' results however large the site. Reporting a window
    // overlaps with linting the next one.
    let mut pending: Option<(&[Job], Vec<Outcome>)> = None;
    for window in jobs.chunks(64 * threads) {
        let lint = || -> Vec<Outcome> {
            match &pool {
                Some(_) => window.par_iter().map(|j| run.lint(j)).collect(),
                None => window.iter().map(|j| run.lint(j)).collect(),
            }
        };
        let outcomes = match (&pool, pending.take()) {
            (Some(pool), Some((done, outcomes))) => {
                let problems = &mut problems;
                let report = &mut report;
                pool.install(|| rayon::join(lint, move || report(done, outcomes, problems)))
                    .0
            }
            (_, prev) => {
                if let Some((done, outcomes)) = prev {
                    report(done, outcomes, &mut problems);
                }
                lint()
            }
        };
        pending = Some((window, outcomes));
    }
    if let Some((done, outcomes)) = pending.take() {
        report(done, outcomes, &mut problems);
    }
    if let Some(cache) = run.cache.and_then(|c| c.into_inner().ok()) {
        let path = cache.path().to_path_buf();
        if let Err(e) = cache.save() {
            eprintln!(
                "monolint: note: could not write the result cache {}: {e}",
                path.display()
            );
        }
    }
    for p in &problems {
        eprintln!("monolint: error: {p}");
    }
    if nothing_expected && problems.is_empty() {
        eprintln!("monolint: note: nothing to lint in this run");
    } else if linted == 0 && problems.is_empty() {
        eprintln!("monolint: error: nothing was linted");
    }
    progress.finish();
    let trusted = problems.is_empty() && (linted > 0 || nothing_expected);
    if whole_run {
        return crate::finish::finish(args, &setup, results, linted, trusted, started);
    }
    let (errors, warnings, _) = emitter.counts();
    emitter.finish(linted);
    if !trusted {
        return 2;
    }
    let failed = match args.fail_on {
        FailOn::Error => errors > 0,
        FailOn::Warning => errors + warnings > 0,
    };
    u8::from(failed)
}
