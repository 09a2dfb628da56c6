//! Untrusted rule packs, registries and configuration: arbitrary text as a pack, as a
//! compound registry and as monolint.yaml. Loading must either succeed or return an
//! error, never panic; a pack that loads must lint a page without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use monolint::{Config, Linter, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let src = Source::new("fuzz.yaml", text);
    let _ = Config::parse(&src);
    // only the fuzzed input is loaded (and the engine's own rules): building the default
    // pack on every input would leave the fuzzer a few inputs a second
    if let Ok(linter) = Linter::builder().without_default().pack(src.clone()).build() {
        let _ = linter.lint_str("p.md", "# BPC-157\n\nWe recommend 250 mcg daily. Buy it here.\n");
    }
    if let Ok(linter) = Linter::builder().without_default().compounds(src).build() {
        let _ = linter.lint_str("p.md", "# BPC-157\n\nWe recommend 250 mcg daily. Buy it here.\n");
    }
});
