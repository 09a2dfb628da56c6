//! The result cache: what linting a file's bytes produced, keyed by those bytes, the file
//! format, and everything else the result depends on.
//!
//! One cache file per *pack fingerprint*: a hash of the monolint version and executable,
//! every loaded rule pack and registry (name and full text, in order), and each rule's
//! effective severity and on/off state after configuration. A changed rule, compound,
//! severity override or `disable` gives a different fingerprint, so an old result can
//! never be served for a new pack. Inside the file, entries are keyed by an XXH3-128 hash
//! of the file's bytes plus its format (Markdown or plain text, from the extension).
//!
//! The file is read once at the start of a run and written once at the end, to a
//! temporary file in the same folder that is then renamed over the old one, so a killed
//! run leaves either the old cache or the new one, never half of one. A file that does not
//! start with the right header, was written for another fingerprint, or whose checksum
//! does not match its contents is ignored whole (and replaced at the end of the run).
//! A run killed while writing leaves its temporary file (`.monolint-cache-*.tmp`) behind;
//! a later run that writes the cache removes such files once they are older than
//! [`STALE_TEMP`], so a writer still at work is never disturbed.
//!
//! Diagnostics are stored compactly: every string (rule ids, messages, help, finding
//! text) once in a string table, each diagnostic as a few variable-length integers.

use monolint::{Diagnostic, Linter, Severity};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::{xxh3_128, xxh3_64, Xxh3};

const MAGIC: &[u8; 8] = b"MLCACHE\0";
/// Bump when the layout below changes.
const FORMAT: u32 = 1;
/// Entries not seen in a run are kept while the cache holds fewer than this many (or
/// four times what the run saw), so several sites or shards can share one folder.
const KEEP_UNSEEN: usize = 50_000;

/// A temporary cache file this old was left by a run that was killed while writing it.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(10 * 60);
const TEMP_PREFIX: &str = ".monolint-cache-";
const TEMP_SUFFIX: &str = ".tmp";

/// A file's cache key.
pub type Key = u128;

/// The key of a file's bytes read as `markdown` or not.
/// The cache key of a file: its bytes and the format they are read as (the same bytes
/// as Markdown, HTML and plain text give different findings).
pub fn key(bytes: &[u8], format: monolint::document::Format) -> Key {
    let tag: u128 = match format {
        monolint::document::Format::Markdown => 1,
        monolint::document::Format::Html => 2,
        monolint::document::Format::Text => 0,
    };
    xxh3_128(bytes) ^ tag
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
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
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

#[derive(Debug)]
pub struct Cache {
    path: PathBuf,
    fingerprint: u128,
    strings: Vec<String>,
    ids: HashMap<String, u32>,
    /// Encoded entries: `linted`, count, then the diagnostics.
    entries: HashMap<Key, Box<[u8]>>,
    seen: HashSet<Key>,
    dirty: bool,
}

impl Cache {
    /// Open the cache for `fingerprint` in `dir`; a missing, foreign or corrupt file gives
    /// an empty cache.
    pub fn open(dir: &Path, fingerprint: u128) -> Cache {
        let path = dir.join(format!("{fingerprint:032x}.cache"));
        let mut cache = Cache {
            path,
            fingerprint,
            strings: Vec::new(),
            ids: HashMap::new(),
            entries: HashMap::new(),
            seen: HashSet::new(),
            dirty: false,
        };
        match std::fs::metadata(&cache.path) {
            Ok(m) if m.is_file() => {
                if let Ok(bytes) = std::fs::read(&cache.path) {
                    if cache.load(&bytes).is_none() {
                        // not trusted: start over, and overwrite it at the end
                        cache.strings.clear();
                        cache.ids.clear();
                        cache.entries.clear();
                        cache.dirty = true;
                    }
                }
            }
            // something else where the cache belongs (a FIFO would block a read) is never
            // read, and is replaced at the end of the run
            Ok(_) => cache.dirty = true,
            Err(_) => {}
        }
        cache
    }

    fn load(&mut self, bytes: &[u8]) -> Option<()> {
        let mut r = Reader(bytes);
        if r.take(8)? != MAGIC {
            return None;
        }
        if r.u32()? != FORMAT || r.u128()? != self.fingerprint {
            return None;
        }
        let sum = r.u64()?;
        if xxh3_64(r.0) != sum {
            return None;
        }
        let n_strings = r.var()?;
        for _ in 0..n_strings {
            let len = r.var()? as usize;
            let s = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            self.ids.insert(s.clone(), self.strings.len() as u32);
            self.strings.push(s);
        }
        let n_entries = r.var()?;
        for _ in 0..n_entries {
            let key = r.u128()?;
            let len = r.var()? as usize;
            let body = r.take(len)?;
            // every entry must decode against this string table, or none is trusted
            self.decode(body)?;
            self.entries.insert(key, body.into());
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(())
    }

    /// The cached result for `key`, if any.
    pub fn get(&mut self, key: Key) -> Option<Cached> {
        let hit = self.entries.get(&key).and_then(|b| self.decode(b));
        if hit.is_some() {
            self.seen.insert(key);
        }
        hit
    }

    pub fn put(&mut self, key: Key, value: &Cached) {
        let mut b = Vec::new();
        b.push(u8::from(value.linted));
        var(&mut b, value.diagnostics.len() as u64);
        for d in &value.diagnostics {
            let s = |c: &mut Self, s: &str| c.intern(s);
            let rule = s(self, &d.rule);
            let message = s(self, &d.message);
            let text = s(self, &d.text);
            let compound = d.compound.as_deref().map_or(0, |c| s(self, c) + 1);
            let help = d.help.as_deref().map_or(0, |h| s(self, h) + 1);
            b.push(d.severity as u8);
            for n in [rule, message, text, compound, help] {
                var(&mut b, u64::from(n));
            }
            for n in [
                d.line,
                d.column,
                d.end_line,
                d.end_column,
                d.offset,
                d.length,
            ] {
                var(&mut b, n as u64);
            }
        }
        self.entries.insert(key, b.into());
        self.seen.insert(key);
        self.dirty = true;
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }

    fn decode(&self, body: &[u8]) -> Option<Cached> {
        let mut r = Reader(body);
        let linted = match r.take(1)?[0] {
            0 => false,
            1 => true,
            _ => return None,
        };
        let n = r.var()?;
        let mut diagnostics = Vec::with_capacity(n.min(1024) as usize);
        let string = |i: u64| self.strings.get(usize::try_from(i).ok()?).cloned();
        for _ in 0..n {
            let severity = match r.take(1)?[0] {
                x if x == Severity::Info as u8 => Severity::Info,
                x if x == Severity::Warning as u8 => Severity::Warning,
                x if x == Severity::Error as u8 => Severity::Error,
                _ => return None,
            };
            let rule = string(r.var()?)?;
            let message = string(r.var()?)?;
            let text = string(r.var()?)?;
            let compound = match r.var()? {
                0 => None,
                i => Some(string(i - 1)?),
            };
            let help = match r.var()? {
                0 => None,
                i => Some(string(i - 1)?),
            };
            let mut nums = [0usize; 6];
            for n in &mut nums {
                *n = usize::try_from(r.var()?).ok()?;
            }
            let [line, column, end_line, end_column, offset, length] = nums;
            diagnostics.push(Diagnostic {
                rule,
                severity,
                message,
                line,
                column,
                end_line,
                end_column,
                offset,
                length,
                text,
                compound,
                help,
            });
        }
        r.0.is_empty().then_some(Cached {
            linted,
            diagnostics,
        })
    }

    /// Write the cache back if anything changed: to a temporary file beside it, renamed
    /// over it.
    pub fn save(mut self) -> std::io::Result<()> {
        let keep_unseen = self.entries.len() <= KEEP_UNSEEN.max(4 * self.seen.len());
        if !keep_unseen {
            let seen = std::mem::take(&mut self.seen);
            self.entries.retain(|k, _| seen.contains(k));
            self.dirty = true;
        }
        if !self.dirty {
            return Ok(());
        }
        // only the strings the kept entries use would be tidier; the table is small
        let mut payload = Vec::new();
        var(&mut payload, self.strings.len() as u64);
        for s in &self.strings {
            var(&mut payload, s.len() as u64);
            payload.extend_from_slice(s.as_bytes());
        }
        var(&mut payload, self.entries.len() as u64);
        let mut keys: Vec<&Key> = self.entries.keys().collect();
        keys.sort_unstable();
        for k in keys {
            let body = &self.entries[k];
            payload.extend_from_slice(&k.to_le_bytes());
            var(&mut payload, body.len() as u64);
            payload.extend_from_slice(body);
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
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
            w.write_all(&self.fingerprint.to_le_bytes())?;
            w.write_all(&xxh3_64(&payload).to_le_bytes())?;
            w.write_all(&payload)?;
            w.flush()?;
        }
        tmp.persist(&self.path).map_err(|e| e.error)?;
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
        let mut c = Cache::open(dir.path(), 42);
        assert!(c.get(7).is_none());
        c.put(7, &value);
        c.save().unwrap();
        let mut c = Cache::open(dir.path(), 42);
        assert_eq!(c.get(7), Some(value));
        // another fingerprint never sees it
        assert!(Cache::open(dir.path(), 43).get(7).is_none());
    }

    #[test]
    fn a_file_of_another_format_version_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let value = Cached {
            linted: true,
            diagnostics: vec![diag()],
        };
        let mut c = Cache::open(dir.path(), 5);
        c.put(3, &value);
        let path = c.path().to_path_buf();
        c.save().unwrap();
        assert_eq!(Cache::open(dir.path(), 5).get(3), Some(value));
        // the same file with the layout version after the magic bumped: a later or
        // earlier monolint's cache, whose checksum (over the body) still matches
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let mut c = Cache::open(dir.path(), 5);
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
        let path = Cache::open(dir.path(), 6).path().to_path_buf();
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        // opening it for reading would block this test forever
        let mut c = Cache::open(dir.path(), 6);
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
        assert!(Cache::open(dir.path(), 6).get(1).is_some());
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
        let mut c = Cache::open(dir.path(), 7);
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
        let mut c = Cache::open(dir.path(), 1);
        c.put(9, &value);
        let path = c.path().to_path_buf();
        c.save().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
        assert!(Cache::open(dir.path(), 1).get(9).is_none());
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(Cache::open(dir.path(), 1).get(9).is_none());
        std::fs::write(&path, b"garbage").unwrap();
        assert!(Cache::open(dir.path(), 1).get(9).is_none());
    }
}
