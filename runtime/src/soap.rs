//! SOAP 1.1 and 1.2 at `/soap/<Service>`, with the WSDL on `?wsdl`: document/literal wrapped
//! messages exactly as the generated WSDL describes them (codegen `targets/wsdl`).
//!
//! One endpoint serves both versions and answers in the version of the request's envelope. The
//! operation is the body's one child (the request wrapper); a `SOAPAction` (1.1) or `action`
//! parameter (1.2) must name the same operation when present. Faults follow each version's
//! HTTP binding: every 1.1 fault is HTTP 500, a 1.2 `Sender` fault 400 and a `Receiver` fault 500.
//! A declared error's detail is the fault element the WSDL declares for it; any other error's
//! detail is an `{urn:omniface:error}Error` with its code and every broken constraint.

mod convert;
mod wsdl;
mod xml;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omniface_model::{Field, TypeRef};
use serde_json::Value;

use self::convert::Encoder;
use self::wsdl::{Operation, Operations};
use self::xml::{Element, escape, escape_into};
use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::{Error, ErrorKind};
use crate::server::App;
use crate::service::{Input, Output};

const SOAP11_ENVELOPE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12_ENVELOPE: &str = "http://www.w3.org/2003/05/soap-envelope";
const SOAP11_ACTOR_NEXT: &str = "http://schemas.xmlsoap.org/soap/actor/next";
const SOAP12_ROLE_NEXT: &str = "http://www.w3.org/2003/05/soap-envelope/role/next";
const SOAP12_ROLE_ULTIMATE: &str = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";
/// The namespace of the fault detail of errors the IDL does not declare.
const ERROR_NAMESPACE: &str = "urn:omniface:error";
/// Envelope, Body and wrapper take three levels; IDL types nest far less than the rest.
const MAX_DEPTH: usize = 64;

pub(crate) fn routes(app: &Arc<App>) -> Router {
    let mut router = Router::new();
    let mut mounted = BTreeSet::new();
    for (index, handler) in app.services.iter().enumerate() {
        let descriptor = handler.descriptor();
        // Two packages may each have a `PetStore`; axum would panic on the second route.
        if !mounted.insert(descriptor.name().to_string()) {
            tracing::warn!(
                service = descriptor.name(),
                "a service of this name already has a SOAP endpoint"
            );
            continue;
        }
        let endpoint = Arc::new(Endpoint {
            app: app.clone(),
            service: index,
            operations: wsdl::operations(descriptor),
        });
        let for_get = endpoint.clone();
        let method_router = get(move |headers: HeaderMap, uri: Uri, RawQuery(query): RawQuery| {
            let endpoint = for_get.clone();
            async move { endpoint.wsdl(&headers, &uri, query.as_deref()) }
        })
        .post(move |headers: HeaderMap, RawQuery(query): RawQuery, body: Body| {
            let endpoint = endpoint.clone();
            async move { endpoint.call(headers, query, body).await }
        });
        router = router.route(&format!("/soap/{}", descriptor.name()), method_router);
    }
    router
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    Soap11,
    Soap12,
}

impl Version {
    fn namespace(self) -> &'static str {
        match self {
            Version::Soap11 => SOAP11_ENVELOPE,
            Version::Soap12 => SOAP12_ENVELOPE,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Version::Soap11 => "soap",
            Version::Soap12 => "env",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Version::Soap11 => "text/xml; charset=utf-8",
            Version::Soap12 => "application/soap+xml; charset=utf-8",
        }
    }

    /// The version a request's media type announces; the envelope has the last word.
    fn from_headers(headers: &HeaderMap) -> Version {
        match media_type(headers).as_deref() {
            Some("application/soap+xml") => Version::Soap12,
            _ => Version::Soap11,
        }
    }
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
}

/// A parameter of the request's `Content-Type`, unquoted.
fn content_type_parameter(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').skip(1).find_map(|parameter| {
        let (key, value) = parameter.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The action the client named, if any: the `SOAPAction` header (1.1; `""` names none) or the
/// `action` media type parameter (1.2).
fn requested_action(version: Version, headers: &HeaderMap) -> Option<String> {
    let header = headers
        .get("soapaction")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"').to_string());
    let parameter = content_type_parameter(headers, "action");
    let action = match version {
        Version::Soap11 => header.or(parameter),
        Version::Soap12 => parameter.or(header),
    };
    action.filter(|action| !action.is_empty())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FaultCode {
    /// 1.1 `Client`, 1.2 `Sender`: the message was wrong.
    Client,
    /// 1.1 `Server`, 1.2 `Receiver`: the service failed.
    Server,
    VersionMismatch,
    MustUnderstand,
}

/// A fault on its way out; rendered in the request's SOAP version.
#[derive(Debug)]
struct Fault {
    code: FaultCode,
    reason: String,
    /// The content of `detail` / `env:Detail`, already XML.
    detail: Option<String>,
    /// An HTTP status that replaces the binding's (415 for a media type that is not XML).
    status: Option<StatusCode>,
}

impl Fault {
    fn client(reason: impl Into<String>) -> Fault {
        Fault {
            code: FaultCode::Client,
            reason: reason.into(),
            detail: None,
            status: None,
        }
    }

    /// A client fault for an [`Error`] found before the call (malformed or invalid request), with
    /// the usual `Error` detail.
    fn invalid(error: &Error) -> Fault {
        Fault {
            code: FaultCode::Client,
            reason: error.public_message().to_string(),
            detail: Some(error_detail(error)),
            status: None,
        }
    }

    fn render(&self, version: Version) -> Response {
        let p = version.prefix();
        let mut body = String::new();
        match version {
            Version::Soap11 => {
                let code = match self.code {
                    FaultCode::Client => "Client",
                    FaultCode::Server => "Server",
                    FaultCode::VersionMismatch => "VersionMismatch",
                    FaultCode::MustUnderstand => "MustUnderstand",
                };
                body.push_str(&format!("<{p}:Fault><faultcode>{p}:{code}</faultcode><faultstring>"));
                escape_into(&mut body, &self.reason);
                body.push_str("</faultstring>");
                if let Some(detail) = &self.detail {
                    body.push_str(&format!("<detail>{detail}</detail>"));
                }
                body.push_str(&format!("</{p}:Fault>"));
            }
            Version::Soap12 => {
                let code = match self.code {
                    FaultCode::Client => "Sender",
                    FaultCode::Server => "Receiver",
                    FaultCode::VersionMismatch => "VersionMismatch",
                    FaultCode::MustUnderstand => "MustUnderstand",
                };
                body.push_str(&format!(
                    "<{p}:Fault><{p}:Code><{p}:Value>{p}:{code}</{p}:Value></{p}:Code>\
                     <{p}:Reason><{p}:Text xml:lang=\"en\">"
                ));
                escape_into(&mut body, &self.reason);
                body.push_str(&format!("</{p}:Text></{p}:Reason>"));
                if let Some(detail) = &self.detail {
                    body.push_str(&format!("<{p}:Detail>{detail}</{p}:Detail>"));
                }
                body.push_str(&format!("</{p}:Fault>"));
            }
        }
        // SOAP 1.1 over HTTP: every fault is a 500. SOAP 1.2: the sender's faults are 400.
        let status = self.status.unwrap_or(match (version, self.code) {
            (Version::Soap12, FaultCode::Client) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        });
        (
            status,
            [(CONTENT_TYPE, version.content_type())],
            envelope(version, &body),
        )
            .into_response()
    }
}

fn envelope(version: Version, body: &str) -> String {
    let p = version.prefix();
    let ns = version.namespace();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{p}:Envelope xmlns:{p}=\"{ns}\"><{p}:Body>{body}</{p}:Body></{p}:Envelope>"
    )
}

/// The detail of an error the WSDL does not declare: its code, HTTP status and violations.
fn error_detail(error: &Error) -> String {
    let mut out = format!(
        "<Error xmlns=\"{ERROR_NAMESPACE}\"><code>{}</code>",
        escape(error.code())
    );
    out.push_str(&format!("<status>{}</status>", error.http_status()));
    for violation in error.violations() {
        out.push_str("<violation><field>");
        escape_into(&mut out, &violation.field);
        out.push_str("</field><constraint>");
        escape_into(&mut out, &violation.constraint);
        out.push_str("</constraint><message>");
        escape_into(&mut out, &violation.message);
        out.push_str("</message></violation>");
    }
    out.push_str("</Error>");
    out
}

/// One service's SOAP endpoint.
struct Endpoint {
    app: Arc<App>,
    service: usize,
    operations: Operations,
}

impl Endpoint {
    /// `GET /soap/<Service>?wsdl`: the WSDL, its ports pointing where the client reached us.
    fn wsdl(&self, headers: &HeaderMap, uri: &Uri, query: Option<&str>) -> Response {
        let asks_for_wsdl = query.is_some_and(|query| {
            form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key.eq_ignore_ascii_case("wsdl"))
        });
        if !asks_for_wsdl {
            let message = "SOAP calls are POSTed to this address; its WSDL is at ?wsdl\n";
            return (
                StatusCode::BAD_REQUEST,
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                message,
            )
                .into_response();
        }
        let descriptor = self.app.services[self.service].descriptor();
        let document = wsdl::served(descriptor.documents.wsdl, wsdl::base_address(headers, uri).as_deref());
        (StatusCode::OK, [(CONTENT_TYPE, "text/xml; charset=utf-8")], document).into_response()
    }

    /// `POST /soap/<Service>`: one call, answered with a response or a fault.
    async fn call(&self, headers: HeaderMap, query: Option<String>, body: Body) -> Response {
        let announced = Version::from_headers(&headers);
        match self.handle(headers, query, body).await {
            Ok((version, payload)) => (
                StatusCode::OK,
                [(CONTENT_TYPE, version.content_type())],
                envelope(version, &payload),
            )
                .into_response(),
            Err((version, fault)) => fault.render(version.unwrap_or(announced)),
        }
    }

    /// The response payload (the response wrapper), or a fault and the version to write it in
    /// (`None` before the envelope was read).
    async fn handle(
        &self,
        headers: HeaderMap,
        query: Option<String>,
        body: Body,
    ) -> Result<(Version, String), (Option<Version>, Fault)> {
        if let Some(media_type) = media_type(&headers)
            && !matches!(
                media_type.as_str(),
                "text/xml" | "application/soap+xml" | "application/xml"
            )
        {
            let mut fault = Fault::client(format!(
                "the media type `{media_type}` is not SOAP; send text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)"
            ));
            fault.status = Some(StatusCode::UNSUPPORTED_MEDIA_TYPE);
            return Err((None, fault));
        }
        let limit = self.app.limits.max_body_bytes;
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
            let error = Error::resource_exhausted(format!(
                "the request body could not be read; it may exceed the limit of {limit} bytes"
            ));
            (None, Fault::invalid(&error))
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|_| (None, Fault::client("the request body is not UTF-8")))?;
        let root = xml::parse(text, MAX_DEPTH).map_err(|message| (None, Fault::client(message)))?;
        let version = if root.is(SOAP11_ENVELOPE, "Envelope") {
            Version::Soap11
        } else if root.is(SOAP12_ENVELOPE, "Envelope") {
            Version::Soap12
        } else if root.name == "Envelope" {
            let fault = Fault {
                code: FaultCode::VersionMismatch,
                reason: format!(
                    "the envelope namespace `{}` is neither SOAP 1.1 ({SOAP11_ENVELOPE}) nor SOAP 1.2 ({SOAP12_ENVELOPE})",
                    root.ns.as_deref().unwrap_or("")
                ),
                detail: None,
                status: None,
            };
            return Err((None, fault));
        } else {
            return Err((
                None,
                Fault::client(format!("the root element `{}` is not a SOAP Envelope", root.name)),
            ));
        };
        self.dispatch(version, &root, headers, query)
            .await
            .map(|payload| (version, payload))
            .map_err(|fault| (Some(version), fault))
    }

    async fn dispatch(
        &self,
        version: Version,
        envelope: &Element,
        headers: HeaderMap,
        query: Option<String>,
    ) -> Result<String, Fault> {
        let ns = version.namespace();
        if let Some(header) = envelope.children.iter().find(|c| c.is(ns, "Header")) {
            check_headers(version, header)?;
        }
        let body = envelope
            .children
            .iter()
            .find(|c| c.is(ns, "Body"))
            .ok_or_else(|| Fault::client("the envelope has no Body"))?;
        let wrapper = match body.children.as_slice() {
            [one] => one,
            [] => {
                return Err(Fault::client(
                    "the Body is empty; it should hold the request element of one operation",
                ));
            }
            many => {
                return Err(Fault::client(format!(
                    "the Body holds {} elements; a document/literal wrapped request holds one",
                    many.len()
                )));
            }
        };
        let operations = &self.operations;
        if let Some(element_ns) = wrapper.ns.as_deref()
            && element_ns != operations.namespace
        {
            return Err(Fault::client(format!(
                "the element `{}` is in the namespace `{element_ns}`; this service's messages are in `{}`",
                wrapper.name, operations.namespace
            )));
        }
        let operation = operations.by_element(&wrapper.name).ok_or_else(|| {
            let known: Vec<&str> = operations.list.iter().map(|op| op.request_element.as_str()).collect();
            Fault::client(format!(
                "`{}` is not an operation of this service; it has {}",
                wrapper.name,
                known.join(", ")
            ))
        })?;
        if let Some(action) = requested_action(version, &headers)
            && action != operation.action
        {
            return Err(Fault::client(format!(
                "the SOAP action `{action}` does not match the operation `{}`, whose action is `{}`",
                operation.name, operation.action
            )));
        }

        let descriptor = self.app.services[self.service].descriptor();
        let model = &descriptor.model;
        let method = descriptor.method_model(operation.method);
        let params: Vec<&Field> = method.params.iter().map(|param| &param.field).collect();
        let input = convert::decode_params(model, &params, wrapper).map_err(|error| Fault::invalid(&error))?;

        let mut credentials = Credentials::from_headers(&headers);
        if let Some(query) = &query {
            credentials.add_query(query);
        }
        let result = self
            .app
            .invoke(
                self.service,
                operation.method,
                Protocol::Soap,
                &credentials,
                Arc::new(headers),
                Input::Value(input),
            )
            .await;
        let value = match result {
            Ok(Output::Value(value)) => Some(value.to_value()),
            Ok(Output::Empty) => None,
            Ok(Output::Stream(_)) => {
                let error = Error::internal(format!("the unary method `{}` answered with a stream", method.name));
                return Err(self.fault(&error, operation));
            }
            Err(error) => return Err(self.fault(&error, operation)),
        };
        self.response(operation, method.returns.as_ref(), value)
            .map_err(|message| {
                let error = Error::internal(format!("writing the result of `{}` as XML: {message}", method.name));
                self.fault(&error, operation)
            })
    }

    /// The response wrapper holding the result, as the WSDL's response element describes it.
    fn response(
        &self,
        operation: &Operation,
        returns: Option<&TypeRef>,
        value: Option<Value>,
    ) -> Result<String, String> {
        let descriptor = self.app.services[self.service].descriptor();
        let mut encoder = Encoder::new(&descriptor.model, &self.operations.namespace);
        encoder.open(&operation.response_element);
        if let (Some(returns), Some(value)) = (returns, value) {
            encoder.occurrences(&operation.result_element, returns, &value)?;
        }
        encoder.close(&operation.response_element);
        Ok(encoder.finish())
    }

    /// The fault for an error of the call: a declared error's detail is the element the WSDL
    /// declares for it, so clients raise their typed fault.
    fn fault(&self, error: &Error, operation: &Operation) -> Fault {
        let descriptor = self.app.services[self.service].descriptor();
        if error.kind() == ErrorKind::Internal {
            tracing::error!(
                service = descriptor.name(),
                operation = operation.name,
                error = error.message(),
                "SOAP call failed"
            );
        }
        let declared_detail = error.declared_error().and_then(|declared| {
            let element = self.operations.fault_element(operation, declared.qualified_name)?;
            let mut encoder = Encoder::new(&descriptor.model, &self.operations.namespace);
            let ty = TypeRef::Named(declared.qualified_name.to_string());
            match encoder.element(element, &ty, &Value::Object(declared.fields.clone())) {
                Ok(()) => Some(encoder.finish()),
                Err(message) => {
                    tracing::error!(
                        error = declared.name,
                        message,
                        "a declared error cannot be written as XML"
                    );
                    None
                }
            }
        });
        Fault {
            code: if error.is_client_fault() {
                FaultCode::Client
            } else {
                FaultCode::Server
            },
            reason: error.public_message().to_string(),
            detail: Some(declared_detail.unwrap_or_else(|| error_detail(error))),
            status: None,
        }
    }
}

/// Header blocks aimed at this node with `mustUnderstand` set are refused: the service processes
/// no header blocks, and SOAP forbids ignoring one that must be understood.
fn check_headers(version: Version, header: &Element) -> Result<(), Fault> {
    let ns = version.namespace();
    for block in &header.children {
        let must = block.attribute(Some(ns), "mustUnderstand").map(str::trim);
        if !matches!(must, Some("1" | "true")) {
            continue;
        }
        let targeted = match version {
            Version::Soap11 => block
                .attribute(Some(ns), "actor")
                .is_none_or(|actor| actor == SOAP11_ACTOR_NEXT),
            Version::Soap12 => block
                .attribute(Some(ns), "role")
                .is_none_or(|role| role == SOAP12_ROLE_NEXT || role == SOAP12_ROLE_ULTIMATE),
        };
        if targeted {
            return Err(Fault {
                code: FaultCode::MustUnderstand,
                reason: format!(
                    "the header block `{{{}}}{}` must be understood, and this service understands no header blocks",
                    block.ns.as_deref().unwrap_or(""),
                    block.name
                ),
                detail: None,
                status: None,
            });
        }
    }
    Ok(())
}
