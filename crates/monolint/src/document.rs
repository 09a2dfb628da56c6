//! Documents: the prose of a file, as normalized blocks with offsets into the original.
//!
//! Markdown goes through a real CommonMark parser (pulldown-cmark, with GFM tables and
//! YAML front matter); code blocks, inline code, HTML and front matter are not prose.
//! Plain text is read line by line; pipe tables (`| a | b |`) are tables there too, since
//! scraped and pasted pages keep them.

use crate::normalize::NormText;
use crate::simple_yaml;
use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Text,
}

impl Format {
    /// The format for a file name, by extension. Unknown extensions read as plain text.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if [".md", ".markdown", ".mdx", ".mdown", ".mkd"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            Format::Markdown
        } else if [".html", ".htm", ".xhtml"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            Format::Html
        } else {
            Format::Text
        }
    }
}

/// What kind of text a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Heading,
    Prose,
    Cell,
}

/// Where a table cell sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellPos {
    pub table: u32,
    pub row: u32,
    pub col: u32,
    pub header: bool,
}

/// One unit of prose: a heading, a paragraph or list item, or a table cell.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    /// Heading level (1-6) for headings; 0 otherwise.
    pub level: u8,
    pub norm: NormText,
    /// Byte offset of the block's first character in the original.
    pub start: usize,
    pub cell: Option<CellPos>,
    /// Index (into `Document::blocks`) of the heading this block falls under.
    pub section: Option<usize>,
}

/// A link destination (for vendor-link rules).
#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub span: Range<usize>,
}

/// A comment that may hold a directive (`monolint-disable…`, `expect:`).
#[derive(Debug, Clone)]
pub struct Comment {
    /// The comment's body, without `<!--`/`-->` or the leading `#`.
    pub body: String,
    pub span: Range<usize>,
}

/// Front matter fields monolint reads.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub compounds: Vec<String>,
}

#[derive(Debug)]
pub struct Document<'a> {
    pub src: &'a str,
    pub format: Format,
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    pub comments: Vec<Comment>,
    pub front: FrontMatter,
    /// Where body text starts when it is not the first block (HTML: after `<title>`).
    pub body: Option<usize>,
}

impl<'a> Document<'a> {
    pub fn parse(src: &'a str, format: Format) -> Document<'a> {
        let mut b = Builder::new(src, format);
        match format {
            Format::Markdown => b.markdown(),
            Format::Html => b.html(),
            Format::Text => b.plain_text(),
        }
        b.finish()
    }

    /// Byte offset of the first line of body text (where document-level findings point).
    pub fn body_start(&self) -> usize {
        match self.body {
            Some(i) => self
                .blocks
                .get(i)
                .or(self.blocks.first())
                .map_or(0, |b| b.start),
            None => self.blocks.first().map_or(0, |b| b.start),
        }
    }

    /// The title block: the first heading, else the first block.
    pub fn title_block(&self) -> Option<usize> {
        self.blocks
            .iter()
            .position(|b| b.kind == BlockKind::Heading)
            .or(if self.blocks.is_empty() {
                None
            } else {
                Some(0)
            })
    }
}

struct Builder<'a> {
    src: &'a str,
    format: Format,
    blocks: Vec<Block>,
    links: Vec<Link>,
    comments: Vec<Comment>,
    front: FrontMatter,
    cur: Option<(BlockKind, Option<CellPos>, NormText, usize)>,
    level: u8,
    body: Option<usize>,
    section: Option<usize>,
}

impl<'a> Builder<'a> {
    fn new(src: &'a str, format: Format) -> Self {
        Self {
            src,
            format,
            blocks: Vec::new(),
            links: Vec::new(),
            comments: Vec::new(),
            front: FrontMatter::default(),
            cur: None,
            level: 0,
            body: None,
            section: None,
        }
    }

    fn finish(mut self) -> Document<'a> {
        self.flush();
        Document {
            src: self.src,
            format: self.format,
            blocks: self.blocks,
            links: self.links,
            comments: self.comments,
            front: self.front,
            body: self.body,
        }
    }

    fn open(&mut self, kind: BlockKind, cell: Option<CellPos>) {
        self.open_sized(kind, cell, 0);
    }

    /// Open a block whose source is about `len` bytes (its text is sized for that, so
    /// it does not grow piece by piece).
    fn open_sized(&mut self, kind: BlockKind, cell: Option<CellPos>, len: usize) {
        self.flush();
        self.cur = Some((kind, cell, NormText::with_capacity(len), usize::MAX));
    }

    fn flush(&mut self) {
        if let Some((kind, cell, mut norm, start)) = self.cur.take() {
            norm.trim_end();
            norm.collapse_spaced();
            if norm.text.is_empty() && cell.is_none() {
                return;
            }
            if kind == BlockKind::Heading {
                self.section = Some(self.blocks.len());
            }
            let start = if start == usize::MAX { 0 } else { start };
            self.blocks.push(Block {
                kind,
                level: if kind == BlockKind::Heading {
                    self.level.max(1)
                } else {
                    0
                },
                norm,
                start,
                cell,
                section: if kind == BlockKind::Heading {
                    None
                } else {
                    self.section
                },
            });
        }
    }

    /// Append original text `src[range]`, whose decoded form is `text`.
    fn push_text(&mut self, range: Range<usize>, text: &str) {
        if self.cur.is_none() {
            self.open(BlockKind::Prose, None);
        }
        // whether the text is the source bytes themselves (the parser mostly hands out
        // slices of the source, so the pointers are compared before the bytes)
        let verbatim = self
            .src
            .get(range.clone())
            .is_some_and(|s| std::ptr::eq(s, text) || s == text);
        if let Some((_, _, norm, start)) = self.cur.as_mut() {
            if *start == usize::MAX && !text.trim().is_empty() {
                let lead = text.len() - text.trim_start().len();
                *start = if verbatim {
                    range.start + lead
                } else {
                    range.start
                };
            }
            if verbatim {
                norm.push(range.start, text);
            } else {
                // decoded differently from the source (an entity, an escape): the whole
                // source range stands for the decoded text
                push_decoded(norm, range, text);
            }
        }
    }

    /// Append raw HTML text `src[range]`, decoding character references one by one so
    /// that every other character keeps its exact position.
    fn push_html_text(&mut self, range: Range<usize>) {
        let src = self.src;
        let Some(raw) = src.get(range.clone()) else {
            return;
        };
        if raw.trim().is_empty() {
            self.push_break(range.start);
            return;
        }
        if self.cur.is_none() {
            self.open(BlockKind::Prose, None);
        }
        let Some((_, _, norm, start)) = self.cur.as_mut() else {
            return;
        };
        if *start == usize::MAX {
            *start = range.start + (raw.len() - raw.trim_start().len());
        }
        let mut at = 0;
        while let Some(amp) = raw[at..].find('&') {
            let amp = at + amp;
            norm.push(range.start + at, &raw[at..amp]);
            let tail = &raw[amp + 1..];
            let len = tail
                .bytes()
                .take(32)
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'#'))
                .unwrap_or(tail.len().min(32));
            let end = if tail.as_bytes().get(len) == Some(&b';') {
                amp + 1 + len + 1
            } else {
                amp + 1 + len
            };
            let entity = &raw[amp..end];
            let decoded = html_escape::decode_html_entities(entity);
            // a legacy reference without its semicolon ("&microg"): the longest name that
            // decodes, as browsers read it
            let legacy = (decoded == entity && !entity.ends_with(';'))
                .then(|| {
                    (2..len).rev().find_map(|l| {
                        let cand = format!("{};", &raw[amp..amp + 1 + l]);
                        let d = html_escape::decode_html_entities(&cand);
                        (d != cand).then(|| (amp + 1 + l, d.into_owned()))
                    })
                })
                .flatten();
            if len > 0 && decoded != entity {
                push_decoded(norm, range.start + amp..range.start + end, &decoded);
                at = end;
            } else if let Some((lend, d)) = legacy {
                push_decoded(norm, range.start + amp..range.start + lend, &d);
                at = lend;
            } else {
                norm.push(range.start + amp, "&");
                at = amp + 1;
            }
        }
        norm.push(range.start + at, &raw[at..]);
    }

    fn html(&mut self) {
        use html5gum::{DefaultEmitter, Token, Tokenizer};
        let src = self.src;
        let mut emitter = DefaultEmitter::<usize>::new_with_span();
        emitter.naively_switch_states(true);
        // elements whose content is never prose
        const SKIP: &[&[u8]] = &[
            b"script",
            b"style",
            b"template",
            b"svg",
            b"math",
            b"code",
            b"pre",
            b"textarea",
            b"object",
            b"iframe",
        ];
        const BLOCK: &[&[u8]] = &[
            b"p",
            b"div",
            b"li",
            b"ul",
            b"ol",
            b"dl",
            b"dt",
            b"dd",
            b"blockquote",
            b"section",
            b"article",
            b"header",
            b"footer",
            b"nav",
            b"aside",
            b"main",
            b"figure",
            b"figcaption",
            b"form",
            b"fieldset",
            b"legend",
            b"details",
            b"summary",
            b"address",
            b"hr",
            b"body",
            b"html",
            b"caption",
            b"label",
            b"button",
            b"option",
            b"center",
        ];
        let mut skip: Vec<Vec<u8>> = Vec::new();
        let mut in_head = false;
        let mut in_title = false;
        let mut table = 0u32;
        let mut tables: Vec<(u32, u32, u32, bool)> = Vec::new(); // (id, row, col, first row)
        let mut in_thead = false;
        let mut link: Option<(String, usize)> = None;
        let mut title_block: Option<usize> = None;
        for tok in Tokenizer::new_with_emitter(src, emitter) {
            let Ok(tok) = tok;
            match tok {
                Token::StartTag(tag) => {
                    let name = tag.name.to_ascii_lowercase();
                    let span = tag.span.start..tag.span.end;
                    if !skip.is_empty() {
                        if SKIP.contains(&name.as_slice()) && !tag.self_closing {
                            skip.push(name);
                        }
                        continue;
                    }
                    match name.as_slice() {
                        b"head" => in_head = true,
                        b"title" => {
                            in_title = true;
                            self.open(BlockKind::Heading, None);
                            self.level = 1;
                        }
                        b"body" => {
                            in_head = false;
                            self.flush();
                            self.body.get_or_insert(self.blocks.len());
                        }
                        n if SKIP.contains(&n) && !tag.self_closing => {
                            self.flush();
                            skip.push(name);
                        }
                        [b'h', d @ b'1'..=b'6'] => {
                            self.open(BlockKind::Heading, None);
                            self.level = d - b'0';
                        }
                        b"table" => {
                            self.flush();
                            table += 1;
                            tables.push((table, 0, 0, true));
                        }
                        b"thead" => in_thead = true,
                        b"tbody" | b"tfoot" => in_thead = false,
                        b"tr" => {
                            self.flush();
                            if let Some(t) = tables.last_mut() {
                                if !(t.3 && t.1 == 0) || in_thead {
                                    t.3 = false;
                                }
                                if !in_thead {
                                    t.1 += 1;
                                }
                                t.2 = 0;
                            }
                        }
                        b"td" | b"th" => {
                            if let Some(t) = tables.last_mut() {
                                let first_row = t.1 <= 1 && !tag.self_closing;
                                let header = in_thead
                                    || (name.as_slice() == b"th"
                                        && first_row
                                        && all_th_row(src, span.end));
                                let pos = CellPos {
                                    table: t.0,
                                    row: if header { 0 } else { t.1 },
                                    col: t.2,
                                    header,
                                };
                                t.2 += 1;
                                self.open(BlockKind::Cell, Some(pos));
                            }
                        }
                        b"br" => self.push_break(span.start),
                        // alt text is read out by screen readers and shown when an image
                        // fails: prose, a block of its own
                        b"img" | b"area" => {
                            if let Some(alt) = tag.attributes.get(b"alt".as_slice()) {
                                let (s, e) = (alt.span.start, alt.span.end);
                                if s < e && e <= src.len() {
                                    self.flush();
                                    self.open(BlockKind::Prose, None);
                                    self.push_html_text(s..e);
                                    self.flush();
                                }
                            }
                        }
                        b"a" => {
                            if let Some(href) = tag.attributes.get(b"href".as_slice()) {
                                link = Some((
                                    String::from_utf8_lossy(&href.value).into_owned(),
                                    span.start,
                                ));
                            }
                        }
                        n if BLOCK.contains(&n) => self.flush(),
                        _ => {}
                    }
                }
                Token::EndTag(tag) => {
                    let name = tag.name.to_ascii_lowercase();
                    if let Some(top) = skip.last() {
                        if *top == name {
                            skip.pop();
                        }
                        continue;
                    }
                    match name.as_slice() {
                        b"head" => in_head = false,
                        b"title" => {
                            in_title = false;
                            self.flush();
                            if self
                                .blocks
                                .last()
                                .is_some_and(|b| b.kind == BlockKind::Heading)
                            {
                                title_block = Some(self.blocks.len() - 1);
                            }
                        }
                        [b'h', b'1'..=b'6'] | b"td" | b"th" | b"tr" => self.flush(),
                        b"table" => {
                            self.flush();
                            tables.pop();
                        }
                        b"thead" => in_thead = false,
                        b"a" => {
                            if let Some((url, start)) = link.take() {
                                self.links.push(Link {
                                    url,
                                    span: start..tag.span.end,
                                });
                            }
                        }
                        n if BLOCK.contains(&n) => self.flush(),
                        _ => {}
                    }
                }
                Token::String(s) => {
                    if skip.is_empty() && (!in_head || in_title) {
                        self.push_html_text(s.span.start..s.span.end);
                    }
                }
                Token::Comment(c) => {
                    let span = c.span.start..c.span.end;
                    let body = String::from_utf8_lossy(&c.value).trim().to_string();
                    self.comments.push(Comment { body, span });
                    self.push_break(c.span.start);
                }
                Token::Doctype(_) | Token::Error(_) => {}
            }
        }
        self.flush();
        // no <body> tag: body text starts after the <title>, if there was one
        if self.body.is_none() {
            self.body = title_block.map(|t| t + 1);
        }
        // a <body> with no text: fall back to the first block
        if self.body.is_some_and(|b| b >= self.blocks.len()) {
            self.body = None;
        }
    }

    fn push_break(&mut self, at: usize) {
        if let Some((_, _, norm, _)) = self.cur.as_mut() {
            norm.push_break(at);
        }
    }

    fn markdown(&mut self) {
        let opts = Options::ENABLE_TABLES
            | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_FOOTNOTES;
        // A comment line between two table rows would end a GFM table, so directive and
        // annotation comments there are lifted out before parsing (and kept as comments);
        // `map` takes parser offsets back to the original.
        let lifted = lift_table_comments(self.src);
        let (parse_src, pieces) = match &lifted {
            Some((text, pieces, comments)) => {
                self.comments.extend(comments.iter().cloned());
                (text.as_str(), pieces.as_slice())
            }
            None => (self.src, &[][..]),
        };
        let map = |o: usize| -> usize {
            if pieces.is_empty() {
                return o;
            }
            let i = pieces.partition_point(|&(f, _)| f <= o).saturating_sub(1);
            let (f, orig) = pieces[i];
            orig + (o - f)
        };
        let src = parse_src;
        let mut skip = 0usize; // inside code blocks / metadata
        let mut in_meta = false;
        let mut meta = String::new();
        let mut table = 0u32;
        let mut row = 0u32;
        let mut col = 0u32;
        let mut in_head = false;
        for (ev, range) in Parser::new_ext(src, opts).into_offset_iter() {
            let range = map(range.start)..map(range.end);
            match ev {
                Event::Start(tag) => match tag {
                    Tag::CodeBlock(_) => {
                        self.flush();
                        skip += 1;
                    }
                    Tag::MetadataBlock(MetadataBlockKind::YamlStyle) => {
                        self.flush();
                        skip += 1;
                        in_meta = true;
                    }
                    Tag::MetadataBlock(_) => {
                        self.flush();
                        skip += 1;
                    }
                    Tag::HtmlBlock => {
                        self.flush();
                        self.scan_html_comments(range.clone());
                    }
                    Tag::Heading { level, .. } => {
                        self.open_sized(BlockKind::Heading, None, range.len());
                        self.level = level as u8;
                    }
                    // a paragraph's source is about its text; an item's or a quote's may
                    // hold many blocks, so they start small
                    Tag::Paragraph => self.open_sized(BlockKind::Prose, None, range.len()),
                    Tag::Item | Tag::BlockQuote(_) => self.open(BlockKind::Prose, None),
                    Tag::List(_) | Tag::FootnoteDefinition(_) => self.flush(),
                    Tag::Table(_) => {
                        self.flush();
                        table += 1;
                        row = 0;
                    }
                    Tag::TableHead => {
                        in_head = true;
                        col = 0;
                    }
                    Tag::TableRow => {
                        row += 1;
                        col = 0;
                    }
                    Tag::TableCell => {
                        let pos = CellPos {
                            table,
                            row: if in_head { 0 } else { row },
                            col,
                            header: in_head,
                        };
                        col += 1;
                        self.open_sized(BlockKind::Cell, Some(pos), range.len());
                    }
                    Tag::Link { dest_url, .. } => self.links.push(Link {
                        url: dest_url.to_string(),
                        span: range.clone(),
                    }),
                    _ => {}
                },
                Event::End(tag) => match tag {
                    TagEnd::CodeBlock | TagEnd::MetadataBlock(_) => {
                        skip = skip.saturating_sub(1);
                        if in_meta {
                            in_meta = false;
                            self.front = parse_front_matter(&meta);
                        }
                    }
                    TagEnd::TableHead => {
                        self.flush();
                        in_head = false;
                    }
                    TagEnd::Heading(_)
                    | TagEnd::Paragraph
                    | TagEnd::Item
                    | TagEnd::BlockQuote(_)
                    | TagEnd::TableCell
                    | TagEnd::TableRow
                    | TagEnd::Table
                    | TagEnd::List(_)
                    | TagEnd::FootnoteDefinition => self.flush(),
                    _ => {}
                },
                Event::Text(t) => {
                    if in_meta {
                        meta.push_str(&t);
                    } else if skip == 0 {
                        self.push_text(range, &t);
                    }
                }
                Event::Code(_) | Event::InlineMath(_) | Event::DisplayMath(_) => {
                    self.push_break(range.start)
                }
                Event::SoftBreak | Event::HardBreak => self.push_break(range.start),
                Event::InlineHtml(_) | Event::Html(_) => {
                    if skip == 0 {
                        self.scan_html_comments(range.clone());
                    }
                    self.push_break(range.start);
                }
                Event::FootnoteReference(_) | Event::TaskListMarker(_) | Event::Rule => {}
            }
        }
        self.comments.sort_by_key(|c| c.span.start);
        self.comments.dedup_by_key(|c| c.span.start);
    }

    fn scan_html_comments(&mut self, range: Range<usize>) {
        let src = self.src;
        let Some(s) = src.get(range.clone()) else {
            return;
        };
        let mut at = 0;
        while let Some(open) = s[at..].find("<!--") {
            let body_start = at + open + 4;
            let Some(close) = s[body_start..].find("-->") else {
                break;
            };
            let body_end = body_start + close;
            self.comments.push(Comment {
                body: s[body_start..body_end].trim().to_string(),
                span: range.start + at + open..range.start + body_end + 3,
            });
            at = body_end + 3;
        }
    }

    fn plain_text(&mut self) {
        let src = self.src;
        let mut offset = 0usize;
        let mut table = 0u32;
        let mut row = 0u32;
        let mut in_table = false;
        let lines: Vec<(usize, &str)> = src
            .split_inclusive('\n')
            .map(|l| {
                let at = offset;
                offset += l.len();
                (at, l.trim_end_matches(['\n', '\r']))
            })
            .collect();
        let mut seen_title = false;
        for (i, &(at, line)) in lines.iter().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                in_table = false;
                continue;
            }
            if let Some(body) = directive_line(trimmed) {
                let lead = line.len() - line.trim_start().len();
                self.comments.push(Comment {
                    body: body.to_string(),
                    span: at + lead..at + line.trim_end().len(),
                });
                continue;
            }
            if is_pipe_row(trimmed) {
                if is_separator_row(trimmed) {
                    continue;
                }
                if !in_table {
                    in_table = true;
                    table += 1;
                    row = 0;
                }
                let header = lines
                    .get(i + 1)
                    .is_some_and(|&(_, next)| is_separator_row(next.trim()))
                    && row == 0;
                self.pipe_cells(
                    at,
                    line,
                    CellPos {
                        table,
                        row,
                        col: 0,
                        header,
                    },
                );
                row += 1;
                seen_title = true;
                continue;
            }
            in_table = false;
            let kind = if seen_title {
                BlockKind::Prose
            } else {
                BlockKind::Heading
            };
            self.level = 1;
            seen_title = true;
            self.open_sized(kind, None, line.len());
            self.push_text(at..at + line.len(), line);
            self.flush();
        }
    }

    fn pipe_cells(&mut self, at: usize, line: &str, pos: CellPos) {
        let bytes = line.as_bytes();
        let mut bars: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 1,
                b'|' => bars.push(i),
                _ => {}
            }
            i += 1;
        }
        let first = bars.first().copied().unwrap_or(0);
        // cells lie between bars; text after the last bar counts only if non-empty
        let mut bounds: Vec<(usize, usize)> = bars.windows(2).map(|w| (w[0] + 1, w[1])).collect();
        if let Some(&last) = bars.last() {
            if !line[last + 1..].trim().is_empty() {
                bounds.push((last + 1, line.len()));
            }
        }
        if first > 0 && !line[..first].trim().is_empty() {
            bounds.insert(0, (0, first));
        }
        for (col, (s, e)) in bounds.into_iter().enumerate() {
            let cell = &line[s..e];
            let lead = cell.len() - cell.trim_start().len();
            let text = cell.trim();
            self.open(
                BlockKind::Cell,
                Some(CellPos {
                    col: col as u32,
                    ..pos
                }),
            );
            if let Some((_, _, _, start)) = self.cur.as_mut() {
                *start = at + s + lead;
            }
            if !text.is_empty() {
                self.push_text(at + s + lead..at + s + lead + text.len(), text);
            }
            self.flush();
        }
    }
}

/// Append decoded text standing for the source range as a whole.
fn push_decoded(norm: &mut NormText, range: Range<usize>, text: &str) {
    let mut n = NormText::new();
    n.push(0, text);
    if n.text.is_empty() {
        return;
    }
    if n.text == " " {
        norm.push_break(range.start);
        return;
    }
    n.trim_end();
    if norm.text.ends_with(' ') && n.text.starts_with(' ') {
        norm.push_replaced(range.start, range.end, n.text.trim_start());
    } else {
        norm.push_replaced(range.start, range.end, &n.text);
    }
}

/// Whether the table row holding a `<th>` that ends at `at` is all header cells (a header
/// row), rather than a body row with a header cell in its first column.
fn all_th_row(src: &str, at: usize) -> bool {
    let rest = &src[at.min(src.len())..];
    let lower = rest[..rest.len().min(4096)].to_ascii_lowercase();
    let end = lower
        .find("</tr")
        .or_else(|| lower.find("<tr"))
        .unwrap_or(lower.len());
    !lower[..end].contains("<td")
}

/// A line that is only a directive or annotation comment (`<!-- monolint-… -->`,
/// `<!-- expect: … -->`, `<!-- ok: … -->`, `<!-- decision: … -->`): its body.
fn comment_line(line: &str) -> Option<&str> {
    let body = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    ["monolint-", "expect:", "ok:", "decision:"]
        .iter()
        .any(|p| body.starts_with(p))
        .then_some(body)
}

/// Remove comment lines that stand between two pipe-table rows. Returns the text to
/// parse, its pieces as (offset in the new text, offset in the original), and the
/// removed comments; `None` when there is nothing to lift.
///
/// A line is lifted when it is a comment line and the nearest lines before and after it
/// that are not comment lines are table rows. Only a line holding `<!--` can be a
/// comment line, so the text is searched for that and the lines around each hit are
/// read: a page without comments costs one search, and every line is read at most a few
/// times, so a file of a million comment lines stays linear.
#[allow(clippy::type_complexity)]
fn lift_table_comments(src: &str) -> Option<(String, Vec<(usize, usize)>, Vec<Comment>)> {
    let bytes = src.as_bytes();
    // the end (after its `\n`, or the text's end) of the line that holds byte `at`
    let line_end =
        |at: usize| memchr::memchr(b'\n', &bytes[at..]).map_or(src.len(), |i| at + i + 1);
    let line_start = |at: usize| memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let is_row = |l: &str| is_pipe_row(l.trim());
    let finder = memchr::memmem::Finder::new("<!--");
    // byte ranges of the runs of comment lines to lift
    let mut lifted: Vec<Range<usize>> = Vec::new();
    let mut at = 0;
    while let Some(hit) = finder.find(&bytes[at..]) {
        let start = line_start(at + hit);
        let mut end = line_end(at + hit);
        if comment_line(&src[start..end]).is_none() {
            at = end;
            continue;
        }
        // the whole run of comment lines: they share their nearest other lines
        while end < src.len() {
            let next = line_end(end);
            if comment_line(&src[end..next]).is_none() {
                break;
            }
            end = next;
        }
        // the line before the run is not a comment line: one would have been found first
        // and its run would have reached this line
        let row_before = start > 0 && is_row(&src[line_start(start - 1)..start]);
        let row_after = end < src.len() && is_row(&src[end..line_end(end)]);
        if row_before && row_after {
            lifted.push(start..end);
        }
        at = end;
    }
    if lifted.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(src.len());
    let mut pieces = Vec::new();
    let mut comments = Vec::new();
    let mut kept = 0;
    for run in lifted {
        if run.start > kept {
            pieces.push((text.len(), kept));
            text.push_str(&src[kept..run.start]);
        }
        let mut at = run.start;
        for l in src[run.clone()].split_inclusive('\n') {
            let body = comment_line(l).unwrap_or_default();
            let lead = l.len() - l.trim_start().len();
            comments.push(Comment {
                body: body.to_string(),
                span: at + lead..at + l.trim_end().len(),
            });
            at += l.len();
        }
        kept = run.end;
    }
    if kept < src.len() {
        pieces.push((text.len(), kept));
        text.push_str(&src[kept..]);
    }
    pieces.push((text.len(), src.len()));
    Some((text, pieces, comments))
}

/// A plain-text comment line: `# monolint-…`, `# expect: …`, `# ok: …`, `# decision: …`.
fn directive_line(trimmed: &str) -> Option<&str> {
    let rest = trimmed.strip_prefix('#')?.trim_start();
    ["monolint-", "expect:", "ok:", "decision:"]
        .iter()
        .any(|p| rest.starts_with(p))
        .then_some(rest)
}

fn is_pipe_row(t: &str) -> bool {
    t.starts_with('|') && t[1..].contains('|')
}

fn is_separator_row(t: &str) -> bool {
    t.starts_with('|')
        && t.contains('-')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

fn parse_front_matter(yaml: &str) -> FrontMatter {
    simple_front_matter(yaml).unwrap_or_else(|| yaml_front_matter(yaml))
}

/// Front matter read without a YAML parser when it is simple: every line is empty or a
/// `key: value` entry with a distinct simple key, and every value a one-line scalar or
/// flow sequence that [`simple_yaml::one_line`] reads. That is what pages almost always
/// hold, and what `serde_yaml` reads the same way; parsing it with `serde_yaml` was about
/// 40,000 instructions a page. Anything else (comments, escapes, quotes of the other kind,
/// nesting, numbers or booleans where monolint reads the value, ...) returns `None` and
/// goes to [`yaml_front_matter`].
fn simple_front_matter(yaml: &str) -> Option<FrontMatter> {
    use simple_yaml::Value;
    let mut keys: Vec<&str> = Vec::new();
    let (mut title, mut compound, mut compounds) = (None, None, None);
    for line in yaml.split('\n') {
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        if !simple_yaml::simple_key(key) || keys.contains(&key) {
            return None;
        }
        keys.push(key);
        let value = simple_yaml::one_line(value.trim_start_matches(' '))?;
        // only these are read (as strings: a scalar there must be one for sure); the
        // other values only have to be simple
        if !matches!(key, "title" | "compound" | "compounds") {
            continue;
        }
        let items = match &value {
            Value::One(s) => std::slice::from_ref(s),
            Value::List(items) => items.as_slice(),
            Value::Block => return None,
        };
        let read: Vec<String> = items
            .iter()
            .map(|s| s.string().map(str::to_string))
            .collect::<Option<_>>()?;
        match (key, value) {
            ("title", Value::One(_)) => title = read.into_iter().next(),
            ("title", _) => {}
            ("compound", _) => compound = Some(read),
            _ => compounds = Some(read),
        }
    }
    if keys.is_empty() {
        return None;
    }
    Some(FrontMatter {
        title,
        compounds: [compound, compounds]
            .into_iter()
            .flatten()
            .flatten()
            .collect(),
    })
}

/// Front matter read by `serde_yaml` (any YAML; invalid YAML reads as no front matter).
fn yaml_front_matter(yaml: &str) -> FrontMatter {
    #[derive(serde::Deserialize, Default)]
    struct Fm {
        title: Option<serde_yaml::Value>,
        compound: Option<serde_yaml::Value>,
        compounds: Option<serde_yaml::Value>,
    }
    let fm: Fm = serde_yaml::from_str(yaml).unwrap_or_default();
    let as_string = |v: &serde_yaml::Value| match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut compounds = Vec::new();
    for v in [fm.compound, fm.compounds].into_iter().flatten() {
        match v {
            serde_yaml::Value::Sequence(items) => {
                compounds.extend(items.iter().filter_map(as_string))
            }
            other => compounds.extend(as_string(&other)),
        }
    }
    FrontMatter {
        title: fm.title.as_ref().and_then(as_string),
        compounds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(d: &Document<'_>) -> Vec<String> {
        d.blocks.iter().map(|b| b.norm.text.clone()).collect()
    }

    #[test]
    fn markdown_skips_code_and_front_matter() {
        let src = "---\ncompound: bpc-157\ntitle: BPC\n---\n# BPC-157\n\nText *here* and `code`.\n\n```\n250 mcg\n```\n";
        let d = Document::parse(src, Format::Markdown);
        assert_eq!(texts(&d), ["BPC-157", "Text here and ."]);
        assert_eq!(d.front.compounds, ["bpc-157"]);
        assert_eq!(d.front.title.as_deref(), Some("BPC"));
        assert_eq!(d.blocks[0].kind, BlockKind::Heading);
        assert_eq!(&src[d.blocks[1].start..d.blocks[1].start + 4], "Text");
    }

    #[test]
    fn markdown_tables_have_positions() {
        let src = "| Attr | BPC-157 |\n|---|---|\n| Dose | 250 mcg |\n";
        let d = Document::parse(src, Format::Markdown);
        let cells: Vec<_> = d
            .blocks
            .iter()
            .map(|b| (b.norm.text.as_str(), b.cell.unwrap()))
            .collect();
        assert_eq!(cells.len(), 4);
        assert_eq!(cells[3].0, "250 mcg");
        assert_eq!(
            (cells[3].1.row, cells[3].1.col, cells[3].1.header),
            (1, 1, false)
        );
        assert!(cells[1].1.header);
    }

    #[test]
    fn plain_text_pipe_tables_and_title() {
        let src =
            "Title line\n| A | B |\n|---|---|\n| x | 2 mg |\n# expect: dose/unapproved\nBody.\n";
        let d = Document::parse(src, Format::Text);
        assert_eq!(d.blocks[0].kind, BlockKind::Heading);
        let cell = d.blocks.iter().find(|b| b.norm.text == "2 mg").unwrap();
        assert_eq!(cell.cell.unwrap().col, 1);
        assert_eq!(&src[cell.start..cell.start + 4], "2 mg");
        assert_eq!(d.comments.len(), 1);
        assert_eq!(d.comments[0].body, "expect: dose/unapproved");
        assert_eq!(d.blocks.last().unwrap().norm.text, "Body.");
    }

    #[test]
    fn comment_lines_inside_tables_do_not_break_them() {
        let src =
            "| A | BPC-157 |\n|---|---|\n<!-- expect: x/y -->\n| Dose | 250 mcg |\n\nAfter.\n";
        let d = Document::parse(src, Format::Markdown);
        let cell = d
            .blocks
            .iter()
            .find(|b| b.norm.text == "250 mcg")
            .expect("still a table cell");
        assert_eq!(cell.cell.map(|c| (c.row, c.col)), Some((1, 1)));
        assert_eq!(&src[cell.start..cell.start + 7], "250 mcg");
        assert_eq!(d.comments[0].body, "expect: x/y");
        let after = d.blocks.last().unwrap();
        assert_eq!(&src[after.start..after.start + 6], "After.");
    }

    #[test]
    fn html_comments_are_collected() {
        let src = "<!-- monolint-disable-file x/y -- why -->\n\nSome text <!-- inline --> here.\n";
        let d = Document::parse(src, Format::Markdown);
        let bodies: Vec<_> = d.comments.iter().map(|c| c.body.as_str()).collect();
        assert_eq!(bodies, ["monolint-disable-file x/y -- why", "inline"]);
    }

    /// [`lift_table_comments`] as it was first written, line by line over the whole text:
    /// the definition the search for `<!--` must meet.
    #[allow(clippy::type_complexity)]
    fn lift_by_line(src: &str) -> Option<(String, Vec<(usize, usize)>, Vec<Comment>)> {
        let mut lines: Vec<(usize, &str)> = Vec::new();
        let mut at = 0;
        for l in src.split_inclusive('\n') {
            lines.push((at, l));
            at += l.len();
        }
        let is_row = |l: &str| is_pipe_row(l.trim());
        // for each line, whether the nearest non-comment line before / after it is a table
        // row: two passes, so a file of a million comment lines stays linear
        let is_comment: Vec<bool> = lines
            .iter()
            .map(|(_, l)| comment_line(l).is_some())
            .collect();
        let mut row_before = vec![false; lines.len()];
        let mut last = false;
        for i in 0..lines.len() {
            row_before[i] = last;
            if !is_comment[i] {
                last = is_row(lines[i].1);
            }
        }
        let mut lift = vec![false; lines.len()];
        let mut next_row = false;
        for i in (0..lines.len()).rev() {
            if is_comment[i] {
                lift[i] = row_before[i] && next_row;
            } else {
                next_row = is_row(lines[i].1);
            }
        }
        if !lift.contains(&true) {
            return None;
        }
        let mut text = String::with_capacity(src.len());
        let mut pieces = Vec::new();
        let mut comments = Vec::new();
        for (i, &(at, l)) in lines.iter().enumerate() {
            if lift[i] {
                let body = comment_line(l).unwrap_or_default();
                let lead = l.len() - l.trim_start().len();
                comments.push(Comment {
                    body: body.to_string(),
                    span: at + lead..at + l.trim_end().len(),
                });
            } else {
                pieces.push((text.len(), at));
                text.push_str(l);
            }
        }
        pieces.push((text.len(), src.len()));
        Some((text, pieces, comments))
    }

    /// Lines a page may hold around table comments: rows, separators, comment lines that
    /// are directives and ones that are not, prose, blank lines, Windows line ends.
    fn lines() -> impl Strategy<Value = String> {
        let pick = prop::sample::select(vec![
            "| A | B |\n",
            "|---|---|\n",
            "| Dose | 250 mcg |\r\n",
            "  | x | y |\n",
            "<!-- expect: x/y -->\n",
            "<!-- monolint-disable-next-line dose/unapproved -->\r\n",
            "  <!-- ok: fine -->  \n",
            "<!-- just a note -->\n",
            "text <!-- expect: x/y -->\n",
            "<!-- expect: x/y --> | a | b |\n",
            "Prose line.\n",
            "\n",
            "<!--",
            "| tail | row |",
        ]);
        prop::collection::vec(pick, 0..24).prop_map(|v| v.concat())
    }

    /// Where every offset of the text to parse lands in the original.
    fn offsets(text: &str, pieces: &[(usize, usize)]) -> Vec<usize> {
        (0..=text.len())
            .map(|o| {
                let i = pieces.partition_point(|&(f, _)| f <= o).saturating_sub(1);
                let (f, orig) = pieces[i];
                orig + (o - f)
            })
            .collect()
    }

    /// What [`lift_table_comments`] returns.
    type Lift = Option<(String, Vec<(usize, usize)>, Vec<Comment>)>;
    /// The same, with the pieces as the offset of every byte and comments comparable.
    type Lifted = Option<(String, Vec<usize>, Vec<(String, Range<usize>)>)>;

    fn lifted(l: Lift) -> Lifted {
        l.map(|(text, pieces, comments)| {
            let offsets = offsets(&text, &pieces);
            let comments = comments.into_iter().map(|c| (c.body, c.span)).collect();
            (text, offsets, comments)
        })
    }

    proptest! {
        #[test]
        fn lifting_by_search_matches_lifting_line_by_line(src in lines()) {
            prop_assert_eq!(lifted(lift_table_comments(&src)), lifted(lift_by_line(&src)));
        }
    }

    /// Front matter as (title, compounds), comparable.
    fn fm(f: FrontMatter) -> (Option<String>, Vec<String>) {
        (f.title, f.compounds)
    }

    #[test]
    fn simple_front_matter_reads_like_serde_yaml() {
        let y = "title: \"BPC-157: evidence, safety and status\"\ncompound: bpc-157\nreviewed: 2026-05-10\ntags: [evidence-library]\n";
        let fast = simple_front_matter(y).expect("simple");
        assert_eq!(
            fm(fast),
            (
                Some("BPC-157: evidence, safety and status".to_string()),
                vec!["bpc-157".to_string()]
            )
        );
        assert_eq!(
            fm(simple_front_matter(y).expect("simple")),
            fm(yaml_front_matter(y))
        );
        let y = "compounds: [tb-500, BPC 157]\ncompound: ghk-cu\ntitle: Plain title\n";
        assert_eq!(
            fm(simple_front_matter(y).expect("simple")),
            fm(yaml_front_matter(y))
        );
        // quoted items of a flow list, commas and colons inside them included
        let y = "compounds: [\"BPC-157\", \"a, b: c\"]\ntags: [x, \"y\"]\n";
        let fast = simple_front_matter(y).expect("simple");
        assert_eq!(fast.compounds, ["BPC-157", "a, b: c"]);
        assert_eq!(
            fm(simple_front_matter(y).expect("simple")),
            fm(yaml_front_matter(y))
        );
        // what it does not read goes to serde_yaml
        for y in [
            "compounds: [\"a\", 12]\n",
            "compounds: [\"a\" , b]\n",
            "title: 157\n",
            "# c\ntitle: x\n",
            "title: 'x'\n",
            "title: x\ntitle: y\n",
        ] {
            assert!(simple_front_matter(y).is_none(), "{y:?}");
        }
    }

    /// Front matter lines: simple ones and every kind the simple reader must leave alone.
    fn yaml_lines() -> impl Strategy<Value = String> {
        // lines the simple reader takes (most of each case, so that many cases reach the
        // comparison), and every kind it must leave alone
        let simple = prop::sample::select(vec![
            "title: \"Curcumin: evidence, safety and status\"\n",
            "title: Curcumin\n",
            "title: Vitamin D3 and K2\n",
            "title: \"\"\n",
            "title: \"µg and – dashes\"\n",
            "title:  two  spaces\n",
            "title: [a, b]\n",
            "compound: bpc-157\n",
            "compound: [bpc-157, tb-500]\n",
            "compound: [a,b]\n",
            "compound: []\n",
            "compounds: [x, y.z, u/v]\n",
            "compounds: [\"BPC-157\", \"a, b: c\", d]\n",
            "compound: [\"µg – x\"]\n",
            "title: [\"x\"]\n",
            "tags: [\"1\", 2]\n",
            "reviewed: 2026-05-10\n",
            "tags: [evidence-library]\n",
            "tags: [a, b c]\n",
            "key_2-x: 1.5\n",
            "\n",
        ]);
        let other = prop::sample::select(vec![
            "title: 157\n",
            "title: true\n",
            "title: TRUE\n",
            "title: Yes\n",
            "title: null\n",
            "title: ~\n",
            "title: inf\n",
            "title: Infinity\n",
            "title: nan\n",
            "title: .inf\n",
            "title: 1e3\n",
            "title: 0x1F\n",
            "title: \"esc \\\" aped\"\n",
            "title: \"tab\there\"\n",
            "title: \"bom\u{feff}\"\n",
            "title: \"nel\u{85}\"\n",
            "title: 'single'\n",
            "title:\n",
            "title: trailing \n",
            "title: a: b\n",
            "title: a #comment\n",
            "title: \"unterminated\n",
            "title: \"a\" b\n",
            "Title: other case\n",
            "compound: 157\n",
            "compound: 0157\n",
            "compound: [a, 12]\n",
            "compound: [a, null]\n",
            "compound: [a,]\n",
            "compound: [ a ]\n",
            "compound: [a, [b]]\n",
            "compound: [\"a\" , b]\n",
            "compound: [\"a\",]\n",
            "compound: [\"a\"b]\n",
            "compound: [\"a\", 12]\n",
            "compound: [\"a\", \"\\\\\"]\n",
            "compound: {a: b}\n",
            "compound: -a\n",
            "compounds:\n  - a\n  - b\n",
            "compounds: - a\n",
            "true: x\n",
            "n: x\n",
            "# comment\n",
            "  indented: x\n",
            "---\n",
            "key: value\r\n",
            "key:\tvalue\n",
            "&anchor: x\n",
        ]);
        let line = prop_oneof![12 => simple, 1 => other];
        (prop::collection::vec(line, 0..8), any::<bool>()).prop_map(|(v, cut)| {
            let mut y = v.concat();
            if cut {
                y.pop();
            }
            y
        })
    }

    proptest! {
        #[test]
        fn simple_front_matter_agrees_with_serde_yaml(y in yaml_lines()) {
            if let Some(fast) = simple_front_matter(&y) {
                prop_assert_eq!(fm(fast), fm(yaml_front_matter(&y)));
            }
        }
    }

    #[test]
    fn a_run_of_comment_lines_between_rows_is_lifted_whole() {
        let src = "| A | B |\n<!-- expect: x/y -->\n<!-- ok: z -->\n| 1 | 2 |\n<!-- ok: w -->\n";
        let (text, _, comments) = lift_table_comments(src).expect("lifted");
        assert_eq!(text, "| A | B |\n| 1 | 2 |\n<!-- ok: w -->\n");
        let bodies: Vec<_> = comments.iter().map(|c| c.body.as_str()).collect();
        assert_eq!(bodies, ["expect: x/y", "ok: z"]);
        assert_eq!(&src[comments[1].span.clone()], "<!-- ok: z -->");
    }
}
