//! The `omniface` command: check, generate and format `.idl` files, and export the spec documents
//! of a Rust crate written with the omniface macros. Only this binary prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mimalloc::MiMalloc;
use omniface_codegen::diagnostic::{Code, Diagnostic};
use omniface_codegen::source::{SourceDb, Span};
use omniface_codegen::targets::{self, Target};
use omniface_codegen::{Compilation, compile_files, fmt, from_rust};

#[derive(Parser)]
#[command(
    name = "omniface",
    version,
    about = "One interface definition, every protocol.",
    long_about = "One interface definition, every protocol.\n\nWrite a service once in an .idl file; omniface checks it and generates the spec artifact of every protocol (OpenAPI, proto3, GraphQL, WSDL, AsyncAPI, OpenRPC).",
    after_help = "Examples:\n  omniface check examples/petstore.idl\n  omniface generate examples/petstore.idl --target all --out out/\n  omniface export --manifest-path examples/petstore-macro --target all --out out/\n  omniface fmt examples/*.idl --check"
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
        #[command(flatten)]
        output: Output,
    },
    /// Generate artifacts from a Rust crate's `#[derive(omniface::Model)]` types and
    /// `#[omniface::service]` traits, without building it.
    #[command(
        after_help = "Reads the crate's src/lib.rs (else src/main.rs) and the modules it declares; each module is an .idl file and `omniface::package!(\"…\");` its package line. Errors are reported with the same codes as the macros report them, and nothing is written.\n\nTargets: model, openapi, proto, graphql, wsdl, asyncapi, openrpc, or all (those seven); idl writes the model as canonical .idl files.\n\nExit status: 0 when written, 1 when there are errors, 2 on usage errors.\n\nExamples:\n  omniface export --manifest-path examples/petstore-macro --target all --out out/\n  omniface export --target openapi,proto --out spec/   # the crate in the current directory\n  omniface export --manifest-path examples/petstore-macro --target idl --out out/"
    )]
    Export {
        /// The crate: its `Cargo.toml`, or the folder holding it.
        #[arg(long, value_name = "PATH", default_value = ".")]
        manifest_path: PathBuf,
        #[command(flatten)]
        output: Output,
        /// How to print diagnostics: for people, or one JSON object per line for tools.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
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

/// What `generate` and `export` write, and where.
#[derive(Args)]
struct Output {
    /// Targets to generate, comma separated, or `all`; `idl` writes the model back as `.idl`.
    #[arg(long, short, value_delimiter = ',', required = true, value_name = "TARGET")]
    target: Vec<String>,
    /// Output directory; each target gets a folder in it.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    /// OpenAPI version to write: 3.1, or 3.0 (3.0.3) for older generators.
    #[arg(long, value_enum, default_value_t = OpenApiArg::V3_1, value_name = "VERSION")]
    openapi_version: OpenApiArg,
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
        Command::Generate { input, output } => {
            generate(&output, input.message_format, || Ok(compile_files(&input.files)))
        }
        Command::Export {
            manifest_path,
            output,
            message_format,
        } => generate(&output, message_format, || export(&manifest_path)),
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

/// Compiles with `compile` and writes the chosen targets of the checked model under `--out`; on
/// errors, renders them and writes nothing (`compile` fails only after printing why).
fn generate(
    output: &Output,
    message_format: MessageFormat,
    compile: impl FnOnce() -> Result<Compilation, ExitCode>,
) -> ExitCode {
    let mut chosen = Vec::new();
    for name in &output.target {
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
    let options = targets::Options {
        openapi_version: match output.openapi_version {
            OpenApiArg::V3_1 => targets::OpenApiVersion::V3_1,
            OpenApiArg::V3_0 => targets::OpenApiVersion::V3_0,
        },
    };
    let compilation = match compile() {
        Ok(compilation) => compilation,
        Err(code) => return code,
    };
    report(&compilation, message_format);
    let Some(model) = compilation.checked_model() else {
        return ExitCode::from(1);
    };
    let files = targets::generate(model, &chosen, &options);
    let out = &output.out;
    match targets::write_files(out, &files) {
        Ok(_) => {
            if message_format == MessageFormat::Human {
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

/// Reads the crate at `manifest_path` (its `Cargo.toml` or its folder) with the Rust front end.
/// File names in diagnostics and in the model are relative to the crate's folder, so the output
/// does not depend on where the crate is.
fn export(manifest_path: &Path) -> Result<Compilation, ExitCode> {
    let crate_dir = if manifest_path.file_name().is_some_and(|name| name == "Cargo.toml") {
        match manifest_path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    } else if manifest_path.is_file() {
        return Err(usage_error(&format!(
            "`--manifest-path {}` names a file that is not a `Cargo.toml`; pass the crate's `Cargo.toml` or its folder",
            manifest_path.display()
        )));
    } else {
        manifest_path.to_path_buf()
    };
    let Some(root) = ["src/lib.rs", "src/main.rs"]
        .iter()
        .map(|candidate| crate_dir.join(candidate))
        .find(|root| root.is_file())
    else {
        let message = if crate_dir.is_dir() {
            format!(
                "cannot read the crate in `{}`: it has neither `src/lib.rs` nor `src/main.rs`",
                crate_dir.display()
            )
        } else {
            format!("cannot read the crate in `{}`: no such folder", crate_dir.display())
        };
        return Ok(failed(Diagnostic::error(Code::E0003, Span::NONE, message).help(
            "pass the crate's `Cargo.toml` or its folder: `--manifest-path path/to/crate`",
        )));
    };
    let found = from_rust::compile_crate(&root, &crate_dir);
    if found.sites.is_empty() && found.compilation.diagnostics.is_empty() {
        // Most likely the wrong crate: writing nothing and succeeding would hide that from CI.
        eprintln!(
            "error: `{}` and the modules it declares hold no `#[derive(omniface::Model)]` type and no `#[omniface::service]` trait",
            root.display()
        );
        return Err(ExitCode::from(1));
    }
    Ok(found.compilation)
}

/// A compilation that read nothing and has one error.
fn failed(diagnostic: Diagnostic) -> Compilation {
    Compilation {
        sources: SourceDb::new(),
        model: Default::default(),
        diagnostics: vec![diagnostic],
        timings: Vec::new(),
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
