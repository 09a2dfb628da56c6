//! `monolint check`: configuration, input discovery, linting, reporting.

use crate::cache::{self, Cache, Cached, Entry, FileId, Loaded, Stamp, Updates};
use crate::output::{self, Emitter, FileResult};
use crate::{CheckArgs, FailOn, Format};
use globset::{Glob, GlobSet, GlobSetBuilder};
use monolint::{Config, Linter, LoadError, Source};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Extensions linted when walking folders.
pub const EXTENSIONS: &[&str] = &["md", "markdown", "mdx", "html", "htm", "txt"];
/// Folders never walked into (besides hidden ones).
pub const SKIP_DIRS: &[&str] = &["target", "node_modules"];

/// A linter configured from `--config` or the nearest `monolint.yaml` (the exclude globs
/// are the [`Plan`]'s: they are used before the linter is built).
pub struct Setup {
    pub linter: Linter,
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
    read_text(path)
        .map(|t| Source::new(shown(path), t))
        .map_err(|e| format!("cannot read {}: {e}", shown(path)))
}

/// Files at least this large (a large compound registry) are read in two halves at
/// once: most of reading one is the kernel's copy and the first touch of each page.
const PARALLEL_READ_BYTES: u64 = 1 << 20;

/// A rule, registry or configuration file's text: [`std::fs::read_to_string`], with a
/// large file read on two threads.
fn read_text(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len >= PARALLEL_READ_BYTES {
        if let Some(bytes) = read_halves(&file, len)? {
            return String::from_utf8(bytes).map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                )
            });
        }
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut &file, &mut text)?;
    Ok(text)
}

/// Fill `part` from `file` at `at` until it is full or the file ends: how much was read.
#[cfg(unix)]
fn read_at_most(file: &std::fs::File, part: &mut [u8], at: u64) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut n = 0;
    while n < part.len() {
        match file.read_at(&mut part[n..], at + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The bytes of `file` (`len` bytes when it was opened), its two halves read at once;
/// `None` when no thread is to be had or the file shrank meanwhile (the caller then reads
/// it from the start as it is now). What the file grew by meanwhile is read too.
#[cfg(unix)]
fn read_halves(file: &std::fs::File, len: u64) -> std::io::Result<Option<Vec<u8>>> {
    let Ok(size) = usize::try_from(len) else {
        return Ok(None);
    };
    // zeroed memory fresh from the system is not written to: each half's pages are first
    // touched by the thread that reads it
    let mut bytes = vec![0u8; size];
    let half = size / 2;
    let (a, b) = bytes.split_at_mut(half);
    let (first, second) = std::thread::scope(|scope| {
        let second = std::thread::Builder::new()
            .spawn_scoped(scope, || read_at_most(file, b, half as u64))
            .ok();
        let first = read_at_most(file, a, 0);
        let second = second.map(|job| {
            job.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (first, second)
    });
    let Some(second) = second else {
        return Ok(None);
    };
    let (first, second) = (first?, second?);
    if first < half || second < size - half {
        return Ok(None);
    }
    let mut more = [0u8; 8192];
    loop {
        let n = read_at_most(file, &mut more, bytes.len() as u64)?;
        bytes.extend_from_slice(&more[..n]);
        if n < more.len() {
            return Ok(Some(bytes));
        }
    }
}

#[cfg(not(unix))]
fn read_halves(_: &std::fs::File, _: u64) -> std::io::Result<Option<Vec<u8>>> {
    Ok(None)
}

/// Build the linter. Errors are already rendered for standard error.
pub fn setup(config: Option<&Path>) -> Result<Setup, String> {
    plan(config)?.build(false)
}

/// A configuration read, with the files it names, before the linter is built: `check`
/// walks the paths first, and builds the linter knowing how many files it will lint.
pub struct Plan {
    builder: monolint::LinterBuilder,
    /// The configuration, applied once the linter is built.
    cfg: Option<(Config, Source)>,
    /// The exclude globs, with the folder they are relative to.
    pub exclude: Option<(GlobSet, PathBuf)>,
    fix: monolint::fix::FixConfig,
}

impl Plan {
    /// Build the linter; `volume`: ready for many files (see
    /// [`monolint::LinterBuilder::for_volume`]).
    pub fn build(self, volume: bool) -> Result<Setup, String> {
        self.build_deciding(|| volume)
    }

    /// [`Plan::build`], asking whether the run wants the linter ready for many files only
    /// when that is chosen (see [`monolint::LinterBuilder::build_deciding`]).
    pub fn build_deciding(self, volume: impl FnOnce() -> bool) -> Result<Setup, String> {
        let mut linter = self
            .builder
            .build_deciding(volume)
            .map_err(|e| output::render_error(e.as_ref()))?;
        if let Some((cfg, source)) = &self.cfg {
            cfg.apply(source, &mut linter)
                .map_err(|e| output::render_error(e.as_ref()))?;
        }
        Ok(Setup {
            linter,
            fix: self.fix,
        })
    }
}

/// Read the configuration (`config`, or the nearest `monolint.yaml`) and the files it
/// names; the linter is built by [`Plan::build`].
pub fn plan(config: Option<&Path>) -> Result<Plan, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working folder: {e}"))?;
    let path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => discover(&cwd),
    };
    let Some(path) = path else {
        return Ok(Plan {
            builder: Linter::builder(),
            cfg: None,
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
    let fix = cfg.fix.clone();
    Ok(Plan {
        builder,
        cfg: Some((cfg, source)),
        exclude,
        fix,
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
    extension(path).is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// [`Path::extension`], as text: on Unix read from the bytes after the last `/` (a walk
/// asks it of every file, and taking the path apart was a twentieth of walking 20,000
/// pages), as `Path` reads it for a name that is not empty, `.` or `..`.
fn extension(path: &Path) -> Option<&str> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let b = path.as_os_str().as_bytes();
        let name = &b[b.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1)..];
        if !name.is_empty() && name != b"." && name != b".." {
            return match name.iter().rposition(|&c| c == b'.') {
                None | Some(0) => None,
                Some(dot) => std::str::from_utf8(&name[dot + 1..]).ok(),
            };
        }
    }
    path.extension().and_then(|e| e.to_str())
}

/// A path without `.` components (`./a/./b.md` is `a/b.md`) or doubled separators, so the
/// same file named two ways is one file with one name.
fn normal(path: &Path) -> std::borrow::Cow<'_, Path> {
    // most paths (every one a walk of a plain folder name finds) are already so: seen
    // in one pass over their bytes, rather than taken apart and put together again
    if is_normal(path) {
        return path.into();
    }
    let p: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".").into()
    } else {
        p.into()
    }
}

/// Whether [`normal`] leaves `path` as it is: not empty, and no component (between
/// separators) `.` or empty, but for the root's. Unix only: elsewhere `false`.
fn is_normal(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let b = path.as_os_str().as_bytes();
        !b.is_empty()
            && b.split(|&c| c == b'/')
                .enumerate()
                .all(|(i, part)| part != b"." && (i == 0 || !part.is_empty()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
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

/// Whether a path as shown is in this run's share (`--shard K/N`; every path without one).
fn in_share(shard: Option<(u64, u64)>, name: &str) -> bool {
    shard.is_none_or(|(k, n)| shard_of(name, n) == k)
}

/// Whether a run over `jobs` (walked, before they are deduplicated) is worth building the
/// linter ready for many files: at least [`VOLUME`] of them in this run's share, and no
/// cache (with one, the faster automaton is built once enough files have missed it).
/// Counting a path named twice twice only ever builds it for a run a little smaller.
fn wants_volume(jobs: &Jobs, shard: Option<(u64, u64)>, cached: bool) -> bool {
    !cached
        && (0..jobs.len())
            .filter(|&i| in_share(shard, &jobs.name(i)))
            .take(VOLUME)
            .count()
            >= VOLUME
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
///
/// Standard input (`-`, however often it is named) is one job named `stdin_name`.
fn collect(
    paths: &[PathBuf],
    exclude: &Option<(GlobSet, PathBuf)>,
    remarks: &mut Remarks,
    stdin_name: &str,
) -> Jobs {
    let mut files = Jobs::default();
    for p in paths {
        if p.as_os_str() == "-" {
            if files.stdin.is_none() {
                files.stdin = Some(files.len());
                files.push(stdin_name.as_bytes());
            }
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
            files.push(&path_bytes(&normal(p)));
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
        // a folder's entries in order of name: the entries of one folder share their
        // path up to the name, so their paths compare as their names do, and comparing
        // them as they are is a tenth of the cost of `sort_by_file_name` (which takes
        // each path apart for its name, at every comparison)
        let walker = walkdir::WalkDir::new(p)
            .follow_links(true)
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
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
                    if !lintable(path) || excluded(exclude, path) {
                        continue;
                    }
                    match special_kind(e.file_type()) {
                        None => files.push(&path_bytes(&normal(path))),
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

/// Read a stream into `into` up to `limit + 1` bytes, then only count the rest: `size` is
/// how many bytes it held, and memory stays bounded however much is piped in.
fn read_bounded(
    r: &mut impl Read,
    into: &mut Vec<u8>,
    size: &mut u64,
    limit: u64,
) -> std::io::Result<()> {
    let kept = r.take(limit.saturating_add(1)).read_to_end(into)? as u64;
    let rest = if kept > limit {
        std::io::copy(r, &mut std::io::sink())?
    } else {
        0
    };
    *size = kept + rest;
    Ok(())
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
    read_regular_with_meta(path, u64::MAX).map(|(bytes, _)| bytes)
}

/// [`read_regular`], with the file's metadata as it was before its bytes were read. A
/// file larger than `limit` bytes then is not read at all (its bytes come back empty).
fn read_regular_with_meta(
    path: &Path,
    limit: u64,
) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
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
    if meta.len() > limit {
        return Ok((Vec::new(), meta));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(ReadError::Io)?;
    Ok((bytes, meta))
}

/// Read a file found by [`collect`], shown as `name`; a file gone since it was found, or
/// no longer a regular file, is a problem that names it.
fn read_file(path: &Path, name: &str, limit: u64) -> Result<(Vec<u8>, std::fs::Metadata), String> {
    read_regular_with_meta(path, limit).map_err(|e| match e {
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

/// The files of a run, in report order, kept compactly: in chunks of up to
/// [`PER_CHUNK`] paths, each path as its folder and its last component, every folder once
/// for a run of paths in it (for standard input, the name it is linted as). A site of
/// 20,000 pages costs a few dozen allocations here, not 40,000 names and paths; no list
/// is ever regrown by copying it whole, which left the allocator holding every smaller
/// copy (20,000 paths in one growing buffer were 1.5 MB of resident memory for 0.8 MB of
/// paths); and `site/section/` is not kept once per page (whole paths in chunks were
/// 1.0 MB for those 20,000 pages, folder and name apart 0.4 MB).
#[derive(Default)]
struct Jobs {
    chunks: Vec<Chunk>,
    len: usize,
    /// Which job is standard input.
    stdin: Option<usize>,
}

/// Paths a [`Jobs`] chunk holds.
const PER_CHUNK: usize = 1024;

/// Up to [`PER_CHUNK`] consecutive paths of a [`Jobs`].
struct Chunk {
    /// The job number of its first path.
    first: usize,
    /// The paths' last components, one after another.
    names: Vec<u8>,
    /// Where each path's last component ends in `names`.
    ends: Vec<u32>,
    /// Each path's folder, as an index into `dir_ends`.
    dir_of: Vec<u16>,
    /// The chunk's folders (each up to and including its last separator; empty for a
    /// path without one), one after another.
    dirs: Vec<u8>,
    dir_ends: Vec<u32>,
}

impl Chunk {
    fn new(first: usize) -> Chunk {
        Chunk {
            first,
            names: Vec::new(),
            ends: Vec::with_capacity(PER_CHUNK),
            dir_of: Vec::with_capacity(PER_CHUNK),
            dirs: Vec::new(),
            dir_ends: Vec::new(),
        }
    }

    /// Whether it can take one more path of `len` bytes: offsets are `u32`.
    fn has_room(&self, len: usize) -> bool {
        self.ends.len() < PER_CHUNK && self.names.len() + self.dirs.len() + len <= u32::MAX as usize
    }

    fn dir(&self, d: usize) -> &[u8] {
        let start = if d == 0 {
            0
        } else {
            self.dir_ends[d - 1] as usize
        };
        &self.dirs[start..self.dir_ends[d] as usize]
    }

    /// Its `k`th path as (folder, last component).
    fn get(&self, k: usize) -> (&[u8], &[u8]) {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        let name = &self.names[start..self.ends[k] as usize];
        (self.dir(usize::from(self.dir_of[k])), name)
    }

    fn push(&mut self, b: &[u8]) {
        // split after the last separator (`/`, and `\` on Windows)
        let cut = b
            .iter()
            .rposition(|&c| c.is_ascii() && std::path::is_separator(char::from(c)))
            .map_or(0, |at| at + 1);
        let (dir, name) = b.split_at(cut);
        let last = self.dir_ends.len().checked_sub(1);
        let d = match last {
            Some(d) if self.dir(d) == dir => d,
            _ => {
                self.dirs.extend_from_slice(dir);
                self.dir_ends.push(self.dirs.len() as u32);
                self.dir_ends.len() - 1
            }
        };
        self.names.extend_from_slice(name);
        self.ends.push(self.names.len() as u32);
        // at most PER_CHUNK folders in a chunk, which a u16 holds
        self.dir_of.push(d as u16);
    }
}

/// A path's bytes, as [`Jobs`] keeps them.
#[cfg(unix)]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().into()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    match path.to_string_lossy() {
        std::borrow::Cow::Borrowed(s) => s.as_bytes().into(),
        std::borrow::Cow::Owned(s) => s.into_bytes().into(),
    }
}

/// A path as shown ([`display`]) from its bytes, without copying when it is UTF-8.
fn shown_bytes(b: &[u8]) -> std::borrow::Cow<'_, str> {
    // (`from_utf8` first: the lossy decoder is several times slower on the UTF-8 it
    // nearly always gets)
    match std::str::from_utf8(b) {
        Ok(s) => s.strip_prefix("./").unwrap_or(s).into(),
        Err(_) => {
            let s = String::from_utf8_lossy(b);
            s.strip_prefix("./").unwrap_or(&s).to_string().into()
        }
    }
}

impl Jobs {
    fn len(&self) -> usize {
        self.len
    }

    fn chunk(&self, i: usize) -> &Chunk {
        &self.chunks[self
            .chunks
            .partition_point(|c| c.first <= i)
            .saturating_sub(1)]
    }

    /// The job's path as given (or standard input's name): its bytes, put together.
    fn raw(&self, i: usize) -> std::borrow::Cow<'_, [u8]> {
        let chunk = self.chunk(i);
        match chunk.get(i - chunk.first) {
            ([], name) => name.into(),
            (dir, name) => [dir, name].concat().into(),
        }
    }

    /// [`Jobs::raw`] into `buf`, which it replaces.
    fn raw_into(&self, i: usize, buf: &mut Vec<u8>) {
        let chunk = self.chunk(i);
        let (dir, name) = chunk.get(i - chunk.first);
        buf.clear();
        buf.extend_from_slice(dir);
        buf.extend_from_slice(name);
    }

    /// The name shown for job `i`, whose [`Jobs::raw`] bytes are `raw`.
    fn shown<'r>(&self, i: usize, raw: &'r [u8]) -> std::borrow::Cow<'r, str> {
        if self.stdin == Some(i) {
            String::from_utf8_lossy(raw)
        } else {
            shown_bytes(raw)
        }
    }

    /// Where the bytes of job `i`, whose [`Jobs::raw`] bytes are `raw`, come from: `None`
    /// for standard input.
    fn path_in<'r>(&self, i: usize, raw: &'r [u8]) -> Option<&'r Path> {
        (self.stdin != Some(i)).then(|| Path::new(path_from_bytes_ref(raw)))
    }

    /// The job's name as shown.
    fn name(&self, i: usize) -> std::borrow::Cow<'_, str> {
        match self.raw(i) {
            std::borrow::Cow::Borrowed(raw) => self.shown(i, raw),
            std::borrow::Cow::Owned(raw) => self.shown(i, &raw).into_owned().into(),
        }
    }

    /// Jobs `a` and `b` in report order: by name as shown, then by path. `bufs` are
    /// scratch space, so that comparing does not allocate.
    fn cmp(&self, a: usize, b: usize, bufs: &mut [Vec<u8>; 2]) -> std::cmp::Ordering {
        // two paths kept with one folder (a walk's neighbours, nearly always) compare as
        // their last components do, when those are UTF-8: the folder ends with a
        // separator, so it reads the same in both names, whatever its bytes
        let (ca, cb) = (self.chunk(a), self.chunk(b));
        if std::ptr::eq(ca, cb) && self.stdin != Some(a) && self.stdin != Some(b) {
            let ((da, na), (db, nb)) = (ca.get(a - ca.first), ca.get(b - ca.first));
            let utf8 = |n: &[u8]| n.is_ascii() || std::str::from_utf8(n).is_ok();
            if std::ptr::eq(da, db) && utf8(na) && utf8(nb) {
                return na.cmp(nb);
            }
        }
        let [ra, rb] = bufs;
        self.raw_into(a, ra);
        self.raw_into(b, rb);
        (self.shown(a, ra), self.path_in(a, ra)).cmp(&(self.shown(b, rb), self.path_in(b, rb)))
    }

    fn push(&mut self, b: &[u8]) {
        let len = self.len;
        match self.chunks.last_mut() {
            Some(chunk) if chunk.has_room(b.len()) => chunk.push(b),
            _ => {
                let mut chunk = Chunk::new(len);
                chunk.push(b);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    /// Put the jobs in report order: by name as shown, then by the raw path (two names
    /// that differ only in bytes that are not UTF-8 can show alike); a file named twice,
    /// or named and walked, is linted once. `keep` then picks the jobs of this shard.
    /// Also returns how many jobs there were before `keep`.
    /// `skip`: a job to leave out (standard input that could not be read).
    fn sort(self, skip: Option<usize>, keep: impl Fn(&str) -> bool) -> (Jobs, usize) {
        let mut bufs = [Vec::new(), Vec::new()];
        // a walked folder usually comes out in report order already, each path once: then
        // the list stays as it is, rather than being copied or even indexed
        let in_order = skip.is_none()
            && (1..self.len()).all(|i| self.cmp(i - 1, i, &mut bufs) == std::cmp::Ordering::Less);
        let mut buf = Vec::new();
        let mut keeps = |i: usize| {
            self.raw_into(i, &mut buf);
            keep(&self.shown(i, &buf))
        };
        if in_order && (0..self.len()).all(&mut keeps) {
            let requested = self.len();
            return (self, requested);
        }
        let mut order: Vec<usize> = (0..self.len()).filter(|&i| Some(i) != skip).collect();
        if !in_order {
            order.sort_by(|&a, &b| self.cmp(a, b, &mut bufs));
            // a path named twice (never standard input) is linted once
            order.dedup_by(|a, b| {
                let [ra, rb] = &mut bufs;
                self.raw_into(*a, ra);
                self.raw_into(*b, rb);
                let path = self.path_in(*a, ra);
                path.is_some() && path == self.path_in(*b, rb)
            });
        }
        let requested = order.len();
        order.retain(|&i| keeps(i));
        let mut sorted = Jobs::default();
        for i in order {
            if self.stdin == Some(i) {
                sorted.stdin = Some(sorted.len());
            }
            sorted.push(&self.raw(i));
        }
        (sorted, requested)
    }
}

#[cfg(unix)]
fn path_from_bytes_ref(b: &[u8]) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b)
}

#[cfg(not(unix))]
fn path_from_bytes_ref(b: &[u8]) -> &str {
    // stored from `to_string_lossy`, so always UTF-8
    std::str::from_utf8(b).unwrap_or_default()
}

/// What linting one file gave.
struct Outcome<'c> {
    result: Result<Found<'c>, Said>,
    /// The file's text, for human snippets (only when there is something to show).
    text: Arc<String>,
    /// The file's cache key, when there is a cache.
    key: Option<cache::Key>,
    /// What the cache learns about the file's state.
    file: FileNote,
}

/// A file's findings: from the cache, or just made.
enum Found<'c> {
    Cached(Entry<'c>),
    Fresh(Cached),
}

enum FileNote {
    Nothing,
    /// It was found in the state the cache recorded, and not read.
    Unchanged(FileId),
    /// It was read in this (settled) state.
    Read(FileId, Stamp),
}

/// The report for a file of `size` bytes over the linter's size limit: the diagnostic
/// [`Linter::lint_bytes`] gives (`io/too-large`), made without the bytes (a test keeps
/// the two equal).
fn too_large(linter: &Linter, size: u64) -> Cached {
    let mut diagnostics = Vec::new();
    let rule = linter
        .rules()
        .iter()
        .enumerate()
        .find(|(_, r)| r.id() == "io/too-large");
    if let Some((_, rule)) = rule.filter(|&(i, _)| linter.is_enabled(i)) {
        diagnostics.push(monolint::Diagnostic {
            rule: rule.id().to_string(),
            severity: rule.severity,
            message: format!(
                "file of {size} bytes is over the {}-byte limit: not linted (raise `max_file_size` in monolint.yaml to lint it)",
                linter.max_bytes()
            ),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            offset: 0,
            length: 0,
            text: String::new(),
            compound: None,
            help: rule.help(None),
        });
    }
    Cached {
        linted: false,
        diagnostics,
    }
}

/// Tell the cache what one file's outcome taught it.
fn remember(
    updates: &mut Updates,
    loaded: &Loaded,
    key: cache::Key,
    found: &Found<'_>,
    file: &FileNote,
) {
    match found {
        Found::Cached(_) => updates.hit(key),
        Found::Fresh(value) => updates.put(loaded, key, value),
    }
    match *file {
        FileNote::Nothing => {}
        FileNote::Unchanged(id) => updates.hit_file(id),
        FileNote::Read(id, stamp) => updates.record(loaded, id, stamp, key),
    }
}

/// Files linted (not served from the cache) before the faster automaton is worth
/// building.
const VOLUME: usize = 64;

struct Run<'a> {
    linter: &'a Linter,
    cache: Option<&'a Loaded>,
    stdin: Vec<u8>,
    /// How many bytes standard input held (only the first `max_bytes + 1` are kept).
    stdin_size: u64,
    want_text: bool,
    /// How long a file must have been left alone for its state to be recorded
    /// ([`cache::SETTLE`]).
    settle: std::time::Duration,
    /// Files read, and files linted.
    reads: AtomicUsize,
    linted: AtomicUsize,
}

impl<'a> Run<'a> {
    /// What linting a file of `size` bytes over the size limit gives, without its bytes.
    fn too_large(&self, size: u64) -> Outcome<'a> {
        Outcome {
            result: Ok(Found::Fresh(too_large(self.linter, size))),
            text: Arc::default(),
            key: None,
            file: FileNote::Nothing,
        }
    }

    fn lint(&self, name: &str, path: Option<&Path>) -> Outcome<'a> {
        let format = monolint::document::Format::from_path(name);
        // A file in the state the cache recorded is not read: its result is served from
        // the entry for the bytes it held (see `cache` on when a state is trusted). Runs
        // that show the text (snippets, fixes, baselines, SARIF) read it anyway.
        if let (Some(loaded), Some(p), false) = (self.cache, path, self.want_text) {
            let state = std::fs::metadata(p)
                .ok()
                .and_then(|m| cache::stat(&m, format));
            if let Some((id, stamp)) = state {
                let found = loaded
                    .by_stat(id, stamp)
                    .and_then(|k| Some((k, loaded.entry(k)?)));
                if let Some((key, entry)) = found {
                    return Outcome {
                        result: Ok(Found::Cached(entry)),
                        text: Arc::default(),
                        key: Some(key),
                        file: FileNote::Unchanged(id),
                    };
                }
            }
        }
        let read;
        let mut file = FileNote::Nothing;
        let bytes: &[u8] = match path {
            None if self.stdin_size > self.linter.max_bytes() as u64 => {
                return self.too_large(self.stdin_size);
            }
            None => &self.stdin,
            Some(p) => {
                let opened = std::time::SystemTime::now();
                self.reads.fetch_add(1, Ordering::Relaxed);
                let limit = self.linter.max_bytes() as u64;
                match read_file(p, name, limit) {
                    Ok((_, meta)) if meta.len() > limit => {
                        // refused unread: a 100 MB file costs no 100 MB of memory
                        return self.too_large(meta.len());
                    }
                    Ok((b, meta)) => {
                        if self.cache.is_some() {
                            if let Some((id, stamp)) = cache::stat(&meta, format) {
                                if stamp.settled(opened, self.settle) {
                                    file = FileNote::Read(id, stamp);
                                }
                            }
                        }
                        read = b;
                        &read
                    }
                    Err(problem) => {
                        return Outcome {
                            result: Err(said(name, problem)),
                            text: Arc::default(),
                            key: None,
                            file,
                        }
                    }
                }
            }
        };
        let key = self.cache.map(|_| cache::key(bytes, format));
        let hit = self.cache.zip(key).and_then(|(c, k)| c.entry(k));
        let (found, show) = match hit {
            Some(entry) => (Found::Cached(entry), entry.linted() && !entry.is_empty()),
            None => {
                // the faster automaton pays off over many files, not over a few edits
                if self.linted.fetch_add(1, Ordering::Relaxed) + 1 == VOLUME {
                    self.linter.prepare_for_volume();
                }
                let report = self.linter.lint_bytes(name, bytes);
                let show = report.linted && !report.diagnostics.is_empty();
                let value = Cached {
                    linted: report.linted,
                    diagnostics: report.diagnostics,
                };
                (Found::Fresh(value), show)
            }
        };
        // a file that was not linted (binary) has no text worth showing
        let text = if self.want_text && show {
            Arc::new(String::from_utf8_lossy(bytes).into_owned())
        } else {
            Arc::default()
        };
        Outcome {
            result: Ok(found),
            text,
            key,
            file,
        }
    }
}

pub fn run(args: &CheckArgs) -> u8 {
    let started = std::time::Instant::now();
    if let Err(msg) = crate::finish::check_args(args) {
        errln!("monolint: error: {msg}");
        return 2;
    }
    let mut plan = match plan(args.config.as_deref()) {
        Ok(p) => p,
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
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("-");
    let cached = !args.no_cache && (args.cache_dir.is_some() || dirs::cache_dir().is_some());
    // A folder or a long list is walked on a thread of its own while the linter is built
    // (a large registry takes milliseconds), and the walk is waited for only when the
    // automaton's form is chosen: when this run is many files and no cache (see
    // `VOLUME`), the linter is built ready for them in one pass. A few files are looked
    // at then, on this thread (a thread costs more than they do: a pre-commit run).
    let exclude = plan.exclude.take();
    let beside = paths.len() >= 64 || paths.iter().any(|p| p.is_dir());
    let walk = || {
        let mut remarks = Remarks::default();
        let jobs = collect(&paths, &exclude, &mut remarks, stdin_name);
        (jobs, remarks)
    };
    let mut walked = None;
    let built = std::thread::scope(|scope| {
        let walker = beside.then(|| std::thread::Builder::new().spawn_scoped(scope, walk));
        plan.build_deciding(|| {
            let (jobs, remarks) = match walker {
                Some(Ok(handle)) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // a few files, or no thread to be had: walk here
                _ => walk(),
            };
            let volume = wants_volume(&jobs, args.shard, cached);
            walked = Some((jobs, remarks));
            volume
        })
    });
    let setup = match built {
        Ok(s) => s,
        Err(msg) => {
            errln!("{msg}");
            return 2;
        }
    };
    let (jobs, mut remarks) = walked.unwrap_or_else(walk);
    // the linter lives as long as the process: freeing a large registry's many small
    // allocations at exit is work for nothing
    let setup: &Setup = Box::leak(Box::new(setup));
    let mut problems = std::mem::take(&mut remarks.problems);
    let mut stdin = Vec::new();
    let mut stdin_size = 0;
    let mut unread = None;
    if let Some(i) = jobs.stdin {
        // standard input is read before linting starts; named twice, it is linted once
        if let Err(e) = read_bounded(
            &mut std::io::stdin(),
            &mut stdin,
            &mut stdin_size,
            setup.linter.max_bytes() as u64,
        ) {
            problems.push(said("-", format!("cannot read standard input: {e}")));
            unread = Some(i);
        }
    }
    // The report is in path order, whatever order the files were given or linted in.
    let (jobs, requested) = jobs.sort(unread, |name| in_share(args.shard, name));
    // fixes, baselines, SARIF and GitHub annotations need the whole run's findings; the
    // JSON and human reports stream file by file
    let whole_run = args.fix
        || args.diff
        || args.baseline.is_some()
        || args.write_baseline.is_some()
        || matches!(args.format, Format::Sarif | Format::Github);
    // an empty share of a split, or an empty change list, is a run with nothing to do
    let nothing_expected = (args.shard.is_some() && requested > 0 && jobs.len() == 0)
        || (args.files_from.is_some() && paths.is_empty());
    let json = args.format == Format::Json && !whole_run;
    let mut cache = if args.no_cache {
        None
    } else {
        args.cache_dir
            .clone()
            .or_else(|| dirs::cache_dir().map(|d| d.join("monolint")))
            .map(|dir| Cache::open(&dir, cache::fingerprint(&setup.linter), json))
    };
    let (loaded, mut updates) = match &mut cache {
        Some(c) => (Some(&c.loaded), Some(&mut c.updates)),
        None => (None, None),
    };
    let run = Run {
        linter: &setup.linter,
        cache: loaded,
        stdin,
        stdin_size,
        want_text: whole_run || (args.format == Format::Human && std::io::stdout().is_terminal()),
        settle: cache::SETTLE,
        reads: AtomicUsize::new(0),
        linted: AtomicUsize::new(0),
    };
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let mut emitter = Emitter::new(args.format, started);
    let mut results: Vec<FileResult> = Vec::new();
    let progress = crate::progress::Progress::new(jobs.len());
    let mut linted = 0usize;
    let jobs = &jobs;
    let mut report = |i: usize, outcome: Outcome<'_>| {
        let found = match outcome.result {
            Ok(found) => found,
            Err(p) => {
                problems.push(p);
                return;
            }
        };
        let name = jobs.name(i);
        if let (Some(updates), Some(loaded), Some(key)) =
            (updates.as_deref_mut(), loaded, outcome.key)
        {
            remember(updates, loaded, key, &found, &outcome.file);
        }
        progress.inc();
        match found {
            Found::Cached(entry) => {
                linted += usize::from(entry.linted());
                let Some(loaded) = loaded else { return };
                if whole_run {
                    results.push(FileResult {
                        path: name.into_owned(),
                        text: outcome.text,
                        diagnostics: loaded.decode(entry).diagnostics,
                    });
                } else {
                    emitter.cached(&name, &outcome.text, loaded, entry);
                }
            }
            Found::Fresh(r) => {
                linted += usize::from(r.linted);
                if whole_run {
                    results.push(FileResult {
                        path: name.into_owned(),
                        text: outcome.text,
                        diagnostics: r.diagnostics,
                    });
                } else {
                    emitter.file(&name, &outcome.text, &r.diagnostics);
                }
            }
        }
    };
    // Files are linted on every thread and reported in path order as they come: a
    // thread runs at most `ahead` files in front of the report, so memory holds that many
    // files' results however large the site (see `ordered`).
    let lint_one = |i: usize| {
        let raw = jobs.raw(i);
        run.lint(&jobs.shown(i, &raw), jobs.path_in(i, &raw))
    };
    if let Err(e) = crate::ordered::run(jobs.len(), threads, 128 * threads, lint_one, &mut report) {
        errln!("monolint: note: running on fewer threads: {e}");
    }
    if let Some(cache) = cache {
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
        return crate::finish::finish(args, setup, results, linted, trusted, started);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A large file read in two halves is the file, whatever character straddles the
    /// middle; a large file that is not UTF-8 is refused as the standard library does.
    #[test]
    fn a_large_file_read_in_halves_is_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let line = "- id: x\n  notes: \"µ–é 😀 ok\"\n";
        let mut text = String::new();
        while text.len() < PARALLEL_READ_BYTES as usize + 3 {
            text.push_str(line);
        }
        for extra in 0..4 {
            // the middle moves over the bytes of the multi-byte characters
            let t = format!("{}{text}", "a".repeat(extra));
            let path = dir.path().join(format!("reg{extra}.yaml"));
            std::fs::write(&path, &t).unwrap();
            assert!(t.len() as u64 >= PARALLEL_READ_BYTES);
            assert_eq!(read_text(&path).unwrap(), t);
        }
        let small = dir.path().join("small.yaml");
        std::fs::write(&small, line).unwrap();
        assert_eq!(read_text(&small).unwrap(), line);
        let mut bad = text.clone().into_bytes();
        let mid = bad.len() / 2;
        bad[mid] = 0xff;
        let path = dir.path().join("bad.yaml");
        std::fs::write(&path, &bad).unwrap();
        let ours = read_text(&path).unwrap_err();
        let std = std::fs::read_to_string(&path).unwrap_err();
        assert_eq!(ours.kind(), std.kind());
        assert_eq!(ours.to_string(), std.to_string());
        let missing = dir.path().join("missing.yaml");
        assert_eq!(
            read_text(&missing).unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
    }

    /// The two halves are read (not left to the one-thread read), a file that shrank
    /// since its size was taken is left to be read again, and what it grew by is read.
    #[cfg(unix)]
    #[test]
    fn reading_in_halves_reads_the_halves_and_sees_a_file_change_size() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = (0..300_000).map(|i| format!("{i}\n")).collect();
        let path = dir.path().join("reg.yaml");
        std::fs::write(&path, &text).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let len = text.len() as u64;
        assert_eq!(
            read_halves(&file, len).unwrap(),
            Some(text.clone().into_bytes())
        );
        // it was larger when its size was taken: shrank since
        assert_eq!(read_halves(&file, len + 10).unwrap(), None);
        // it was smaller: the rest is read on
        assert_eq!(
            read_halves(&file, len - 5_000).unwrap(),
            Some(text.into_bytes())
        );
    }

    fn jobs(paths: &[&str]) -> Jobs {
        let mut j = Jobs::default();
        for p in paths {
            j.push(p.as_bytes());
        }
        j
    }

    /// The linter is built for many files from VOLUME files in this run's share on, and
    /// never for a run with a cache or under VOLUME files (its share, for a split run).
    #[test]
    fn the_linter_is_built_for_volume_only_for_many_uncached_files() {
        let names: Vec<String> = (0..VOLUME * 4).map(|i| format!("p/{i}.md")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let at = |n: usize| jobs(&refs[..n]);
        assert!(wants_volume(&at(VOLUME), None, false));
        assert!(!wants_volume(&at(VOLUME - 1), None, false));
        assert!(!wants_volume(&at(VOLUME * 3), None, true));
        // a third of 2 x VOLUME files is too few, a third of 4 x VOLUME enough
        let share = |n: usize, k: u64| (0..n).filter(|&i| shard_of(&names[i], 3) == k).count();
        for k in 1..=3 {
            for n in [VOLUME * 2, VOLUME * 4] {
                assert_eq!(
                    wants_volume(&at(n), Some((k, 3)), false),
                    share(n, k) >= VOLUME,
                    "{n} files, share {k}/3"
                );
            }
        }
        // both outcomes are exercised among the shares
        assert!((1..=3).all(|k| share(VOLUME * 2, k) < VOLUME));
        assert!((1..=3).any(|k| share(VOLUME * 4, k) >= VOLUME));
    }

    fn names(j: &Jobs) -> Vec<String> {
        (0..j.len()).map(|i| j.name(i).into_owned()).collect()
    }

    #[test]
    fn jobs_come_out_in_report_order_once_each() {
        // already in order: kept as it is
        let (j, n) = jobs(&["a-c.md", "a/b.md", "b.md"]).sort(None, |_| true);
        assert_eq!(
            (names(&j), n),
            (vec!["a-c.md".into(), "a/b.md".into(), "b.md".into()], 3)
        );
        // a walk goes into folder `a` before `a-c.md`, but '-' sorts before '/'
        let (j, n) = jobs(&["a/b.md", "a-c.md", "b.md", "a/b.md"]).sort(None, |_| true);
        assert_eq!(
            (names(&j), n),
            (vec!["a-c.md".into(), "a/b.md".into(), "b.md".into()], 3)
        );
        // in order but for a repeat at the end: the repeat goes
        let (j, n) = jobs(&["a.md", "b.md", "b.md"]).sort(None, |_| true);
        assert_eq!((names(&j), n), (vec!["a.md".into(), "b.md".into()], 2));
        // a shard keeps its share, in order, and still counts every job
        let (j, n) = jobs(&["a-c.md", "a/b.md", "b.md"]).sort(None, |name| name != "a/b.md");
        assert_eq!((names(&j), n), (vec!["a-c.md".into(), "b.md".into()], 3));
        // a job left out (unreadable standard input) is not counted
        let (j, n) = jobs(&["a-c.md", "b.md"]).sort(Some(0), |_| true);
        assert_eq!((names(&j), n), (vec!["b.md".into()], 1));
    }

    #[test]
    fn extensions_and_normal_paths_read_from_bytes_are_what_path_reads() {
        let paths = [
            "a.md",
            "a/b.md",
            "a/b.MD",
            "a/.md",
            "a/..md",
            "a/b.",
            "a/b",
            "a/b.tar.txt",
            ".",
            "..",
            "a/..",
            "a/.",
            "a/b.md/",
            "a//b.md",
            "/",
            "/x.md",
            "./a.md",
            "a/./b.md",
            "./",
            "a/b/c.markdown",
            "été/ü.md",
            "",
        ];
        for p in paths {
            let path = Path::new(p);
            assert_eq!(
                extension(path),
                path.extension().and_then(|e| e.to_str()),
                "{p:?}"
            );
            let slow: PathBuf = path
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            let slow = if slow.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                slow
            };
            assert_eq!(normal(path), slow, "{p:?}");
            // the fast answer is given only when the path is left as it is
            if is_normal(path) {
                assert_eq!(slow, path, "{p:?}");
            }
        }
        assert!(is_normal(Path::new("a/b.md")) && is_normal(Path::new("/x/y.md")));
        assert!(!is_normal(Path::new("./a.md")) && !is_normal(Path::new("a//b.md")));
    }

    #[test]
    fn a_folder_is_kept_once_for_a_run_of_paths_in_it_and_each_path_comes_back_whole() {
        let given = [
            "site/a/1.md",
            "site/a/2.md",
            "site/a/3.md",
            "top.md",
            "site/b/1.md",
            "site/a/4.md",
            "/",
            "site/b/",
        ];
        let j = jobs(&given);
        let chunk = &j.chunks[0];
        let dirs: Vec<&[u8]> = (0..chunk.dir_ends.len()).map(|d| chunk.dir(d)).collect();
        let want: [&[u8]; 6] = [b"site/a/", b"", b"site/b/", b"site/a/", b"/", b"site/b/"];
        assert_eq!(dirs, want);
        assert_eq!(chunk.names, b"1.md2.md3.mdtop.md1.md4.md");
        for (i, path) in given.iter().enumerate() {
            assert_eq!(&*j.raw(i), path.as_bytes());
            assert_eq!(j.name(i), *path);
        }
        // the name shown drops a leading `./`, and the path keeps it
        let j = jobs(&["./x/a.md", "./b.md"]);
        assert_eq!((j.name(0), j.name(1)), ("x/a.md".into(), "b.md".into()));
        assert_eq!(j.path_in(0, &j.raw(0)), Some(Path::new("./x/a.md")));
        // offsets are u32: a chunk without room for a path starts the next
        assert!(!j.chunks[0].has_room(u32::MAX as usize));
        assert!(j.chunks[0].has_room(1 << 20));
    }

    #[test]
    fn jobs_over_several_chunks_keep_every_path_and_sort_across_chunks() {
        // more than two chunks, given in reverse, with a repeat, standard input and a
        // name that is not UTF-8 among them
        let n = 2 * PER_CHUNK + 7;
        let mut j = Jobs::default();
        for k in (0..n).rev() {
            j.push(format!("./d{}/p{k:05}.md", k % 3).as_bytes());
        }
        j.push(b"./d0/p00000.md");
        j.stdin = Some(j.len());
        j.push(b"zz-stdin");
        #[cfg(unix)]
        j.push(b"d1/\xff.md");
        let given = j.len();
        assert_eq!(j.chunks.len(), given.div_ceil(PER_CHUNK));
        assert_eq!(j.name(n - 1), "d0/p00000.md");
        assert_eq!(
            j.path_in(n - 1, &j.raw(n - 1)),
            Some(Path::new("./d0/p00000.md"))
        );
        assert_eq!(j.path_in(n + 1, &j.raw(n + 1)), None);

        let (sorted, requested) = j.sort(None, |_| true);
        assert_eq!(requested, given - 1, "the repeat is linted once");
        assert_eq!(sorted.len(), given - 1);
        let got = names(&sorted);
        let mut want = got.clone();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(got[0], "d0/p00000.md");
        assert_eq!(sorted.stdin, Some(sorted.len() - 1));
        let last = sorted.len() - 1;
        assert_eq!(sorted.path_in(last, &sorted.raw(last)), None);
        assert_eq!(sorted.name(sorted.len() - 1), "zz-stdin");
        // already in order: returned as it is, every path still there
        let (again, requested) = sorted.sort(None, |_| true);
        assert_eq!((names(&again), requested), (got.clone(), given - 1));
        // a shard of an ordered list: its share, in order, across chunks
        let (shard, requested) = again.sort(None, |name| name.starts_with("d2/"));
        assert_eq!(requested, given - 1);
        let want: Vec<String> = got.into_iter().filter(|s| s.starts_with("d2/")).collect();
        assert_eq!(names(&shard), want);
        assert!(want.len() > PER_CHUNK / 2);
    }

    /// Lint `path` once against the cache in `dir` as a run would, and save what it
    /// learnt: whether the result came from the cache, and how many files were read.
    fn lint_once(
        dir: &Path,
        linter: &Linter,
        path: &Path,
        settle: Duration,
    ) -> (bool, usize, Cached) {
        let mut cache = Cache::open(dir, 1, true);
        let run = Run {
            linter,
            cache: Some(&cache.loaded),
            stdin: Vec::new(),
            stdin_size: 0,
            want_text: false,
            settle,
            reads: AtomicUsize::new(0),
            linted: AtomicUsize::new(0),
        };
        let name = display(path);
        let outcome = run.lint(&name, Some(path));
        let reads = run.reads.load(Ordering::Relaxed);
        let Ok(found) = outcome.result else {
            panic!("lint failed")
        };
        let key = outcome.key.expect("a cache key");
        remember(
            &mut cache.updates,
            &cache.loaded,
            key,
            &found,
            &outcome.file,
        );
        let (cached, value) = match &found {
            Found::Cached(e) => (true, cache.loaded.decode(*e)),
            Found::Fresh(v) => (false, v.clone()),
        };
        drop(found);
        cache.save().expect("save");
        (cached, reads, value)
    }

    fn set_mtime(path: &Path, t: std::time::SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .expect("open")
            .set_modified(t)
            .expect("set mtime");
    }

    fn mtime(path: &Path) -> std::time::SystemTime {
        std::fs::metadata(path)
            .expect("meta")
            .modified()
            .expect("mtime")
    }

    /// A linter, a temporary folder, a cache folder in it, and `page.md` holding PAGE_A.
    fn page_a() -> (Linter, tempfile::TempDir, PathBuf, PathBuf) {
        let linter = Linter::with_defaults().expect("default pack");
        let dir = tempfile::tempdir().expect("temp dir");
        let cache_dir = dir.path().join("cache");
        let page = dir.path().join("page.md");
        std::fs::write(&page, PAGE_A).expect("write");
        (linter, dir, cache_dir, page)
    }

    const PAGE_A: &str = "# BPC-157\n\nMost users inject 250 mcg daily.\n";
    const PAGE_B: &str = "# BPC-157\n\nMost users inject 500 mcg daily.\n";

    #[test]
    fn an_unchanged_file_is_served_by_its_state_without_being_read() {
        let (linter, dir, cache_dir, page) = page_a();
        std::thread::sleep(Duration::from_millis(20));
        // no settling time in this test: each page is written before it is opened
        let settle = Duration::ZERO;
        let (cached, reads, first) = lint_once(&cache_dir, &linter, &page, settle);
        assert_eq!((cached, reads), (false, 1), "cold: read and linted");
        assert!(!first.diagnostics.is_empty());
        let (cached, reads, warm) = lint_once(&cache_dir, &linter, &page, settle);
        assert_eq!(
            (cached, reads),
            (true, 0),
            "warm: served by its state, not read"
        );
        assert_eq!(warm, first);

        // the same size, the modification time put back: the status-change time moved
        let was = mtime(&page);
        std::fs::write(&page, PAGE_B).expect("write");
        set_mtime(&page, was);
        std::thread::sleep(Duration::from_millis(20));
        let (cached, reads, edited) = lint_once(&cache_dir, &linter, &page, settle);
        assert_eq!((cached, reads), (false, 1), "edited: read again");
        let b = linter.lint_bytes("page.md", PAGE_B.as_bytes()).diagnostics;
        assert_eq!(edited.diagnostics, b);
        assert_ne!(edited, first);

        // back to the first bytes: read (its state is new), served from the content entry
        std::fs::write(&page, PAGE_A).expect("write");
        std::thread::sleep(Duration::from_millis(20));
        let (cached, reads, back) = lint_once(&cache_dir, &linter, &page, settle);
        assert_eq!((cached, reads), (true, 1));
        assert_eq!(back, first);

        // replaced by another file (a new inode), same size and modification time
        let other = dir.path().join("other.md");
        std::fs::write(&other, PAGE_B).expect("write");
        set_mtime(&other, mtime(&page));
        std::fs::rename(&other, &page).expect("rename");
        std::thread::sleep(Duration::from_millis(20));
        let (cached, reads, replaced) = lint_once(&cache_dir, &linter, &page, settle);
        assert_eq!(
            (cached, reads),
            (true, 1),
            "replaced: read, found by content"
        );
        assert_eq!(replaced, edited);

        // the same file read as another format is another entry
        let text = dir.path().join("page.txt");
        std::fs::hard_link(&page, &text).expect("link");
        let (_, reads, as_text) = lint_once(&cache_dir, &linter, &text, settle);
        assert_eq!(reads, 1, "a hard link with another extension is read");
        let t = linter.lint_bytes("page.txt", PAGE_B.as_bytes()).diagnostics;
        assert_eq!(as_text.diagnostics, t);
    }

    #[test]
    fn a_file_changed_too_recently_is_never_trusted_by_its_state() {
        // The racy case: a page written within the settling time of the run that reads
        // it could be written again in the same clock tick, keeping its times. Its state
        // is not recorded, so the next run reads it again, whatever its times say.
        let (linter, _dir, cache_dir, page) = page_a(); // the folder lives to the end
        let (_, reads, first) = lint_once(&cache_dir, &linter, &page, cache::SETTLE);
        assert_eq!(reads, 1);
        // rewritten with the same size and, as a coarse clock would show it, the same
        // modification time
        let was = mtime(&page);
        std::fs::write(&page, PAGE_B).expect("write");
        set_mtime(&page, was);
        let (cached, reads, second) = lint_once(&cache_dir, &linter, &page, cache::SETTLE);
        assert_eq!(
            (cached, reads),
            (false, 1),
            "read again, not served by its state"
        );
        assert_ne!(second, first);
        let (cached, reads, third) = lint_once(&cache_dir, &linter, &page, cache::SETTLE);
        assert_eq!((cached, reads), (true, 1), "still read while it is recent");
        assert_eq!(third, second);
    }

    #[test]
    fn a_file_over_the_limit_is_refused_unread_with_the_diagnostic_the_library_gives() {
        let mut linter = Linter::with_defaults().expect("default pack");
        linter.set_max_bytes(100);
        for size in [101usize, 4096] {
            let bytes = vec![b'a'; size];
            let want = linter.lint_bytes("big.md", &bytes);
            let got = too_large(&linter, size as u64);
            assert_eq!(got.diagnostics, want.diagnostics);
            assert_eq!(got.linted, want.linted);
            assert_eq!(got.diagnostics.len(), 1);
        }
        // a stream is kept only up to the limit, and counted to its end
        let (mut kept, mut size) = (Vec::new(), 0);
        let mut input = &vec![b'x'; 5000][..];
        read_bounded(&mut input, &mut kept, &mut size, 100).expect("read");
        assert_eq!((kept.len(), size), (101, 5000));
        let (mut kept, mut size) = (Vec::new(), 0);
        read_bounded(&mut &b"short"[..], &mut kept, &mut size, 100).expect("read");
        assert_eq!((&kept[..], size), (&b"short"[..], 5));

        // through a run: the file is not read
        let dir = tempfile::tempdir().expect("temp dir");
        let page = dir.path().join("big.md");
        std::fs::write(&page, vec![b'a'; 4096]).expect("write");
        let run = Run {
            linter: &linter,
            cache: None,
            stdin: Vec::new(),
            stdin_size: 0,
            want_text: false,
            settle: cache::SETTLE,
            reads: AtomicUsize::new(0),
            linted: AtomicUsize::new(0),
        };
        let outcome = run.lint("big.md", Some(&page));
        let Ok(Found::Fresh(got)) = outcome.result else {
            panic!("not linted fresh")
        };
        assert_eq!(got, too_large(&linter, 4096));
    }
}
