//! Sentence boundaries (UAX #29) on normalized text.
//!
//! `unicode-segmentation` looks every character's sentence-break category up in a large
//! table, which made sentence splitting the most expensive step of linting. Normalized
//! text is almost always pure ASCII, so for ASCII text the same rules run here over bytes
//! with the ASCII categories written out; any other text goes to `unicode-segmentation`.
//! The two are checked against each other on random strings of every ASCII character
//! (`tests::ascii_fast_path_agrees_with_unicode_segmentation`).

use unicode_segmentation::UnicodeSegmentation;

/// Sentence ranges of normalized text, trailing spaces trimmed, blank pieces dropped; the
/// whole text when there is no sentence at all.
pub fn split(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let s = text.as_bytes();
    // ASCII without control characters has no line break to look for (normalized text is
    // nearly always that)
    let no_breaks = spaced_ascii(s);
    if no_breaks || text.is_ascii() {
        let mut start = 0;
        let mut breaks = AsciiBreaks::new(s);
        if no_breaks {
            breaks.nl = s.len();
        }
        for end in breaks {
            // trailing white space trimmed (the ASCII White_Space characters: tab to CR,
            // and space); a piece left with any byte is not blank, since its last byte
            // is not white space
            let mut e = end;
            while e > start && matches!(s[e - 1], b'\t'..=b'\r' | b' ') {
                e -= 1;
            }
            if e > start {
                out.push((start, e));
            }
            start = end;
        }
    } else {
        for (i, s) in text.split_sentence_bound_indices() {
            let t = s.trim_end();
            if !t.trim().is_empty() {
                out.push((i, i + t.len()));
            }
        }
    }
    if out.is_empty() {
        out.push((0, text.len()));
    }
    out
}

/// Whether every byte is ASCII from a space on (so no line break is there), eight at a
/// time.
fn spaced_ascii(s: &[u8]) -> bool {
    const LO: u64 = u64::from_le_bytes([0x01; 8]);
    const HI: u64 = u64::from_le_bytes([0x80; 8]);
    let words = s.chunks_exact(8);
    let tail = words.remainder();
    // high bit set in a byte that is past ASCII, or below a space (the borrow of a byte
    // below 0x20 may mark bytes after it too, but only if one is there)
    let mut bad = 0;
    for w in words {
        let x = u64::from_le_bytes(w.try_into().unwrap_or([0x80; 8]));
        bad |= (x | (x.wrapping_sub(LO * 0x20) & !x)) & HI;
    }
    bad == 0 && tail.iter().all(|&b| (0x20..0x80).contains(&b))
}

/// Sentence-break categories of the ASCII characters (Unicode SentenceBreakProperty).
/// The ones from `Lower` on are the plain ones (see [`plain`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cat {
    Cr,
    Lf,
    Sp,
    ATerm,
    STerm,
    Close,
    Lower,
    Upper,
    Numeric,
    SContinue,
    Other,
}

/// The category of every byte (one load instead of a chain of comparisons); bytes past
/// ASCII never reach it and read as `Other`.
static CATS: [Cat; 256] = {
    let mut t = [Cat::Other; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = cat_of(i as u8);
        i += 1;
    }
    t
};

const fn cat_of(b: u8) -> Cat {
    match b {
        b'\r' => Cat::Cr,
        b'\n' => Cat::Lf,
        b'\t' | 0x0B | 0x0C | b' ' => Cat::Sp,
        b'a'..=b'z' => Cat::Lower,
        b'A'..=b'Z' => Cat::Upper,
        b'0'..=b'9' => Cat::Numeric,
        b'.' => Cat::ATerm,
        b'!' | b'?' => Cat::STerm,
        b'"' | b'\'' | b'(' | b')' | b'[' | b']' | b'{' | b'}' => Cat::Close,
        b',' | b'-' | b':' | b';' => Cat::SContinue,
        _ => Cat::Other,
    }
}

#[inline]
fn cat(b: u8) -> Cat {
    CATS[usize::from(b)]
}

/// Characters that only ever shift the state: letters, digits, SContinue and Other.
#[inline]
fn plain(b: u8) -> bool {
    cat(b) as u8 >= Cat::Lower as u8
}

/// The state of the UAX #29 machine: the last four "parts" (runs of Close and Sp
/// collapse into one part), exactly as `unicode-segmentation` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Sot,
    Eot,
    Other,
    Cr,
    Lf,
    ATerm,
    UpperLower,
    ClosePlus,
    SpPlus,
    STerm,
}

#[derive(Debug, Clone, Copy)]
struct State([Part; 4]);

impl State {
    /// The state with `part` as the newest part.
    fn shift(self, part: Part) -> State {
        let p = self.0;
        State([p[1], p[2], p[3], part])
    }

    fn next(self, c: Cat) -> State {
        let p = self.0;
        match (p[3], c) {
            (Part::ClosePlus, Cat::Close) | (Part::SpPlus, Cat::Sp) => self,
            _ => State([
                p[1],
                p[2],
                p[3],
                match c {
                    Cat::Cr => Part::Cr,
                    Cat::Lf => Part::Lf,
                    Cat::ATerm => Part::ATerm,
                    Cat::Upper | Cat::Lower => Part::UpperLower,
                    Cat::Close => Part::ClosePlus,
                    Cat::Sp => Part::SpPlus,
                    Cat::STerm => Part::STerm,
                    _ => Part::Other,
                },
            ]),
        }
    }

    /// No rule can break before the next terminator or line break. Every break rule
    /// (SB4's after a line break, SB11's after `Term Close* Sp*`) and every rule that keeps
    /// one from happening (SB6 to SB10) looks at what stands immediately before the
    /// position: once the last part is a letter, digit or other plain character, none of
    /// them applies until a terminator or line break comes.
    fn quiet(self) -> bool {
        matches!(self.0[3], Part::Other | Part::UpperLower)
    }

    /// The part before any trailing Sp+ and Close+ (SB8, SB8a).
    fn term_before_close_sp(self) -> Part {
        let p = self.0;
        let mut i = if p[3] == Part::SpPlus { 2 } else { 3 };
        if p[i] == Part::ClosePlus {
            i -= 1;
        }
        p[i]
    }

    fn sb8(self, ahead: &[u8]) -> bool {
        if self.term_before_close_sp() != Part::ATerm {
            return false;
        }
        for &b in ahead {
            match cat(b) {
                Cat::Lower => return true,
                Cat::Upper | Cat::Cr | Cat::Lf | Cat::STerm | Cat::ATerm => return false,
                _ => {}
            }
        }
        false
    }

    fn sb8a(self) -> bool {
        matches!(self.term_before_close_sp(), Part::STerm | Part::ATerm)
    }

    fn sb9(self) -> bool {
        let p = self.0;
        let i = if p[3] == Part::ClosePlus { 2 } else { 3 };
        matches!(p[i], Part::STerm | Part::ATerm)
    }

    fn sb11(self) -> bool {
        let p = self.0;
        let mut i = match p[3] {
            Part::Cr | Part::Lf => 2,
            _ => 3,
        };
        if p[i] == Part::SpPlus {
            i -= 1;
        }
        if p[i] == Part::ClosePlus {
            i -= 1;
        }
        matches!(p[i], Part::STerm | Part::ATerm)
    }
}

/// Break positions (after the first, which is always 0) of ASCII text.
struct AsciiBreaks<'a> {
    s: &'a [u8],
    pos: usize,
    state: State,
    /// The first CR or LF at or after `pos` when `pos <= nl` (the text's length when
    /// there is none): line breaks are rare in normalized text, so the search for them
    /// runs once per line break, not once per sentence.
    nl: usize,
}

impl<'a> AsciiBreaks<'a> {
    fn new(s: &'a [u8]) -> Self {
        AsciiBreaks {
            s,
            pos: 0,
            state: State([Part::Sot; 4]),
            nl: 0,
        }
    }
}

impl Iterator for AsciiBreaks<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.pos < self.s.len() {
            // Between terminators nothing can break: once the last four parts hold no
            // terminator and no line break, jump to the next `.`, `!`, `?`, CR or LF.
            // Only the part just before it matters to the rules there (SB7's letter
            // before a full stop), so the state is rebuilt from that one byte.
            if self.pos > 0 && self.state.quiet() {
                let rest = &self.s[self.pos..];
                if self.nl < self.pos {
                    self.nl =
                        memchr::memchr2(b'\r', b'\n', rest).map_or(self.s.len(), |i| self.pos + i);
                }
                let line = &rest[..self.nl - self.pos];
                let skip = memchr::memchr3(b'.', b'!', b'?', line).unwrap_or(line.len());
                if skip > 1 {
                    let to = self.pos + skip;
                    self.state = State([Part::Other; 4]).next(cat(self.s[to - 1]));
                    self.pos = to;
                }
                // At a terminator after a letter, digit or other plain character: no rule
                // breaks before it (each looks for a terminator, a line break or text
                // start just before), whatever follows, and the state only shifts. When
                // one space and a capital follow, SB11 breaks before the capital and
                // nothing before it (SB8's search stops at the capital; SB9 keeps the
                // space), as after most sentences.
                if skip != 1 && self.state.quiet() {
                    let p = self.pos;
                    let term = match self.s.get(p) {
                        Some(b'.') => Some(Part::ATerm),
                        Some(b'!' | b'?') => Some(Part::STerm),
                        _ => None,
                    };
                    if let Some(t) = term {
                        if self.s.get(p + 1) == Some(&b' ')
                            && self.s.get(p + 2).is_some_and(|&b| cat(b) == Cat::Upper)
                        {
                            let last = self.state.0[3];
                            self.state = State([last, t, Part::SpPlus, Part::UpperLower]);
                            self.pos = p + 3;
                            return Some(p + 2);
                        }
                        self.state = self.state.shift(t);
                        self.pos = p + 1;
                        continue;
                    }
                }
                if skip > 1 {
                    continue;
                }
            }
            let before = self.pos;
            let st = self.state;
            let c = cat(self.s[before]);
            self.pos += 1;
            self.state = st.next(c);
            let last = st.0[3];
            let brk = match c {
                _ if last == Part::Sot => true,
                Cat::Lf if last == Part::Cr => false,
                _ if matches!(last, Part::Cr | Part::Lf) => true,
                Cat::Numeric if last == Part::ATerm => false,
                Cat::Upper if st.0[2] == Part::UpperLower && last == Part::ATerm => false,
                _ if st.sb8(&self.s[before..]) => false,
                Cat::SContinue | Cat::STerm | Cat::ATerm if st.sb8a() => false,
                Cat::Close | Cat::Sp | Cat::Cr | Cat::Lf if st.sb9() => false,
                Cat::Sp | Cat::Cr | Cat::Lf if st.sb8a() => false,
                _ => st.sb11(),
            };
            if brk && before > 0 {
                return Some(before);
            }
            // Inside a run of letters, digits and other plain characters no rule can
            // break (the part before each is UpperLower or Other), and the state only
            // shifts: feed it the run's last four characters and jump to its end.
            if plain(self.s[before]) {
                let run = self.s[self.pos..]
                    .iter()
                    .position(|&b| !plain(b))
                    .unwrap_or(self.s.len() - self.pos);
                let end = self.pos + run;
                for &b in &self.s[end - run.min(4)..end] {
                    self.state = self.state.next(cat(b));
                }
                self.pos = end;
            }
        }
        if matches!(self.state.0[3], Part::Sot | Part::Eot) {
            None
        } else {
            let p = self.state.0;
            self.state = State([p[1], p[2], p[3], Part::Eot]);
            Some(self.pos)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, s) in text.split_sentence_bound_indices() {
            let t = s.trim_end();
            if !t.trim().is_empty() {
                out.push((i, i + t.len()));
            }
        }
        if out.is_empty() {
            out.push((0, text.len()));
        }
        out
    }

    #[test]
    fn splits_like_the_examples() {
        let t = "Started low (e.g. ~40 ug/kg) and titrated. Next one here.";
        assert_eq!(split(t).len(), 2);
        assert_eq!(split(t), reference(t));
        let t = "Is it? Yes! \"Quoted.\" (Aside.) Mr. Smith went. 3.5 mg. end";
        assert_eq!(split(t), reference(t));
    }

    #[test]
    fn ascii_fast_path_agrees_with_unicode_segmentation() {
        // every ASCII character, with the ones the rules care about more often
        let mut alphabet: Vec<u8> = (0u8..128).collect();
        for _ in 0..6 {
            alphabet.extend_from_slice(b".!?\"'()[]{},-:; aAzZ09\r\n\t");
        }
        agrees(&alphabet, 40);
        // prose: long stretches between terminators, where the splitter skips ahead
        let mut prose: Vec<u8> = Vec::new();
        for _ in 0..8 {
            prose.extend_from_slice(b"abcxyzABCXYZ019   ,-");
        }
        prose.extend_from_slice(b".!?\"')( \n\r");
        agrees(&prose, 120);
        // sentence ends: terminators after words, then a space and a capital, a digit, a
        // lowercase letter, a quote or the end (the shortcuts at a terminator)
        let mut ends: Vec<u8> = Vec::new();
        for _ in 0..4 {
            ends.extend_from_slice(b"ab Z9-");
        }
        ends.extend_from_slice(b". . . !? A\"(\n");
        agrees(&ends, 60);
    }

    #[test]
    fn spaced_ascii_matches_the_bytewise_check() {
        // bytes either side of a space and of 0x80, line breaks, at every offset of a word
        let odd = [
            0x00, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x7E, 0x7F, 0x80, 0xC3, 0xFF,
        ];
        for len in 0..24 {
            for at in 0..len {
                for &b in &odd {
                    let mut s = vec![b'a'; len];
                    s[at] = b;
                    let bytewise = s.iter().all(|c| (0x20..0x80).contains(c));
                    assert_eq!(spaced_ascii(&s), bytewise, "{s:?}");
                }
            }
        }
        assert!(spaced_ascii(b""));
    }

    fn agrees(alphabet: &[u8], max_len: u64) {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..100_000 {
            let len = (rnd() % max_len) as usize;
            let s: Vec<u8> = (0..len)
                .map(|_| alphabet[(rnd() % alphabet.len() as u64) as usize])
                .collect();
            let s = String::from_utf8(s).expect("ascii");
            assert_eq!(split(&s), reference(&s), "{s:?}");
        }
    }
}
