//! CLI behaviour as data: every `tests/cmd/NAME.toml` is one invocation (arguments,
//! standard input, expected standard output and error, exit code), run with
//! `tests/cmd/NAME.in/` as its working folder. Record new expectations with
//! `TRYCMD=overwrite cargo test --test cli`, then read the diff before committing.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        // the result cache goes to the build's scratch folder, never the user's
        .env(
            "XDG_CACHE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/cli-cache"),
        )
        .case("../../tests/cmd/*.toml");
}
