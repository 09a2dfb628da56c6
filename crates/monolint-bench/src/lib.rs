//! Benchmark tooling for monolint: a deterministic corpus generator and the export of the
//! default pack's literals as ripgrep patterns (the baseline `bench/run.sh` measures
//! against).
//!
//! The generator writes monographs that look like the pages monolint is for: YAML front
//! matter, headings, pipe tables, lists, disclaimers (present or missing), compound
//! mentions under their aliases, dose figures in many notations, recommendation phrases
//! and their negations, and the Unicode such pages carry (µ, en dashes, non-breaking
//! spaces on most lines). The same seed always gives byte-identical files: the random
//! numbers come from a SplitMix64 written out here, so no dependency update can change a
//! recorded corpus.

use monolint::registry::{Compound, Status};
use std::fmt::Write as _;

/// SplitMix64: small, fast, and fixed forever (the corpus must not change under us).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p` percent.
    pub fn chance(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A compound as the generator writes about it.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: String,
    pub names: Vec<String>,
    pub status: Status,
    pub prescription: bool,
    pub wada: bool,
}

impl Subject {
    pub fn from_compound(c: &Compound) -> Self {
        let mut names = vec![c.name.clone()];
        names.extend(c.aliases.iter().cloned());
        Subject {
            id: c.id.clone(),
            names,
            status: c.status,
            prescription: c.prescription,
            wada: c.wada.is_some(),
        }
    }
}

/// The compounds of the embedded default registry.
pub fn default_subjects() -> Vec<Subject> {
    let reg = monolint::registry::Registry::load(&[monolint::default_compounds()])
        .unwrap_or_else(|e| panic!("the embedded registry must load: {e}"));
    reg.compounds().iter().map(Subject::from_compound).collect()
}

const NBSP: &str = "\u{00A0}";

const FILLER: &[&str] = &[
    "Most of what is known comes from small studies, and many of them were run in animals rather than people.",
    "Reviewers rated the overall quality of the evidence as low to moderate, with wide confidence intervals.",
    "Effects reported in forums are anecdotal and cannot separate the compound from training, diet and sleep.",
    "The half-life is short, which is why study protocols split the daily amount into several administrations.",
    "Adverse events in the published trials were mostly mild: injection-site reactions, headache and nausea.",
    "Long-term safety data are missing; no study followed participants for more than a year.",
    "Regulators have issued warning letters to sellers that marketed it with health claims.",
    "Blood markers changed within two weeks, but the clinical relevance of those changes is unclear.",
    "Interactions with common medications have not been studied systematically.",
    "Product testing by independent labs found that 40% of samples were under-dosed or contaminated.",
    "Researchers measured outcomes at 4, 8 and 12 weeks in a cohort of 120 adults aged 45–70.",
    "A 2019 meta-analysis pooled 14 trials and found a 1.5- to 2-fold change in the primary marker.",
    "People with kidney or liver disease were excluded from every trial, so nothing is known about them.",
    "The mechanism involves receptor signalling that also influences appetite, sleep and glucose handling.",
    "Quality varies widely between products, and labels do not always match what is in the vial.",
    "Evidence scores on this site weigh study design, size, replication and the outcomes measured.",
];

const HEADINGS: &[&str] = &[
    "What the evidence says",
    "Mechanism of action",
    "Safety and side effects",
    "Regulatory status",
    "What the studies used",
    "Interactions",
    "Quality and testing",
    "Frequently asked questions",
];

const RECOMMEND: &[&str] = &[
    "We recommend cycling it for eight weeks on and four weeks off.",
    "Individual needs vary – start at the lower end of the range and adjust based on how you respond.",
    "The best time to take it is in the morning on an empty stomach.",
    "Many users stack it with a growth hormone secretagogue for better results.",
    "Our top pick for recovery, according to the community poll.",
];

const NEGATED: &[&str] = &[
    "We do not recommend using it outside a clinical trial.",
    "This site does not sell, supply, source, or recommend it.",
    "There is no validated dose for healthy adults, and none is given here.",
    "We never recommend self-dosing with compounds bought online.",
    "It is not recommended by any medical society for performance use.",
];

const DISCLAIMERS: &[&str] = &[
    "This information is for educational purposes only. It is not a substitute for professional medical advice. Always consult a qualified healthcare provider before starting any supplement or medication.",
    "Nothing on this page is medical advice; talk to your doctor before changing anything.",
];

/// A dose figure in one of the notations pages use.
fn dose(rng: &mut Rng) -> String {
    let n = |rng: &mut Rng| [1, 2, 5, 10, 20, 25, 40, 50, 100, 120, 250, 500][rng.below(12)];
    match rng.below(10) {
        0 => format!("{} mcg", n(rng)),
        1 => format!("{}mg", n(rng)),
        2 => format!("{}–{} µg", n(rng), n(rng) * 2),
        3 => format!(
            "0.{} to 0.{} mg per kilogram",
            1 + rng.below(4),
            5 + rng.below(4)
        ),
        4 => format!("~{}{NBSP}µg/kg", n(rng)),
        5 => format!("{},000 IU", 1 + rng.below(5)),
        6 => format!("{} units", n(rng)),
        7 => format!("{} mL", 1 + rng.below(3)),
        8 => format!("{}mcg to {}mcg", n(rng), n(rng) * 2),
        _ => format!("{}-{} mg", n(rng), n(rng) + 5),
    }
}

/// Numbers that are not doses (percentages, years, counts, fold changes, PMIDs).
fn not_dose(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("{}% of participants", 5 + rng.below(90)),
        1 => format!("in {}", 1990 + rng.below(36)),
        2 => format!("{} studies", 2 + rng.below(40)),
        3 => format!("a {}.{}-fold change", 1 + rng.below(3), rng.below(10)),
        _ => format!("PMID {}", 10_000_000 + rng.below(30_000_000)),
    }
}

fn name<'a>(rng: &mut Rng, s: &'a Subject) -> &'a str {
    // the display name most of the time, an alias otherwise
    if rng.chance(60) || s.names.len() == 1 {
        &s.names[0]
    } else {
        &s.names[1 + rng.below(s.names.len() - 1)]
    }
}

/// A line of prose with a non-breaking space on most lines (as scraped pages have).
fn prose(rng: &mut Rng, out: &mut String, sentence: &str) {
    if rng.chance(75) {
        if let Some(i) = sentence.find(' ') {
            out.push_str(&sentence[..i]);
            out.push_str(NBSP);
            out.push_str(&sentence[i + 1..]);
            return;
        }
    }
    out.push_str(sentence);
}

/// One monograph. `markdown` picks Markdown (front matter, `#` headings) or plain text.
pub fn page(rng: &mut Rng, subjects: &[Subject], markdown: bool) -> String {
    let s = rng.pick(subjects);
    let other = rng.pick(subjects);
    let mut out = String::with_capacity(8 * 1024);
    let title = format!("{}: evidence, safety and status", s.names[0]);
    if markdown {
        let _ = writeln!(
            out,
            "---\ntitle: \"{title}\"\ncompound: {}\nreviewed: 2026-0{}-1{}\ntags: [evidence-library]\n---\n",
            s.id,
            1 + rng.below(9),
            rng.below(10)
        );
        let _ = writeln!(out, "# {title}\n");
    } else {
        let _ = writeln!(out, "{title}");
    }
    let intro = format!(
        "{} is discussed in {} and {}; this entry summarises what is known about {}.",
        name(rng, s),
        not_dose(rng),
        not_dose(rng),
        name(rng, s)
    );
    prose(rng, &mut out, &intro);
    out.push_str("\n\n");
    if s.prescription && rng.chance(70) {
        out.push_str("It is a prescription drug, not a dietary supplement.\n\n");
    }
    if !s.status.has_approved_human_use() && rng.chance(70) {
        out.push_str("It is a research chemical with no approved human use.\n\n");
    }
    if s.wada && rng.chance(60) {
        out.push_str(
            "It is on the WADA Prohibited List; athletes in tested sports should avoid it.\n\n",
        );
    }
    let sections = 4 + rng.below(4);
    for _ in 0..sections {
        let h = *rng.pick(HEADINGS);
        if markdown {
            let _ = writeln!(out, "## {h}\n");
        } else {
            let _ = writeln!(out, "{h}");
        }
        for _ in 0..(2 + rng.below(3)) {
            let mut para = String::new();
            for k in 0..(2 + rng.below(3)) {
                if k > 0 {
                    para.push(' ');
                }
                match rng.below(12) {
                    0 => {
                        let _ = write!(
                            para,
                            "Trials of {} used {} daily for {} weeks.",
                            name(rng, s),
                            dose(rng),
                            4 + rng.below(20)
                        );
                    }
                    1 => {
                        let _ = write!(
                            para,
                            "Compared with {}, it was studied at {} in {}.",
                            name(rng, other),
                            dose(rng),
                            not_dose(rng)
                        );
                    }
                    2 => para.push_str(rng.pick::<&str>(RECOMMEND)),
                    3 | 4 => para.push_str(rng.pick::<&str>(NEGATED)),
                    _ => para.push_str(rng.pick::<&str>(FILLER)),
                }
            }
            prose(rng, &mut out, &para);
            out.push_str("\n\n");
        }
        if rng.chance(40) {
            for _ in 0..(2 + rng.below(3)) {
                out.push_str("- ");
                let f = *rng.pick(FILLER);
                prose(rng, &mut out, f);
                out.push('\n');
            }
            out.push('\n');
        }
        if rng.chance(35) {
            let _ = writeln!(
                out,
                "| Attribute | {} | {} |\n|---|---|---|",
                s.names[0], other.names[0]
            );
            for row in ["Typical amount", "Frequency", "Studies"] {
                let (a, b) = match row {
                    "Typical amount" => (dose(rng), dose(rng)),
                    "Frequency" => ("twice daily".into(), "once weekly".into()),
                    _ => (not_dose(rng), not_dose(rng)),
                };
                let _ = writeln!(out, "| {row} | {a} | {b} |");
            }
            out.push('\n');
        }
    }
    if rng.chance(80) {
        let d = *rng.pick(DISCLAIMERS);
        prose(rng, &mut out, d);
        out.push('\n');
    }
    out
}

/// Write `pages` monographs under `dir` (100 per folder, 70 % Markdown). Returns the
/// bytes written.
pub fn write_corpus(dir: &std::path::Path, pages: usize, seed: u64) -> std::io::Result<u64> {
    let subjects = default_subjects();
    let mut rng = Rng::new(seed);
    let mut total = 0u64;
    for i in 0..pages {
        let folder = dir.join(format!("section-{:04}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&folder)?;
        }
        let markdown = rng.chance(70);
        let text = page(&mut rng, &subjects, markdown);
        let ext = if markdown { "md" } else { "txt" };
        let path = folder.join(format!("page-{i:06}.{ext}"));
        std::fs::write(&path, &text)?;
        total += text.len() as u64;
    }
    Ok(total)
}

/// A compound registry of `count` generated compounds (for the registry-size benchmark).
/// Names are made of syllables so they look like real INNs and never collide with the
/// default registry's. Entries are written the way the default registry's are (flow
/// list of aliases, block list of sources, a folded `notes` paragraph), with the
/// flags left at what leaves the default rules' findings unchanged.
pub fn registry_yaml(count: usize, seed: u64) -> String {
    const SYL: &[&str] = &[
        "zor", "vel", "tam", "quin", "rex", "lun", "dor", "fax", "pil", "sem", "tor", "vax", "mir",
        "nob", "kel", "jur",
    ];
    const END: &[&str] = &["orelin", "amide", "tide", "umab", "ostat", "azine", "exin"];
    let mut rng = Rng::new(seed);
    let statuses = [
        "approved",
        "supplement",
        "investigational",
        "research-chemical",
        "unapproved",
    ];
    let mut out = String::new();
    for i in 0..count {
        let stem: String = (0..2).map(|_| *rng.pick(SYL)).collect();
        let name = format!("{stem}{}{i}", rng.pick(END));
        let code = format!("ZX-{}", 10_000 + i);
        let _ = writeln!(
            out,
            "- id: gen-{i}\n  name: {name}\n  aliases: [\"{code}\", \"{stem} {i} peptide\"]\n  \
             status: {}\n  prescription: false\n  approved_uses: []\n  sources:\n    \
             - \"generated for benchmarking\"\n    - \"monolint-bench registry_yaml, entry {i}\"\n  \
             notes: >-\n    Generated: no such compound exists. The code {code} and the \"{stem}\"\n    \
             alias exist only to make the automaton as large as a real registry would.\n",
            rng.pick(&statuses)
        );
    }
    out
}

/// Escape a literal for a ripgrep pattern.
fn escape(s: &str) -> String {
    regex::escape(s)
}

/// The default pack as ripgrep patterns, one a line: every alias spelling and phrase (the
/// literals of monolint's automaton) as a whole word, every rule regex, and the dose
/// regex. `ascii_boundaries` writes `(?-u:\b)` instead of `\b`.
pub fn rg_patterns(linter: &monolint::Linter, ascii_boundaries: bool) -> String {
    let b = if ascii_boundaries { r"(?-u:\b)" } else { r"\b" };
    let mut out = String::new();
    for lit in linter.literals() {
        let _ = writeln!(out, "{b}{}{b}", escape(&lit));
    }
    let mut regexes: Vec<String> = linter
        .rules()
        .iter()
        .flat_map(|r| r.def.patterns.iter().chain(&r.def.unless_patterns))
        .cloned()
        .collect();
    regexes.push(monolint::dose::figure_pattern());
    for re in regexes {
        let re = if ascii_boundaries {
            re.replace(r"\b", r"(?-u:\b)")
        } else {
            re
        };
        let _ = writeln!(out, "{re}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_pages_different_seed_different_pages() {
        let subjects = default_subjects();
        let a = page(&mut Rng::new(7), &subjects, true);
        let b = page(&mut Rng::new(7), &subjects, true);
        let c = page(&mut Rng::new(8), &subjects, true);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("---\ntitle:"));
        assert!(a.contains('\u{00A0}'));
    }

    #[test]
    fn generated_registry_loads() {
        let y = registry_yaml(50, 1);
        assert_eq!(y.matches("\n  notes: >-\n").count(), 50);
        let reg = monolint::registry::Registry::load(&[monolint::Source::new("gen.yaml", y)])
            .expect("generated registry is valid");
        assert_eq!(reg.compounds().len(), 50);
        assert!(reg.lookup("ZX-10049").is_some());
    }
}
