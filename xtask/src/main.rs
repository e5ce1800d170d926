//! `cargo xtask`: the project's automation, written in Rust so that it runs wherever cargo does
//! (the alias lives in `.cargo/config.toml`).
//!
//! ```text
//! cargo xtask test              # the one test command; CI runs it through `.ci/run`
//! cargo xtask test clippy cli   # only the named steps (`cargo xtask test --list` names them)
//! cargo xtask bench             # benchmarks (not tests); results in target/bench/results.md
//! ```
//!
//! # Structure
//!
//! - `main.rs` (this file): parses the command line and turns an error into a message and exit
//!   status 1.
//! - [`ctx`]: the [`ctx::Ctx`] every step receives (workspace root, cargo, scratch folders) and the
//!   helpers that print a `==> step` line, run a command and fail with a message that says which
//!   command failed and how.
//! - [`test`]: `cargo xtask test` as a list of steps, [`test::STEPS`]. A step is a plain
//!   `fn(&Ctx) -> Result`; steps run in order and the first failure stops the run.
//! - [`artifacts`]: the `artifacts` test step: every file `omniface generate` writes for the
//!   examples goes through the real tool of its ecosystem (buf, redocly, openapi-spec-validator,
//!   graphql-js, graphql-core, xmllint, zeep, xmlschema, @asyncapi/parser, the OpenRPC
//!   meta-schema), and each check must reject a deliberately broken copy. Its validator scripts
//!   live in `xtask/validators/`.
//! - [`tools`]: installs those tools into `.tools/` (npm prefix, Python venv, `apt-get` for
//!   xmllint), skipping what a stamp file says is already there.
//! - [`bench`]: `cargo xtask bench`, which times the release `omniface` binary on the inputs
//!   that [`synth`] generates, and loads the generated protocol adapters beside hand-written ones.
//!
//! # Adding a step
//!
//! Write `fn my_step(ctx: &Ctx) -> Result` in `test.rs` and add it to [`test::STEPS`]. Tools a step
//! needs from npm or PyPI go into `<workspace>/.tools/` (gitignored), installed by a function that
//! first looks for what it would install and does nothing when it is there, so that a second run
//! costs nothing. [`tools`] does this for the `artifacts` step; add a package to its pinned
//! lists to use it from a step. A step that starts a broker keeps the child process in a guard whose `Drop`
//! kills it, so the broker stops even when the step fails half way.

mod artifacts;
mod bench;
mod ctx;
mod servers;
mod synth;
mod test;
mod tools;

use std::process::ExitCode;

use ctx::Ctx;

/// What every step and command returns; the error is the message shown to the user.
pub type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test [STEP...]    run every test step, or only the named ones (in their usual order)
  test --list       list the test steps
  bench [--only specs|protocols] [--runs N] [--warmup N] [--generate-runs N] [--typespec-runs N]
        [--no-typespec] [--load-seconds N] [--load-rounds N]
                    time `omniface check` and `omniface generate` on generated inputs, side by side
                    with TypeSpec and protoc (specs); load the generated protocol adapters beside
                    hand-written axum with wrk (protocols); writes target/bench/results.md
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ctx = Ctx::new();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&ctx, &args[1..]),
        Some("bench") => bench::run(&ctx, &args[1..]),
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(format!("no command given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nerror: {message}");
            ExitCode::FAILURE
        }
    }
}
