//! The document pipeline on arbitrary bytes: decoding, Markdown/HTML/plain-text parsing,
//! normalization, matching, attribution, suppressions. The first byte picks the format.
//! Besides not crashing, every finding must lie inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use monolint::Linter;
use std::sync::OnceLock;

fn linter() -> &'static Linter {
    static L: OnceLock<Linter> = OnceLock::new();
    L.get_or_init(|| Linter::with_defaults().expect("default pack"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let path = ["page.md", "page.html", "page.txt"][usize::from(pick) % 3];
    let report = linter().lint_bytes(path, bytes);
    for d in &report.diagnostics {
        assert!(d.offset + d.length <= bytes.len(), "finding past the end: {d:?}");
        if let Ok(text) = std::str::from_utf8(bytes) {
            assert_eq!(text.get(d.offset..d.offset + d.length), Some(d.text.as_str()));
        }
    }
});
