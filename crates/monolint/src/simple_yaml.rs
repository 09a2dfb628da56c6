//! The simple shapes of YAML that monolint's own files almost always hold, read line by
//! line without a YAML parser: front matter of `key: value` lines, and registry files,
//! block sequences of such mappings. Parsing them with `serde_yaml` costs hundreds of
//! instructions a byte (a 1.5 MB registry of 10,000 compounds: ~500M).
//!
//! Everything here is conservative: it reads only what YAML surely reads the same way,
//! and answers `None` for anything else (comments after values, escapes, single quotes,
//! anchors, multi-line flow collections, numbers, booleans or nulls where a string is
//! read, ...). The caller then hands the text to `serde_yaml`, so the result, and every
//! error with where it points, are exactly the parser's. Differential property tests in
//! `document.rs` and `registry.rs` hold the readers to `serde_yaml` on random mixes of
//! the shapes they take and the ones they must leave alone.

/// A scalar written on one line: plain, or double-quoted without escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar<'a> {
    Plain(&'a str),
    Quoted(&'a str),
}

impl<'a> Scalar<'a> {
    /// The text, when YAML surely reads the scalar as a string: quoted, or plain starting
    /// with a letter and not a word YAML may read as a null or a boolean (a plain scalar
    /// here holds only letters, digits, spaces and `._/-`, so it is then not a number).
    pub(crate) fn string(self) -> Option<&'a str> {
        match self {
            Scalar::Quoted(s) => Some(s),
            Scalar::Plain(s) => {
                (s.as_bytes()[0].is_ascii_alphabetic() && !yaml_word(s)).then_some(s)
            }
        }
    }

    /// The value, when YAML surely reads the scalar as a boolean.
    pub(crate) fn boolean(self) -> Option<bool> {
        match self {
            Scalar::Plain("true") => Some(true),
            Scalar::Plain("false") => Some(false),
            _ => None,
        }
    }
}

/// A value of a simple mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    One(Scalar<'a>),
    /// A one-line flow sequence, or a block sequence of one-line scalars.
    List(Vec<Scalar<'a>>),
    /// A folded or literal block scalar (`>`, `>-`, `|`, `|-`): a string, whose text is
    /// not kept (monolint reads no such value: registry notes).
    Block,
}

/// The keys and values of a simple mapping, in their order; keys are distinct.
pub(crate) type Mapping<'a> = Vec<(&'a str, Value<'a>)>;

/// A one-line value: a double-quoted string without escapes, a plain scalar of letters,
/// digits, spaces and `._/-` (starting with a letter or a digit, not ending with a
/// space), or a one-line flow sequence of such scalars separated by `,` and spaces.
pub(crate) fn one_line(v: &str) -> Option<Value<'_>> {
    if let Some(inner) = v.strip_prefix('[') {
        return flow_items(inner.strip_suffix(']')?).map(Value::List);
    }
    scalar_alone(v).map(Value::One)
}

/// A scalar that is the whole of `v`.
fn scalar_alone(v: &str) -> Option<Scalar<'_>> {
    match scalar(v)? {
        (s, "") => Some(s),
        _ => None,
    }
}

/// The scalar at the start of `v` and the rest after it. A quoted scalar ends at its
/// closing quote; a plain one at the first `,` (the rest of a flow sequence) or the end.
fn scalar(v: &str) -> Option<(Scalar<'_>, &str)> {
    if let Some(inner) = v.strip_prefix('"') {
        let end = find_byte(b'"', inner.as_bytes())?;
        let s = &inner[..end];
        return quoted_text(s).then_some((Scalar::Quoted(s), &inner[end + 1..]));
    }
    let end = find_byte(b',', v.as_bytes()).unwrap_or(v.len());
    let s = &v[..end];
    let b = s.as_bytes();
    let ok = b.first()?.is_ascii_alphanumeric()
        && b[b.len() - 1] != b' '
        && all_bytes(b, |c| {
            c.is_ascii_alphanumeric() | matches!(c, b' ' | b'.' | b'_' | b'/' | b'-')
        });
    ok.then_some((Scalar::Plain(s), &v[end..]))
}

/// The items of a one-line flow sequence, between its brackets.
fn flow_items(inner: &str) -> Option<Vec<Scalar<'_>>> {
    let mut items = Vec::new();
    if inner.is_empty() {
        return Some(items);
    }
    let mut rest = inner;
    loop {
        let (item, after) = scalar(rest)?;
        items.push(item);
        if after.is_empty() {
            return Some(items);
        }
        rest = after.strip_prefix(',')?.trim_start_matches(' ');
    }
}

/// A key of a simple mapping: a letter, then letters, digits, `_` and `-`; at most 64
/// bytes; not a word YAML may read as a null or a boolean.
pub(crate) fn simple_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    key.len() <= 64
        && bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !yaml_word(key)
}

/// Words YAML may read as something other than a string (null, booleans, in any case;
/// also the YAML 1.1 ones, to be safe).
pub(crate) fn yaml_word(w: &str) -> bool {
    // (none is longer than five bytes: most keys and values are turned away here)
    w.len() <= 5
        && ["null", "true", "false", "yes", "no", "on", "off", "y", "n"]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k))
}

/// A character a double-quoted scalar holds as itself: printable, not `"` or `\\`.
pub(crate) fn quotable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '"' | '\\' | '\u{FEFF}')
}

/// Text a double-quoted scalar holds as itself: every character [`quotable`] (checked
/// byte by byte while the text is printable ASCII, as it mostly is).
fn quoted_text(s: &str) -> bool {
    all_bytes(s.as_bytes(), |b| {
        matches!(b, b' '..=b'~') & (b != b'"') & (b != b'\\')
    }) || s.chars().all(quotable)
}

/// Whether `ok` holds for every byte of `b`. It looks at every byte, with no early
/// exit, so that the loop is vectorized: these checks run over every scalar and block
/// line of a registry, and nearly always hold.
#[inline]
fn all_bytes(b: &[u8], ok: impl Fn(u8) -> bool) -> bool {
    b.iter().fold(true, |all, &c| all & ok(c))
}

/// Where `needle` first is in `hay`: `memchr`, for the short haystacks read here (a line,
/// a value), where its call and set-up cost more than the search. Eight bytes at a time:
/// a word's lowest byte equal to `needle` is its lowest zero byte after XOR, which the
/// borrow trick finds exactly (borrows only make false hits above the first true one).
/// (memchr's own portable word-at-a-time search, `arch::all::memchr::One`, aligns and
/// unrolls for long haystacks: on a 10,000-compound registry it costs 11M instructions
/// more than this.)
#[inline]
fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = u64::from_ne_bytes([needle; 8]);
    let mut words = hay.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let x = u64::from_le_bytes(b) ^ pattern;
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(at + zero.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| c == needle)
        .map(|i| at + i)
}

/// A character a block scalar's line holds as itself: what [`quotable`] takes, and the
/// quote and backslash too (they are plain text in a block scalar).
fn block_char(c: char) -> bool {
    quotable(c) || c == '"' || c == '\\'
}

/// Where the entries of a registry-shaped text start: a block sequence at column 0, one
/// entry per line that opens with `-` at column 0. The one place that decides where a
/// registry may be cut: [`entries`] cuts at every start, the registry's parallel parse
/// (`registry::pieces`) at a few.
///
/// `None` when the text is not plainly such a list, so that cutting it at those lines
/// might not give the entries of one parse: a line at column 0 that is neither an entry,
/// a comment, a blank line nor indented, a line break other than `\n` and `\r\n`, a `*`
/// (an alias, maybe) anywhere, or no entry at all. A column-0 `- ` line inside a quoted
/// scalar or flow collection leaves the text before it unclosed: that part does not parse
/// alone, and the callers then parse the whole text.
pub(crate) fn entry_starts(text: &str) -> Option<Vec<usize>> {
    starts_between(text, 0, text.len()).filter(|starts| !starts.is_empty())
}

/// Whether `bytes` holds a line break other than `\n` and `\r\n`, or a `*` (an alias,
/// maybe): two passes, not five: a `\r` not before `\n`, a `*`, or the first byte of
/// U+0085 (C2 85) or of U+2028 / U+2029 (E2 80 A8 / A9), each then looked at.
fn odd_bytes(bytes: &[u8]) -> bool {
    let odd = |i: usize| match bytes[i] {
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        b'*' => true,
        0xC2 => bytes.get(i + 1) == Some(&0x85),
        _ => bytes
            .get(i + 1..i + 3)
            .is_some_and(|t| t == [0x80, 0xA8] || t == [0x80, 0xA9]),
    };
    memchr::memchr3_iter(b'\r', b'*', 0xC2, bytes).any(odd)
        || memchr::memchr_iter(0xE2, bytes).any(odd)
}

/// [`entry_starts`] of the lines in `text[lo..hi]` (`lo` and `hi` line starts or the
/// text's ends), empty when none there opens an entry: every check is of a line, so
/// parts of a text can be looked at apart.
fn starts_between(text: &str, lo: usize, hi: usize) -> Option<Vec<usize>> {
    let bytes = &text.as_bytes()[lo..hi];
    if odd_bytes(bytes) {
        return None;
    }
    // Every line opens an entry (`-` alone, or `- ` / `-\r`), is blank, indented, or a
    // comment; any other is refused. Most lines are indented, so the lines are not
    // taken one by one: one pass that vectorizes looks at the byte after every `\n`
    // (and the part's first), then the few `\n-` are found and looked at.
    let bad_first = |c: u8| !matches!(c, b' ' | b'\t' | b'\r' | b'#' | b'\n' | b'-');
    let bad_line = bytes
        .iter()
        .zip(&bytes[1.min(bytes.len())..])
        .fold(false, |any, (&x, &y)| any | ((x == b'\n') & bad_first(y)));
    if bad_line || bytes.first().is_some_and(|&c| bad_first(c)) {
        return None;
    }
    let dashes = (bytes.first() == Some(&b'-'))
        .then_some(0)
        .into_iter()
        .chain(memchr::memmem::find_iter(bytes, b"\n-").map(|i| i + 1));
    let mut starts = Vec::new();
    for at in dashes {
        match bytes.get(at + 1) {
            None | Some(b' ' | b'\r' | b'\n') => starts.push(lo + at),
            Some(_) => return None,
        }
    }
    Some(starts)
}

/// [`starts_between`] line by line, as it once was: what it is tested against.
#[cfg(test)]
fn starts_between_by_lines(text: &str, lo: usize, hi: usize) -> Option<Vec<usize>> {
    let bytes = &text.as_bytes()[lo..hi];
    if odd_bytes(bytes) {
        return None;
    }
    let mut starts = Vec::new();
    let mut at = lo;
    for line in lines(&text[lo..hi]) {
        match line.as_bytes() {
            [b'-'] | [b'-', b' ' | b'\r', ..] => starts.push(at),
            [] | [b' ' | b'\t' | b'\r' | b'#', ..] => {}
            _ => return None,
        }
        at += line.len() + 1;
    }
    Some(starts)
}

/// The entries of a registry-shaped text (see [`entry_starts`]): each from its `-` line
/// to the next one, comment and blank lines between entries included; the first also
/// holds what comes before it. [`entry`] reads a simple one.
#[cfg(test)]
pub(crate) fn entries(text: &str) -> Option<Vec<&str>> {
    entries_between(text, 0, text.len()).filter(|e| !e.is_empty())
}

/// The [`entries`] that start in `text[lo..hi]` (`lo` and `hi` line starts or the text's
/// ends, and an entry starting before `lo` unless it is 0: the first entry holds the
/// lines before it, see [`entry_cuts`]): the last runs on past `hi` to the next
/// entry's start. So a text cut into parts at line starts can be cut into entries part by
/// part, on several threads; the parts' entries, one after another, are the text's.
/// `None` as [`entry_starts`] finds, in the part's lines; empty when no entry starts
/// there (the one before runs on over it).
pub(crate) fn entries_between(text: &str, lo: usize, hi: usize) -> Option<Vec<&str>> {
    let starts = starts_between(text, lo, hi)?;
    let end = next_entry_start(text, hi).unwrap_or(text.len());
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        // the text's first entry holds the lines before it
        let start = if lo == 0 && i == 0 { 0 } else { start };
        let next = starts.get(i + 1).copied().unwrap_or(end);
        out.push(&text[start..next]);
    }
    Some(out)
}

/// Where the first line at or after `at` (a line start) that opens an entry starts.
fn next_entry_start(text: &str, at: usize) -> Option<usize> {
    let mut pos = at;
    for line in lines(&text[at..]) {
        if matches!(line.as_bytes(), [b'-'] | [b'-', b' ' | b'\r', ..]) {
            return Some(pos);
        }
        pos += line.len() + 1;
    }
    None
}

/// Where to cut a registry-shaped text into at most `n` runs of whole entries: `0`, the
/// first entry start at or after each `k/n` of the text (the first entry, which holds
/// the lines before it, stays in the first run), and the text's end, each cut after the
/// last. The one place that says where a registry is cut for threads: the reading
/// threads cut their runs into entries ([`entries_between`]), the parser's parse them
/// (`registry::pieces`).
pub(crate) fn entry_cuts(text: &str, n: usize) -> Vec<usize> {
    let len = text.len();
    let mut cuts = vec![0];
    if let Some(first) = next_entry_start(text, 0) {
        for k in 1..n {
            let target = (len * k / n).max(first + 1).max(cuts[cuts.len() - 1]);
            // the line start at or after the target
            let at = if target >= len || text.as_bytes()[target - 1] == b'\n' {
                target.min(len)
            } else {
                memchr::memchr(b'\n', &text.as_bytes()[target..]).map_or(len, |i| target + i + 1)
            };
            let Some(cut) = next_entry_start(text, at) else {
                break;
            };
            if cut > cuts[cuts.len() - 1] {
                cuts.push(cut);
            }
        }
    }
    cuts.push(len);
    cuts
}

/// One registry entry as a mapping, when every line is simple: after any blank and
/// comment lines at column 0, the `- ` line and lines
/// indented by two spaces are `key: value` ([`one_line`]), `key: >-` (or `>`, `|`, `|-`)
/// followed by a block scalar, or `key:` followed by a block sequence of one-line
/// scalars (`- item` lines, all indented alike, deeper than the key); blank lines and
/// comment lines at column 0 may come anywhere but inside a block scalar.
pub(crate) fn entry(piece: &str) -> Option<Mapping<'_>> {
    let mut lines = lines(piece).peekable();
    // the first entry holds the comment and blank lines at the top of the file
    let first = lines
        .find(|l| !l.is_empty() && !l.starts_with('#'))?
        .strip_prefix("- ")?;
    let mut map: Mapping<'_> = Vec::with_capacity(10);
    let mut field = Some(first);
    loop {
        if let Some(line) = field.take() {
            let colon = find_byte(b':', line.as_bytes())?;
            let (key, value) = (&line[..colon], &line[colon + 1..]);
            if !simple_key(key) || map.iter().any(|(k, _)| *k == key) {
                return None;
            }
            let value = if value.is_empty() {
                Value::List(block_sequence(&mut lines)?)
            } else {
                let value = value.strip_prefix(' ')?.trim_start_matches(' ');
                if matches!(value, ">" | ">-" | "|" | "|-") {
                    block_scalar(&mut lines)?;
                    Value::Block
                } else {
                    one_line(value)?
                }
            };
            map.push((key, value));
        }
        let Some(line) = lines.next() else {
            return Some(map);
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let rest = line.strip_prefix("  ")?;
        if rest.starts_with(' ') {
            return None;
        }
        field = Some(rest);
    }
}

/// The lines of `s`, split at `\n` (as `str::split` does, a line break at the end leaves
/// an empty last line).
fn lines(s: &str) -> impl Iterator<Item = &str> + '_ {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match find_byte(b'\n', r.as_bytes()) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The items of a block sequence after `key:`; none is not simple (the value is null).
fn block_sequence<'a, I>(lines: &mut std::iter::Peekable<I>) -> Option<Vec<Scalar<'a>>>
where
    I: Iterator<Item = &'a str>,
{
    let mut items = Vec::new();
    let mut indent = None;
    while let Some(&line) = lines.peek() {
        if line.is_empty() || line.starts_with('#') {
            lines.next();
            continue;
        }
        let depth = line.len() - line.trim_start_matches(' ').len();
        if depth <= 2 {
            break;
        }
        if *indent.get_or_insert(depth) != depth {
            return None;
        }
        items.push(scalar_alone(line[depth..].strip_prefix("- ")?)?);
        lines.next();
    }
    (!items.is_empty()).then_some(items)
}

/// Skip the lines of a block scalar: at least one line of text, every line of it
/// indented at least as deep as the first (which is deeper than the key) and made of
/// printable characters, or empty.
fn block_scalar<'a, I>(lines: &mut std::iter::Peekable<I>) -> Option<()>
where
    I: Iterator<Item = &'a str>,
{
    let mut indent = None;
    while let Some(&line) = lines.peek() {
        if line.is_empty() {
            lines.next();
            continue;
        }
        let depth = line.len() - line.trim_start_matches(' ').len();
        if depth == line.len() {
            // spaces only: whether YAML takes it depends on the lines around it
            return None;
        }
        match indent {
            None if depth > 2 => indent = Some(depth),
            None => return None,
            Some(d) if depth < d => break,
            Some(_) => {}
        }
        // byte by byte while the line is printable ASCII, as it mostly is
        if !(all_bytes(line.as_bytes(), |b| matches!(b, b' '..=b'~'))
            || line.chars().all(block_char))
        {
            return None;
        }
        lines.next();
    }
    indent.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time search finds the first match as a byte loop does, wherever it
    /// is and whatever bytes stand around it (those that borrow: the needle's neighbours,
    /// 0x00, 0x80, 0xFF).
    #[test]
    fn find_byte_is_the_first_match() {
        for needle in [b'\n', b',', 0x00, 0x01, 0x7F, 0x80, 0xFF] {
            let fill = [
                needle.wrapping_sub(1),
                needle.wrapping_add(1),
                0x00,
                0x80,
                0xFF,
                b'a',
            ];
            for len in 0..40 {
                for (k, &f) in fill.iter().enumerate() {
                    let hay: Vec<u8> = (0..len)
                        .map(|i| {
                            if (i + k) % 3 == 0 {
                                fill[(i + k) % fill.len()]
                            } else {
                                f
                            }
                        })
                        .map(|b| if b == needle { needle ^ 0x40 } else { b })
                        .collect();
                    assert_eq!(find_byte(needle, &hay), None, "{needle} {hay:?}");
                    for at in 0..len {
                        let mut h = hay.clone();
                        h[at] = needle;
                        // a second match after the first is not the answer
                        if at + 3 < len {
                            h[at + 3] = needle;
                        }
                        assert_eq!(find_byte(needle, &h), Some(at), "{needle} {h:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn one_line_values() {
        use Scalar::{Plain, Quoted};
        assert_eq!(one_line("Foo bar"), Some(Value::One(Plain("Foo bar"))));
        assert_eq!(
            one_line("\"a, b: c # d\""),
            Some(Value::One(Quoted("a, b: c # d")))
        );
        assert_eq!(
            one_line("[\"a, b\", c d,e]"),
            Some(Value::List(vec![Quoted("a, b"), Plain("c d"), Plain("e")]))
        );
        assert_eq!(one_line("[]"), Some(Value::List(Vec::new())));
        for odd in [
            "",
            "a #c",
            "a: b",
            "'a'",
            "\"a\" ",
            "\"a\\\"",
            "[a,]",
            "[ a]",
            "[a ]",
            "[\"a\" ,b]",
            "[\"a\"b]",
            "[a",
            "-a",
            "a ",
            "\"\u{feff}\"",
            "\"\t\"",
        ] {
            assert_eq!(one_line(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn scalars_read_as_strings_and_booleans_only_for_sure() {
        use Scalar::{Plain, Quoted};
        assert_eq!(Plain("BPC-157").string(), Some("BPC-157"));
        assert_eq!(Quoted("157").string(), Some("157"));
        assert_eq!(Quoted("null").string(), Some("null"));
        for p in ["157", "5-amino", "null", "NULL", "True", "yes", "n"] {
            assert_eq!(Plain(p).string(), None, "{p}");
        }
        assert_eq!(Plain("true").boolean(), Some(true));
        assert_eq!(Plain("false").boolean(), Some(false));
        for p in [Plain("True"), Plain("yes"), Quoted("true")] {
            assert_eq!(p.boolean(), None, "{p:?}");
        }
    }

    /// Cut into parts at any line starts, a text's entries part by part are its entries
    /// in one go; a text that is not plainly a list is refused by some part, or has no
    /// entry in any.
    #[test]
    fn entries_part_by_part_are_the_entries() {
        let texts = [
            "# head\n\n- id: a\n  name: A\n# between\n- id: b\n  notes: |\n    - no\n-\n",
            "- id: a\n  aliases:\n    - x\n    - y\n\n\n- id: b\n- id: c\n  name: C",
            "- id: a\r\n  name: A\r\n- id: b\r\n",
            "  # x\n- id: a\n- id: b\n",
            "# only a comment\n\n",
            "- id: a\nname: A\n- id: b\n",
            "- id: a\n- id: &b b\n- id: *b\n",
            "- id: a\n- id: b\rname: B\n- id: c\n",
            "- id: a\n  notes: \u{2028}\n- id: b\n",
            "",
        ];
        for text in texts {
            let whole = entries(text);
            // cuts after the first entry's start (none when no line opens one)
            let first = next_entry_start(text, 0).map_or(text.len(), |s| s + 1);
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .filter(|&i| i == 0 || i >= first)
                .collect();
            for &c1 in &starts {
                for &c2 in starts.iter().filter(|&&c| c >= c1) {
                    let cuts = [0, c1, c2, text.len()];
                    let parts: Option<Vec<Vec<&str>>> = cuts
                        .windows(2)
                        .map(|w| entries_between(text, w[0], w[1]))
                        .collect();
                    let joined = parts
                        .map(|p| p.concat())
                        .filter(|e: &Vec<&str>| !e.is_empty());
                    assert_eq!(joined, whole, "{text:?} cut at {cuts:?}");
                }
            }
            // the threads' cuts: at entry starts, rising, the first entry in the first
            // run; their runs' entries are the text's
            for n in 1..6 {
                let cuts = entry_cuts(text, n);
                assert!(cuts.len() <= n + 1 && cuts.windows(2).all(|w| w[0] < w[1] || w[1] == 0));
                assert_eq!((cuts[0], cuts[cuts.len() - 1]), (0, text.len()));
                if let Some(starts) = entry_starts(text) {
                    for c in &cuts[1..cuts.len() - 1] {
                        assert!(starts[1..].contains(c), "{text:?} {n}: {cuts:?}");
                    }
                }
                let parts: Option<Vec<Vec<&str>>> = cuts
                    .windows(2)
                    .map(|w| entries_between(text, w[0], w[1]))
                    .collect();
                let joined = parts.map(|p| p.concat()).filter(|e| !e.is_empty());
                assert_eq!(joined, whole, "{text:?} in {n}: {cuts:?}");
            }
        }
    }

    proptest::proptest! {
        /// Looking at the byte after each `\n` finds the entry starts, and refuses the
        /// texts, that taking the lines one by one does, in any part of any text made of
        /// the lines a registry holds and the ones it must not.
        #[test]
        fn starts_are_found_as_line_by_line(
            lines in proptest::collection::vec(proptest::sample::select(vec![
                "- id: a", "-", "- ", "-\r", "-x", "--", "-\t", "  name: b", "    - c", "",
                "# c", "\t", "\r", "x: y", "key", " ", "#", "- id: \u{b5}", "*", "- \u{2028}",
            ]), 0..12),
            end in proptest::bool::ANY,
            cut in 0usize..200,
        ) {
            let mut text = lines.join("\n");
            if end {
                text.push('\n');
            }
            let line_starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .chain(std::iter::once(text.len()))
                .collect();
            let lo = line_starts[cut % line_starts.len()];
            let hi = line_starts[(cut / 7) % line_starts.len()].max(lo);
            proptest::prop_assert_eq!(
                starts_between(&text, lo, hi),
                starts_between_by_lines(&text, lo, hi),
                "{:?} [{}..{}]", text, lo, hi
            );
            proptest::prop_assert_eq!(
                starts_between(&text, 0, text.len()),
                starts_between_by_lines(&text, 0, text.len())
            );
        }
    }

    #[test]
    fn entries_cut_at_column_zero_dashes() {
        let text = "# head\n\n- id: a\n  name: A\n# between\n- id: b\n  notes: |\n    - no\n-\n";
        assert_eq!(entry_starts(text), Some(vec![8, 36, 64]));
        // the first entry holds the head of the file, which `entry` skips
        assert_eq!(
            entries(text),
            Some(vec![
                "# head\n\n- id: a\n  name: A\n# between\n",
                "- id: b\n  notes: |\n    - no\n",
                "-\n"
            ])
        );
        assert_eq!(
            entry("# head\n\n- id: a\n"),
            Some(vec![("id", Value::One(Scalar::Plain("a")))])
        );
        // CRLF lines are cut like LF ones; `entry` leaves them to the parser
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(entries(&crlf).map(|e| e.concat()), Some(crlf.clone()));
        assert_eq!(entries(&crlf).map(|e| e.len()), Some(3));
        assert_eq!(entry("- id: a\r\n"), None);
        // an indented head goes to the parser with the first entry
        assert_eq!(entries("  # x\n- id: a\n"), Some(vec!["  # x\n- id: a\n"]));
        assert_eq!(entry("  # x\n- id: a\n"), None);
        assert_eq!(lines("a\nb\n").collect::<Vec<_>>(), ["a", "b", ""]);
        // not plainly a list of entries
        for odd in [
            "",
            "# only a comment\n",
            "  - indented first\n",
            "key: value\n",
            "---\n- id: a\n",
            "- id: a\nname: A\n",
            "- id: a\rname: A\n",
            "\t- id: a\n",
            "- id: &a a\n- id: *a\n",
            "- id: a\u{2028}\n",
            "- id: a\n  name: x\u{2029}y\n",
            "- id: a\n  name: x\u{85}y\n",
            "- id: a\n  name: x\r",
            "\u{feff}- id: a\n",
        ] {
            assert_eq!(entries(odd), None, "{odd:?}");
        }
        // the bytes those line breaks open with, in other characters, are plain text:
        // µ (C2 B5), a no-break space (C2 A0), an en dash (E2 80 93), U+2027 (E2 80 A7)
        let plain = "- id: a\n  name: 5 \u{b5}g\u{a0}\u{2013}\u{2027}\n- id: b\n";
        assert_eq!(entries(plain).map(|e| e.len()), Some(2));
    }

    #[test]
    fn an_entry_is_simple_only_in_the_shapes_read_here() {
        let e = "- id: a\n  aliases:\n    - x\n\n    - \"y\"\n  notes: >-\n    t: \"q\" \\\n\n    u\n# c\n  wada: S0\n";
        assert_eq!(
            entry(e),
            Some(vec![
                ("id", Value::One(Scalar::Plain("a"))),
                (
                    "aliases",
                    Value::List(vec![Scalar::Plain("x"), Scalar::Quoted("y")])
                ),
                ("notes", Value::Block),
                ("wada", Value::One(Scalar::Plain("S0"))),
            ])
        );
        for odd in [
            "- id: a\n  id: b\n",
            "- id: a\n  aliases:\n",
            "- id: a\n  aliases:\n  - x\n",
            "- id: a\n  aliases:\n    - x\n     - y\n",
            "- id: a\n  notes: >-\n",
            "- id: a\n  notes: >-\n  x\n",
            "- id: a\n  notes: >-\n      x\n    y\n",
            "- id: a\n  notes: >-\n    x\ty\n",
            "- id: a\n   name: b\n",
            "- id: a\n  name:b\n",
            "- id: a\n    # c\n",
            "-  id: a\n",
        ] {
            assert_eq!(entry(odd), None, "{odd:?}");
        }
    }
}
