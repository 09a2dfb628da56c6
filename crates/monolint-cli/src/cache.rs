//! The result cache: what linting a file's bytes produced, keyed by those bytes, the file
//! format, and everything else the result depends on; and, so that an unchanged file need
//! not even be read, which bytes each file held when it was last read.
//!
//! One cache file per *pack fingerprint*: a hash of the monolint version and executable,
//! every loaded rule pack and registry (name and full text, in order), and each rule's
//! effective severity and on/off state after configuration. A changed rule, compound,
//! severity override or `disable` gives a different fingerprint, so an old result can
//! never be served for a new pack. Inside the file, results are keyed by an XXH3-128 hash
//! of the file's bytes plus its format (Markdown, HTML or plain text, from the extension).
//!
//! **Stat entries** (Unix only) map a file's identity and state (device, inode, format;
//! size, modification and status-change times to the nanosecond) to the content key of
//! the bytes read. A later run that finds a file in exactly that state serves its result
//! without opening it. Any write to a file moves its status-change time (`ctime`), which no
//! program can set back, and a file replaced by another gets a new inode or a new `ctime`.
//! What remains is the "racy" case git knows: a file changed again within the same clock
//! tick as the state that was recorded keeps its times. So a state is recorded only once it
//! has *settled*: its `mtime` and `ctime` are more than [`SETTLE`] older than the moment
//! the file was opened (taken before its metadata, itself taken before its bytes). A file
//! written in the last two seconds is therefore read and hashed on every run until it has
//! been left alone for that long. This trusts the file system's clock to agree with this
//! machine's within [`SETTLE`] (a network file system's server clock far behind this
//! machine's would defeat it; `--no-cache` or a fresh `--cache-dir` are the way out).
//!
//! The file is read once at the start of a run (one read, no per-entry allocation: strings
//! and entries stay slices of that buffer) and written once at the end, to a temporary
//! file in the same folder that is then renamed over the old one, so a killed run leaves
//! either the old cache or the new one, never half of one. A file that does not start with
//! the right header, was written for another fingerprint, or whose checksum does not match
//! its contents, or any entry of which does not decode, is ignored whole (and replaced at
//! the end of the run). A run killed while writing leaves its temporary file
//! (`.monolint-cache-*.tmp`) behind; a later run that writes the cache removes such files
//! once they are older than [`STALE_TEMP`], so a writer still at work is never disturbed.
//!
//! Diagnostics are stored compactly: every string (rule ids, messages, help, finding
//! text) once in a string table, each diagnostic as a few variable-length integers. For
//! JSON output each string is escaped once per run, and a cached file's findings are
//! written straight from the entry, with no `Diagnostic` built.

use crate::output::{json_string, JsonRecord};
use monolint::document::Format;
use monolint::{Diagnostic, Linter, Severity};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use xxhash_rust::xxh3::{xxh3_128, xxh3_64, Xxh3};

const MAGIC: &[u8; 8] = b"MLCACHE\0";
/// Bump when the layout below changes.
const FORMAT: u32 = 2;
/// Entries not seen in a run are kept while the cache holds fewer than this many (or
/// four times what the run saw), so several sites or shards can share one folder.
const KEEP_UNSEEN: usize = 50_000;

/// A temporary cache file this old was left by a run that was killed while writing it.
const STALE_TEMP: Duration = Duration::from_secs(10 * 60);
const TEMP_PREFIX: &str = ".monolint-cache-";
const TEMP_SUFFIX: &str = ".tmp";

/// How long a file must have been left alone (both its modification and status-change
/// times this much older than the moment it was opened) before its state is recorded and
/// later trusted without reading it. More than a coarse file system timestamp's tick (one
/// second on some file systems, plus the kernel's coarse clock lagging by a few
/// milliseconds), with room for a little clock skew.
pub const SETTLE: Duration = Duration::from_secs(2);

/// A file's cache key.
pub type Key = u128;

fn format_tag(format: Format) -> u8 {
    match format {
        Format::Markdown => 1,
        Format::Html => 2,
        Format::Text => 0,
    }
}

/// The cache key of a file: its bytes and the format they are read as (the same bytes
/// as Markdown, HTML and plain text give different findings).
pub fn key(bytes: &[u8], format: Format) -> Key {
    xxh3_128(bytes) ^ u128::from(format_tag(format))
}

/// The fingerprint of everything besides the file that results depend on.
pub fn fingerprint(linter: &Linter) -> u128 {
    let mut h = Xxh3::new();
    let mut field = |b: &[u8]| {
        h.update(&(b.len() as u64).to_le_bytes());
        h.update(b);
    };
    field(&FORMAT.to_le_bytes());
    field(env!("CARGO_PKG_VERSION").as_bytes());
    // a rebuilt binary may lint differently under the same version number
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        field(&meta.len().to_le_bytes());
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        field(&mtime.to_le_bytes());
    }
    for s in linter.sources() {
        field(s.name.as_bytes());
        field(s.text.as_bytes());
    }
    for (i, r) in linter.rules().iter().enumerate() {
        field(r.id().as_bytes());
        field(&[r.severity as u8, u8::from(linter.is_enabled(i))]);
    }
    // the size limit decides whether a file is linted at all
    field(&(linter.max_bytes() as u64).to_le_bytes());
    h.digest128()
}

/// What linting one file produced, as cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    pub linted: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// Which file, read as which format: device and inode (a hard link is the same file),
/// and the format its name gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId {
    dev: u64,
    ino: u64,
    format: u8,
}

/// The state of a file as its metadata tells it: size, and modification and
/// status-change times in nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    mtime: i128,
    ctime: i128,
}

/// A regular file's identity and state, from metadata taken before its bytes are read
/// (`None` where the platform has no inodes and status-change times).
#[cfg(unix)]
pub fn stat(meta: &std::fs::Metadata, format: Format) -> Option<(FileId, Stamp)> {
    use std::os::unix::fs::MetadataExt;
    if !meta.is_file() {
        return None;
    }
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    Some((
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            format: format_tag(format),
        },
        Stamp {
            size: meta.len(),
            mtime: ns(meta.mtime(), meta.mtime_nsec()),
            ctime: ns(meta.ctime(), meta.ctime_nsec()),
        },
    ))
}

#[cfg(not(unix))]
pub fn stat(_meta: &std::fs::Metadata, _format: Format) -> Option<(FileId, Stamp)> {
    None
}

impl Stamp {
    /// Whether the file had been left alone for `settle` ([`SETTLE`]) when it was opened
    /// at `opened` (a time taken before its metadata): only then can a later run trust
    /// this state to mean these bytes. A change after `opened` gives a status-change time
    /// of at least `opened` less a coarse clock's lag, which cannot equal a time
    /// [`SETTLE`] before it.
    pub fn settled(&self, opened: SystemTime, settle: Duration) -> bool {
        let Ok(now) = opened.duration_since(UNIX_EPOCH) else {
            return false;
        };
        let limit = i128::try_from(now.as_nanos()).unwrap_or(i128::MAX)
            - i128::try_from(settle.as_nanos()).unwrap_or(i128::MAX);
        self.mtime.max(self.ctime) < limit
    }
}

/// One diagnostic of an entry, undecoded: string ids (compound and help: 0 for none,
/// else id + 1) and numbers.
struct Raw {
    severity: Severity,
    rule: usize,
    message: usize,
    text: usize,
    compound: usize,
    help: usize,
    /// line, column, end line, end column, offset, length
    nums: [usize; 6],
}

/// Walk an encoded entry, checking every string id against a table of `n_strings`;
/// `None` if it does not decode. The one decoder: what [`Loaded`] checks at load is what
/// it later decodes, so a loaded entry always decodes.
fn walk(body: &[u8], n_strings: usize, mut each: impl FnMut(&Raw)) -> Option<bool> {
    let mut r = Reader(body);
    let linted = match r.take(1)?[0] {
        0 => false,
        1 => true,
        _ => return None,
    };
    let n = r.var()?;
    let id = |r: &mut Reader<'_>, optional: bool| -> Option<usize> {
        let i = usize::try_from(r.var()?).ok()?;
        (i < n_strings + usize::from(optional)).then_some(i)
    };
    for _ in 0..n {
        let severity = match r.take(1)?[0] {
            x if x == Severity::Info as u8 => Severity::Info,
            x if x == Severity::Warning as u8 => Severity::Warning,
            x if x == Severity::Error as u8 => Severity::Error,
            _ => return None,
        };
        let rule = id(&mut r, false)?;
        let message = id(&mut r, false)?;
        let text = id(&mut r, false)?;
        let compound = id(&mut r, true)?;
        let help = id(&mut r, true)?;
        let mut nums = [0usize; 6];
        for n in &mut nums {
            *n = usize::try_from(r.var()?).ok()?;
        }
        each(&Raw {
            severity,
            rule,
            message,
            text,
            compound,
            help,
            nums,
        });
    }
    r.0.is_empty().then_some(linted)
}

/// The cache as it was on disk when the run started: read-only during the run, shared by
/// the linting threads without a lock.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The cache file's bytes; entries are ranges of it.
    buf: Vec<u8>,
    /// Every string of the table, one after the other, and where each ends.
    text: String,
    ends: Vec<usize>,
    /// The same strings as JSON string literals (only when the run writes JSON).
    json: Vec<u8>,
    json_ends: Vec<usize>,
    entries: HashMap<Key, (usize, usize)>,
    stats: HashMap<FileId, (Stamp, Key)>,
}

impl Loaded {
    fn n_strings(&self) -> usize {
        self.ends.len()
    }

    fn str(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..self.ends[i]).unwrap_or_default()
    }

    fn json_str(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.json_ends[i - 1] };
        self.json.get(start..self.json_ends[i]).unwrap_or_default()
    }

    /// The cached entry for `key`.
    pub fn entry(&self, key: Key) -> Option<Entry<'_>> {
        let &(start, end) = self.entries.get(&key)?;
        Some(Entry {
            body: self.buf.get(start..end)?,
        })
    }

    /// The content key recorded for a file in exactly this state, if any.
    pub fn by_stat(&self, id: FileId, stamp: Stamp) -> Option<Key> {
        self.stats
            .get(&id)
            .filter(|(s, _)| *s == stamp)
            .map(|&(_, k)| k)
    }

    /// An entry's findings as diagnostics.
    pub fn decode(&self, entry: Entry<'_>) -> Cached {
        let mut diagnostics = Vec::new();
        let s = |i: usize| self.str(i).to_string();
        let opt = |i: usize| (i > 0).then(|| self.str(i - 1).to_string());
        let linted = walk(entry.body, self.n_strings(), |r| {
            let [line, column, end_line, end_column, offset, length] = r.nums;
            diagnostics.push(Diagnostic {
                rule: s(r.rule),
                severity: r.severity,
                message: s(r.message),
                line,
                column,
                end_line,
                end_column,
                offset,
                length,
                text: s(r.text),
                compound: opt(r.compound),
                help: opt(r.help),
            });
        })
        .unwrap_or(false);
        Cached {
            linted,
            diagnostics,
        }
    }

    /// Append an entry's findings to `out` as the JSON report's diagnostics (byte for
    /// byte what serializing the decoded diagnostics gives), each preceded by a comma
    /// unless `first`, and count them by severity (`counts`: infos, warnings, errors).
    /// Needs the loaded table's JSON strings ([`Cache::open`] with `json`).
    pub fn write_json(
        &self,
        out: &mut Vec<u8>,
        path_json: &[u8],
        entry: Entry<'_>,
        first: &mut bool,
        counts: &mut [usize; 3],
    ) {
        // optional strings are stored one up, 0 for none
        let opt = |i: usize| i.checked_sub(1);
        walk(entry.body, self.n_strings(), |r| {
            if !std::mem::replace(first, false) {
                out.push(b',');
            }
            let record = JsonRecord {
                severity: r.severity,
                rule: r.rule,
                message: r.message,
                nums: r.nums,
                text: r.text,
                compound: opt(r.compound),
                help: opt(r.help),
            };
            record.write(out, path_json, |out, i| {
                out.extend_from_slice(self.json_str(i));
            });
            counts[r.severity as usize] += 1;
        });
    }

    fn load(bytes: Vec<u8>, fingerprint: u128, json: bool) -> Option<Loaded> {
        let mut r = Reader(&bytes);
        if r.take(8)? != MAGIC {
            return None;
        }
        if r.u32()? != FORMAT || r.u128()? != fingerprint {
            return None;
        }
        let sum = r.u64()?;
        if xxh3_64(r.0) != sum {
            return None;
        }
        let at = |r: &Reader<'_>| bytes.len() - r.0.len();
        let n_strings = usize::try_from(r.var()?).ok()?;
        let mut text = String::new();
        let mut ends = Vec::with_capacity(n_strings.min(bytes.len()));
        for _ in 0..n_strings {
            let len = usize::try_from(r.var()?).ok()?;
            text.push_str(std::str::from_utf8(r.take(len)?).ok()?);
            ends.push(text.len());
        }
        let n_entries = usize::try_from(r.var()?).ok()?;
        let mut entries = HashMap::with_capacity(n_entries.min(bytes.len() / 17));
        for _ in 0..n_entries {
            let key = r.u128()?;
            let len = usize::try_from(r.var()?).ok()?;
            let start = at(&r);
            let body = r.take(len)?;
            // every entry must decode against this string table, or none is trusted
            walk(body, n_strings, |_| {})?;
            entries.insert(key, (start, start + len));
        }
        let n_stats = usize::try_from(r.var()?).ok()?;
        let mut stats = HashMap::with_capacity(n_stats.min(bytes.len() / 73));
        for _ in 0..n_stats {
            let id = FileId {
                dev: r.u64()?,
                ino: r.u64()?,
                format: r.take(1)?[0],
            };
            let stamp = Stamp {
                size: r.u64()?,
                mtime: r.i128()?,
                ctime: r.i128()?,
            };
            let key = r.u128()?;
            entries.get(&key)?;
            stats.insert(id, (stamp, key));
        }
        if !r.0.is_empty() {
            return None;
        }
        let mut loaded = Loaded {
            buf: Vec::new(),
            text,
            ends,
            json: Vec::new(),
            json_ends: Vec::new(),
            entries,
            stats,
        };
        if json {
            loaded
                .json
                .reserve(loaded.text.len() + loaded.text.len() / 8);
            loaded.json_ends.reserve(n_strings);
            for i in 0..n_strings {
                let start = if i == 0 { 0 } else { loaded.ends[i - 1] };
                let s = loaded.text.get(start..loaded.ends[i])?;
                json_string(&mut loaded.json, s);
                loaded.json_ends.push(loaded.json.len());
            }
        }
        loaded.buf = bytes;
        Some(loaded)
    }
}

/// One cached file's result, as stored.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    body: &'a [u8],
}

impl Entry<'_> {
    /// Whether the file was linted (not refused as binary or too large).
    pub fn linted(&self) -> bool {
        self.body.first() == Some(&1)
    }

    /// Whether it has no findings.
    pub fn is_empty(&self) -> bool {
        self.body.get(1) == Some(&0)
    }
}

/// What a run adds to the cache: made by the one thread that reports, in path order.
#[derive(Debug, Default)]
pub struct Updates {
    /// Strings new in this run; their ids follow the loaded table's.
    strings: Vec<String>,
    /// Every string's id, loaded ones included (filled on the first new entry).
    ids: HashMap<String, u32>,
    entries: HashMap<Key, Box<[u8]>>,
    stats: HashMap<FileId, (Stamp, Key)>,
    seen: HashSet<Key>,
    seen_files: HashSet<FileId>,
    dirty: bool,
}

impl Updates {
    /// A loaded entry was used.
    pub fn hit(&mut self, key: Key) {
        self.seen.insert(key);
    }

    /// A file's state was found as recorded.
    pub fn hit_file(&mut self, id: FileId) {
        self.seen_files.insert(id);
    }

    /// Record that the file `id`, in state `stamp` (settled: see [`Stamp::settled`]),
    /// held the bytes `key` stands for.
    pub fn record(&mut self, loaded: &Loaded, id: FileId, stamp: Stamp, key: Key) {
        self.seen_files.insert(id);
        if loaded.stats.get(&id) != Some(&(stamp, key)) {
            self.stats.insert(id, (stamp, key));
            self.dirty = true;
        }
    }

    fn intern(&mut self, loaded: &Loaded, s: &str) -> u32 {
        if self.ids.is_empty() {
            self.ids.reserve(loaded.n_strings());
            for i in 0..loaded.n_strings() {
                self.ids.insert(loaded.str(i).to_string(), i as u32);
            }
        }
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = (loaded.n_strings() + self.strings.len()) as u32;
        self.strings.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }

    pub fn put(&mut self, loaded: &Loaded, key: Key, value: &Cached) {
        let mut b = Vec::new();
        b.push(u8::from(value.linted));
        var(&mut b, value.diagnostics.len() as u64);
        for d in &value.diagnostics {
            let rule = self.intern(loaded, &d.rule);
            let message = self.intern(loaded, &d.message);
            let text = self.intern(loaded, &d.text);
            let compound = d
                .compound
                .as_deref()
                .map_or(0, |c| self.intern(loaded, c) + 1);
            let help = d.help.as_deref().map_or(0, |h| self.intern(loaded, h) + 1);
            b.push(d.severity as u8);
            for n in [rule, message, text, compound, help] {
                var(&mut b, u64::from(n));
            }
            for n in d.positions() {
                var(&mut b, n as u64);
            }
        }
        self.entries.insert(key, b.into());
        self.seen.insert(key);
        self.dirty = true;
    }
}

#[derive(Debug)]
pub struct Cache {
    path: PathBuf,
    fingerprint: u128,
    pub loaded: Loaded,
    pub updates: Updates,
}

impl Cache {
    /// Open the cache for `fingerprint` in `dir`; a missing, foreign or corrupt file gives
    /// an empty cache. `json`: the run writes JSON, so escape the strings once.
    pub fn open(dir: &Path, fingerprint: u128, json: bool) -> Cache {
        let path = dir.join(format!("{fingerprint:032x}.cache"));
        let mut cache = Cache {
            path,
            fingerprint,
            loaded: Loaded::default(),
            updates: Updates::default(),
        };
        match std::fs::metadata(&cache.path) {
            Ok(m) if m.is_file() => {
                if let Ok(bytes) = std::fs::read(&cache.path) {
                    match Loaded::load(bytes, fingerprint, json) {
                        Some(l) => cache.loaded = l,
                        // not trusted: start over, and overwrite it at the end
                        None => cache.updates.dirty = true,
                    }
                }
            }
            // something else where the cache belongs (a FIFO would block a read) is never
            // read, and is replaced at the end of the run
            Ok(_) => cache.updates.dirty = true,
            Err(_) => {}
        }
        cache
    }

    /// The cached result for `key`, if any (and note that it was used).
    #[cfg(test)]
    pub fn get(&mut self, key: Key) -> Option<Cached> {
        let hit = self.loaded.entry(key).map(|e| self.loaded.decode(e));
        if hit.is_some() {
            self.updates.hit(key);
        }
        hit
    }

    #[cfg(test)]
    pub fn put(&mut self, key: Key, value: &Cached) {
        self.updates.put(&self.loaded, key, value);
    }

    /// Write the cache back if anything changed: to a temporary file beside it, renamed
    /// over it.
    pub fn save(self) -> std::io::Result<()> {
        let Cache {
            path,
            fingerprint,
            loaded,
            mut updates,
        } = self;
        let total = loaded.entries.len() + updates.entries.len();
        let keep_unseen = total <= KEEP_UNSEEN.max(4 * updates.seen.len());
        if !keep_unseen {
            updates.dirty = true;
        }
        if !updates.dirty {
            return Ok(());
        }
        let seen = &updates.seen;
        let mut entries: Vec<(Key, &[u8])> = loaded
            .entries
            .iter()
            .filter(|(k, _)| (keep_unseen || seen.contains(k)) && !updates.entries.contains_key(k))
            .filter_map(|(&k, &(a, b))| Some((k, loaded.buf.get(a..b)?)))
            .chain(updates.entries.iter().map(|(&k, b)| (k, &b[..])))
            .collect();
        entries.sort_unstable_by_key(|&(k, _)| k);
        let kept: HashSet<Key> = entries.iter().map(|&(k, _)| k).collect();
        let mut stats: Vec<(FileId, Stamp, Key)> = loaded
            .stats
            .iter()
            .filter(|(id, _)| {
                (keep_unseen || updates.seen_files.contains(id)) && !updates.stats.contains_key(id)
            })
            .chain(updates.stats.iter())
            .filter(|(_, (_, k))| kept.contains(k))
            .map(|(&id, &(s, k))| (id, s, k))
            .collect();
        stats.sort_unstable_by_key(|&(id, _, _)| id);
        // only the strings the kept entries use would be tidier; the table is small
        let mut payload = Vec::with_capacity(loaded.buf.len() + 4096);
        var(
            &mut payload,
            (loaded.n_strings() + updates.strings.len()) as u64,
        );
        let loaded_strings = (0..loaded.n_strings()).map(|i| loaded.str(i));
        for s in loaded_strings.chain(updates.strings.iter().map(String::as_str)) {
            var(&mut payload, s.len() as u64);
            payload.extend_from_slice(s.as_bytes());
        }
        var(&mut payload, entries.len() as u64);
        for (k, body) in entries {
            payload.extend_from_slice(&k.to_le_bytes());
            var(&mut payload, body.len() as u64);
            payload.extend_from_slice(body);
        }
        var(&mut payload, stats.len() as u64);
        for (id, s, k) in stats {
            payload.extend_from_slice(&id.dev.to_le_bytes());
            payload.extend_from_slice(&id.ino.to_le_bytes());
            payload.push(id.format);
            payload.extend_from_slice(&s.size.to_le_bytes());
            payload.extend_from_slice(&s.mtime.to_le_bytes());
            payload.extend_from_slice(&s.ctime.to_le_bytes());
            payload.extend_from_slice(&k.to_le_bytes());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        remove_stale_temps(dir);
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(dir)?;
        {
            let mut w = std::io::BufWriter::new(tmp.as_file_mut());
            w.write_all(MAGIC)?;
            w.write_all(&FORMAT.to_le_bytes())?;
            w.write_all(&fingerprint.to_le_bytes())?;
            w.write_all(&xxh3_64(&payload).to_le_bytes())?;
            w.write_all(&payload)?;
            w.flush()?;
        }
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Where the cache lives on disk.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Remove temporary cache files left by runs killed while writing (best effort: a file
/// another run is writing right now is young, and left alone).
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let stale = e
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_TEMP);
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Append `n` as LEB128.
fn var(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    fn i128(&mut self) -> Option<i128> {
        Some(i128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    fn var(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag() -> Diagnostic {
        Diagnostic {
            rule: "dose/unapproved".into(),
            severity: Severity::Error,
            message: "dose figure for BPC-157".into(),
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 12,
            offset: 300,
            length: 7,
            text: "250 mcg".into(),
            compound: Some("bpc-157".into()),
            help: None,
        }
    }

    #[test]
    fn round_trip_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let value = Cached {
            linted: true,
            diagnostics: vec![diag(), diag()],
        };
        let mut c = Cache::open(dir.path(), 42, false);
        assert!(c.get(7).is_none());
        c.put(7, &value);
        c.save().unwrap();
        let mut c = Cache::open(dir.path(), 42, false);
        assert_eq!(c.get(7), Some(value));
        // another fingerprint never sees it
        assert!(Cache::open(dir.path(), 43, false).get(7).is_none());
    }

    #[test]
    fn a_file_of_another_format_version_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let value = Cached {
            linted: true,
            diagnostics: vec![diag()],
        };
        let mut c = Cache::open(dir.path(), 5, false);
        c.put(3, &value);
        let path = c.path().to_path_buf();
        c.save().unwrap();
        assert_eq!(Cache::open(dir.path(), 5, false).get(3), Some(value));
        // the same file with the layout version after the magic bumped: a later or
        // earlier monolint's cache, whose checksum (over the body) still matches
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let mut c = Cache::open(dir.path(), 5, false);
        assert!(c.get(3).is_none());
        // and the run that ignored it writes a good one back
        c.put(
            4,
            &Cached {
                linted: false,
                diagnostics: vec![],
            },
        );
        c.save().unwrap();
        assert_eq!(std::fs::read(&path).unwrap()[8..12], FORMAT.to_le_bytes());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_where_the_cache_belongs_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = Cache::open(dir.path(), 6, false).path().to_path_buf();
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        // opening it for reading would block this test forever
        let mut c = Cache::open(dir.path(), 6, false);
        assert!(c.get(1).is_none());
        c.put(
            1,
            &Cached {
                linted: true,
                diagnostics: vec![],
            },
        );
        c.save().unwrap();
        assert!(std::fs::metadata(&path).unwrap().is_file());
        assert!(Cache::open(dir.path(), 6, false).get(1).is_some());
    }

    #[test]
    fn stale_temporary_files_are_removed_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(format!("{TEMP_PREFIX}killed{TEMP_SUFFIX}"));
        let fresh = dir
            .path()
            .join(format!("{TEMP_PREFIX}writing{TEMP_SUFFIX}"));
        let other = dir.path().join("notes.tmp");
        for p in [&stale, &fresh, &other] {
            std::fs::write(p, b"half a cache").unwrap();
        }
        let old = std::time::SystemTime::now() - STALE_TEMP - STALE_TEMP;
        for p in [&stale, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let mut c = Cache::open(dir.path(), 7, false);
        c.put(
            1,
            &Cached {
                linted: true,
                diagnostics: vec![],
            },
        );
        c.save().unwrap();
        assert!(!stale.exists(), "a killed run's leftover is removed");
        assert!(fresh.exists(), "a concurrent writer's file is left alone");
        assert!(
            other.exists(),
            "files that are not monolint's are left alone"
        );
        let temps = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().starts_with(TEMP_PREFIX)
            })
            .count();
        assert_eq!(temps, 1, "the save's own temporary file became the cache");
    }

    #[test]
    fn a_corrupt_file_is_ignored_whole() {
        let dir = tempfile::tempdir().unwrap();
        let value = Cached {
            linted: true,
            diagnostics: vec![diag()],
        };
        let mut c = Cache::open(dir.path(), 1, false);
        c.put(9, &value);
        let path = c.path().to_path_buf();
        c.save().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
        assert!(Cache::open(dir.path(), 1, false).get(9).is_none());
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(Cache::open(dir.path(), 1, false).get(9).is_none());
        std::fs::write(&path, b"garbage").unwrap();
        assert!(Cache::open(dir.path(), 1, false).get(9).is_none());
    }

    #[test]
    fn cached_findings_are_written_as_json_exactly_as_serde_writes_them() {
        let dir = tempfile::tempdir().unwrap();
        let hostile = crate::output::hostile_diagnostic();
        let info = Diagnostic {
            severity: Severity::Info,
            help: None,
            compound: Some("c\"".into()),
            ..diag()
        };
        let value = Cached {
            linted: true,
            diagnostics: vec![diag(), hostile, info],
        };
        let mut c = Cache::open(dir.path(), 8, true);
        c.put(1, &value);
        c.save().unwrap();
        let c = Cache::open(dir.path(), 8, true);
        let entry = c.loaded.entry(1).unwrap();
        let path = "dir/a \"b\"\n.md";
        let path_json = serde_json::to_string(path).unwrap();
        let (mut out, mut first, mut counts) = (Vec::new(), false, [0; 3]);
        c.loaded.write_json(
            &mut out,
            path_json.as_bytes(),
            entry,
            &mut first,
            &mut counts,
        );
        let want: String = value
            .diagnostics
            .iter()
            .map(|d| {
                let body = serde_json::to_string(d).unwrap();
                format!(",{{\"path\":{path_json},{}", &body[1..])
            })
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
        assert_eq!(counts, [1, 1, 1]);
        assert_eq!(c.loaded.decode(entry), value);
    }

    #[test]
    fn a_state_is_settled_only_when_older_than_the_settling_time() {
        let at = |ns: i128| Stamp {
            size: 1,
            mtime: ns,
            ctime: ns,
        };
        let opened = UNIX_EPOCH + Duration::from_secs(100);
        let s = 1_000_000_000;
        assert!(at(97 * s).settled(opened, SETTLE));
        assert!(!at(98 * s).settled(opened, SETTLE), "exactly SETTLE old");
        assert!(!at(99 * s + 999_999_999).settled(opened, SETTLE));
        assert!(!at(200 * s).settled(opened, SETTLE), "a time in the future");
        // the later of the two times counts: a status change moves ctime only
        let touched = Stamp {
            size: 1,
            mtime: 10 * s,
            ctime: 99 * s,
        };
        assert!(!touched.settled(opened, SETTLE));
    }

    #[test]
    fn states_are_kept_only_with_their_entries() {
        let dir = tempfile::tempdir().unwrap();
        let id = FileId {
            dev: 1,
            ino: 2,
            format: 1,
        };
        let stamp = Stamp {
            size: 3,
            mtime: 4,
            ctime: 5,
        };
        let value = Cached {
            linted: true,
            diagnostics: vec![diag()],
        };
        let mut c = Cache::open(dir.path(), 9, false);
        c.put(7, &value);
        c.updates.record(&c.loaded, id, stamp, 7);
        // a state pointing at bytes with no result is never written
        c.updates
            .record(&c.loaded, FileId { ino: 3, ..id }, stamp, 8);
        c.save().unwrap();
        let c = Cache::open(dir.path(), 9, false);
        assert_eq!(c.loaded.by_stat(id, stamp), Some(7));
        assert_eq!(c.loaded.by_stat(id, Stamp { size: 4, ..stamp }), None);
        assert_eq!(c.loaded.by_stat(id, Stamp { ctime: 6, ..stamp }), None);
        assert_eq!(c.loaded.by_stat(FileId { format: 0, ..id }, stamp), None);
        assert_eq!(c.loaded.by_stat(FileId { ino: 3, ..id }, stamp), None);
        assert_eq!(c.loaded.decode(c.loaded.entry(7).unwrap()), value);
    }
}
