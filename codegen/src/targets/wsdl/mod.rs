//! The `wsdl` target: one self-contained WSDL 1.1 file per package with services
//! (`acme.pets.v1.wsdl`), each service its own port type, bindings and `wsdl:service`; document/literal
//! wrapped, with a SOAP 1.1 binding that follows the WS-I Basic Profile 1.1 and a SOAP 1.2 binding
//! (outside that profile's scope, written by the same rules).
//!
//! What a SOAP server and its clients can rely on:
//!
//! - **Namespace.** The WSDL definitions and their one inline `xs:schema` use `urn:` followed by the
//!   package with colons for dots: `acme.pets.v1` → `urn:acme:pets:v1`. A URN names the API version
//!   without claiming a web address nobody serves. The schema is `elementFormDefault="qualified"`,
//!   so every element of a message is in that namespace.
//! - **Self-contained.** The schema declares every type the SOAP operations reach, also those of
//!   other packages (`acme.common.v1.Money` becomes `Money`, or `AcmeCommonV1Money` when the
//!   service's package already has a `Money`), and nothing else: there are no imports to resolve.
//! - **Operations.** Method `get_pet` is operation `GetPet`. Its request is element `GetPet` with one
//!   child per parameter; its response is element `GetPetResponse` with the result as its only child,
//!   named after the result type in lowerCamel (`pet`, also for `list<Pet>`, repeated) or `result`
//!   for scalars and maps, and empty for methods without a result. The SOAPAction is
//!   `urn:acme:pets:v1#GetPet` (SOAP 1.2: the `action` parameter), on both bindings.
//! - **Faults.** Each thrown error is a `wsdl:fault` named after the error type, whose detail is the
//!   global element of the same name, typed by the error's fields.
//! - **Values.** Element names are the JSON member names (`nextPageToken`) and enum values the JSON
//!   enum strings (`SPECIES_DOG`, without the unspecified value), so SOAP and JSON clients share their
//!   vocabulary. Scalars use their XSD types, with XSD's spellings: `i64`/`u64`/`decimal` are
//!   numbers, `duration` is `xs:duration` (`PT1.5S`), `bytes` base64, `uuid` a patterned string.
//!   Optional values and values with a default may be absent (`minOccurs="0"`; the default is stated
//!   in the documentation); lists and maps are repeated elements, a map's entries `key`/`value` pairs.
//!   Constraints are facets; patterns are translated to XSD regular expressions (see [`pattern`]).
//! - **Collisions.** A generated name that meets another in the same XML symbol space (method
//!   `get_pet_response` beside `get_pet`, an error named like an operation, the same method name in
//!   two services of the package) gets a numeric suffix
//!   (`GetPetResponse2`), request wrappers keeping theirs first; the examples have none.
//! - **Left out.** Streaming methods and events have no request/response form; each is named in an
//!   XML comment saying why.
//! - **Endpoints.** One `wsdl:service` with a port per binding at
//!   `http://localhost:8080/soap/<Service>`, a placeholder the server replaces when it serves the file.

mod names;
mod pattern;
mod schema;

use std::collections::BTreeSet;

use askama::Template;

use self::names::Names;
use self::schema::{ElementView, GlobalElementView, SchemaBuilder, TypeView, documentation};
use super::GeneratedFile;
use crate::model::*;

/// Where the server is expected; it rewrites the address when it serves the file.
const ADDRESS_PREFIX: &str = "http://localhost:8080/soap/";

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    model
        .packages
        .iter()
        .filter(|package| !package.services.is_empty())
        .map(|package| GeneratedFile {
            path: format!("{}.wsdl", package.name).into(),
            contents: definitions(model, package)
                .render()
                .expect("rendering a WSDL document cannot fail"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "wsdl/definitions.wsdl", escape = "none")]
struct DefinitionsView {
    package: String,
    namespace: String,
    package_docs: Option<String>,
    types: Vec<TypeView>,
    elements: Vec<GlobalElementView>,
    messages: Vec<MessageView>,
    services: Vec<ServiceView>,
}

/// One service: its port type, its SOAP 1.1 and 1.2 bindings and its endpoint.
struct ServiceView {
    name: String,
    docs: Option<String>,
    port_type: String,
    /// Why each method or event is not an operation.
    left_out: Vec<String>,
    operations: Vec<OperationView>,
    bindings: Vec<BindingView>,
    address: String,
}

struct MessageView {
    name: String,
    part: &'static str,
    element: String,
}

struct OperationView {
    name: String,
    soap_action: String,
    docs: Option<String>,
    input: String,
    output: String,
    faults: Vec<FaultView>,
}

struct FaultView {
    name: String,
    message: String,
}

struct BindingView {
    name: String,
    port: String,
    prefix: &'static str,
}

fn definitions(model: &Model, package: &Package) -> DefinitionsView {
    let namespace = names::target_namespace(&package.name);
    let per_service: Vec<(&Service, Vec<&Method>, Vec<String>)> = package
        .services
        .iter()
        .map(|service| {
            let (methods, left_out) = soap_methods(service);
            (service, methods, left_out)
        })
        .collect();
    let methods: Vec<&Method> = per_service
        .iter()
        .flat_map(|(_, methods, _)| methods.iter().copied())
        .collect();

    let roots: Vec<TypeRef> = methods
        .iter()
        .flat_map(|method| {
            let params = method.params.iter().map(|param| param.field.ty.clone());
            let errors = method.throws.iter().map(|error| TypeRef::Named(error.clone()));
            params.chain(method.returns.clone()).chain(errors)
        })
        .collect();
    let mut schema = SchemaBuilder::new(model, package, &roots);
    schema.build_types();

    let mut element_names = Names::default();
    let mut message_names = Names::default();
    let planned = plan_operations(&methods, &mut element_names, &mut message_names);
    let faults = plan_faults(&methods, &schema, &mut element_names, &mut message_names);

    // Global elements: the two wrappers of each operation, then one fault detail per error.
    let mut elements = Vec::new();
    let mut wrapper_entries = Vec::new();
    for planned in &planned {
        let method = planned.method;
        let fields = method.params.iter().map(|param| &param.field);
        let request = schema.fields(&planned.operation, fields, &mut wrapper_entries);
        let response = match &method.returns {
            Some(returns) => vec![schema.result(&planned.operation, returns, &mut wrapper_entries)],
            None => Vec::new(),
        };
        elements.push(wrapper(planned.request_element.clone(), request));
        elements.push(wrapper(planned.response_element.clone(), response));
    }
    elements.extend(faults.iter().map(|fault| GlobalElementView {
        name: fault.element.clone(),
        docs: None,
        type_name: Some(format!("tns:{}", fault.name)),
        children: Vec::new(),
    }));
    let mut types = schema.finish();
    types.append(&mut wrapper_entries);

    let mut messages = Vec::new();
    for planned in &planned {
        messages.push(MessageView {
            name: planned.input_message.clone(),
            part: "parameters",
            element: planned.request_element.clone(),
        });
        messages.push(MessageView {
            name: planned.output_message.clone(),
            part: "parameters",
            element: planned.response_element.clone(),
        });
    }
    messages.extend(faults.iter().map(|fault| MessageView {
        name: fault.message.clone(),
        part: "fault",
        element: fault.element.clone(),
    }));

    let mut operations: Vec<OperationView> = planned
        .into_iter()
        .map(|planned| {
            let method = planned.method;
            let mut seen = BTreeSet::new();
            let faults = method
                .throws
                .iter()
                .filter(|error| seen.insert(error.as_str()))
                .filter_map(|error| faults.iter().find(|fault| &fault.qualified == error))
                .map(|fault| FaultView {
                    name: fault.name.clone(),
                    message: fault.message.clone(),
                })
                .collect();
            OperationView {
                soap_action: names::soap_action(&namespace, &planned.operation),
                docs: documentation(&method.docs, method.deprecated.as_ref(), Vec::new()),
                name: planned.operation,
                input: planned.input_message,
                output: planned.output_message,
                faults,
            }
        })
        .collect();

    // Operations were planned in service order; hand each service its own.
    let mut services = Vec::new();
    for (service, methods, left_out) in per_service {
        let rest = operations.split_off(methods.len().min(operations.len()));
        let own = std::mem::replace(&mut operations, rest);
        services.push(ServiceView {
            name: service.name.clone(),
            docs: documentation(&service.docs, service.deprecated.as_ref(), Vec::new()),
            port_type: format!("{}PortType", service.name),
            left_out,
            operations: own,
            bindings: vec![
                BindingView {
                    name: format!("{}Soap11Binding", service.name),
                    port: format!("{}Soap11Port", service.name),
                    prefix: "soap",
                },
                BindingView {
                    name: format!("{}Soap12Binding", service.name),
                    port: format!("{}Soap12Port", service.name),
                    prefix: "soap12",
                },
            ],
            address: format!("{ADDRESS_PREFIX}{}", service.name),
        });
    }

    DefinitionsView {
        package: package.name.clone(),
        package_docs: documentation(&package.docs, None, Vec::new()),
        types,
        elements,
        messages,
        services,
        namespace,
    }
}

/// The names of one operation, fixed before anything refers to them.
struct PlannedOperation<'m> {
    method: &'m Method,
    operation: String,
    request_element: String,
    response_element: String,
    input_message: String,
    output_message: String,
}

fn plan_operations<'m>(
    methods: &[&'m Method],
    element_names: &mut Names,
    message_names: &mut Names,
) -> Vec<PlannedOperation<'m>> {
    let mut operation_names = Names::default();
    // Request wrappers are claimed before response wrappers: wrapped-style clients (JAX-WS, .NET)
    // only recognise an operation whose request element carries the operation's name.
    let requests: Vec<(String, String)> = methods
        .iter()
        .map(|method| {
            let operation = operation_names.claim(names::operation_name(method));
            let request = element_names.claim(operation.clone());
            (operation, request)
        })
        .collect();
    methods
        .iter()
        .zip(requests)
        .map(|(method, (operation, request_element))| PlannedOperation {
            method,
            response_element: element_names.claim(format!("{operation}Response")),
            input_message: message_names.claim(format!("{operation}Request")),
            output_message: message_names.claim(format!("{operation}Response")),
            operation,
            request_element,
        })
        .collect()
}

/// A thrown error as a SOAP fault.
struct Fault {
    qualified: String,
    /// The error's XSD type name, also the `wsdl:fault` name in every operation throwing it.
    name: String,
    element: String,
    message: String,
}

/// One fault per distinct thrown error, in the order the errors are first thrown. The detail
/// element is named after the error type unless a wrapper already took that name.
fn plan_faults(
    methods: &[&Method],
    schema: &SchemaBuilder,
    element_names: &mut Names,
    message_names: &mut Names,
) -> Vec<Fault> {
    let mut seen = BTreeSet::new();
    methods
        .iter()
        .flat_map(|method| &method.throws)
        .filter(|error| seen.insert(error.as_str()))
        .map(|error| {
            let name = schema.xsd_name(error);
            Fault {
                qualified: error.clone(),
                element: element_names.claim(name.clone()),
                message: message_names.claim(format!("{name}Fault")),
                name,
            }
        })
        .collect()
}

fn wrapper(name: String, children: Vec<ElementView>) -> GlobalElementView {
    GlobalElementView {
        name,
        docs: None,
        type_name: None,
        children,
    }
}

/// The methods SOAP can carry (one request, one response), and a note for everything else.
fn soap_methods(service: &Service) -> (Vec<&Method>, Vec<String>) {
    let mut methods = Vec::new();
    let mut left_out = Vec::new();
    for method in &service.methods {
        let why = match method.kind() {
            StreamingKind::Unary => {
                methods.push(method);
                continue;
            }
            StreamingKind::ServerStreaming => "it streams its results, and a SOAP call has one response",
            StreamingKind::ClientStreaming => "it takes a stream of requests, and a SOAP call has one request",
            StreamingKind::Bidirectional => {
                "it streams in both directions, and a SOAP call has one request and one response"
            }
        };
        left_out.push(format!("Method {} is left out: {why}.", method.name));
    }
    for event in &service.events {
        left_out.push(format!(
            "Event {} is left out: SOAP has no way for a service to publish messages nobody requested.",
            event.name
        ));
    }
    (methods, left_out)
}

mod filters {
    /// Escapes character data. Characters XML 1.0 cannot carry at all are dropped; a carriage
    /// return and the C1 controls are written as references so that parsers keep them.
    #[askama::filter_fn]
    pub fn xml(value: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(escape(&value.to_string(), false))
    }

    /// Escapes a double-quoted attribute value; whitespace other than spaces is written as
    /// references, since attribute normalisation would turn it into spaces.
    #[askama::filter_fn]
    pub fn attr(value: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(escape(&value.to_string(), true))
    }

    fn escape(text: &str, attribute: bool) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' if attribute => out.push_str("&quot;"),
                '\t' | '\n' if !attribute => out.push(c),
                '\t' | '\n' | '\r' | '\u{7f}'..='\u{9f}' => out.push_str(&format!("&#x{:X};", u32::from(c))),
                '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
                other => out.push(other),
            }
        }
        out
    }

    /// Makes text safe inside `<!-- … -->`, which cannot contain `--` or end with `-`.
    #[askama::filter_fn]
    pub fn comment(value: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        let mut text = value.to_string();
        while text.contains("--") {
            text = text.replace("--", "- -");
        }
        if text.ends_with('-') {
            text.push(' ');
        }
        Ok(text)
    }

    #[cfg(test)]
    mod tests {
        use super::escape;

        #[test]
        fn escapes_text_and_attributes() {
            assert_eq!(escape("a<b & \"c\"\n", false), "a&lt;b &amp; \"c\"\n");
            assert_eq!(escape("a<b & \"c\"\n", true), "a&lt;b &amp; &quot;c&quot;&#xA;");
            assert_eq!(escape("x\u{1}\ry\u{85}", false), "x&#xD;y&#x85;");
        }
    }
}
