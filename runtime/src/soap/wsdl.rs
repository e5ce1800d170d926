//! The SOAP operations of one service as its served WSDL names them, and the WSDL as served.
//!
//! The names follow `model::bindings` (operation `GetPet`, wrappers `GetPet`/`GetPetResponse`,
//! action `urn:acme:pets:v1#GetPet`, fault element named after the error), but the WSDL target
//! suffixes a name that collides (`GetPet2`). Reading the names back from the embedded WSDL keeps
//! the server in step with exactly the document clients were generated from; the computed names
//! are the fallback when the document lacks something.

use omniface_model::StreamingKind;
use omniface_model::bindings;

use super::xml::{self, Element};
use crate::service::ServiceDescriptor;

const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP11_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";

/// Where the WSDL target points every port; replaced by the address the WSDL was fetched from.
const ADDRESS_PLACEHOLDER: &str = "location=\"http://localhost:8080/soap/";

/// One SOAP operation: a unary method with the names its messages use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Operation {
    /// Index of the method in its service.
    pub method: usize,
    pub name: String,
    pub request_element: String,
    pub response_element: String,
    /// The only child of the response wrapper (absent for methods without a result).
    pub result_element: String,
    pub action: String,
    /// Thrown errors: qualified name and the global element of its fault detail.
    pub faults: Vec<(String, String)>,
}

/// Every operation of one service, and the namespace of its messages.
#[derive(Debug)]
pub(crate) struct Operations {
    pub namespace: String,
    pub list: Vec<Operation>,
}

impl Operations {
    pub fn by_element(&self, name: &str) -> Option<&Operation> {
        self.list.iter().find(|op| op.request_element == name)
    }

    /// The detail element of a declared error: the one the operation declares, else the one any
    /// operation of the service declares for it.
    pub fn fault_element<'a>(&'a self, operation: &'a Operation, qualified: &str) -> Option<&'a str> {
        std::iter::once(operation)
            .chain(&self.list)
            .flat_map(|op| &op.faults)
            .find(|(error, _)| error == qualified)
            .map(|(_, element)| element.as_str())
    }
}

/// The operations of `descriptor`: computed from the model, then named as its WSDL names them.
pub(crate) fn operations(descriptor: &ServiceDescriptor) -> Operations {
    let service = descriptor.service();
    let namespace = bindings::soap_namespace(&descriptor.package().name);
    let mut list: Vec<Operation> = service
        .methods
        .iter()
        .enumerate()
        .filter(|(_, method)| method.kind() == StreamingKind::Unary)
        .map(|(index, method)| {
            let name = bindings::soap_operation_name(method);
            let mut seen = Vec::new();
            let faults = method
                .throws
                .iter()
                .filter(|error| {
                    let new = !seen.contains(error);
                    seen.push(error);
                    new
                })
                .map(|error| (error.clone(), simple_name(error).to_string()))
                .collect();
            Operation {
                method: index,
                request_element: name.clone(),
                response_element: format!("{name}Response"),
                result_element: method
                    .returns
                    .as_ref()
                    .map_or_else(String::new, bindings::soap_result_element),
                action: bindings::soap_action(&namespace, &name),
                name,
                faults,
            }
        })
        .collect();
    let mut operations = Operations {
        namespace,
        list: Vec::new(),
    };
    match xml::parse(descriptor.documents.wsdl, 256) {
        Ok(definitions) if definitions.is(WSDL_NS, "definitions") => {
            apply_wsdl(&definitions, descriptor.name(), &mut operations.namespace, &mut list);
        }
        Ok(_) | Err(_) if descriptor.documents.wsdl.trim().is_empty() => {}
        Ok(_) => tracing::warn!(
            service = descriptor.name(),
            "the embedded WSDL is not a WSDL 1.1 document"
        ),
        Err(error) => tracing::warn!(service = descriptor.name(), %error, "the embedded WSDL cannot be read"),
    }
    operations.list = list;
    operations
}

/// Takes the namespace, wrapper element names, actions and fault elements from the WSDL.
fn apply_wsdl(definitions: &Element, service: &str, namespace: &mut String, list: &mut [Operation]) {
    if let Some(target) = definitions.attribute(None, "targetNamespace") {
        *namespace = target.to_string();
    }
    let children = |name: &'static str| definitions.children.iter().filter(move |c| c.is(WSDL_NS, name));
    let message_element = |message: Option<&str>| -> Option<String> {
        let message = local(message?);
        let found = children("message").find(|m| m.attribute(None, "name") == Some(message))?;
        let part = found.children.iter().find(|c| c.is(WSDL_NS, "part"))?;
        Some(local(part.attribute(None, "element")?).to_string())
    };
    let port_type_name = format!("{service}PortType");
    let Some(port_type) = children("portType").find(|p| p.attribute(None, "name") == Some(port_type_name.as_str()))
    else {
        return;
    };
    let wsdl_operations: Vec<&Element> = port_type
        .children
        .iter()
        .filter(|c| c.is(WSDL_NS, "operation"))
        .collect();
    // The WSDL lists the unary methods in declaration order; anything else means it was written
    // from another model, and the computed names are safer.
    if wsdl_operations.len() != list.len() {
        tracing::warn!(
            service,
            "the embedded WSDL does not list one operation per unary method"
        );
        return;
    }
    let binding_name = format!("{service}Soap11Binding");
    let binding = children("binding").find(|b| b.attribute(None, "name") == Some(binding_name.as_str()));
    for (operation, element) in list.iter_mut().zip(wsdl_operations) {
        let Some(name) = element.attribute(None, "name") else {
            continue;
        };
        operation.name = name.to_string();
        let message_of = |tag: &str| {
            element
                .children
                .iter()
                .find(|c| c.is(WSDL_NS, tag))
                .and_then(|c| c.attribute(None, "message"))
        };
        if let Some(request) = message_element(message_of("input")) {
            operation.request_element = request;
        }
        if let Some(response) = message_element(message_of("output")) {
            operation.response_element = response;
        }
        let faults: Vec<Option<String>> = element
            .children
            .iter()
            .filter(|c| c.is(WSDL_NS, "fault"))
            .map(|fault| message_element(fault.attribute(None, "message")))
            .collect();
        if faults.len() == operation.faults.len() {
            for ((_, element), found) in operation.faults.iter_mut().zip(faults) {
                if let Some(found) = found {
                    *element = found;
                }
            }
        }
        let action = binding
            .into_iter()
            .flat_map(|b| &b.children)
            .find(|c| c.is(WSDL_NS, "operation") && c.attribute(None, "name") == Some(name))
            .and_then(|op| op.children.iter().find(|c| c.is(WSDL_SOAP11_NS, "operation")))
            .and_then(|op| op.attribute(None, "soapAction"));
        if let Some(action) = action {
            operation.action = action.to_string();
        }
    }
}

/// `tns:GetPet` → `GetPet` (the WSDL puts everything in its one target namespace).
fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, local)| local)
}

fn simple_name(qualified: &str) -> &str {
    qualified.rsplit_once('.').map_or(qualified, |(_, name)| name)
}

/// The WSDL with its ports pointing at `base` (`http://host:port`), the address the client used.
pub(crate) fn served(wsdl: &str, base: Option<&str>) -> String {
    match base {
        Some(base) => wsdl.replace(ADDRESS_PLACEHOLDER, &format!("location=\"{}/soap/", xml::escape(base))),
        None => wsdl.to_string(),
    }
}

/// The scheme and authority a client reached the server at, from `Host` (or the URI's
/// authority, for HTTP/2) and `X-Forwarded-Proto`. Anything that is not a plain host and port is
/// ignored, so a forged header cannot inject markup into the document.
pub(crate) fn base_address(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))?;
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_'));
    if !plain {
        return None;
    }
    let scheme = match headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some(proto) if proto.eq_ignore_ascii_case("https") => "https",
        _ => uri.scheme_str().filter(|s| *s == "https").unwrap_or("http"),
    };
    Some(format!("{scheme}://{host}"))
}
