//! `monolint`: the command-line front end. Arguments, configuration discovery, walking,
//! output and exit codes live here; the rule engine is the `monolint` library.
//!
//! Exit codes: 0 nothing at or above the fail level; 1 findings at or above it; 2 the run
//! could not be trusted (bad arguments, bad configuration or rules, unreadable input).

// The binary owns I/O, but never through `println!`/`eprintln!`, which panic when the
// stream is a closed pipe: through `outln!`/`errln!` below.

/// A line to standard output. A closed pipe (`monolint rules | head -1`) drops it; it never
/// panics or stops the run (its exit code is still the run's).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// A line to standard error, dropped if standard error is closed
/// (`monolint check 2>&1 | head -1`).
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Linting a page makes many small, short-lived allocations (blocks, sentences, hits):
/// mimalloc serves them faster than the system allocator, most of all across threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod atomic;
mod baseline;
mod cache;
mod check;
mod commands;
mod finish;
mod fix;
mod github;
mod init;
mod ordered;
mod output;
mod progress;
mod sarif;
mod test_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "monolint",
    version,
    about = "Content-safety linting for health monographs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// On a terminal a graphical report; piped, one `path:line:col: severity[rule]: message` line per finding
    Human,
    /// One JSON object, version 1 (SPEC §3)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and folders (default: the current folder)
    Check(CheckArgs),
    /// List every rule: id, severity, one-line summary
    Rules {
        /// Rule packs come from this configuration instead of the nearest monolint.yaml
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Explain a rule: what it catches, why, examples, how to fix and suppress it
    Explain {
        /// A rule id, e.g. dose/unapproved
        rule: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Look compounds up in the registry: names, status, flags, sources
    Compounds {
        /// Part of an id, name or alias; lists every compound when absent
        query: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a commented monolint.yaml for a new site (never overwrites one)
    Init {
        /// The site's folder
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Lint annotated example pages and compare with their `expect:` annotations
    Test {
        /// Folders or files of annotated pages
        #[arg(default_value = "fixtures")]
        paths: Vec<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Files and folders to lint; `-` reads standard input (default: `.`, unless
    /// --files-from gives the list)
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Configuration file (default: the nearest monolint.yaml from the working folder up)
    #[arg(long)]
    config: Option<PathBuf>,
    /// Lowest severity that makes the run fail (exit 1)
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// The name standard input is linted as (its extension picks the format)
    #[arg(long)]
    stdin_filename: Option<String>,
    /// Also lint the paths listed in FILE, one a line (`-`: standard input), e.g.
    /// `git diff --name-only --diff-filter=d | monolint check --files-from -`
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,
    /// Files linted in parallel (default: the number of cores); output is the same for any N
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Lint only share K of N of the files (K in 1..=N), chosen by a stable hash of each
    /// path: N runs with K = 1..N together report exactly what one run reports
    #[arg(long, value_name = "K/N", value_parser = check::parse_shard)]
    shard: Option<(u64, u64)>,
    /// Where results are cached, keyed by file content and the loaded rules
    /// (default: $XDG_CACHE_HOME/monolint or ~/.cache/monolint)
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the result cache
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file (and report none)
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Insert missing disclaimers (the texts configured under `fix:`), then report the rest
    #[arg(long)]
    fix: bool,
    /// Print the changes --fix would make as a unified diff; write nothing
    #[arg(long, conflicts_with_all = ["fix", "format", "write_baseline"])]
    diff: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules { config } => commands::rules(config.as_deref()),
        Command::Explain { rule, config } => commands::explain(&rule, config.as_deref()),
        Command::Compounds { query, config } => {
            commands::compounds(query.as_deref(), config.as_deref())
        }
        Command::Init { dir } => init::run(&dir),
        Command::Test { paths, config } => test_cmd::run(&paths, config.as_deref()),
    };
    ExitCode::from(code)
}
