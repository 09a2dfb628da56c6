//! CLI behaviour as data: every `tests/cmd/NAME.toml` is one invocation (arguments,
//! standard input, expected standard output and error, exit code), run with
//! `tests/cmd/NAME.in/` as its working folder. Record new expectations with
//! `TRYCMD=overwrite cargo test --test cli`, then read the diff before committing.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .case("../../tests/cmd/*.toml");
}
