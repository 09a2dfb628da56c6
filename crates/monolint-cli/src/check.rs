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

/// A path without `.` components (`./a/./b.md` is `a/b.md`) or doubled separators, so the
/// same file named two ways is one file with one name.
fn normal(path: &Path) -> PathBuf {
    let p: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
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
        // bytes, not text: a listed name need not be valid UTF-8
        let bytes = if from_stdin {
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .map(|_| b)
                .map_err(|e| format!("cannot read the file list from standard input: {e}"))?
        } else {
            std::fs::read(list)
                .map_err(|e| format!("cannot read the file list {}: {e}", display(list)))?
        };
        paths.extend(
            bytes
                .split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .map(path_from_bytes),
        );
    } else if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    Ok(paths)
}

#[cfg(unix)]
fn path_from_bytes(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

#[cfg(not(unix))]
fn path_from_bytes(b: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(b).into_owned())
}

/// What a file system entry is when it is neither a file nor a folder (`None` when it is
/// one of those): such entries are not content, and reading one can block forever (a FIFO
/// waits for a writer) or never end (`/dev/zero`).
fn special_kind(ft: std::fs::FileType) -> Option<&'static str> {
    if ft.is_file() || ft.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
        if ft.is_char_device() {
            return Some("a character device");
        }
        if ft.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a regular file")
}

/// A walk error as a problem for standard error, or `None` for what is not one: a broken
/// link whose name monolint would not lint anyway.
fn walk_problem(root: &Path, err: &walkdir::Error) -> Option<Said> {
    let path = err.path().unwrap_or(root);
    if let Some(ancestor) = err.loop_ancestor() {
        return Some(said(
            display(path),
            format!(
                "symbolic link loop: {} leads back to {}, a folder it is inside; \
                 remove the link or exclude it",
                display(path),
                display(ancestor)
            ),
        ));
    }
    let io = err.io_error();
    if io.is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            // a link that leads nowhere: a problem where a page was expected
            return lintable(path).then(|| {
                let to = std::fs::read_link(path)
                    .map(|t| format!(" (it points to {}, which does not exist)", display(&t)))
                    .unwrap_or_default();
                said(
                    display(path),
                    format!("cannot read {}: broken symbolic link{to}", display(path)),
                )
            });
        }
        return Some(said(
            display(path),
            format!(
                "cannot read {}: it vanished while the folder was walked",
                display(path)
            ),
        ));
    }
    let what = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => "folder ",
        _ => "",
    };
    Some(said(
        display(path),
        match io {
            Some(e) => format!("cannot read {what}{}: {e}", display(path)),
            None => format!("cannot walk {}: {err}", display(root)),
        },
    ))
}

/// The files to lint, and problems that make the run untrustworthy.
///
/// Folders are walked through symbolic links (a linked folder of pages is linted like any
/// other; a link back to a folder it is inside is a loop, reported). A FIFO, socket or
/// device met while walking is not content: it is skipped with a note and never opened.
/// One named explicitly is a problem.
fn collect(paths: &[PathBuf], setup: &Setup, remarks: &mut Remarks) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(p.clone());
            continue;
        }
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                remarks
                    .problems
                    .push(said(display(p), format!("cannot read {}: {e}", display(p))));
                continue;
            }
        };
        if meta.is_file() {
            files.push(p.clone());
            continue;
        }
        if let Some(kind) = special_kind(meta.file_type()) {
            remarks.problems.push(said(
                display(p),
                format!(
                    "cannot lint {}: it is {kind}, not a file or folder \
                     (to lint what a command prints, pipe it in and name `-`)",
                    display(p)
                ),
            ));
            continue;
        }
        let (before, problems_before) = (files.len(), remarks.problems.len());
        let walker = walkdir::WalkDir::new(p)
            .follow_links(true)
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
                Ok(e) if e.file_type().is_dir() => {}
                Ok(e) => {
                    let path = e.path();
                    if !lintable(path) || excluded(&setup.exclude, path) {
                        continue;
                    }
                    match special_kind(e.file_type()) {
                        None => files.push(path.to_path_buf()),
                        Some(kind) => remarks.notes.push(said(
                            display(path),
                            format!("skipped {}: it is {kind}, not a file", display(path)),
                        )),
                    }
                }
                Err(err) => remarks.problems.extend(walk_problem(p, &err)),
            }
        }
        // a folder that could not be read has its own problem; "nothing here" would mislead
        if files.len() == before && remarks.problems.len() == problems_before {
            remarks.notes.push(said(
                display(p),
                format!(
                    "no lintable files ({}) in {}",
                    EXTENSIONS.join(", "),
                    display(p)
                ),
            ));
        }
    }
    files
}

/// Why [`read_regular`] read nothing.
pub enum ReadError {
    Io(std::io::Error),
    /// It is not a regular file (any more): what it is.
    NotRegular(&'static str),
}

/// Read a regular file. It is opened without blocking and checked to be a regular file
/// before a byte is read, so a path that has become a FIFO since it was walked (or
/// linted, for `--fix`) cannot hang the run.
pub fn read_regular(path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // reads of a regular file do not block either way; the flag only keeps `open`
        // from waiting for a FIFO's writer
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = opts.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(kind) = special_kind(meta.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(ReadError::Io)?;
    Ok(bytes)
}

/// Read a file found by [`collect`], shown as `name`; a file gone since it was found, or
/// no longer a regular file, is a problem that names it.
fn read_file(path: &Path, name: &str) -> Result<Vec<u8>, String> {
    read_regular(path).map_err(|e| match e {
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("cannot read {name}: it vanished during the run ({e})")
        }
        ReadError::Io(e) => format!("cannot read {name}: {e}"),
        ReadError::NotRegular(kind) => {
            format!("cannot read {name}: it became {kind} during the run")
        }
    })
}

/// A problem or note about one path (as shown), for standard error. They are sorted
/// before they are printed, so neither the order paths were given in nor the order threads
/// finish in shows.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Said {
    path: String,
    message: String,
}

fn said(path: impl Into<String>, message: String) -> Said {
    Said {
        path: path.into(),
        message,
    }
}

/// What [`collect`] has to say besides the files: problems make the run untrustworthy
/// (exit 2), notes do not.
#[derive(Default)]
struct Remarks {
    problems: Vec<Said>,
    notes: Vec<Said>,
}

/// One file to lint: its name as shown, and where its bytes come from.
struct Job {
    name: String,
    /// `None`: standard input (read before linting starts).
    path: Option<PathBuf>,
}

/// What linting one file gave.
struct Outcome {
    result: Result<Cached, Said>,
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
            Some(p) => match read_file(p, &job.name) {
                Ok(b) => {
                    read = b;
                    &read
                }
                Err(problem) => {
                    return Outcome {
                        result: Err(said(job.name.clone(), problem)),
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
        errln!("monolint: error: {msg}");
        return 2;
    }
    let setup = match setup(args.config.as_deref()) {
        Ok(s) => s,
        Err(msg) => {
            errln!("{msg}");
            return 2;
        }
    };
    let paths = match requested_paths(args) {
        Ok(p) => p,
        Err(msg) => {
            errln!("monolint: error: {msg}");
            return 2;
        }
    };
    let mut remarks = Remarks::default();
    let files = collect(&paths, &setup, &mut remarks);
    let mut problems = std::mem::take(&mut remarks.problems);
    let mut stdin = Vec::new();
    let mut stdin_read = false;
    let mut jobs: Vec<Job> = Vec::with_capacity(files.len());
    for path in files {
        if path.as_os_str() == "-" {
            if std::mem::replace(&mut stdin_read, true) {
                continue; // named twice: linted once
            }
            if let Err(e) = std::io::stdin().read_to_end(&mut stdin) {
                problems.push(said("-", format!("cannot read standard input: {e}")));
                continue;
            }
            jobs.push(Job {
                name: args.stdin_filename.clone().unwrap_or_else(|| "-".into()),
                path: None,
            });
        } else {
            let path = normal(&path);
            jobs.push(Job {
                name: display(&path),
                path: Some(path),
            });
        }
    }
    // The report is in path order, whatever order the files were given or linted in:
    // by name as shown, then by the raw path (two names that differ only in bytes that
    // are not UTF-8 can show alike). A file named twice, or named and walked, is linted once.
    jobs.sort_by(|a, b| (&a.name, &a.path).cmp(&(&b.name, &b.path)));
    jobs.dedup_by(|a, b| a.path.is_some() && a.path == b.path);
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
                errln!("monolint: note: running on one thread: {e}");
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
    let mut report = |window: &[Job], outcomes: Vec<Outcome>, problems: &mut Vec<Said>| {
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
            errln!(
                "monolint: note: could not write the result cache {}: {e}",
                path.display()
            );
        }
    }
    remarks.notes.sort();
    for n in &remarks.notes {
        errln!("monolint: note: {}", output::printable(&n.message));
    }
    problems.sort();
    problems.dedup();
    for p in &problems {
        errln!("monolint: error: {}", output::printable(&p.message));
    }
    if nothing_expected && problems.is_empty() {
        errln!("monolint: note: nothing to lint in this run");
    } else if linted == 0 && problems.is_empty() {
        errln!("monolint: error: nothing was linted");
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
