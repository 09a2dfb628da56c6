//! `monolint init [DIR]`: write a commented `monolint.yaml` for a new site, with every key
//! and the default disclaimer texts `--fix` inserts, ready to edit. An existing file is
//! never overwritten (exit 2).

use monolint::pack::Kind;
use monolint::Linter;
use std::io::Write;
use std::path::Path;

/// The file's text: every key, with the default pack's disclaimer texts filled in.
pub fn template(linter: &Linter) -> String {
    let mut texts = String::new();
    for rule in linter.rules() {
        if rule.def.kind != Kind::Required {
            continue;
        }
        if let Some(text) = &rule.def.insert {
            // a JSON string is a valid YAML double-quoted scalar
            let quoted = serde_json::to_string(text.trim()).unwrap_or_default();
            texts.push_str(&format!("    {}: {quoted}\n", rule.id()));
        }
    }
    format!(
        r#"# monolint configuration for this site. `monolint check` uses the nearest monolint.yaml
# from the working folder up; every key is optional. Paths are relative to this file.
# Unknown keys and unknown rule ids are errors, so a typo never passes silently.

# Extra rule packs (the format is monolint's rules/README.md): your site's own rules.
rules: []
#  - rules/site.yaml

# Extra compounds for the registry; an entry with the id of a default one replaces it.
compounds: []
#  - rules/our-compounds.yaml

# A rule's severity for this site: error | warning | info. `monolint rules` lists the ids.
severity: {{}}
#  disclaimer/anti-doping: error

# Rules this site does not use.
disable: []
#  - claims/disease

# Files not linted when folders are walked (globs; a file named on the command line is
# always linted).
exclude: []
#  - "content/drafts/**"
#  - "**/_archive/**"

# What `monolint check --fix` inserts when a page lacks a disclaimer, and where:
# after-title (below the page's title) or end. {{compound}} becomes the compound's name.
# These are monolint's default texts: replace them with your site's approved wording.
fix:
  place: after-title
  disclaimers:
{texts}"#
    )
}

pub fn run(dir: &Path) -> u8 {
    let path = if dir == Path::new(".") {
        Path::new("monolint.yaml").to_path_buf()
    } else {
        dir.join("monolint.yaml")
    };
    let linter = match Linter::with_defaults() {
        Ok(l) => l,
        Err(e) => {
            errln!("{}", crate::output::render_error(e.as_ref()));
            return 2;
        }
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            errln!(
                "monolint: error: {} already exists; not overwriting it (edit it, or delete it and run `monolint init` again)",
                path.display()
            );
            return 2;
        }
        Err(e) => {
            errln!("monolint: error: cannot create {}: {e}", path.display());
            return 2;
        }
    };
    if let Err(e) = file
        .write_all(template(&linter).as_bytes())
        .and_then(|()| file.sync_all())
    {
        errln!("monolint: error: cannot write {}: {e}", path.display());
        return 2;
    }
    outln!("wrote {}", path.display());
    outln!("next: edit the disclaimer texts under `fix:`, then run `monolint check`");
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_a_valid_configuration_with_the_default_texts() {
        let linter = Linter::with_defaults().unwrap();
        let text = template(&linter);
        let source = monolint::Source::new("monolint.yaml", text.as_str());
        let cfg = monolint::Config::parse(&source).unwrap();
        let mut l = Linter::with_defaults().unwrap();
        cfg.apply(&source, &mut l).unwrap();
        assert_eq!(cfg.fix.place, monolint::fix::Place::AfterTitle);
        for rule in linter.rules().iter().filter(|r| r.def.insert.is_some()) {
            assert_eq!(
                cfg.fix.disclaimers.get(rule.id()).map(String::as_str),
                rule.def.insert.as_deref().map(str::trim),
                "{}",
                rule.id()
            );
        }
        assert!(cfg.fix.disclaimers.len() >= 5);
    }
}
