//! The `omniface` command: check, generate and format `.idl` files. Only this binary prints.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mimalloc::MiMalloc;
use omniface_codegen::targets::{self, Target};
use omniface_codegen::{Compilation, compile_files, fmt};

#[derive(Parser)]
#[command(
    name = "omniface",
    version,
    about = "One interface definition, every protocol.",
    long_about = "One interface definition, every protocol.\n\nWrite a service once in an .idl file; omniface checks it and generates the spec artifact of every protocol (OpenAPI, proto3, GraphQL, WSDL, AsyncAPI, OpenRPC).",
    after_help = "Examples:\n  omniface check examples/petstore.idl\n  omniface generate examples/petstore.idl --target all --out out/\n  omniface fmt examples/*.idl --check"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report every error in the given files and what they import.
    #[command(
        after_help = "Exit status: 0 when clean, 1 when there are errors, 2 on usage errors.\n\nExample:\n  omniface check examples/petstore.idl examples/chat.idl"
    )]
    Check {
        #[command(flatten)]
        input: Input,
    },
    /// Generate artifacts for the given files.
    #[command(
        after_help = "Targets: model, openapi, proto, graphql, wsdl, asyncapi, openrpc, or all (those seven).\nidl writes the model back as canonical .idl files, one per package (not part of all).\nEach target writes into its own folder under --out.\n\nExamples:\n  omniface generate examples/petstore.idl --target all --out out/\n  omniface generate examples/petstore.idl --target idl --out out/   # out/idl/acme.pets.v1.idl, …"
    )]
    Generate {
        #[command(flatten)]
        input: Input,
        /// Targets to generate, comma separated, or `all`; `idl` writes the model back as `.idl`.
        #[arg(long, short, value_delimiter = ',', required = true, value_name = "TARGET")]
        target: Vec<String>,
        /// Output directory; each target gets a folder in it.
        #[arg(long, short, value_name = "DIR")]
        out: PathBuf,
        /// OpenAPI version to write: 3.1, or 3.0 (3.0.3) for older generators.
        #[arg(long, value_enum, default_value_t = OpenApiArg::V3_1, value_name = "VERSION")]
        openapi_version: OpenApiArg,
    },
    /// Format files canonically (comments are kept; formatting twice changes nothing).
    #[command(
        after_help = "Example:\n  omniface fmt examples/petstore.idl\n  omniface fmt --check examples/*.idl   # exit 1 if any file would change"
    )]
    Fmt {
        /// IDL files to format in place.
        #[arg(required = true, value_name = "FILES")]
        files: Vec<String>,
        /// Only report files that are not formatted; change nothing.
        #[arg(long)]
        check: bool,
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
    },
}

#[derive(Args)]
struct Input {
    /// Print the time each compiler phase took to stderr.
    #[arg(long, hide = true)]
    timings: bool,
    /// IDL files; their imports are read too.
    #[arg(required = true, value_name = "FILES")]
    files: Vec<String>,
    /// How to print diagnostics: for people, or one JSON object per line for tools.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OpenApiArg {
    #[value(name = "3.1")]
    V3_1,
    #[value(name = "3.0")]
    V3_0,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[global_allocator]
static ALLOCATOR: MiMalloc = MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { input } => {
            let compilation = compile_files(&input.files);
            report(&compilation, input.message_format);
            if input.timings {
                print_timings(&compilation);
            }
            let failed = compilation.has_errors();
            // The process ends here: freeing a large model piece by piece would only cost time.
            std::mem::forget(compilation);
            if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Command::Generate {
            input,
            target,
            out,
            openapi_version,
        } => {
            let options = targets::Options {
                openapi_version: match openapi_version {
                    OpenApiArg::V3_1 => targets::OpenApiVersion::V3_1,
                    OpenApiArg::V3_0 => targets::OpenApiVersion::V3_0,
                },
            };
            generate(&input, &target, &out, &options)
        }
        Command::Fmt {
            files,
            check,
            message_format,
        } => format_files(&files, check, message_format),
    }
}

fn print_timings(compilation: &Compilation) {
    for (phase, duration) in &compilation.timings {
        eprintln!("{phase:>24}: {:>8.2} ms", duration.as_secs_f64() * 1000.0);
    }
}

fn report(compilation: &Compilation, format: MessageFormat) {
    match format {
        MessageFormat::Human => {
            for diagnostic in &compilation.diagnostics {
                diagnostic.emit_to_stderr(&compilation.sources);
            }
            if let Some(summary) = omniface_codegen::diagnostic::summary_line(&compilation.diagnostics) {
                eprintln!("{summary}");
            }
        }
        MessageFormat::Json => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            for diagnostic in &compilation.diagnostics {
                if let Ok(line) = serde_json::to_string(&diagnostic.to_json(&compilation.sources)) {
                    let _ = writeln!(lock, "{line}");
                }
            }
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn generate(input: &Input, names: &[String], out: &std::path::Path, options: &targets::Options) -> ExitCode {
    let mut chosen = Vec::new();
    for name in names {
        if name == "all" {
            chosen.extend_from_slice(Target::ALL);
            continue;
        }
        match Target::from_name(name) {
            Some(target) => chosen.push(target),
            None => {
                let known: Vec<&str> = Target::ALL.iter().chain([&Target::Idl]).map(|t| t.name()).collect();
                return usage_error(&format!(
                    "unknown target `{name}`; known targets: {}, all",
                    known.join(", ")
                ));
            }
        }
    }
    chosen.sort();
    chosen.dedup();
    let compilation = compile_files(&input.files);
    report(&compilation, input.message_format);
    let Some(model) = compilation.checked_model() else {
        return ExitCode::from(1);
    };
    let files = targets::generate(model, &chosen, options);
    match targets::write_files(out, &files) {
        Ok(_) => {
            if input.message_format == MessageFormat::Human {
                eprintln!(
                    "wrote {} file{} to {}",
                    files.len(),
                    if files.len() == 1 { "" } else { "s" },
                    out.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: cannot write to {}: {error}", out.display());
            ExitCode::from(1)
        }
    }
}

fn format_files(files: &[String], check: bool, message_format: MessageFormat) -> ExitCode {
    let mut failed = false;
    let mut unformatted = Vec::new();
    for path in files {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error[E0003]: cannot read `{path}`: {error}");
                failed = true;
                continue;
            }
        };
        match fmt::format_source(path, &text) {
            Ok(formatted) => {
                if formatted == text {
                    continue;
                }
                if check {
                    unformatted.push(path.clone());
                } else if let Err(error) = std::fs::write(path, formatted) {
                    eprintln!("error: cannot write `{path}`: {error}");
                    failed = true;
                }
            }
            Err(compilation) => {
                // Formatting needs a file that parses; show why it does not.
                report(&compilation, message_format);
                failed = true;
            }
        }
    }
    for path in &unformatted {
        println!("{path} is not formatted");
    }
    if failed || !unformatted.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
