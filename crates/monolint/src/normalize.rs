//! Normalization with an offset map.
//!
//! Matching runs on a normalized copy of each block's text: Unicode compatibility forms
//! folded (NFKD, combining marks dropped), dashes unified to `-`, the micro sign variants
//! to `u`, every kind of space to one ASCII space (runs collapsed), zero-width characters
//! and soft hyphens removed, curly quotes straightened, a few look-alike letters from other
//! scripts mapped to Latin. ASCII letter case is kept (sentence segmentation needs it);
//! matchers are ASCII-case-insensitive, and non-ASCII letters are lowercased here.
//!
//! Every normalized byte maps back to a byte range of the original file, so a match on
//! normalized text is reported at exactly the original bytes it came from.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A run of normalized text and where it came from.
#[derive(Debug, Clone, Copy)]
struct Seg {
    /// Start of the run in the normalized text.
    norm: u32,
    /// Start of the run in the original text.
    orig: u32,
    /// End of the original bytes for a replaced run; unused for identity runs.
    orig_end: u32,
    /// Identity runs map byte for byte; replaced runs map as a whole.
    ident: bool,
}

/// Normalized text plus the map back to the original bytes.
#[derive(Debug, Clone, Default)]
pub struct NormText {
    pub text: String,
    segs: Vec<Seg>,
    /// Whether the last pushed character was a space (runs of space collapse).
    last_space: bool,
}

/// What a single original character becomes.
enum Fold {
    Drop,
    Space,
    Char(char),
    Str(String),
}

fn fold_char(c: char) -> Fold {
    match c {
        // zero-width and invisible formatting characters, soft hyphen
        '\u{00AD}'
        | '\u{200B}'
        | '\u{200C}'
        | '\u{200D}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{180E}'
        | '\u{2061}'..='\u{2064}' => Fold::Drop,
        // every kind of space
        '\u{00A0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200A}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{3000}' => Fold::Space,
        // dashes, minus signs, non-breaking hyphen
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}'
        | '\u{2043}' => Fold::Char('-'),
        // micro sign and Greek mu
        '\u{00B5}' | '\u{03BC}' => Fold::Char('u'),
        // quotes and primes
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => {
            Fold::Char('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => Fold::Char('"'),
        '\u{00D7}' => Fold::Char('x'),
        '\u{2248}' | '\u{223C}' => Fold::Char('~'),
        '\u{2026}' => Fold::Str("...".into()),
        _ => {
            if let Some(l) = confusable(c).or_else(|| skeleton_letter(c)) {
                return Fold::Char(l);
            }
            if is_combining_mark(c) {
                return Fold::Drop;
            }
            let mut s = String::new();
            for d in std::iter::once(c).nfkd() {
                if is_combining_mark(d) {
                    continue;
                }
                if let Some(l) = confusable(d) {
                    s.push(l);
                } else if d.is_ascii() {
                    s.push(d);
                } else {
                    s.extend(d.to_lowercase());
                }
            }
            match s.len() {
                0 => Fold::Drop,
                _ if s.chars().all(char::is_whitespace) => Fold::Space,
                _ => Fold::Str(s),
            }
        }
    }
}

/// Letters from other scripts that look like Latin ones, as evaders use them inside
/// compound names ("ВРС-157" in Cyrillic). Mapped to their Latin skeleton (case kept).
fn confusable(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'А' => 'A',
        'в' => 'b',
        'В' => 'B',
        'е' => 'e',
        'Е' => 'E',
        'к' => 'k',
        'К' => 'K',
        'м' => 'm',
        'М' => 'M',
        'н' => 'h',
        'Н' => 'H',
        'о' => 'o',
        'О' => 'O',
        'р' => 'p',
        'Р' => 'P',
        'с' => 'c',
        'С' => 'C',
        'т' => 't',
        'Т' => 'T',
        'у' => 'y',
        'У' => 'Y',
        'х' => 'x',
        'Х' => 'X',
        'і' => 'i',
        'І' => 'I',
        'ј' => 'j',
        'Ј' => 'J',
        'ѕ' => 's',
        'Ѕ' => 'S',
        'ԁ' => 'd',
        'ο' => 'o',
        // capital mu inside a name ("ΜΚ-677") is the letter M; only µ/μ before g is micro
        'Μ' => 'M',
        'Ο' => 'O',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Ν' => 'N',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        'ι' => 'i',
        'ν' => 'v',
        'ρ' => 'p',
        _ => return None,
    })
}

/// A letter from another script whose UTS #39 confusable skeleton is one ASCII letter
/// (Cherokee, Armenian, mathematical alphanumerics, ...). ASCII itself is never folded
/// this way: skeletons also fold `1` to `l`, which would corrupt figures.
fn skeleton_letter(c: char) -> Option<char> {
    if c.is_ascii() || !c.is_alphabetic() {
        return None;
    }
    let mut buf = [0u8; 4];
    let mut sk = unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut buf));
    match (sk.next(), sk.next()) {
        (Some(l), None) if l.is_ascii_alphabetic() => Some(l),
        _ => None,
    }
}

impl NormText {
    pub fn new() -> Self {
        Self {
            text: String::new(),
            segs: Vec::new(),
            last_space: true,
        }
    }

    /// An empty text with room for about `len` bytes of source text.
    pub fn with_capacity(len: usize) -> Self {
        Self {
            text: String::with_capacity(len),
            // a segment per run of ASCII text and per folded character
            segs: Vec::with_capacity(if len == 0 { 0 } else { 4 + len / 64 }),
            last_space: true,
        }
    }

    /// Normalize `piece`, which starts at byte `orig` of the original text, and append it.
    pub fn push(&mut self, orig: usize, piece: &str) {
        let bytes = piece.as_bytes();
        // whether an identity run (one segment, byte for byte) is open
        let mut run_open = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii() {
                if b.is_ascii_whitespace() && self.last_space {
                    // dropped: close the identity run so later bytes keep their offsets
                    run_open = false;
                    i += 1;
                    continue;
                }
                // a run of ASCII with single spaces goes in as one identity segment:
                // words and the single whitespace between them (as a space)
                if !run_open {
                    run_open = true;
                    self.segs.push(Seg {
                        norm: self.text.len() as u32,
                        orig: (orig + i) as u32,
                        orig_end: 0,
                        ident: true,
                    });
                }
                self.text.reserve(bytes.len() - i);
                let mut j = i;
                let mut from = i;
                let mut space = self.last_space;
                loop {
                    let (n, sp) = plain_run(&bytes[j..], space);
                    j += n;
                    space = sp;
                    if space
                        || bytes.get(j).map(|&c| ASCII_CLASS[usize::from(c)]) != Some(OTHER_SPACE)
                    {
                        break; // a second space, or a non-ASCII character
                    }
                    // a tab or line break stands as a space, byte for byte
                    self.text.push_str(&piece[from..j]);
                    self.text.push(' ');
                    j += 1;
                    from = j;
                    space = true;
                }
                self.text.push_str(&piece[from..j]);
                self.last_space = space;
                i = j;
                continue;
            }
            run_open = false;
            let Some(c) = piece[i..].chars().next() else {
                break;
            };
            let at = orig + i;
            let end = at + c.len_utf8();
            i += c.len_utf8();
            match fold_char(c) {
                Fold::Drop => {}
                Fold::Space => {
                    if !self.last_space {
                        self.push_replaced(at, end, " ");
                        self.last_space = true;
                    }
                }
                Fold::Char(r) => {
                    let mut buf = [0u8; 4];
                    let s = r.encode_utf8(&mut buf);
                    self.push_replaced(at, end, s);
                    self.last_space = r == ' ';
                }
                Fold::Str(s) => {
                    self.push_replaced(at, end, &s);
                    self.last_space = false;
                }
            }
        }
    }

    /// Append text that stands for the original bytes `orig..orig_end` as a whole
    /// (an HTML entity, a Markdown escape, a folded character).
    pub fn push_replaced(&mut self, orig: usize, orig_end: usize, s: &str) {
        if s.is_empty() {
            return;
        }
        self.segs.push(Seg {
            norm: self.text.len() as u32,
            orig: orig as u32,
            orig_end: orig_end as u32,
            ident: false,
        });
        self.text.push_str(s);
        self.last_space = s.ends_with(' ');
    }

    /// Append a separator space (between table cells, inline pieces, lines) that stands
    /// for no original text; it maps to the empty range at `orig`.
    pub fn push_break(&mut self, orig: usize) {
        if !self.last_space {
            self.push_replaced(orig, orig, " ");
            self.last_space = true;
        }
    }

    /// Normalize a whole string that starts at byte 0 (convenience for aliases and phrases).
    pub fn of(s: &str) -> Self {
        let mut n = Self::new();
        n.push(0, s);
        n
    }

    /// The original byte range of the normalized range `start..end`.
    pub fn orig_range(&self, start: usize, end: usize, original: &str) -> (usize, usize) {
        if self.segs.is_empty() {
            return (0, 0);
        }
        let s = self.orig_start(start);
        let e = if end > start {
            self.orig_end(end - 1, original)
        } else {
            s
        };
        (s, e.max(s))
    }

    fn seg_at(&self, n: usize) -> &Seg {
        let i = self.segs.partition_point(|s| s.norm as usize <= n);
        &self.segs[i.saturating_sub(1)]
    }

    fn orig_start(&self, n: usize) -> usize {
        let seg = self.seg_at(n);
        if seg.ident {
            seg.orig as usize + (n - seg.norm as usize)
        } else {
            seg.orig as usize
        }
    }

    /// End (exclusive) of the original bytes behind normalized byte `n`.
    fn orig_end(&self, n: usize, original: &str) -> usize {
        let seg = self.seg_at(n);
        if seg.ident {
            let o = seg.orig as usize + (n - seg.norm as usize);
            o + original[o..].chars().next().map_or(1, char::len_utf8)
        } else {
            seg.orig_end as usize
        }
    }

    /// Remove the normalized byte ranges `dels` (sorted, disjoint), keeping the map exact.
    pub fn remove(&mut self, dels: &[(usize, usize)]) {
        if dels.is_empty() {
            return;
        }
        let mut kept = Vec::with_capacity(dels.len() + 1);
        let mut at = 0;
        for &(s, e) in dels {
            if s > at {
                kept.push((at, s));
            }
            at = at.max(e);
        }
        if at < self.text.len() {
            kept.push((at, self.text.len()));
        }
        let mut text = String::with_capacity(self.text.len());
        let mut segs = Vec::with_capacity(self.segs.len() + dels.len());
        for (ks, ke) in kept {
            let base = text.len();
            text.push_str(&self.text[ks..ke]);
            let mut i = self
                .segs
                .partition_point(|s| s.norm as usize <= ks)
                .saturating_sub(1);
            while i < self.segs.len() {
                let seg = self.segs[i];
                let seg_start = seg.norm as usize;
                let seg_end = self
                    .segs
                    .get(i + 1)
                    .map_or(self.text.len(), |n| n.norm as usize);
                if seg_start >= ke {
                    break;
                }
                let (s, e) = (seg_start.max(ks), seg_end.min(ke));
                if s < e {
                    let orig = if seg.ident {
                        seg.orig + (s - seg_start) as u32
                    } else {
                        seg.orig
                    };
                    segs.push(Seg {
                        norm: (base + s - ks) as u32,
                        orig,
                        orig_end: seg.orig_end,
                        ident: seg.ident,
                    });
                }
                i += 1;
            }
        }
        self.text = text;
        self.segs = segs;
    }

    /// Join letters and digits written with spaces between them ("B P C - 1 5 7",
    /// "2 5 0 m c g"), an evasion of word matching: a run of at least three one-character
    /// tokens loses its inner spaces. A lone "x" (multiplication) never joins a run.
    pub fn collapse_spaced(&mut self) {
        // a run that loses spaces holds at least two one-character tokens with one space
        // between them; most blocks have none, and finding that out needs only the spaces
        if has_spaced_pair(self.text.as_bytes()) {
            self.collapse_runs();
        }
    }

    /// [`Self::collapse_spaced`] without the check that a run can form at all.
    fn collapse_runs(&mut self) {
        let b = self.text.as_bytes();
        let edge = is_edge;
        let single = |i: usize| single_token(b, i);
        let mut dels = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if edge(b[i]) {
                i += 1;
                continue;
            }
            // a token starts here (the byte before is an edge): only a one-character
            // token can begin a run, so a longer one is skipped whole
            if b.get(i + 1).is_some_and(|&c| !edge(c)) {
                i += 2;
                while i < b.len() && !edge(b[i]) {
                    i += 1;
                }
                continue;
            }
            if !single(i) {
                i += 1;
                continue;
            }
            // a run: single, space, single, space, ...
            let mut end = i;
            let mut count = 1;
            let mut alnum = usize::from(b[i].is_ascii_alphanumeric());
            while end + 2 < b.len() && b[end + 1] == b' ' && single(end + 2) {
                end += 2;
                count += 1;
                alnum += usize::from(b[end].is_ascii_alphanumeric());
            }
            // a two-letter unit spelled out after a number: "25 m g", "2 m l"
            let unit2 = count == 2
                && i >= 2
                && b[i - 2].is_ascii_digit()
                && matches!(
                    [b[i].to_ascii_lowercase(), b[end].to_ascii_lowercase()],
                    [b'm', b'g'] | [b'm', b'l'] | [b'i', b'u'] | [b'u', b'g'] | [b'c', b'c']
                );
            if (count >= 3 && alnum >= 2) || unit2 {
                let mut k = i + 1;
                while k < end {
                    dels.push((k, k + 1));
                    k += 2;
                }
            }
            i = end + 1;
        }
        self.remove(&dels);
    }

    /// Trim a trailing collapsed space, keeping the map consistent.
    pub fn trim_end(&mut self) {
        while self.text.ends_with(' ') {
            self.text.pop();
            let len = self.text.len() as u32;
            while self.segs.last().is_some_and(|s| s.norm >= len) {
                self.segs.pop();
            }
        }
        self.last_space = self.text.is_empty();
    }
}

/// Normalize a pattern (alias or phrase) the way document text is normalized, then
/// lowercase it for ASCII-case-insensitive matching.
pub fn normalize_pattern(s: &str) -> String {
    let mut n = NormText::of(s.trim());
    n.trim_end();
    n.text.to_ascii_lowercase()
}

/// Byte classes for [`NormText::push`]'s ASCII loop.
const PLAIN: u8 = 0;
const SPACE: u8 = 1;
const OTHER_SPACE: u8 = 2;
const NOT_ASCII: u8 = 3;
static ASCII_CLASS: [u8; 256] = {
    let mut t = [NOT_ASCII; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = if c == b' ' {
            SPACE
        } else if c.is_ascii_whitespace() {
            OTHER_SPACE
        } else {
            PLAIN
        };
        i += 1;
    }
    t
};

/// The length of the identity prefix of `bytes`: ASCII characters other than tabs and
/// line breaks, with no two spaces in a row (`space`: whether the byte before was a
/// space), and whether its last byte is a space. It stops at a non-ASCII byte, a tab or
/// line break, or a second space.
///
/// Most of a page is such text, so it is checked eight bytes at a time (see
/// [`attention`]); the byte that stops a word, and the last few bytes, are classified one
/// by one with [`ASCII_CLASS`], exactly as a byte-by-byte loop would.
#[inline]
fn plain_run(bytes: &[u8], mut space: bool) -> (usize, bool) {
    let mut j = 0;
    loop {
        while let Some(w) = bytes.get(j..).and_then(<[u8]>::first_chunk::<8>) {
            let m = attention(u64::from_le_bytes(*w), space);
            if m == 0 {
                space = w[7] == b' ';
                j += 8;
                continue;
            }
            let k = (m.trailing_zeros() / 8) as usize;
            if k > 0 {
                space = w[k - 1] == b' ';
                j += k;
            }
            break;
        }
        match bytes.get(j).map(|&b| ASCII_CLASS[usize::from(b)]) {
            Some(PLAIN) => space = false,
            Some(SPACE) if !space => space = true,
            _ => return (j, space),
        }
        j += 1;
    }
}

const LO: u64 = u64::from_le_bytes([0x01; 8]);
const HI: u64 = u64::from_le_bytes([0x80; 8]);

/// For eight bytes read little-endian (`prev_space`: whether the byte before them was a
/// space), a mask with the high bit set in every byte that [`plain_run`] must look at
/// one by one: a non-ASCII byte, a control byte (tabs and line breaks are among them),
/// or a space after a space. Every such byte is marked; a few plain bytes after a marked
/// one may be marked too (a borrow carries into the next byte), which only costs a byte
/// looked at one by one. So every byte before the first mark is a plain byte or a single
/// space.
#[inline]
fn attention(x: u64, prev_space: bool) -> u64 {
    let non_ascii = x & HI;
    let control = x.wrapping_sub(LO * 0x20) & !x & HI;
    let s = x ^ (LO * 0x20);
    let spaces = s.wrapping_sub(LO) & !s & HI;
    let double = spaces & ((spaces << 8) | (u64::from(prev_space) << 7));
    non_ascii | control | double
}

/// A token edge for [`NormText::collapse_spaced`]: a space, or punctuation other than a
/// hyphen (the text's ends are edges too).
#[inline]
fn is_edge(c: u8) -> bool {
    !TOKEN_BYTE[usize::from(c)]
}

/// Whether byte `i` of `b` is a one-character token that can join a spaced-out run: an
/// ASCII letter, digit or hyphen between edges, but not a lone "x" (multiplication).
#[inline]
fn single_token(b: &[u8], i: usize) -> bool {
    let c = b[i];
    (c.is_ascii_alphanumeric() || c == b'-')
        && c != b'x'
        && c != b'X'
        && (i == 0 || is_edge(b[i - 1]))
        && (i + 1 == b.len() || is_edge(b[i + 1]))
}

/// Whether `b` holds two one-character tokens with one space between them ("B P").
fn has_spaced_pair(b: &[u8]) -> bool {
    any_short_after_space(b, |p| {
        p > 0 && p + 1 < b.len() && single_token(b, p + 1) && single_token(b, p - 1)
    })
}

/// Whether `f` holds for some space at `p` in `b` where byte `p + 2` is not a lowercase
/// ASCII letter or is past the end. (A one-character token after the space needs an
/// edge there; in prose a space is mostly followed by a longer word, so few spaces pass.)
///
/// Eight bytes are read at a time for the spaces, and the eight bytes two further on for
/// the lowercase letters, so every byte's mark comes from that byte alone (or the one two
/// after it): no space is missed and none is reported twice.
#[inline]
fn any_short_after_space(b: &[u8], f: impl Fn(usize) -> bool) -> bool {
    const LOW7: u64 = !HI;
    let mut j = 0;
    while let Some(w) = b.get(j..).and_then(<[u8]>::first_chunk::<10>) {
        let (head, ahead) = (w.first_chunk::<8>(), w.last_chunk::<8>());
        let (Some(head), Some(ahead)) = (head, ahead) else {
            break;
        };
        let s = u64::from_le_bytes(*head) ^ (LO * u64::from(b' '));
        // high bit set in the bytes of `s` that are zero (the spaces)
        let spaces = !(((s & LOW7) + LOW7) | s) & HI;
        // lowercase ASCII letters two bytes on: 0x61 ..= 0x7A, with no carry between bytes
        let x = u64::from_le_bytes(*ahead);
        let y = x & LOW7;
        let lower = (y + LO * (0x80 - 0x61)) & !(y + LO * (0x80 - 0x7B)) & !x & HI;
        let mut m = spaces & !lower;
        while m != 0 {
            if f(j + (m.trailing_zeros() / 8) as usize) {
                return true;
            }
            m &= m - 1;
        }
        j += 8;
    }
    (j..b.len())
        .any(|p| b[p] == b' ' && b.get(p + 2).is_none_or(|c| !c.is_ascii_lowercase()) && f(p))
}

/// Bytes of a token for [`NormText::collapse_spaced`]: ASCII letters and digits, the
/// hyphen, and any byte of a non-ASCII character (a table: one load per byte).
static TOKEN_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'-' || c >= 0x80;
        i += 1;
    }
    t
};

/// Is this byte part of a word (for whole-word checks on normalized text)?
#[inline]
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn map(src: &str) -> NormText {
        NormText::of(src)
    }

    #[test]
    fn folds_and_maps_back() {
        let src = "Take\u{00A0}~40\u{00A0}µg/kg \u{2014} BPC\u{00AD}-157";
        let n = map(src);
        assert_eq!(n.text, "Take ~40 ug/kg - BPC-157");
        let at = n.text.find("ug/kg").unwrap();
        let (s, e) = n.orig_range(at, at + 5, src);
        assert_eq!(&src[s..e], "µg/kg");
        let at = n.text.find("BPC-157").unwrap();
        let (s, e) = n.orig_range(at, at + 7, src);
        assert_eq!(&src[s..e], "BPC\u{00AD}-157");
    }

    #[test]
    fn collapses_space_runs_and_keeps_offsets() {
        let src = "we   recommend\n\tit";
        let n = map(src);
        assert_eq!(n.text, "we recommend it");
        let at = n.text.find("it").unwrap();
        let (s, e) = n.orig_range(at, at + 2, src);
        assert_eq!(&src[s..e], "it");
    }

    #[test]
    fn space_after_a_replaced_piece_is_kept() {
        let mut n = NormText::new();
        n.push(0, "x ");
        n.push_replaced(2, 10, "g");
        n.push(10, " of");
        assert_eq!(n.text, "x g of");
    }

    #[test]
    fn zero_width_and_confusables_vanish() {
        let src = "В\u{200B}РС-157 and ＢＰＣ－１５７";
        let n = map(src);
        assert_eq!(n.text, "BPC-157 and BPC-157");
        let at = n.text.rfind("BPC").unwrap();
        let (s, e) = n.orig_range(at, at + 7, src);
        assert_eq!(&src[s..e], "ＢＰＣ－１５７");
    }

    #[test]
    fn spaced_out_letters_join_and_map_back() {
        let src = "Take 2 5 0 m c g of B P C - 1 5 7, 2 x 5 mg, a b";
        let mut n = map(src);
        n.collapse_spaced();
        assert_eq!(n.text, "Take 250mcg of BPC-157, 2 x 5 mg, a b");
        let at = n.text.find("BPC-157").unwrap();
        let (s, e) = n.orig_range(at, at + 7, src);
        assert_eq!(&src[s..e], "B P C - 1 5 7");
        let at = n.text.find("of").unwrap();
        assert_eq!(
            n.orig_range(at, at + 2, src),
            (src.find("of").unwrap(), src.find("of").unwrap() + 2)
        );
    }

    #[test]
    fn other_scripts_fold_to_their_latin_skeleton() {
        // Cyrillic (table), Armenian and mathematical bold (UTS #39 skeletons)
        assert_eq!(
            normalize_pattern("ВРС-157 օsta \u{1D42C}ema"),
            "bpc-157 osta sema"
        );
        // words in other scripts that have no Latin look-alike are left alone
        assert_eq!(normalize_pattern("日本"), "日本");
    }

    #[test]
    fn accents_and_ligatures_fold() {
        assert_eq!(normalize_pattern("Naïve ﬁsh Éclair"), "naive fish eclair");
    }

    /// [`plain_run`] one byte at a time: the definition the word-at-a-time form must meet.
    fn plain_run_bytewise(bytes: &[u8], mut space: bool) -> (usize, bool) {
        for (j, &b) in bytes.iter().enumerate() {
            match ASCII_CLASS[usize::from(b)] {
                PLAIN => space = false,
                SPACE if !space => space = true,
                _ => return (j, space),
            }
        }
        (bytes.len(), space)
    }

    /// Bytes where the word-at-a-time checks could go wrong: spaces, tabs and line breaks,
    /// other control bytes, bytes either side of 0x20 and 0x80, the first byte of a
    /// two-byte character, letters, digits, the hyphen, the bytes just outside `a..=z`, and
    /// 0xE1/0xFA (`a`/`z` with the high bit set).
    fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
        let pick = prop::sample::select(vec![
            b' ', b' ', b' ', b'\t', b'\n', b'\r', 0x0C, 0x00, 0x01, 0x1F, b'!', 0x7E, 0x7F, 0x80,
            0xC2, 0xE1, 0xFA, 0xFF, b'a', b'z', b'{', b'`', b'B', b'x', b'1', b'-', b',',
        ]);
        prop::collection::vec(prop_oneof![4 => pick, 1 => any::<u8>()], 0..80)
    }

    /// Text of one-character tokens, words, spaces and punctuation, some non-ASCII.
    fn tokens() -> impl Strategy<Value = String> {
        let pick = prop::sample::select(vec![
            "B", "P", "C", "1", "5", "7", "-", "x", "X", "m", "g", "l", "i", "u", "mg", "word",
            "250", " ", " ", " ", "  ", ",", ".", "/", "µ", "é", "\u{a0}", "–", "В",
        ]);
        prop::collection::vec(pick, 0..40).prop_map(|v| v.concat())
    }

    /// Prose pieces that exercise every path of [`NormText::push`].
    fn prose() -> impl Strategy<Value = String> {
        let pick = prop::sample::select(vec![
            "Take 250 mcg",
            " of BPC-157",
            " twice daily.",
            "  ",
            " ",
            "\t",
            "\n",
            "\r\n",
            "\u{a0}",
            "µg",
            "2–5 mg",
            "\u{200b}",
            "\u{ad}",
            "e\u{301}",
            "ＢＰＣ",
            "В",
            "…",
            "“quoted”",
            "a b c",
            "x",
            "!",
            "\u{1}",
            "日本",
            "\u{2003}",
            "word",
        ]);
        prop::collection::vec(pick, 0..30).prop_map(|v| v.concat())
    }

    /// The original range of every normalized byte, one by one.
    fn byte_map(n: &NormText, src: &str) -> Vec<(usize, usize)> {
        (0..n.text.len())
            .map(|i| n.orig_range(i, i + 1, src))
            .collect()
    }

    proptest! {
        #[test]
        fn plain_run_matches_the_bytewise_loop(bytes in tricky_bytes(), space: bool) {
            prop_assert_eq!(plain_run(&bytes, space), plain_run_bytewise(&bytes, space));
        }

        #[test]
        fn every_space_before_a_short_word_is_seen(bytes in tricky_bytes()) {
            let seen = std::cell::RefCell::new(Vec::new());
            let found = any_short_after_space(&bytes, |p| {
                seen.borrow_mut().push(p);
                false
            });
            prop_assert!(!found);
            let spaces: Vec<usize> = (0..bytes.len())
                .filter(|&p| bytes[p] == b' ' && bytes.get(p + 2).is_none_or(|c| !c.is_ascii_lowercase()))
                .collect();
            prop_assert_eq!(seen.into_inner(), spaces);
        }

        #[test]
        fn collapse_spaced_matches_the_full_scan(text in tokens()) {
            let mut fast = NormText::of(&text);
            let mut full = fast.clone();
            fast.collapse_spaced();
            full.collapse_runs();
            prop_assert_eq!(&fast.text, &full.text);
            prop_assert_eq!(byte_map(&fast, &text), byte_map(&full, &text));
        }

        /// Pushed one character at a time, no piece is long enough for the word-at-a-time
        /// path: text and offsets must come out the same as for the whole string.
        #[test]
        fn push_whole_matches_push_by_character(text in prose()) {
            let whole = NormText::of(&text);
            let mut by_char = NormText::new();
            for (at, c) in text.char_indices() {
                by_char.push(at, &text[at..at + c.len_utf8()]);
            }
            prop_assert_eq!(&whole.text, &by_char.text);
            prop_assert_eq!(byte_map(&whole, &text), byte_map(&by_char, &text));
        }
    }

    #[test]
    fn word_at_a_time_stops_where_a_byte_loop_would() {
        // a double space, a tab and a non-ASCII byte at every offset of an eight-byte word
        for at in 0..16 {
            for odd in ["  ", "\t", "\u{a0}", "\u{1}", " !", "\n"] {
                let text = format!("{}{odd}{}", "a".repeat(at), "b".repeat(20));
                for space in [false, true] {
                    assert_eq!(
                        plain_run(text.as_bytes(), space),
                        plain_run_bytewise(text.as_bytes(), space),
                        "{text:?} {space}"
                    );
                }
            }
        }
    }
}
