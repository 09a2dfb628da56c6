//! Work the embedded default pack and registry out once, at build time, so that loading
//! them at start-up needs no YAML parser and no regex analysis: each rule file becomes
//! JSON (with the gate literals of its regexes, see `src/gate.rs`, and the list of those
//! that run on lowercased text, see `src/lowercase.rs`), and the registry becomes JSON.
//! The library still checks that the text it embeds is the text these were made from,
//! and falls back to parsing the YAML when it is not.

use std::path::Path;

#[allow(dead_code)]
#[path = "src/gate.rs"]
mod gate;
#[path = "src/lowercase.rs"]
mod lowercase;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed=src/gate.rs");
    println!("cargo:rerun-if-changed=src/lowercase.rs");
    println!("cargo:rerun-if-changed={}", rules.display());
    // every YAML file of rules/: the list of which are embedded lives in src/lib.rs only
    // (a file it names that is not made here fails the build at its `include_str!`)
    for entry in std::fs::read_dir(&rules)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let name = name.as_str();
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path)?;
        let value: serde_yaml::Value = serde_yaml::from_str(&text)?;
        let json = if name == "compounds.yaml" {
            serde_json::to_string(&value)?
        } else {
            // the pack with, per rule, the gates of `patterns` and of `unless_patterns`
            let gates_of = |rule: &serde_yaml::Value, field: &str| -> Vec<Option<Vec<String>>> {
                rule.get(field)
                    .and_then(serde_yaml::Value::as_sequence)
                    .map(|list| {
                        list.iter()
                            .map(|p| p.as_str().and_then(gate::gate))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let gates: Vec<_> = value
                .get("rules")
                .and_then(serde_yaml::Value::as_sequence)
                .map(|rules| {
                    rules
                        .iter()
                        .map(|r| (gates_of(r, "patterns"), gates_of(r, "unless_patterns")))
                        .collect()
                })
                .unwrap_or_default();
            // the regexes that run case-sensitively on lowercased text
            let mut lower: Vec<&str> = value
                .get("rules")
                .and_then(serde_yaml::Value::as_sequence)
                .into_iter()
                .flatten()
                .flat_map(|r| {
                    ["patterns", "unless_patterns", "links"]
                        .into_iter()
                        .filter_map(|f| r.get(f).and_then(serde_yaml::Value::as_sequence))
                        .flatten()
                })
                .filter_map(serde_yaml::Value::as_str)
                .filter(|p| lowercase::runs_on_lowercase(p))
                .collect();
            lower.sort_unstable();
            lower.dedup();
            serde_json::to_string(
                &serde_json::json!({ "pack": value, "gates": gates, "lower": lower }),
            )?
        };
        std::fs::write(out.join(format!("{name}.json")), json)?;
    }
    Ok(())
}
