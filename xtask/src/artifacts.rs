//! `cargo xtask test artifacts`: every artifact `omniface generate` writes for the examples (and for
//! a 500-type synthetic API) is accepted by the real tool of its ecosystem, and every one of those
//! checks rejects a deliberately broken copy of a real artifact, so that a green run means
//! something.
//!
//! # What runs
//!
//! 1. The tools are installed into `.tools/` when missing ([`tools::ensure`]).
//! 2. The debug `omniface` (already built by the `cli` step) generates `--target all` for each of
//!    [`EXAMPLES`] into `target/artifacts/<example>/`, plus OpenAPI 3.0 into
//!    `target/artifacts/<example>/openapi-3.0/`. A target folder without files is a failure.
//! 3. The checks of each target run on each artifact:
//!
//!    | target   | checks                                                                         |
//!    |----------|--------------------------------------------------------------------------------|
//!    | proto    | `buf build`; `buf lint` (prints nothing); `buf format -d --exit-code`           |
//!    | openapi  | `redocly lint` (0 errors; warnings counted); `openapi-spec-validator` (3.1 and 3.0) |
//!    | graphql  | graphql-js and graphql-core: build the schema, then validate it                |
//!    | wsdl     | xmllint: well-formed, valid against wsdl.xsd, embedded schema compiles; zeep + xmlschema |
//!    | asyncapi | `@asyncapi/parser`: no diagnostic of severity error                            |
//!    | openrpc  | ajv (draft-07) against `@open-rpc/meta-schema`; `parseOpenRPCDocument`          |
//!
//!    Commands ([`EACH`]) run once per artifact; validator scripts ([`SCRIPTS`], in
//!    `xtask/validators/`) run once per target over all its artifacts and print a verdict line per
//!    file and check. Everything runs on a few threads; the lines print in a fixed order.
//! 4. Each case of [`BROKEN`] writes a broken copy of one of petstore's artifacts into
//!    `target/artifacts/broken/<case>/` and runs the checks the case names: each must reject it.
//!    A check that cannot run, or a validator that gives no verdict, is a failure, never a
//!    rejection.
//!
//! Every check prints one line (`ok   proto petstore buf lint`); all checks run even when one
//! fails, and the step then fails listing them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::Result;
use crate::ctx::{Ctx, describe, expect_exit, note, read_tree, show_output};
use crate::tools::{self, Tools};

/// The examples whose artifacts are checked (`examples/<name>.idl`).
const EXAMPLES: &[&str] = &["petstore", "chat", "telemetry"];

/// A synthetic API of 500 types and 50 methods (`synth::big`, the benchmark's small input), whose
/// artifacts are checked too: it exercises name collisions and every construct at a scale the
/// examples do not. The AsyncAPI parser is left out for it: it takes over ten minutes on a
/// document that size.
const SYNTHETIC: &str = "synthetic";

/// The example whose artifacts the broken copies start from.
const BROKEN_FROM: &str = "petstore";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Proto,
    OpenApi,
    GraphQl,
    Wsdl,
    AsyncApi,
    OpenRpc,
}

impl Target {
    const ALL: [Target; 6] = [
        Target::Proto,
        Target::OpenApi,
        Target::GraphQl,
        Target::Wsdl,
        Target::AsyncApi,
        Target::OpenRpc,
    ];

    /// The name, also the folder `generate` writes the target into.
    fn name(self) -> &'static str {
        match self {
            Target::Proto => "proto",
            Target::OpenApi => "openapi",
            Target::GraphQl => "graphql",
            Target::Wsdl => "wsdl",
            Target::AsyncApi => "asyncapi",
            Target::OpenRpc => "openrpc",
        }
    }

    /// How the target's file names end.
    fn suffix(self) -> &'static str {
        match self {
            Target::Proto => ".proto",
            Target::OpenApi => ".openapi.json",
            Target::GraphQl => ".graphql",
            Target::Wsdl => ".wsdl",
            Target::AsyncApi => ".asyncapi.json",
            Target::OpenRpc => ".openrpc.json",
        }
    }
}

/// One thing to check: a generated file, or for proto the folder holding `buf.yaml`.
struct Artifact {
    target: Target,
    /// The example it comes from.
    example: &'static str,
    /// `"3.0"` for OpenAPI 3.0, else empty.
    variant: &'static str,
    path: PathBuf,
    /// For the output: `petstore`, `petstore 3.0`, `petstore (acme.pets.v1.graphql)`,
    /// `broken/<case> (…)`.
    label: String,
    /// `None` for a generated artifact, which every check must accept; the case for a broken
    /// copy, which the case's checks must reject.
    broken: Option<&'static Broken>,
    /// Its index in the list, for unique scratch file names.
    id: usize,
}

/// What a check says about an artifact.
enum Verdict {
    /// Accepted, with a short note (counts, versions) or nothing.
    Accepted(String),
    /// Rejected by the tool: its first complaint, and its output for the failure message.
    Rejected { summary: String, output: String },
    /// The check could not judge: the tool did not run, crashed or said nothing usable. Always a
    /// failure, also for a broken copy.
    Error(String),
}

/// A check run once per artifact.
struct EachCheck {
    target: Target,
    name: &'static str,
    run: fn(&Env, &Artifact) -> Verdict,
}

const EACH: &[EachCheck] = &[
    EachCheck {
        target: Target::Proto,
        name: "buf build",
        run: buf_build,
    },
    EachCheck {
        target: Target::Proto,
        name: "buf lint",
        run: buf_lint,
    },
    EachCheck {
        target: Target::Proto,
        name: "buf format",
        run: buf_format,
    },
    EachCheck {
        target: Target::OpenApi,
        name: "redocly lint",
        run: redocly_lint,
    },
    EachCheck {
        target: Target::OpenApi,
        name: "openapi-spec-validator",
        run: openapi_spec_validator,
    },
    EachCheck {
        target: Target::Wsdl,
        name: "xmllint well-formed",
        run: xmllint_well_formed,
    },
    EachCheck {
        target: Target::Wsdl,
        name: "xmllint wsdl.xsd",
        run: xmllint_wsdl_xsd,
    },
    EachCheck {
        target: Target::Wsdl,
        name: "xmllint embedded schema",
        run: xmllint_embedded_schema,
    },
];

#[derive(Clone, Copy)]
enum Interpreter {
    /// `node`, with `NODE_PATH` set to `.tools/node/node_modules`.
    Node,
    /// The Python of `.tools/venv`.
    Python,
}

/// A validator script of `xtask/validators/`, run once over every artifact of its target; it
/// prints `@@<TAB>CHECK<TAB>ok|fail<TAB>FILE<TAB>SUMMARY` for each file and each of its checks.
struct ScriptCheck {
    target: Target,
    file: &'static str,
    interpreter: Interpreter,
    checks: &'static [&'static str],
}

const SCRIPTS: &[ScriptCheck] = &[
    ScriptCheck {
        target: Target::GraphQl,
        file: "graphql-js.js",
        interpreter: Interpreter::Node,
        checks: &["graphql-js"],
    },
    ScriptCheck {
        target: Target::GraphQl,
        file: "graphql-core.py",
        interpreter: Interpreter::Python,
        checks: &["graphql-core"],
    },
    ScriptCheck {
        target: Target::Wsdl,
        file: "wsdl.py",
        interpreter: Interpreter::Python,
        checks: &["zeep+xmlschema"],
    },
    ScriptCheck {
        target: Target::AsyncApi,
        file: "asyncapi.js",
        interpreter: Interpreter::Node,
        checks: &["@asyncapi/parser"],
    },
    ScriptCheck {
        target: Target::OpenRpc,
        file: "openrpc.js",
        interpreter: Interpreter::Node,
        checks: &["ajv meta-schema", "parseOpenRPCDocument"],
    },
];

/// A deliberately broken copy of one of [`BROKEN_FROM`]'s artifacts, and the checks that must
/// reject it.
struct Broken {
    name: &'static str,
    target: Target,
    /// Which artifact of the target: `""`, or `"3.0"` for OpenAPI 3.0.
    variant: &'static str,
    /// What is wrong with it, for messages.
    what: &'static str,
    must_fail: &'static [&'static str],
    /// Breaks a file's text; `None` when the file has nothing to break this way (the next file of
    /// the artifact is tried).
    break_it: fn(&str) -> Option<String>,
}

const BROKEN: &[Broken] = &[
    Broken {
        name: "proto-camel-case-field",
        target: Target::Proto,
        variant: "",
        what: "a field renamed to camelCase",
        must_fail: &["buf lint"],
        break_it: camel_case_field,
    },
    Broken {
        name: "proto-unknown-type",
        target: Target::Proto,
        variant: "",
        what: "a field of an undefined message type",
        must_fail: &["buf build", "buf lint"],
        break_it: proto_unknown_type,
    },
    Broken {
        name: "proto-misformatted",
        target: Target::Proto,
        variant: "",
        what: "a line indented wrongly",
        must_fail: &["buf format"],
        break_it: misindent,
    },
    Broken {
        name: "openapi-dangling-ref",
        target: Target::OpenApi,
        variant: "",
        what: "a $ref to nothing",
        must_fail: &["redocly lint", "openapi-spec-validator"],
        break_it: openapi_dangling_ref,
    },
    Broken {
        name: "openapi-3.0-dangling-ref",
        target: Target::OpenApi,
        variant: "3.0",
        what: "a $ref to nothing",
        must_fail: &["redocly lint", "openapi-spec-validator"],
        break_it: openapi_dangling_ref,
    },
    Broken {
        name: "graphql-unknown-type",
        target: Target::GraphQl,
        variant: "",
        what: "a field of an undefined type",
        must_fail: &["graphql-js", "graphql-core"],
        break_it: graphql_unknown_type,
    },
    Broken {
        name: "wsdl-dangling-type",
        target: Target::Wsdl,
        variant: "",
        what: "an element whose type QName resolves to nothing",
        must_fail: &["xmllint embedded schema", "zeep+xmlschema"],
        break_it: wsdl_dangling_type,
    },
    Broken {
        name: "wsdl-misspelled-element",
        target: Target::Wsdl,
        variant: "",
        what: "wsdl:portType misspelled wsdl:portTypo",
        must_fail: &["xmllint wsdl.xsd", "zeep+xmlschema"],
        break_it: wsdl_misspelled_element,
    },
    Broken {
        name: "wsdl-malformed",
        target: Target::Wsdl,
        variant: "",
        what: "the closing </wsdl:definitions> tag removed",
        must_fail: &["xmllint well-formed", "xmllint wsdl.xsd", "zeep+xmlschema"],
        break_it: wsdl_unclosed,
    },
    Broken {
        name: "asyncapi-dangling-ref",
        target: Target::AsyncApi,
        variant: "",
        what: "a $ref to nothing",
        must_fail: &["@asyncapi/parser"],
        break_it: dangling_ref,
    },
    Broken {
        name: "asyncapi-bad-action",
        target: Target::AsyncApi,
        variant: "",
        what: "an operation whose action is `publish` (AsyncAPI 3 has only send and receive)",
        must_fail: &["@asyncapi/parser"],
        break_it: asyncapi_bad_action,
    },
    Broken {
        name: "openrpc-no-info",
        target: Target::OpenRpc,
        variant: "",
        what: "the required `info` member removed",
        must_fail: &["ajv meta-schema", "parseOpenRPCDocument"],
        break_it: openrpc_no_info,
    },
    Broken {
        name: "openrpc-dangling-ref",
        target: Target::OpenRpc,
        variant: "",
        what: "a $ref to nothing",
        must_fail: &["parseOpenRPCDocument"],
        break_it: dangling_ref,
    },
];

/// What the checks need, shared by the worker threads.
struct Env<'a> {
    ctx: &'a Ctx,
    tools: Tools,
    /// `xtask/validators/`.
    validators: PathBuf,
    /// `target/artifacts/scratch/`, for files made on the way (extracted schemas).
    scratch: PathBuf,
}

/// One printed line: a check's outcome.
struct Line {
    ok: bool,
    text: String,
    /// For a failure: the tool's output.
    details: String,
}

pub fn artifacts(ctx: &Ctx) -> Result {
    let tools = tools::ensure(ctx)?;
    note("building omniface (debug; nothing to do after the cli step)");
    let exe = ctx.build_omniface(false)?;
    let out = ctx.fresh_dir("artifacts")?;
    let rel_out = ctx.rel(&out);

    let synthetic_idl = out.join(format!("{SYNTHETIC}.idl"));
    std::fs::write(&synthetic_idl, crate::synth::big(500, 50).text)
        .map_err(|e| format!("cannot write {}: {e}", ctx.rel(&synthetic_idl)))?;
    let synthetic_idl = ctx.rel(&synthetic_idl);
    for example in EXAMPLES.iter().copied().chain([SYNTHETIC]) {
        let idl = if example == SYNTHETIC {
            synthetic_idl.clone()
        } else {
            format!("examples/{example}.idl")
        };
        let dir = format!("{rel_out}/{example}");
        let v30 = format!("{dir}/openapi-3.0");
        for args in [
            vec!["generate", &idl, "--target", "all", "--out", &dir],
            vec![
                "generate",
                &idl,
                "--target",
                "openapi",
                "--openapi-version",
                "3.0",
                "--out",
                &v30,
            ],
        ] {
            let mut cmd = Command::new(&exe);
            cmd.args(&args).current_dir(&ctx.root);
            expect_exit(&mut cmd, 0)?;
        }
    }

    let mut lines = Vec::new();
    let mut artifacts = Vec::new();
    for example in EXAMPLES.iter().copied().chain([SYNTHETIC]) {
        lines.extend(collect(ctx, &out, example, &mut artifacts)?);
    }
    for broken in BROKEN {
        let artifact = break_copy(ctx, &out, broken, &artifacts)?;
        artifacts.push(artifact);
    }

    let scratch = out.join("scratch");
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {}: {e}", ctx.rel(&scratch)))?;
    let env = Env {
        ctx,
        tools,
        validators: ctx.root.join("xtask").join("validators"),
        scratch,
    };
    for line in &lines {
        print_line(line);
    }
    lines.extend(run_jobs(&env, &artifacts, jobs(&artifacts)));

    let failed: Vec<&Line> = lines.iter().filter(|l| !l.ok).collect();
    let rejected = lines.iter().filter(|l| l.ok && l.text.contains(" rejects it")).count();
    note(&format!(
        "{} checks: {} passed ({} on generated artifacts, {rejected} rejections of broken copies), {} failed",
        lines.len(),
        lines.len() - failed.len(),
        lines.len() - failed.len() - rejected,
        failed.len()
    ));
    if failed.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = failed.iter().map(|l| format!("  {}", l.text)).collect();
        Err(format!(
            "{} artifact check{} failed (details above):\n{}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            list.join("\n")
        ))
    }
}

/// The artifacts generated for `example`, appended to `artifacts`; a failure line for each target
/// that wrote nothing.
fn collect(ctx: &Ctx, out: &Path, example: &'static str, artifacts: &mut Vec<Artifact>) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    for target in Target::ALL {
        let mut sources = vec![("", out.join(example).join(target.name()))];
        if target == Target::OpenApi {
            sources.push(("3.0", out.join(example).join("openapi-3.0").join("openapi")));
        }
        for (variant, dir) in sources {
            let files = files_with_suffix(&dir, target.suffix())?;
            let version = if variant.is_empty() {
                String::new()
            } else {
                format!(" {variant}")
            };
            if files.is_empty() {
                lines.push(Line {
                    ok: false,
                    text: format!(
                        "FAIL {} {example}{version}: no *{} file generated in {}",
                        target.name(),
                        target.suffix(),
                        ctx.rel(&dir)
                    ),
                    details: String::new(),
                });
                continue;
            }
            let mut push = |path: PathBuf, label: String| {
                let id = artifacts.len();
                artifacts.push(Artifact {
                    target,
                    example,
                    variant,
                    path,
                    label,
                    broken: None,
                    id,
                });
            };
            if target == Target::Proto {
                if !dir.join("buf.yaml").exists() {
                    lines.push(Line {
                        ok: false,
                        text: format!("FAIL proto {example}: no buf.yaml in {}", ctx.rel(&dir)),
                        details: String::new(),
                    });
                    continue;
                }
                push(dir, example.to_string());
            } else if files.len() == 1 {
                push(
                    files.into_iter().next().unwrap_or_default(),
                    format!("{example}{version}"),
                );
            } else {
                for file in files {
                    let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
                    push(file, format!("{example}{version} ({name})"));
                }
            }
        }
    }
    Ok(lines)
}

/// Writes the broken copy `broken` under `<out>/broken/<name>/` and returns it as an artifact.
fn break_copy(ctx: &Ctx, out: &Path, broken: &'static Broken, artifacts: &[Artifact]) -> Result<Artifact> {
    let dest = out.join("broken").join(broken.name);
    let sources: Vec<&Artifact> = artifacts
        .iter()
        .filter(|a| a.target == broken.target && a.example == BROKEN_FROM && a.variant == broken.variant)
        .collect();
    let make = |path: PathBuf, label: String| Artifact {
        target: broken.target,
        example: "broken",
        variant: broken.variant,
        path,
        label,
        broken: Some(broken),
        id: artifacts.len(),
    };
    if broken.target == Target::Proto {
        // The whole module (buf.yaml and every file), one file broken.
        let Some(source) = sources.first() else {
            return Err(format!(
                "cannot make the broken copy {}: {BROKEN_FROM} has no proto output",
                broken.name
            ));
        };
        let files = files_with_suffix(&source.path, ".proto")?;
        for file in &files {
            let text = read(file)?;
            if let Some(bad) = (broken.break_it)(&text) {
                copy_tree(&source.path, &dest)?;
                let relative = file.strip_prefix(&source.path).unwrap_or(file);
                write(&dest.join(relative), &bad)?;
                return Ok(make(dest, format!("broken/{} ({})", broken.name, relative.display())));
            }
        }
    } else {
        for source in &sources {
            let text = read(&source.path)?;
            if let Some(bad) = (broken.break_it)(&text) {
                let name = source.path.file_name().unwrap_or_default();
                std::fs::create_dir_all(&dest).map_err(|e| format!("cannot create {}: {e}", ctx.rel(&dest)))?;
                let path = dest.join(name);
                write(&path, &bad)?;
                return Ok(make(
                    path,
                    format!("broken/{} ({})", broken.name, name.to_string_lossy()),
                ));
            }
        }
    }
    Err(format!(
        "cannot make the broken copy {} ({}): none of {BROKEN_FROM}'s {} artifacts has anything to break that way",
        broken.name,
        broken.what,
        broken.target.name()
    ))
}

/// A unit of work for a thread: one command on one artifact, or one script on several.
enum Job {
    Each {
        check: &'static EachCheck,
        artifact: usize,
    },
    Script {
        script: &'static ScriptCheck,
        artifacts: Vec<usize>,
    },
}

/// The jobs, in the order their lines print: by target, then per-artifact commands, then scripts.
fn jobs(artifacts: &[Artifact]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for target in Target::ALL {
        let of_target = || artifacts.iter().filter(move |a| a.target == target);
        for artifact in of_target() {
            for check in EACH.iter().filter(|c| c.target == target) {
                if must_run(artifact, check.name) {
                    jobs.push(Job::Each {
                        check,
                        artifact: artifact.id,
                    });
                }
            }
        }
        for script in SCRIPTS.iter().filter(|s| s.target == target) {
            let chosen: Vec<usize> = of_target()
                .filter(|a| script.checks.iter().any(|c| must_run(a, c)))
                .map(|a| a.id)
                .collect();
            if !chosen.is_empty() {
                jobs.push(Job::Script {
                    script,
                    artifacts: chosen,
                });
            }
        }
    }
    jobs
}

/// Every check runs on a generated artifact; on a broken copy only the checks that must reject it.
fn must_run(artifact: &Artifact, check: &str) -> bool {
    if artifact.example == SYNTHETIC && artifact.target == Target::AsyncApi {
        return false;
    }
    artifact.broken.is_none_or(|b| b.must_fail.contains(&check))
}

/// Runs the jobs on a few threads, the scripts (the slowest) first, and prints their lines in the
/// jobs' order as they become available.
fn run_jobs(env: &Env, artifacts: &[Artifact], jobs: Vec<Job>) -> Vec<Line> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get() + 1)
        .clamp(2, 8);
    let mut schedule: Vec<usize> = (0..jobs.len()).collect();
    schedule.sort_by_key(|&i| !matches!(jobs[i], Job::Script { .. }));
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(usize, Vec<Line>)>();
    let mut all = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, schedule, jobs) = (&next, &schedule, &jobs);
            scope.spawn(move || {
                while let Some(&i) = schedule.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let lines = match &jobs[i] {
                        Job::Each { check, artifact } => {
                            let artifact = &artifacts[*artifact];
                            vec![judge(artifact, check.name, (check.run)(env, artifact))]
                        }
                        Job::Script { script, artifacts: ids } => {
                            let chosen: Vec<&Artifact> = ids.iter().map(|&id| &artifacts[id]).collect();
                            run_script(env, script, &chosen)
                        }
                    };
                    if sender.send((i, lines)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut done = BTreeMap::new();
        let mut printed = 0;
        for (i, lines) in receiver {
            done.insert(i, lines);
            while let Some(lines) = done.remove(&printed) {
                for line in &lines {
                    print_line(line);
                }
                all.extend(lines);
                printed += 1;
            }
        }
    });
    all
}

fn print_line(line: &Line) {
    note(&line.text);
    if !line.details.is_empty() {
        println!("{}", line.details);
    }
}

/// The line for a verdict: generated artifacts must be accepted, broken copies rejected.
fn judge(artifact: &Artifact, check: &str, verdict: Verdict) -> Line {
    let what = format!("{} {} {check}", artifact.target.name(), artifact.label);
    let with = |summary: &str| {
        if summary.is_empty() {
            String::new()
        } else {
            format!(": {summary}")
        }
    };
    let (ok, text, details) = match (artifact.broken, verdict) {
        (_, Verdict::Error(message)) => (false, format!("FAIL {what}: the check could not judge"), message),
        (None, Verdict::Accepted(summary)) => (true, format!("ok   {what}{}", with(&summary)), String::new()),
        (None, Verdict::Rejected { summary, output }) => (false, format!("FAIL {what}{}", with(&summary)), output),
        (Some(_), Verdict::Rejected { summary, .. }) => {
            (true, format!("ok   {what} rejects it{}", with(&summary)), String::new())
        }
        (Some(broken), Verdict::Accepted(summary)) => (
            false,
            format!(
                "FAIL {what} accepted a broken copy ({}), so it proves nothing{}",
                broken.what,
                with(&summary)
            ),
            String::new(),
        ),
    };
    let details = details
        .lines()
        .map(|l| format!("        {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    Line { ok, text, details }
}

// ---------------------------------------------------------------------------------------------
// Running tools

/// A command for a tool, run from the workspace root with the environment every tool gets.
fn tool(env: &Env, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(&env.ctx.root)
        .env("NODE_PATH", &env.tools.node_modules)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` and returns its output, or the `Verdict::Error` saying it could not run.
fn capture(cmd: &mut Command) -> std::result::Result<Output, Verdict> {
    cmd.output()
        .map_err(|e| Verdict::Error(format!("cannot run `{}`: {e}", describe(cmd))))
}

/// stdout and stderr together.
fn text_of(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The first non-empty line of `text`, shortened.
fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    clip(line, 200)
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(max).collect();
    clipped.push('…');
    clipped
}

/// A tool whose known "rejected" exit statuses are `rejected`: 0 accepts, those reject (first
/// line of `complaint` as the summary), anything else is an error.
fn by_status(cmd: &mut Command, rejected: &[i32], complaint: impl Fn(&Output) -> String) -> Verdict {
    let output = match capture(cmd) {
        Ok(output) => output,
        Err(verdict) => return verdict,
    };
    match output.status.code() {
        Some(0) => Verdict::Accepted(String::new()),
        Some(code) if rejected.contains(&code) => Verdict::Rejected {
            summary: complaint(&output),
            output: format!("$ {}\n{}", describe(cmd), show_output(&output)),
        },
        _ => Verdict::Error(format!(
            "`{}` exited with {}\n{}",
            describe(cmd),
            output.status,
            show_output(&output)
        )),
    }
}

/// `path` relative to the workspace root, as the tools get it.
fn rel(env: &Env, path: &Path) -> String {
    env.ctx.rel(path)
}

// proto: buf, run in the module folder (the one holding buf.yaml). buf exits with 100 when it
// finds problems in the files (compile errors, lint findings, a formatting diff).

fn buf_build(env: &Env, artifact: &Artifact) -> Verdict {
    let mut cmd = tool(env, env.tools.npm_bin("buf"));
    cmd.arg("build").current_dir(&artifact.path);
    by_status(&mut cmd, &[100], |o| first_line(&text_of(o)))
}

fn buf_lint(env: &Env, artifact: &Artifact) -> Verdict {
    let mut cmd = tool(env, env.tools.npm_bin("buf"));
    cmd.arg("lint").current_dir(&artifact.path);
    let output = match capture(&mut cmd) {
        Ok(output) => output,
        Err(verdict) => return verdict,
    };
    let text = text_of(&output);
    let findings = text.lines().filter(|l| !l.trim().is_empty()).count();
    match output.status.code() {
        // It must print nothing: output with status 0 is a finding too.
        Some(0) if findings == 0 => Verdict::Accepted(String::new()),
        Some(0 | 100) => Verdict::Rejected {
            summary: format!("{findings} finding(s): {}", first_line(&text)),
            output: format!("$ {}\n{}", describe(&cmd), show_output(&output)),
        },
        _ => Verdict::Error(format!(
            "`{}` exited with {}\n{}",
            describe(&cmd),
            output.status,
            show_output(&output)
        )),
    }
}

fn buf_format(env: &Env, artifact: &Artifact) -> Verdict {
    let mut cmd = tool(env, env.tools.npm_bin("buf"));
    cmd.args(["format", "-d", "--exit-code"]).current_dir(&artifact.path);
    by_status(&mut cmd, &[100], |o| {
        let text = String::from_utf8_lossy(&o.stdout);
        let files: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("+++ ")).collect();
        let files: Vec<&str> = files.iter().filter_map(|l| l.split_whitespace().next()).collect();
        format!("not formatted as `buf format` would: {}", files.join(", "))
    })
}

// openapi

fn redocly_lint(env: &Env, artifact: &Artifact) -> Verdict {
    let mut cmd = tool(env, env.tools.npm_bin("redocly"));
    cmd.args(["lint", "--format=stylish"]).arg(rel(env, &artifact.path));
    let output = match capture(&mut cmd) {
        Ok(output) => output,
        Err(verdict) => return verdict,
    };
    // Stylish lines: `  365:27  error    no-unresolved-refs     Can't resolve $ref`.
    let text = text_of(&output);
    let problems: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let position = words.next()?;
            let severity = words.next()?;
            let is_position = position.split(':').count() == 2
                && position
                    .split(':')
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            (is_position && matches!(severity, "error" | "warning")).then_some((severity, line.trim()))
        })
        .collect();
    let errors: Vec<&str> = problems
        .iter()
        .filter(|(s, _)| *s == "error")
        .map(|(_, l)| *l)
        .collect();
    let warnings = problems.len() - errors.len();
    match (output.status.code(), errors.first()) {
        (Some(0), None) => Verdict::Accepted(format!("0 errors, {warnings} warnings")),
        (Some(1), Some(first)) => Verdict::Rejected {
            summary: format!(
                "{} errors, {warnings} warnings; first: {}",
                errors.len(),
                clip(first, 160)
            ),
            output: format!("$ {}\n{}", describe(&cmd), show_output(&output)),
        },
        _ => Verdict::Error(format!(
            "`{}` exited with {} and {} errors were counted\n{}",
            describe(&cmd),
            output.status,
            errors.len(),
            show_output(&output)
        )),
    }
}

fn openapi_spec_validator(env: &Env, artifact: &Artifact) -> Verdict {
    let file = rel(env, &artifact.path);
    let mut cmd = tool(env, env.tools.venv_bin("openapi-spec-validator"));
    cmd.arg(&file);
    let output = match capture(&mut cmd) {
        Ok(output) => output,
        Err(verdict) => return verdict,
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    // It reports `FILE: OK`, or `FILE: Error: …` / `FILE: Validation Error: …`; a traceback is a
    // crash, not a judgement.
    let judged = stdout.starts_with(&format!("{file}: ")) && !text_of(&output).contains("Traceback");
    match (output.status.success(), judged) {
        (true, true) => Verdict::Accepted(String::new()),
        (false, true) => Verdict::Rejected {
            summary: clip(
                first_line(&stdout).strip_prefix(&format!("{file}: ")).unwrap_or(""),
                160,
            ),
            output: format!("$ {}\n{}", describe(&cmd), show_output(&output)),
        },
        _ => Verdict::Error(format!(
            "`{}` exited with {} without a verdict\n{}",
            describe(&cmd),
            output.status,
            show_output(&output)
        )),
    }
}

// wsdl: xmllint exits with 1 for a document that is not well-formed, 3 when it does not validate
// against the schema, 5 when the schema does not compile.

fn xmllint_well_formed(env: &Env, artifact: &Artifact) -> Verdict {
    let mut cmd = tool(env, "xmllint");
    cmd.args(["--noout", "--nonet"]).arg(rel(env, &artifact.path));
    by_status(&mut cmd, &[1], |o| first_line(&text_of(o)))
}

fn xmllint_wsdl_xsd(env: &Env, artifact: &Artifact) -> Verdict {
    let mut cmd = tool(env, "xmllint");
    cmd.args(["--noout", "--nonet", "--schema"])
        .arg(rel(env, &env.tools.wsdl_xsd))
        .arg(rel(env, &artifact.path));
    by_status(&mut cmd, &[1, 3], |o| first_line(&text_of(o)))
}

/// The `xs:schema` inside `wsdl:types`, cut out with xmllint itself (it declares its own
/// prefixes), compiles as a standalone XSD: validating an instance forces libxml2 to compile the
/// schema and resolve every type reference. The instance is certainly invalid, so a compiled schema
/// answers "No matching global declaration".
fn xmllint_embedded_schema(env: &Env, artifact: &Artifact) -> Verdict {
    const XPATH: &str = r#"//*[local-name()="schema" and namespace-uri()="http://www.w3.org/2001/XMLSchema"]"#;
    let mut extract = tool(env, "xmllint");
    extract
        .args(["--nonet", "--xpath", XPATH])
        .arg(rel(env, &artifact.path));
    let output = match capture(&mut extract) {
        Ok(output) => output,
        Err(verdict) => return verdict,
    };
    match output.status.code() {
        Some(0) => {}
        Some(1 | 10) => {
            return Verdict::Rejected {
                summary: format!("no embedded xs:schema to extract: {}", first_line(&text_of(&output))),
                output: format!("$ {}\n{}", describe(&extract), show_output(&output)),
            };
        }
        _ => {
            return Verdict::Error(format!(
                "`{}` exited with {}\n{}",
                describe(&extract),
                output.status,
                show_output(&output)
            ));
        }
    }
    let schema = env.scratch.join(format!("{}-embedded.xsd", artifact.id));
    let instance = env.scratch.join("nothing.xml");
    if let Err(e) = std::fs::write(&schema, &output.stdout).and_then(|()| std::fs::write(&instance, "<nothing/>\n")) {
        return Verdict::Error(format!("cannot write {}: {e}", rel(env, &schema)));
    }
    let mut compile = tool(env, "xmllint");
    compile
        .args(["--noout", "--nonet", "--schema"])
        .arg(rel(env, &schema))
        .arg(rel(env, &instance));
    let output = match capture(&mut compile) {
        Ok(output) => output,
        Err(verdict) => return verdict,
    };
    let text = text_of(&output);
    if text.contains("No matching global declaration") {
        Verdict::Accepted(String::new())
    } else if output.status.code() == Some(5) {
        Verdict::Rejected {
            summary: first_line(&text),
            output: format!("$ {}\n{}", describe(&compile), show_output(&output)),
        }
    } else {
        Verdict::Error(format!(
            "`{}` exited with {} without saying whether the schema compiles\n{}",
            describe(&compile),
            output.status,
            show_output(&output)
        ))
    }
}

/// Runs a validator script over `artifacts` and turns its verdict lines into check lines.
fn run_script(env: &Env, script: &ScriptCheck, artifacts: &[&Artifact]) -> Vec<Line> {
    let program = match script.interpreter {
        Interpreter::Node => PathBuf::from("node"),
        Interpreter::Python => env.tools.venv_bin("python"),
    };
    let files: Vec<String> = artifacts.iter().map(|a| rel(env, &a.path)).collect();
    let mut cmd = tool(env, program);
    cmd.arg(env.validators.join(script.file)).args(&files);
    let result = capture(&mut cmd);
    // (check, file) -> (accepted, summary); the output printed for each file before its verdicts.
    let mut verdicts = BTreeMap::new();
    let mut sections: BTreeMap<&str, String> = BTreeMap::new();
    let mut section = String::new();
    let (stdout, stderr) = match &result {
        Ok(output) => (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
        Err(_) => Default::default(),
    };
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["@@", check, status @ ("ok" | "fail"), file, summary @ ..] => {
                verdicts.insert(
                    (check.to_string(), file.to_string()),
                    (*status == "ok", summary.join(" ")),
                );
                if let Some(file) = files.iter().find(|f| *f == file) {
                    sections.entry(file).or_default().push_str(&section);
                }
                section.clear();
            }
            _ => {
                section.push_str(line);
                section.push('\n');
            }
        }
    }
    let mut lines = Vec::new();
    for (artifact, file) in artifacts.iter().zip(&files) {
        for check in script.checks.iter().filter(|c| must_run(artifact, c)) {
            let verdict = match (&result, verdicts.get(&(check.to_string(), file.clone()))) {
                (Err(Verdict::Error(message)), _) => Verdict::Error(message.clone()),
                (_, Some((true, summary))) => Verdict::Accepted(summary.clone()),
                (_, Some((false, summary))) => {
                    let mut output = format!("$ {}\n", describe(&cmd));
                    output.push_str(sections.get(file.as_str()).map_or("", String::as_str));
                    if !stderr.trim().is_empty() {
                        output.push_str(&format!("--- stderr:\n{}", clip(stderr.trim_end(), 4000)));
                    }
                    Verdict::Rejected {
                        summary: summary.clone(),
                        output,
                    }
                }
                (_, None) => Verdict::Error(format!(
                    "`{}` printed no `{check}` verdict for {file}\n--- stdout:\n{}\n--- stderr:\n{}",
                    describe(&cmd),
                    clip(stdout.trim_end(), 4000),
                    clip(stderr.trim_end(), 4000)
                )),
            };
            lines.push(judge(artifact, check, verdict));
        }
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// Breaking artifacts

/// Renames the first snake_case field of a message to camelCase.
fn camel_case_field(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut done = false;
    for line in text.split_inclusive('\n') {
        if !done && let Some(renamed) = camel_case_line(line) {
            out.push_str(&renamed);
            done = true;
        } else {
            out.push_str(line);
        }
    }
    done.then_some(out)
}

/// `  string currency_code = 1;` becomes `  string currencyCode = 1;`; other lines give `None`.
fn camel_case_line(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "=")?;
    if at < 2 || words[0] == "option" || words[0].starts_with("//") || !line.trim_end().ends_with(';') {
        return None;
    }
    let name = words[at - 1];
    let snake = name.contains('_')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !snake {
        return None;
    }
    let mut camel = String::new();
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                camel.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => camel.push(c),
        }
    }
    Some(line.replacen(&format!(" {name} ="), &format!(" {camel} ="), 1))
}

fn proto_unknown_type(text: &str) -> Option<String> {
    Some(format!("{text}\nmessage BrokenRef {{\n  NoSuchType value = 1;\n}}\n"))
}

/// Indents the first indented line by three more spaces.
fn misindent(text: &str) -> Option<String> {
    let at = text.find("\n  ")?;
    Some(format!("{}\n     {}", &text[..at], &text[at + 3..]))
}

/// Points the first local `$ref` of a JSON document at a section that does not exist.
fn dangling_ref(text: &str) -> Option<String> {
    const REF: &str = "\"$ref\": \"#/";
    text.contains(REF)
        .then(|| text.replacen(REF, "\"$ref\": \"#/noSuchSection/", 1))
}

/// Points the first `$ref` under `paths` (outside `x-` extensions, which openapi-spec-validator
/// rightly leaves alone) at a schema that does not exist.
fn openapi_dangling_ref(text: &str) -> Option<String> {
    fn first_ref(value: &mut serde_json::Value) -> Option<&mut serde_json::Value> {
        match value {
            serde_json::Value::Object(map) => {
                if map.get("$ref").is_some_and(|r| r.is_string()) {
                    return map.get_mut("$ref");
                }
                map.iter_mut()
                    .filter(|(key, _)| !key.starts_with("x-"))
                    .find_map(|(_, v)| first_ref(v))
            }
            serde_json::Value::Array(items) => items.iter_mut().find_map(first_ref),
            _ => None,
        }
    }
    let mut doc: serde_json::Value = serde_json::from_str(text).ok()?;
    *first_ref(doc.get_mut("paths")?)? = "#/components/schemas/NoSuchSchema".into();
    serde_json::to_string_pretty(&doc).ok().map(|s| s + "\n")
}

fn graphql_unknown_type(text: &str) -> Option<String> {
    Some(format!("{text}\ntype BrokenRef {{\n  value: NoSuchType\n}}\n"))
}

fn wsdl_dangling_type(text: &str) -> Option<String> {
    text.contains("type=\"tns:")
        .then(|| text.replacen("type=\"tns:", "type=\"tns:NoSuch", 1))
}

fn wsdl_misspelled_element(text: &str) -> Option<String> {
    (text.contains("<wsdl:portType ") && text.contains("</wsdl:portType>")).then(|| {
        text.replace("<wsdl:portType ", "<wsdl:portTypo ")
            .replace("</wsdl:portType>", "</wsdl:portTypo>")
    })
}

fn wsdl_unclosed(text: &str) -> Option<String> {
    let at = text.rfind("</wsdl:definitions>")?;
    Some(format!("{}{}", &text[..at], &text[at + "</wsdl:definitions>".len()..]))
}

fn asyncapi_bad_action(text: &str) -> Option<String> {
    ["\"action\": \"send\"", "\"action\": \"receive\""]
        .iter()
        .find(|a| text.contains(**a))
        .map(|a| text.replacen(a, "\"action\": \"publish\"", 1))
}

fn openrpc_no_info(text: &str) -> Option<String> {
    let mut doc: serde_json::Value = serde_json::from_str(text).ok()?;
    doc.as_object_mut()?.remove("info")?;
    serde_json::to_string_pretty(&doc).ok().map(|s| s + "\n")
}

// ---------------------------------------------------------------------------------------------
// Files

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The files under `dir` (recursively) whose names end with `suffix`, sorted; none when `dir`
/// does not exist.
fn files_with_suffix(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !dir.exists() {
        return Ok(files);
    }
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn copy_tree(from: &Path, to: &Path) -> Result {
    for (relative, bytes) in read_tree(from)? {
        let dest = to.join(relative);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&dest, bytes).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks_of(target: Target) -> Vec<&'static str> {
        let each = EACH.iter().filter(|c| c.target == target).map(|c| c.name);
        let scripts = SCRIPTS
            .iter()
            .filter(|s| s.target == target)
            .flat_map(|s| s.checks.iter().copied());
        each.chain(scripts).collect()
    }

    #[test]
    fn every_check_is_proven_by_a_broken_copy() {
        for target in Target::ALL {
            for check in checks_of(target) {
                assert!(
                    BROKEN
                        .iter()
                        .any(|b| b.target == target && b.must_fail.contains(&check)),
                    "no broken copy must fail `{}` {check}",
                    target.name()
                );
            }
        }
    }

    #[test]
    fn broken_cases_name_checks_of_their_target() {
        for (i, broken) in BROKEN.iter().enumerate() {
            assert!(!broken.must_fail.is_empty(), "{}", broken.name);
            for check in broken.must_fail {
                assert!(checks_of(broken.target).contains(check), "{}: {check}", broken.name);
            }
            assert!(BROKEN[i + 1..].iter().all(|b| b.name != broken.name), "{}", broken.name);
        }
    }

    #[test]
    fn camel_case_renames_one_field() {
        let proto = "message Money {\n  // a_b = c;\n  string currency_code = 1;\n  int64 units_x = 2;\n}\n";
        assert_eq!(
            camel_case_field(proto).as_deref(),
            Some("message Money {\n  // a_b = c;\n  string currencyCode = 1;\n  int64 units_x = 2;\n}\n")
        );
        assert_eq!(camel_case_field("enum E {\n  E_UNSPECIFIED = 0;\n}\n"), None);
        assert_eq!(
            camel_case_line("  optional double altitude_m = 3 [deprecated = true];\n").as_deref(),
            Some("  optional double altitudeM = 3 [deprecated = true];\n")
        );
    }

    #[test]
    fn breakers_change_the_text() {
        let json = "{\n  \"info\": {},\n  \"a\": { \"$ref\": \"#/components/schemas/X\" }\n}\n";
        assert!(dangling_ref(json).is_some_and(|t| t.contains("#/noSuchSection/components/schemas/X")));
        assert!(openrpc_no_info(json).is_some_and(|t| !t.contains("info")));
        assert_eq!(misindent("a {\n  b;\n}\n").as_deref(), Some("a {\n     b;\n}\n"));
        assert_eq!(wsdl_unclosed("<a>\n</wsdl:definitions>\n").as_deref(), Some("<a>\n\n"));
        assert_eq!(dangling_ref("{}"), None);
        let openapi = r##"{"paths": {"/a": {"get": {"x-itemSchema": {"$ref": "#/x"}, "responses": {"200": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}"##;
        let broken = openapi_dangling_ref(openapi).unwrap_or_default();
        assert!(broken.contains("\"#/x\"") && broken.contains("NoSuchSchema") && !broken.contains("schemas/A"));
    }
}
