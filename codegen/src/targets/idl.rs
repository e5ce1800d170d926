//! The `idl` target: the model written back as `.idl` text, so an API can move between the two
//! front ends (the `.idl` parser and the proc macros) in either direction.
//!
//! The model keeps what was declared, so this is a faithful printer: compiling its output gives
//! the same model again, spans and source file names aside (tested for every example, a synthetic
//! file with every construct, and generated APIs). The layout is `omniface fmt`'s, so the output
//! is formatted already. Where the model does not record how something was spelled, one canonical
//! spelling is chosen:
//!
//! - One file per package, `<package>.idl` (`acme.common.v1.idl`), all in one folder; a package
//!   imports the sibling files of the packages whose types it uses, in model order.
//! - Types of the file's own package are written by name, types of other packages fully
//!   qualified (`acme.common.v1.Money`), which stays unambiguous whatever else is imported.
//! - Annotations are grouped by concern: `#[deprecated]` on its own line; then one `#[…]` each for
//!   a type's `reserved`, `http_status`, `grpc_code`; a service's `auth`; a field's or
//!   parameter's placement and constraints (`length`, `range`, `pattern`, `items`); a method's
//!   `http`, `readonly`, `idempotent`, `auth`, `paginate`; then `mqtt` and `queue` on a line
//!   each. A group longer than a line goes on in another `#[…]`.
//! - `#[deprecated("note")]`, not `note = …`; count ranges as `a..=b`, `a..` or `..=b` (so
//!   `#[length(8)]` comes back as `8..=8`); reserved numbers before reserved names;
//!   `#[paginate]` arguments only where they differ from what the checker infers (so
//!   `items = x` is left out when `x` is the result's only list); methods before events, types
//!   before services.
//!
//! Ordinary `//` and `/* */` comments are not in the model and are lost. A few things a model
//! built by another front end could hold have no `.idl` spelling (an event's own `auth`, an
//! `#[mqtt]` or an event's `#[queue]` with nothing set, a constraint without bounds, the gRPC code
//! `ok`, a stream without a value to carry); each is left out and named in a `//` comment where it
//! would stand, so the output still compiles and the loss is visible.
//!
//! One limit of one file per package: when two packages use each other's types (possible when a
//! package is spread over several files), the two files import each other, which the loader
//! rejects as an import cycle.

use std::fmt::Write as _;

use super::GeneratedFile;
use crate::model::*;

/// The same width and indent as `omniface fmt`, so its output is left as it is.
const MAX_WIDTH: usize = 100;
const INDENT: &str = "    ";

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    model
        .packages
        .iter()
        .map(|package| GeneratedFile {
            path: file_name(&package.name).into(),
            contents: print_package(model, package),
        })
        .collect()
}

/// The file a package is written to, and imported by.
fn file_name(package: &str) -> String {
    format!("{package}.idl")
}

/// One package as the text of one `.idl` file.
fn print_package(model: &Model, package: &Package) -> String {
    let mut printer = Printer {
        model,
        package,
        out: String::new(),
        depth: 0,
    };
    printer.file();
    printer.out
}

struct Printer<'a> {
    model: &'a Model,
    package: &'a Package,
    out: String,
    depth: usize,
}

/// One element's annotations, in groups (each group one `#[…]` when it fits), and what could not
/// be written.
#[derive(Default)]
struct Attrs {
    groups: Vec<Vec<String>>,
    lost: Vec<String>,
}

impl Attrs {
    fn group(&mut self, metas: Vec<String>) {
        if !metas.is_empty() {
            self.groups.push(metas);
        }
    }

    fn deprecated(&mut self, deprecated: &Option<Deprecation>) {
        if let Some(deprecation) = deprecated {
            self.group(vec![match &deprecation.note {
                Some(note) => format!("deprecated({})", string(note)),
                None => "deprecated".to_string(),
            }]);
        }
    }

    fn lose(&mut self, what: impl Into<String>) {
        self.lost.push(what.into());
    }
}

impl<'a> Printer<'a> {
    fn line(&mut self, content: &str) {
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
        self.out.push_str(content);
        self.out.push('\n');
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && !self.out.ends_with("{\n") {
            self.out.push('\n');
        }
    }

    fn width(&self) -> usize {
        INDENT.len() * self.depth
    }

    fn docs(&mut self, docs: &Docs, marker: &str) {
        for line in docs.0.iter().flat_map(|line| line.split('\n')) {
            let line = line.trim_end();
            if line.is_empty() {
                self.line(marker);
            } else {
                self.line(&format!("{marker} {line}"));
            }
        }
    }

    /// What could not be written, then the docs, then the annotations, each on its own line.
    fn preamble(&mut self, docs: &Docs, attrs: &Attrs) {
        for lost in &attrs.lost {
            self.line(&format!("// omniface: {lost} cannot be written in IDL and is left out"));
        }
        self.docs(docs, "///");
        for line in attr_lines(&attrs.groups, self.width()) {
            self.line(&line);
        }
    }

    fn file(&mut self) {
        let package = self.package;
        if !package.docs.0.is_empty() {
            self.docs(&package.docs, "//!");
            self.blank_line();
        }
        self.line(&format!("package {};", package.name));
        let imports = self.imports();
        if !imports.is_empty() {
            self.blank_line();
            for import in imports {
                self.line(&format!("import {};", string(&file_name(import))));
            }
        }
        for ty in &package.types {
            self.blank_line();
            self.type_def(ty);
        }
        for service in &package.services {
            self.blank_line();
            self.service(service);
        }
    }

    /// The packages whose types this one uses, in model order.
    fn imports(&self) -> Vec<&'a str> {
        let package: &'a Package = self.package;
        let mut used = Vec::new();
        for ty in &package.types {
            match &ty.kind {
                TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                    fields.iter().for_each(|field| named_types(&field.ty, &mut used));
                }
                TypeKind::Union(union) => union
                    .variants
                    .iter()
                    .for_each(|variant| named_types(&variant.ty, &mut used)),
                TypeKind::Enum(_) => {}
            }
        }
        for service in &package.services {
            for method in &service.methods {
                method
                    .params
                    .iter()
                    .for_each(|param| named_types(&param.field.ty, &mut used));
                if let Some(returns) = &method.returns {
                    named_types(returns, &mut used);
                }
                used.extend(method.throws.iter().map(String::as_str));
            }
            for event in &service.events {
                event
                    .params
                    .iter()
                    .for_each(|param| named_types(&param.field.ty, &mut used));
            }
        }
        let packages: Vec<&str> = used
            .iter()
            .filter_map(|qualified| qualified.rsplit_once('.').map(|(package, _)| package))
            .collect();
        self.model
            .packages
            .iter()
            .map(|p| p.name.as_str())
            .filter(|name| *name != package.name && packages.contains(name))
            .collect()
    }

    /// A type's name as this file writes it: short in its own package, else fully qualified.
    fn name<'n>(&self, qualified: &'n str) -> &'n str {
        match qualified.rsplit_once('.') {
            Some((package, short)) if package == self.package.name => short,
            _ => qualified,
        }
    }

    fn type_text(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Scalar(scalar) => scalar.name().to_string(),
            TypeRef::Named(name) => self.name(name).to_string(),
            TypeRef::List(element) => format!("list<{}>", self.type_text(element)),
            TypeRef::Map(key, value) => format!("map<{}, {}>", self.type_text(key), self.type_text(value)),
            TypeRef::Optional(inner) => format!("{}?", self.type_text(inner)),
        }
    }

    fn type_def(&mut self, ty: &TypeDef) {
        let mut attrs = Attrs::default();
        attrs.deprecated(&ty.deprecated);
        let (keyword, reserved) = match &ty.kind {
            TypeKind::Struct(s) => ("struct", &s.reserved),
            TypeKind::Error(e) => ("error", &e.reserved),
            TypeKind::Enum(e) => ("enum", &e.reserved),
            TypeKind::Union(u) => ("union", &u.reserved),
        };
        let mut metas = Vec::new();
        if !reserved.is_empty() {
            metas.push(reserved_meta(reserved));
        }
        if let TypeKind::Error(error) = &ty.kind {
            if let Some(status) = error.http_status {
                metas.push(format!("http_status({status})"));
            }
            match error.grpc_code {
                Some(GrpcCode::Ok) => attrs.lose("the gRPC code `ok` of an error"),
                Some(code) => metas.push(format!("grpc_code({})", code.name())),
                None => {}
            }
        }
        attrs.group(metas);
        self.preamble(&ty.docs, &attrs);
        let is_empty = match &ty.kind {
            TypeKind::Struct(s) => s.fields.is_empty(),
            TypeKind::Error(e) => e.fields.is_empty(),
            TypeKind::Enum(e) => e.variants.is_empty(),
            TypeKind::Union(u) => u.variants.is_empty(),
        };
        if is_empty {
            self.line(&format!("{keyword} {} {{}}", ty.name));
            return;
        }
        self.line(&format!("{keyword} {} {{", ty.name));
        self.depth += 1;
        match &ty.kind {
            TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                for field in fields {
                    let attrs = field_attrs(field, None);
                    self.preamble(&field.docs, &attrs);
                    let text = self.field_text(field, false);
                    self.line(&format!("{text},"));
                }
            }
            TypeKind::Enum(e) => {
                for variant in &e.variants {
                    let mut attrs = Attrs::default();
                    attrs.deprecated(&variant.deprecated);
                    self.preamble(&variant.docs, &attrs);
                    let value = variant.value.map(|v| format!(" = {v}")).unwrap_or_default();
                    self.line(&format!("{}{value},", variant.name));
                }
            }
            TypeKind::Union(u) => {
                for variant in &u.variants {
                    let mut attrs = Attrs::default();
                    attrs.deprecated(&variant.deprecated);
                    self.preamble(&variant.docs, &attrs);
                    let number = variant.number.map(|n| format!(" @{n} ")).unwrap_or_default();
                    let ty = self.type_text(&variant.ty);
                    self.line(&format!("{}{number}({ty}),", variant.name));
                }
            }
        }
        self.depth -= 1;
        self.line("}");
    }

    /// `name @N: [stream] Type = default`, without annotations.
    fn field_text(&self, field: &Field, stream: bool) -> String {
        let mut out = field.name.clone();
        if let Some(number) = field.number {
            let _ = write!(out, " @{number}");
        }
        out.push_str(": ");
        if stream {
            out.push_str("stream ");
        }
        out.push_str(&self.type_text(&field.ty));
        if let Some(default) = &field.default {
            let _ = write!(out, " = {}", literal(default));
        }
        out
    }

    fn service(&mut self, service: &Service) {
        let mut attrs = Attrs::default();
        attrs.deprecated(&service.deprecated);
        attrs.group(service.auth.iter().map(auth_meta).collect());
        self.preamble(&service.docs, &attrs);
        if service.methods.is_empty() && service.events.is_empty() {
            self.line(&format!("service {} {{}}", service.name));
            return;
        }
        self.line(&format!("service {} {{", service.name));
        self.depth += 1;
        for method in &service.methods {
            self.blank_line();
            self.method(method);
        }
        for event in &service.events {
            self.blank_line();
            self.event(event);
        }
        self.depth -= 1;
        self.line("}");
    }

    fn method(&mut self, method: &Method) {
        let mut attrs = Attrs::default();
        attrs.deprecated(&method.deprecated);
        let mut main = Vec::new();
        if let Some(http) = &method.http {
            main.push(format!("http({}, {})", http.verb.name(), string(&http.path)));
        }
        if method.readonly {
            main.push("readonly".to_string());
        }
        if method.idempotent {
            main.push("idempotent".to_string());
        }
        main.extend(method.auth.iter().map(auth_meta));
        if let Some(pagination) = &method.pagination {
            main.push(self.paginate_meta(method, pagination));
        }
        attrs.group(main);
        match &method.mqtt {
            Some(MqttMethodBinding {
                topic: None, qos: None, ..
            }) => attrs.lose("`#[mqtt]` without a topic or QoS"),
            Some(mqtt) => attrs.group(vec![mqtt_meta(&mqtt.topic, mqtt.qos, None)]),
            None => {}
        }
        if let Some(queue) = &method.queue {
            let mut args = Vec::new();
            if let Some(name) = &queue.name {
                args.push(format!("name = {}", string(name)));
            }
            if let Some(attempts) = queue.max_attempts {
                args.push(format!("max_attempts = {attempts}"));
            }
            attrs.group(vec![call("queue", &args)]);
        }
        let stream_param = method.input_stream && method.params.len() == 1;
        if method.input_stream && !stream_param {
            attrs.lose(format!(
                "a client stream over {} parameters (it needs exactly one)",
                method.params.len()
            ));
        }
        let mut tail = String::new();
        match &method.returns {
            Some(returns) => {
                tail.push_str(" -> ");
                if method.output_stream {
                    tail.push_str("stream ");
                }
                tail.push_str(&self.type_text(returns));
            }
            None if method.output_stream => attrs.lose("a server stream without a result type"),
            None => {}
        }
        if !method.throws.is_empty() {
            let names: Vec<&str> = method.throws.iter().map(|t| self.name(t)).collect();
            let _ = write!(tail, " throws {}", names.join(", "));
        }
        tail.push(';');
        self.preamble(&method.docs, &attrs);
        self.signature(&format!("fn {}", method.name), &method.params, stream_param, &tail);
    }

    /// `paginate`, with only the arguments the checker would not fill in the same way.
    fn paginate_meta(&self, method: &Method, pagination: &Pagination) -> String {
        let mut args = Vec::new();
        for (key, value, default) in [
            ("cursor", &pagination.cursor, "page_token"),
            ("size", &pagination.size, "page_size"),
            ("next", &pagination.next, "next_page_token"),
        ] {
            if value != default {
                args.push(format!("{key} = {}", name_value(value)));
            }
        }
        if let Some(items) = &pagination.items
            && inferred_items(self.model, method) != Some(items.as_str())
        {
            args.push(format!("items = {}", name_value(items)));
        }
        call("paginate", &args)
    }

    fn event(&mut self, event: &Event) {
        let mut attrs = Attrs::default();
        attrs.deprecated(&event.deprecated);
        match &event.mqtt {
            Some(MqttEventBinding {
                topic: None,
                qos: None,
                retain: None,
                ..
            }) => attrs.lose("`#[mqtt]` without a topic, QoS or retain"),
            Some(mqtt) => attrs.group(vec![mqtt_meta(&mqtt.topic, mqtt.qos, mqtt.retain)]),
            None => {}
        }
        match &event.queue {
            Some(EventQueueBinding {
                routing_key: Some(key), ..
            }) => attrs.group(vec![format!("queue(routing_key = {})", string(key))]),
            Some(_) => attrs.lose("an event's `#[queue]` without a routing key"),
            None => {}
        }
        if event.auth.is_some() {
            attrs.lose("an event's own `#[auth]` (events take their service's)");
        }
        self.preamble(&event.docs, &attrs);
        self.signature(&format!("event {}", event.name), &event.params, false, ";");
    }

    /// `head(params)tail` on one line when it fits and no parameter has docs or losses, else one
    /// parameter per line: the rule of `omniface fmt`.
    fn signature(&mut self, head: &str, params: &[Param], stream: bool, tail: &str) {
        let attrs: Vec<Attrs> = params
            .iter()
            .map(|param| field_attrs(&param.field, Some(&param.placement)))
            .collect();
        let inline: Vec<String> = params
            .iter()
            .zip(&attrs)
            .map(|(param, attrs)| {
                let mut text = String::new();
                for group in &attrs.groups {
                    let _ = write!(text, "#[{}] ", group.join(", "));
                }
                text.push_str(&self.field_text(&param.field, stream));
                text
            })
            .collect();
        let single = format!("{head}({}){tail}", inline.join(", "));
        let plain = params.iter().all(|p| p.field.docs.0.is_empty()) && attrs.iter().all(|a| a.lost.is_empty());
        if plain && single.len() + self.width() <= MAX_WIDTH {
            self.line(&single);
            return;
        }
        self.line(&format!("{head}("));
        self.depth += 1;
        for (param, attrs) in params.iter().zip(&attrs) {
            self.preamble(&param.field.docs, attrs);
            let text = self.field_text(&param.field, stream);
            self.line(&format!("{text},"));
        }
        self.depth -= 1;
        self.line(&format!("){tail}"));
    }
}

/// The annotations of a field, or of a parameter when `placement` is given.
fn field_attrs(field: &Field, placement: Option<&Option<Placement>>) -> Attrs {
    let mut attrs = Attrs::default();
    attrs.deprecated(&field.deprecated);
    let mut metas = Vec::new();
    match placement.and_then(Option::as_ref) {
        Some(Placement::Path) => metas.push("path".to_string()),
        Some(Placement::Body) => metas.push("body".to_string()),
        Some(Placement::Query { name: None }) => metas.push("query".to_string()),
        Some(Placement::Query { name: Some(name) }) => metas.push(format!("query({})", string(name))),
        Some(Placement::Header { name }) => metas.push(format!("header({})", string(name))),
        None => {}
    }
    let constraints = &field.constraints;
    for (name, bounds) in [("length", &constraints.length), ("items", &constraints.items)] {
        match bounds {
            Some(Bounds { min: None, max: None }) => attrs.lose(format!("`#[{name}]` without bounds")),
            Some(bounds) => metas.push(format!("{name}({})", count_range(bounds))),
            None => {}
        }
    }
    match &constraints.range {
        Some(NumericRange {
            min: None, max: None, ..
        }) => attrs.lose("`#[range]` without bounds"),
        Some(NumericRange {
            max: None,
            max_exclusive: true,
            ..
        }) => attrs.lose("`#[range]` excluding a missing upper bound"),
        Some(range) => {
            let min = range.min.as_ref().map_or("", |n| n.0.as_str());
            let max = range.max.as_ref().map_or("", |n| n.0.as_str());
            let op = if range.max_exclusive || range.max.is_none() {
                ".."
            } else {
                "..="
            };
            metas.push(format!("range({min}{op}{max})"));
        }
        None => {}
    }
    if let Some(pattern) = &constraints.pattern {
        metas.push(format!("pattern({})", string(pattern)));
    }
    // The order the reference lists constraints in: length, range, pattern, items.
    if let Some(at) = metas.iter().position(|m| m.starts_with("items(")) {
        let items = metas.remove(at);
        metas.push(items);
    }
    attrs.group(metas);
    attrs
}

/// The `#[…]` lines of some annotation groups: each group fills one line while it fits in the
/// width, then goes on in another `#[…]`.
fn attr_lines(groups: &[Vec<String>], indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for group in groups {
        let mut current: Vec<&str> = Vec::new();
        for meta in group {
            let joined_len: usize = current.iter().map(|m| m.len() + 2).sum::<usize>() + meta.len();
            if !current.is_empty() && indent + joined_len + 3 > MAX_WIDTH {
                lines.push(format!("#[{}]", current.join(", ")));
                current.clear();
            }
            current.push(meta);
        }
        if !current.is_empty() {
            lines.push(format!("#[{}]", current.join(", ")));
        }
    }
    lines
}

/// `name` or `name(args)`.
fn call(name: &str, args: &[String]) -> String {
    if args.is_empty() {
        name.to_string()
    } else {
        format!("{name}({})", args.join(", "))
    }
}

fn reserved_meta(reserved: &Reserved) -> String {
    let numbers = reserved.numbers.iter().map(|range| {
        if range.start == range.end {
            range.start.to_string()
        } else {
            format!("{}..={}", range.start, range.end)
        }
    });
    let names = reserved.names.iter().map(|name| string(name));
    call("reserved", &numbers.chain(names).collect::<Vec<_>>())
}

fn count_range(bounds: &Bounds) -> String {
    match (bounds.min, bounds.max) {
        (Some(min), Some(max)) => format!("{min}..={max}"),
        (Some(min), None) => format!("{min}.."),
        (None, Some(max)) => format!("..={max}"),
        (None, None) => String::new(),
    }
}

fn auth_meta(auth: &Auth) -> String {
    if auth.schemes.is_empty() && auth.scopes.is_empty() {
        return "auth(none)".to_string();
    }
    let mut args: Vec<String> = auth
        .schemes
        .iter()
        .map(|scheme| match scheme {
            AuthScheme::Bearer => "bearer".to_string(),
            AuthScheme::Basic => "basic".to_string(),
            AuthScheme::ApiKey {
                location: ApiKeyLocation::Header,
                name,
            } if name == "X-API-Key" => "api_key".to_string(),
            AuthScheme::ApiKey { location, name } => {
                let key = match location {
                    ApiKeyLocation::Header => "header",
                    ApiKeyLocation::Query => "query",
                };
                format!("api_key({key} = {})", string(name))
            }
        })
        .collect();
    if !auth.scopes.is_empty() {
        let scopes: Vec<String> = auth.scopes.iter().map(|s| string(s)).collect();
        args.push(format!("scopes = [{}]", scopes.join(", ")));
    }
    call("auth", &args)
}

fn mqtt_meta(topic: &Option<String>, qos: Option<u8>, retain: Option<bool>) -> String {
    let mut args = Vec::new();
    if let Some(topic) = topic {
        args.push(format!("topic = {}", string(topic)));
    }
    if let Some(qos) = qos {
        args.push(format!("qos = {qos}"));
    }
    match retain {
        Some(true) => args.push("retain".to_string()),
        Some(false) => args.push("retain = false".to_string()),
        None => {}
    }
    call("mqtt", &args)
}

/// The items field the checker infers for `#[paginate]`: the result's only list field.
fn inferred_items<'m>(model: &'m Model, method: &Method) -> Option<&'m str> {
    let Some(TypeRef::Named(result)) = &method.returns else {
        return None;
    };
    let Some(TypeDef {
        kind: TypeKind::Struct(result),
        ..
    }) = model.type_def(result)
    else {
        return None;
    };
    let mut lists = result.fields.iter().filter(|f| matches!(f.ty, TypeRef::List(_)));
    match (lists.next(), lists.next()) {
        (Some(only), None) => Some(only.name.as_str()),
        _ => None,
    }
}

fn named_types<'t>(ty: &'t TypeRef, out: &mut Vec<&'t str>) {
    match ty {
        TypeRef::Scalar(_) => {}
        TypeRef::Named(name) => out.push(name),
        TypeRef::List(inner) | TypeRef::Optional(inner) => named_types(inner, out),
        TypeRef::Map(key, value) => {
            named_types(key, out);
            named_types(value, out);
        }
    }
}

fn literal(value: &Literal) -> String {
    match value {
        Literal::Bool(b) => b.to_string(),
        Literal::Number(n) => n.0.clone(),
        Literal::String(s) => string(s),
        Literal::Enum(variant) => variant.clone(),
        Literal::List(items) => format!("[{}]", items.iter().map(literal).collect::<Vec<_>>().join(", ")),
    }
}

/// A name argument (`cursor = page_token`): bare when it is an identifier, else quoted.
fn name_value(name: &str) -> String {
    let mut chars = name.chars();
    let is_ident = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_ident && name != "true" && name != "false" {
        name.to_string()
    } else {
        string(name)
    }
}

/// A string literal that reads back as `value`. A lone backslash before an ordinary character
/// stays single, as the parser keeps it (`"^\d+$"`); a run of backslashes, or one that would start
/// an escape, is doubled.
fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => {
                let mut run = 1;
                while chars.next_if_eq(&'\\').is_some() {
                    run += 1;
                }
                let escapes = matches!(chars.peek(), None | Some('n' | 't' | 'r' | '"' | '\n' | '\t' | '\r'));
                let written = if run == 1 && !escapes { 1 } else { 2 * run };
                out.extend(std::iter::repeat_n('\\', written));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_back_as_written() {
        assert_eq!(string(r"^\d+$"), r#""^\d+$""#);
        assert_eq!(string(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(string("a\\"), r#""a\\""#);
        assert_eq!(string("a\\n"), r#""a\\n""#);
        assert_eq!(string("a\\\"b"), r#""a\\\"b""#);
        assert_eq!(string(r"\\ end\\"), r#""\\\\ end\\\\""#);
        assert_eq!(string(r"\\d"), r#""\\\\d""#);
        assert_eq!(string("tab\there\n"), r#""tab\there\n""#);
    }

    #[test]
    fn long_annotation_groups_wrap() {
        let groups = vec![vec!["a".repeat(60), "b".repeat(30), "c".repeat(10)]];
        let lines = attr_lines(&groups, 4);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|line| line.len() + 4 <= MAX_WIDTH));
    }
}
