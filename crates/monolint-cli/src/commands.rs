//! `monolint rules`, `explain` and `compounds`: look-ups over the loaded pack and registry.

use crate::check::setup;
use monolint::registry::squeeze;
use std::path::Path;

fn linter(config: Option<&Path>) -> Result<monolint::Linter, u8> {
    setup(config).map(|s| s.linter).map_err(|msg| {
        errln!("{msg}");
        2
    })
}

pub fn rules(config: Option<&Path>) -> u8 {
    let linter = match linter(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let width = linter
        .rules()
        .iter()
        .map(|r| r.id().len())
        .max()
        .unwrap_or(0);
    for (i, r) in linter.rules().iter().enumerate() {
        let off = if linter.is_enabled(i) {
            ""
        } else {
            " (disabled)"
        };
        outln!(
            "{:width$}  {:7}  {}{off}",
            r.id(),
            r.severity.as_str(),
            r.def.summary.trim()
        );
    }
    0
}

/// How to suppress a rule, written out for `explain`.
fn suppression_help(id: &str, document_level: bool) -> String {
    let mut s = String::new();
    if document_level {
        s.push_str(&format!(
            "This rule is about the whole page. To accept a page without it, put this anywhere in the file:\n  <!-- monolint-disable-file {id} -- why this page is an exception -->\n"
        ));
    } else {
        s.push_str(&format!(
            "On the line before the finding:\n  <!-- monolint-disable-next-line {id} -- why this line is an exception -->\nFor a region:\n  <!-- monolint-disable {id} -- why -->\n  ...\n  <!-- monolint-enable {id} -->\n"
        ));
    }
    s.push_str(&format!(
        "In plain text use `#` lines instead of HTML comments. The reason after `--` is required. To turn the rule off for a whole site, add it to `disable:` in monolint.yaml:\n  disable: [{id}]\n"
    ));
    s
}

pub fn explain(id: &str, config: Option<&Path>) -> u8 {
    let setup = match setup(config) {
        Ok(s) => s,
        Err(msg) => {
            errln!("{msg}");
            return 2;
        }
    };
    let linter = &setup.linter;
    let Some(rule) = linter.rule(id) else {
        errln!("monolint: error: unknown rule `{id}`");
        let close: Vec<&str> = linter
            .rules()
            .iter()
            .map(|r| r.id())
            .filter(|r| r.split('/').next() == id.split('/').next() || r.contains(id))
            .collect();
        if !close.is_empty() {
            errln!("  did you mean: {}", close.join(", "));
        }
        errln!("  `monolint rules` lists every rule");
        return 2;
    };
    let d = &rule.def;
    outln!("{} ({})", d.id, rule.severity);
    outln!("{}\n", d.summary.trim());
    let section = |title: &str, body: &str| {
        outln!("## {title}");
        outln!("{}\n", body.trim());
    };
    section("What it catches, and why", &d.description);
    section("Bad", &d.bad);
    section("Good", &d.good);
    let mut fix = d.fix.trim().to_string();
    if let Some(text) = setup.fix.text_for(linter, &d.id) {
        fix.push_str(&format!(
            "\n`monolint check --fix` inserts this text (set your own under `fix: disclaimers:` in monolint.yaml):\n  {}",
            text.trim()
        ));
    }
    section("How to fix", &fix);
    section(
        "How to suppress",
        &suppression_help(&d.id, d.kind == monolint::pack::Kind::Required),
    );
    section("Reference", &d.link);
    0
}

pub fn compounds(query: Option<&str>, config: Option<&Path>) -> u8 {
    let linter = match linter(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let reg = linter.registry();
    let q = query.map(squeeze).filter(|q| !q.is_empty());
    let matches: Vec<_> = reg
        .compounds()
        .iter()
        .filter(|c| {
            q.as_ref().is_none_or(|q| {
                std::iter::once(&c.id)
                    .chain(std::iter::once(&c.name))
                    .chain(&c.aliases)
                    .any(|n| squeeze(n).contains(q.as_str()))
            })
        })
        .collect();
    if matches.is_empty() {
        errln!(
            "monolint: no compound matches `{}`",
            query.unwrap_or_default()
        );
        return 1;
    }
    let detail = query.is_some();
    for c in matches {
        let flags = [
            c.prescription.then_some("prescription"),
            c.sandboxed.then_some("sandboxed"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let wada = c
            .wada
            .as_deref()
            .map(|w| format!("WADA {w}"))
            .unwrap_or_else(|| "not on the WADA list".into());
        if detail {
            outln!("{} ({})", c.name, c.id);
            outln!("  status:   {}", c.status.as_str());
            outln!(
                "  flags:    {}",
                if flags.is_empty() { "none" } else { &flags }
            );
            outln!("  wada:     {wada}");
            if !c.aliases.is_empty() {
                outln!("  aliases:  {}", c.aliases.join(", "));
            }
            if !c.approved_uses.is_empty() {
                outln!("  approved: {}", c.approved_uses.join(", "));
            }
            outln!("  sources:");
            for s in &c.sources {
                outln!("    - {s}");
            }
            outln!("  defined:  {}", c.origin);
            outln!();
        } else {
            outln!("{:22} {:18} {:26} {}", c.id, c.status.as_str(), flags, wada);
        }
    }
    0
}
