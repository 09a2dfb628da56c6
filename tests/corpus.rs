//! Detection quality, measured: precision and recall per rule family over the labelled
//! corpus in `fixtures/corpus/` (at least 80 documents of the kinds that exist). A finding
//! counts as correct when its file, line and rule match a label.
//!
//! Print the table: `cargo test -p monolint-cli --test corpus -- --nocapture`

use monolint::expect::parse_inline;
use monolint::Linter;
use std::collections::BTreeMap;
use std::path::Path;

const FAMILIES: &[&str] = &["dose", "recommendation", "sourcing", "disclaimer", "claims"];
const MIN_PRECISION: f64 = 0.95;
const MIN_RECALL: f64 = 0.95;
const MIN_DOCUMENTS: usize = 80;

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

fn family(rule: &str) -> &str {
    rule.split('/').next().unwrap_or(rule)
}

#[test]
fn corpus_precision_and_recall_per_family() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/corpus");
    let linter = Linter::with_defaults().expect("default pack");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/corpus exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "md" || e == "html" || e == "txt")
        })
        .collect();
    files.sort();
    let mut counts: BTreeMap<&str, Counts> =
        FAMILIES.iter().map(|f| (*f, Counts::default())).collect();
    let mut errors: Vec<String> = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut expected = parse_inline(&text);
        let found = linter.lint_bytes(&name, &bytes).diagnostics;
        for d in found.iter().filter(|d| FAMILIES.contains(&family(&d.rule))) {
            let c = counts.get_mut(family(&d.rule)).expect("family");
            match expected.get_mut(&(d.line, d.rule.clone())) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    c.tp += 1;
                }
                _ => {
                    c.fp += 1;
                    errors.push(format!(
                        "{name}:{}: false positive {} on `{}`",
                        d.line, d.rule, d.text
                    ));
                }
            }
        }
        for ((line, rule), n) in expected {
            if n > 0 && FAMILIES.contains(&family(&rule)) {
                counts.get_mut(family(&rule)).expect("family").fn_ += n;
                errors.push(format!("{name}:{line}: missed {rule} (x{n})"));
            }
        }
    }
    let mut table = format!(
        "corpus: {} documents\n| family | labels | found | precision | recall |\n|---|---|---|---|---|\n",
        files.len()
    );
    let mut failing = Vec::new();
    for (fam, c) in &counts {
        table.push_str(&format!(
            "| {fam} | {} | {} | {:.3} | {:.3} |\n",
            c.tp + c.fn_,
            c.tp + c.fp,
            c.precision(),
            c.recall()
        ));
        if c.precision() < MIN_PRECISION || c.recall() < MIN_RECALL {
            failing.push(*fam);
        }
    }
    println!("{table}");
    for e in &errors {
        println!("{e}");
    }
    assert!(
        files.len() >= MIN_DOCUMENTS,
        "the corpus has {} documents; it needs at least {MIN_DOCUMENTS}",
        files.len()
    );
    assert!(
        failing.is_empty(),
        "families below precision {MIN_PRECISION} / recall {MIN_RECALL}: {failing:?}\n{table}\n{}",
        errors.join("\n")
    );
}
