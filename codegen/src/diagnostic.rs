//! Compiler diagnostics: stable codes, collection, and rendering for people (rustc-style) and tools (JSON).

use std::fmt;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde::Serialize;

use crate::source::{SourceDb, Span};

macro_rules! codes {
    ($($code:ident => $title:literal,)*) => {
        /// A stable diagnostic code. Codes are never reused; `docs/errors.md` explains each one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($code,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            /// A short title, as used in `docs/errors.md`.
            pub fn title(self) -> &'static str {
                match self { $(Code::$code => $title,)* }
            }
        }
    };
}

codes! {
    E0001 => "syntax error",
    E0002 => "input nested too deeply",
    E0003 => "file cannot be read",
    E0004 => "file is not UTF-8",
    E0010 => "missing package declaration",
    E0011 => "misplaced or repeated package declaration",
    E0012 => "imported file not found",
    E0013 => "import cycle",
    E0014 => "misplaced declaration",
    E0015 => "invalid package name",
    E0020 => "duplicate definition",
    E0021 => "names collide after case conversion",
    E0022 => "unknown type",
    E0023 => "ambiguous type name",
    E0024 => "wrong kind of type",
    E0025 => "reserved word used as a name",
    E0030 => "type contains itself with no indirection",
    E0031 => "invalid map key type",
    E0032 => "optional or nested list or map",
    E0033 => "misplaced stream",
    E0040 => "field number used twice",
    E0041 => "field number or name is reserved",
    E0042 => "field number out of range",
    E0043 => "enum value invalid or used twice",
    E0050 => "unknown annotation",
    E0051 => "annotation not allowed here",
    E0052 => "invalid annotation arguments",
    E0053 => "annotation given twice",
    E0054 => "constraint does not apply to this type",
    E0055 => "invalid constraint",
    E0056 => "invalid default value",
    E0060 => "path placeholder is not a parameter",
    E0061 => "invalid path template",
    E0062 => "parameter cannot be sent in the query",
    E0063 => "two methods bound to the same route",
    E0064 => "invalid parameter placement",
    E0065 => "invalid path parameter",
    E0066 => "topic or routing key placeholder is not a parameter",
    E0067 => "invalid topic template",
    E0068 => "invalid pagination",
    E0069 => "conflicting method flags",
    E0080 => "Rust item cannot be a model type",
    E0081 => "Rust type cannot be mapped",
    E0082 => "unsupported service method signature",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A label under the code frame: the primary one says what is wrong, secondary ones give context
/// ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: vec![Label {
                span,
                message: String::new(),
                primary: true,
            }],
            help: None,
            notes: Vec::new(),
        }
    }

    /// Text for the primary label.
    pub fn label(mut self, message: impl Into<String>) -> Diagnostic {
        if let Some(primary) = self.labels.iter_mut().find(|label| label.primary) {
            primary.message = message.into();
        }
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        if !span.is_none() {
            self.labels.push(Label {
                span,
                message: message.into(),
                primary: false,
            });
        }
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(self, help: Option<String>) -> Diagnostic {
        match help {
            Some(help) => self.help(help),
            None => self,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn primary_span(&self) -> Span {
        self.labels
            .iter()
            .find(|label| label.primary)
            .map_or(Span::NONE, |label| label.span)
    }

    fn to_codespan(&self) -> cs::Diagnostic<crate::source::FileId> {
        let severity = match self.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let labels = self
            .labels
            .iter()
            .filter(|label| !label.span.is_none())
            .map(|label| {
                let style = if label.primary {
                    cs::LabelStyle::Primary
                } else {
                    cs::LabelStyle::Secondary
                };
                cs::Label::new(style, label.span.file, label.span.range()).with_message(label.message.clone())
            })
            .collect();
        let mut notes: Vec<String> = self.notes.iter().map(|note| format!("note: {note}")).collect();
        if let Some(help) = &self.help {
            notes.push(format!("help: {help}"));
        }
        cs::Diagnostic::new(severity)
            .with_code(self.code.as_str())
            .with_message(&self.message)
            .with_labels(labels)
            .with_notes(notes)
    }

    /// Renders like rustc: header, `--> file:line:col`, code frame with labels, notes and help.
    pub fn render(&self, sources: &SourceDb) -> String {
        let config = term::Config::default();
        term::emit_into_string(&config, sources, &self.to_codespan())
            .unwrap_or_else(|_| format!("{}[{}]: {}\n", self.severity_word(), self.code, self.message))
    }

    /// Writes the rendering to stderr, in colour when stderr is a terminal.
    pub fn emit_to_stderr(&self, sources: &SourceDb) {
        use std::io::IsTerminal;
        use term::termcolor::{ColorChoice, StandardStream};
        let choice = if std::io::stderr().is_terminal() {
            ColorChoice::Auto
        } else {
            ColorChoice::Never
        };
        let stream = StandardStream::stderr(choice);
        let mut lock = stream.lock();
        let styles = term::Styles::default();
        let mut writer = term::StylesWriter::new(&mut lock, &styles);
        if term::emit_to_write_style(&mut writer, &term::Config::default(), sources, &self.to_codespan()).is_err() {
            eprint!("{}", self.render(sources));
        }
    }

    fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// The machine-readable form used by `--message-format json` (one object per line).
    pub fn to_json(&self, sources: &SourceDb) -> JsonDiagnostic {
        let position = |span: Span| -> Option<JsonPosition> {
            let file = sources.get(span.file)?;
            let (line, column) = file.line_col(span.start as usize);
            let (end_line, end_column) = file.line_col(span.end as usize);
            Some(JsonPosition {
                file: file.name.clone(),
                line,
                column,
                end_line,
                end_column,
                byte_start: span.start,
                byte_end: span.end,
            })
        };
        JsonDiagnostic {
            code: self.code.as_str(),
            severity: self.severity,
            message: self.message.clone(),
            location: position(self.primary_span()),
            labels: self
                .labels
                .iter()
                .filter_map(|label| {
                    Some(JsonLabel {
                        message: label.message.clone(),
                        primary: label.primary,
                        location: position(label.span)?,
                    })
                })
                .collect(),
            help: self.help.clone(),
            notes: self.notes.clone(),
            rendered: self.render(sources),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub location: Option<JsonPosition>,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
    pub notes: Vec<String>,
    pub rendered: String,
}

#[derive(Debug, Serialize)]
pub struct JsonPosition {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: u32,
    pub byte_end: u32,
}

#[derive(Debug, Serialize)]
pub struct JsonLabel {
    pub message: String,
    pub primary: bool,
    #[serde(flatten)]
    pub location: JsonPosition,
}

/// Diagnostics collected over a whole compilation; nothing stops at the first error.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorted by file, then position, then code, so output does not depend on check order.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            let (sa, sb) = (a.primary_span(), b.primary_span());
            (sa.file, sa.start, sa.end, a.code, &a.message).cmp(&(sb.file, sb.start, sb.end, b.code, &b.message))
        });
        self.items.dedup();
        self.items
    }

    /// All diagnostics rendered, followed by a rustc-style summary line.
    pub fn render(&self, sources: &SourceDb) -> String {
        let sorted = self.clone().into_sorted();
        let mut out = String::new();
        for diagnostic in &sorted {
            out.push_str(&diagnostic.render(sources));
        }
        if let Some(summary) = summary_line(&sorted) {
            out.push_str(&summary);
            out.push('\n');
        }
        out
    }
}

/// The closing line rustc prints, `error: aborting due to 2 errors`, when there are errors.
pub fn summary_line(diagnostics: &[Diagnostic]) -> Option<String> {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    (errors > 0).then(|| {
        format!(
            "error: aborting due to {errors} error{}",
            if errors == 1 { "" } else { "s" }
        )
    })
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The closest candidate, for "did you mean" hints.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lowered = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&lowered, &candidate.to_ascii_lowercase());
            (candidate, score)
        })
        .filter(|(_, score)| *score >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(candidate, _)| candidate)
}
