//! `gen-corpus`: write a deterministic benchmark corpus, a generated registry, or the
//! default pack as ripgrep patterns.
//!
//! ```text
//! gen-corpus pages DIR [--pages N] [--seed S]     monographs under DIR (default 2000, seed 1)
//! gen-corpus registry FILE [--count N] [--seed S] a registry of N generated compounds
//! gen-corpus patterns FILE [--ascii]              the pack's literals and regexes for `rg -f`
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen-corpus pages DIR [--pages N] [--seed S]\n       gen-corpus registry FILE [--count N] [--seed S]\n       gen-corpus patterns FILE [--ascii]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(target)) = (args.first(), args.get(1)) else {
        return usage();
    };
    let mut count: Option<usize> = None;
    let mut seed = 1u64;
    let mut ascii = false;
    let mut rest = args[2..].iter();
    while let Some(a) = rest.next() {
        let mut num = |what: &str| -> Option<u64> {
            let v = rest.next().and_then(|v| v.parse().ok());
            if v.is_none() {
                eprintln!("gen-corpus: {what} needs a number");
            }
            v
        };
        match a.as_str() {
            "--pages" | "--count" => match num(a) {
                Some(n) => count = Some(n as usize),
                None => return usage(),
            },
            "--seed" => match num(a) {
                Some(n) => seed = n,
                None => return usage(),
            },
            "--ascii" => ascii = true,
            _ => return usage(),
        }
    }
    let target = PathBuf::from(target);
    let result = match cmd.as_str() {
        "pages" => {
            monolint_bench::write_corpus(&target, count.unwrap_or(2000), seed).map(|bytes| {
                println!(
                    "{} pages, {bytes} bytes ({:.1} MB) in {}",
                    count.unwrap_or(2000),
                    bytes as f64 / 1e6,
                    target.display()
                )
            })
        }
        "registry" => std::fs::write(
            &target,
            monolint_bench::registry_yaml(count.unwrap_or(10), seed),
        ),
        "patterns" => match monolint::Linter::with_defaults() {
            Ok(linter) => std::fs::write(&target, monolint_bench::rg_patterns(&linter, ascii)),
            Err(e) => {
                eprintln!("gen-corpus: the default pack does not load: {e}");
                return ExitCode::from(2);
            }
        },
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-corpus: {}: {e}", target.display());
            ExitCode::from(1)
        }
    }
}
