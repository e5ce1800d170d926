//! The one error type every protocol maps from, and the mapping table itself (documented in
//! docs/errors.md, "How errors travel"): each protocol adapter asks an [`Error`] for its status,
//! code or fault class instead of deciding on its own.

use std::fmt;

use serde_json::{Map, Value, json};

/// What kind of failure an [`Error`] is. Kinds are gRPC's status codes that a service can cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request is malformed or breaks the IDL's constraints.
    InvalidArgument,
    /// No credentials, or credentials that the authenticator rejected.
    Unauthenticated,
    /// Authenticated, but without a required scope.
    PermissionDenied,
    /// No such method, route or resource.
    NotFound,
    /// A request or message exceeds a configured limit.
    ResourceExhausted,
    /// The method exists but is not served on this protocol.
    Unimplemented,
    /// The caller went away or cancelled.
    Cancelled,
    /// The deadline passed before the implementation answered.
    DeadlineExceeded,
    /// The service cannot answer now; retrying later may work.
    Unavailable,
    /// An error declared in the IDL (`throws`), carried with its fields.
    Declared,
    /// A bug or an unexpected failure in the implementation. Its message is not sent to clients.
    Internal,
}

/// One broken constraint: where, which constraint, and a sentence for humans.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Path of the offending value in the JSON mapping, e.g. `pet.name` or `tags[2]`.
    pub field: String,
    /// `length`, `range`, `pattern`, `items`, `required` or `type`.
    pub constraint: String,
    pub message: String,
}

/// An error declared in the IDL: its qualified type name, mapped codes and JSON fields.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredError {
    /// `acme.pets.v1.PetNotFound`.
    pub qualified_name: &'static str,
    /// `PetNotFound`.
    pub name: &'static str,
    pub http_status: u16,
    /// gRPC status code number.
    pub grpc_code: u8,
    /// The error's fields in the JSON mapping.
    pub fields: Map<String, Value>,
    /// The error as its protobuf message, for gRPC's `google.rpc.Status` details.
    pub protobuf: Vec<u8>,
}

/// An error on its way to a client, whichever protocol that client speaks.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    violations: Vec<Violation>,
    declared: Option<Box<DeclaredError>>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            violations: Vec::new(),
            declared: None,
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// Every broken constraint at once.
    pub fn validation(violations: Vec<Violation>) -> Error {
        let message = match violations.as_slice() {
            [one] => format!("`{}`: {}", one.field, one.message),
            many => format!("{} constraints were broken", many.len()),
        };
        Error {
            kind: ErrorKind::InvalidArgument,
            message,
            violations,
            declared: None,
        }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unauthenticated, message)
    }

    pub fn permission_denied(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::PermissionDenied, message)
    }

    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, message)
    }

    pub fn resource_exhausted(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::ResourceExhausted, message)
    }

    pub fn unimplemented(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unimplemented, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unavailable, message)
    }

    /// A failure the client cannot act on. The message is logged, never sent.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }

    /// A declared error; generated code builds these from the typed error values.
    pub fn declared(declared: DeclaredError, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Declared,
            message: message.into(),
            violations: Vec::new(),
            declared: Some(Box::new(declared)),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn declared_error(&self) -> Option<&DeclaredError> {
        self.declared.as_deref()
    }

    /// The message a client may see: internal details are replaced.
    pub fn public_message(&self) -> &str {
        match self.kind {
            ErrorKind::Internal => "The server failed to handle the request.",
            _ => &self.message,
        }
    }

    /// HTTP status (REST, and the HTTP layer of SOAP faults' detail).
    pub fn http_status(&self) -> u16 {
        match self.kind {
            ErrorKind::InvalidArgument => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::ResourceExhausted => 413,
            ErrorKind::Unimplemented => 501,
            ErrorKind::Cancelled => 499,
            ErrorKind::DeadlineExceeded => 504,
            ErrorKind::Unavailable => 503,
            ErrorKind::Declared => self.declared.as_ref().map_or(400, |d| d.http_status),
            ErrorKind::Internal => 500,
        }
    }

    /// The gRPC status code: the kind's own, or the declared error's (`#[grpc_code]`, else
    /// derived from its HTTP status).
    pub fn grpc_code(&self) -> u8 {
        match self.kind {
            ErrorKind::InvalidArgument => 3,
            ErrorKind::Unauthenticated => 16,
            ErrorKind::PermissionDenied => 7,
            ErrorKind::NotFound => 5,
            ErrorKind::ResourceExhausted => 8,
            ErrorKind::Unimplemented => 12,
            ErrorKind::Cancelled => 1,
            ErrorKind::DeadlineExceeded => 4,
            ErrorKind::Unavailable => 14,
            ErrorKind::Declared => self.declared.as_ref().map_or(13, |d| d.grpc_code),
            ErrorKind::Internal => 13,
        }
    }

    /// The standard code name (`INVALID_ARGUMENT`), or the declared error's name (`PetNotFound`).
    pub fn code(&self) -> &str {
        match (self.kind, &self.declared) {
            (ErrorKind::Declared, Some(declared)) => declared.name,
            (kind, _) => standard_code(kind),
        }
    }

    /// RFC 9457 `type`: `urn:omniface:error:<package>.<Error>` for declared errors, `about:blank`
    /// otherwise (the status says it all).
    pub fn problem_type(&self) -> String {
        match &self.declared {
            Some(declared) => format!("urn:omniface:error:{}", declared.qualified_name),
            None => "about:blank".to_string(),
        }
    }

    /// RFC 9457 problem details: `type`, `title`, `status`, `detail`, `code`, then `violations`
    /// or the declared error's fields.
    pub fn problem_json(&self) -> Value {
        let mut problem = Map::new();
        problem.insert("type".into(), Value::String(self.problem_type()));
        problem.insert("title".into(), Value::String(self.title().to_string()));
        problem.insert("status".into(), json!(self.http_status()));
        problem.insert("detail".into(), Value::String(self.public_message().to_string()));
        problem.insert("code".into(), Value::String(self.code().to_string()));
        // Every 400 is documented as a ValidationProblem, so `violations` is always there for
        // invalid arguments, empty when the request was malformed rather than out of bounds.
        if self.kind == ErrorKind::InvalidArgument {
            problem.insert("violations".into(), json!(self.violations));
        }
        if let Some(declared) = &self.declared {
            for (key, value) in &declared.fields {
                problem.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        Value::Object(problem)
    }

    /// A short title for the kind of problem.
    pub fn title(&self) -> &str {
        match (self.kind, &self.declared) {
            (ErrorKind::Declared, Some(declared)) => declared.name,
            (ErrorKind::InvalidArgument, _) if !self.violations.is_empty() => "Validation failed",
            (ErrorKind::InvalidArgument, _) => "Bad request",
            (ErrorKind::Unauthenticated, _) => "Unauthenticated",
            (ErrorKind::PermissionDenied, _) => "Forbidden",
            (ErrorKind::NotFound, _) => "Not found",
            (ErrorKind::ResourceExhausted, _) => "Too large",
            (ErrorKind::Unimplemented, _) => "Not implemented",
            (ErrorKind::Cancelled, _) => "Cancelled",
            (ErrorKind::DeadlineExceeded, _) => "Deadline exceeded",
            (ErrorKind::Unavailable, _) => "Unavailable",
            (ErrorKind::Internal | ErrorKind::Declared, _) => "Internal error",
        }
    }

    /// JSON-RPC 2.0 error code: the reserved codes for protocol-level failures, the HTTP status
    /// (outside the reserved range) for everything the application decides.
    pub fn jsonrpc_code(&self) -> i64 {
        match self.kind {
            ErrorKind::InvalidArgument => -32602,
            ErrorKind::Internal => -32603,
            _ => i64::from(self.http_status()),
        }
    }

    /// The `data` member of a JSON-RPC error, and the `extensions` of a GraphQL error: the code,
    /// the problem type, and violations or the declared error's fields.
    pub fn details_json(&self) -> Value {
        let mut data = Map::new();
        data.insert("code".into(), Value::String(self.code().to_string()));
        data.insert("type".into(), Value::String(self.problem_type()));
        data.insert("status".into(), json!(self.http_status()));
        if !self.violations.is_empty() {
            data.insert("violations".into(), json!(self.violations));
        }
        if let Some(declared) = &self.declared {
            data.insert("error".into(), Value::Object(declared.fields.clone()));
        }
        Value::Object(data)
    }

    /// GraphQL `extensions.code`: Apollo's conventional names for standard errors, the declared
    /// error's name in SCREAMING_SNAKE_CASE (`PET_NOT_FOUND`) otherwise.
    pub fn graphql_code(&self) -> String {
        match (self.kind, &self.declared) {
            (ErrorKind::Declared, Some(declared)) => omniface_model::naming::screaming_snake_case(declared.name),
            (ErrorKind::InvalidArgument, _) => "BAD_USER_INPUT".into(),
            (ErrorKind::Unauthenticated, _) => "UNAUTHENTICATED".into(),
            (ErrorKind::PermissionDenied, _) => "FORBIDDEN".into(),
            (ErrorKind::Internal, _) => "INTERNAL_SERVER_ERROR".into(),
            (kind, _) => standard_code(kind).into(),
        }
    }

    /// Whether the client is at fault: SOAP 1.1 `Client` / 1.2 `Sender` faults, else
    /// `Server` / `Receiver`.
    pub fn is_client_fault(&self) -> bool {
        self.http_status() < 500
    }
}

fn standard_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
        ErrorKind::Unauthenticated => "UNAUTHENTICATED",
        ErrorKind::PermissionDenied => "PERMISSION_DENIED",
        ErrorKind::NotFound => "NOT_FOUND",
        ErrorKind::ResourceExhausted => "RESOURCE_EXHAUSTED",
        ErrorKind::Unimplemented => "UNIMPLEMENTED",
        ErrorKind::Cancelled => "CANCELLED",
        ErrorKind::DeadlineExceeded => "DEADLINE_EXCEEDED",
        ErrorKind::Unavailable => "UNAVAILABLE",
        ErrorKind::Declared | ErrorKind::Internal => "INTERNAL",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Error {
        Error::invalid_argument(error.to_string())
    }
}
