//! A small, defensive XML reader and writer for SOAP messages: the request is read into a tree
//! (bodies are bounded by `Limits::max_body_bytes`, so a tree is cheap) with namespaces resolved,
//! and everything a SOAP message may not carry or that could be abused is refused outright.
//!
//! Refused: a DOCTYPE (so no entity can ever be declared, let alone expanded), references to
//! entities other than XML's five predefined ones, processing instructions (SOAP 1.1 and 1.2 both
//! forbid them), encodings other than UTF-8, nesting deeper than the caller's limit and more
//! elements than [`MAX_ELEMENTS`].

use std::sync::Arc;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The most elements one message may hold. A 2 MiB body of `<a/>` would otherwise become half a
/// million tree nodes; real requests stay far below this.
pub(crate) const MAX_ELEMENTS: usize = 100_000;

/// One element with its resolved namespace, attributes, child elements and character data.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub ns: Option<Arc<str>>,
    pub name: String,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Element>,
    /// The element's own character data, entity references resolved.
    pub text: String,
}

#[derive(Debug)]
pub(crate) struct Attribute {
    pub ns: Option<Arc<str>>,
    pub name: String,
    pub value: String,
}

impl Element {
    /// Whether this element is `{ns}name`.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.name == name && self.ns.as_deref() == Some(ns)
    }

    /// The value of attribute `{ns}name` (`ns` `None`: an unqualified attribute).
    pub fn attribute(&self, ns: Option<&str>, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == name && a.ns.as_deref() == ns)
            .map(|a| a.value.as_str())
    }

    /// `xsi:nil="true"`: the element stands for an absent value.
    pub fn is_nil(&self) -> bool {
        matches!(
            self.attribute(Some("http://www.w3.org/2001/XMLSchema-instance"), "nil")
                .map(str::trim),
            Some("true" | "1")
        )
    }
}

/// Reads one XML document into a tree. The error is a sentence for the client.
pub(crate) fn parse(text: &str, max_depth: usize) -> Result<Element, String> {
    let mut reader = NsReader::from_str(text);
    let mut namespaces: Vec<Arc<str>> = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let position = reader.buffer_position();
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|error| format!("malformed XML at byte {position}: {error}"))?;
        let ns = match resolved {
            ResolveResult::Bound(ns) => Some(intern(&mut namespaces, ns.0)),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => return Err(format!("the namespace prefix `{prefix}` is not declared")),
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err("the document has more than one root element".into());
                }
                if stack.len() >= max_depth {
                    return Err(format!("elements are nested deeper than {max_depth} levels"));
                }
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(format!("the document has more than {MAX_ELEMENTS} elements"));
                }
                let element = Element {
                    ns,
                    name: start.local_name().as_ref().to_string(),
                    attributes: attributes(&reader, start, &mut namespaces)?,
                    children: Vec::new(),
                    text: String::new(),
                };
                if matches!(event, Event::Start(_)) {
                    stack.push(element);
                } else {
                    attach(&mut stack, &mut root, element);
                }
            }
            Event::End(_) => {
                // quick-xml checks that end tags match their start tags.
                let Some(element) = stack.pop() else {
                    return Err("an end tag has no start tag".into());
                };
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content())?,
            Event::CData(data) => push_text(&mut stack, &data.xml10_content())?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) if is_xml_char(c) => c,
                    Ok(Some(c)) => {
                        return Err(format!(
                            "the character reference to U+{:04X} is not allowed in XML",
                            u32::from(c)
                        ));
                    }
                    Err(error) => return Err(format!("bad character reference: {error}")),
                    Ok(None) => match &*reference.xml10_content() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            return Err(format!(
                                "the entity `&{other};` is not defined (only XML's predefined entities are)"
                            ));
                        }
                    },
                };
                let mut buffer = [0u8; 4];
                push_text(&mut stack, resolved.encode_utf8(&mut buffer))?;
            }
            Event::DocType(_) => return Err("a DOCTYPE is not allowed in a SOAP message".into()),
            Event::PI(_) => return Err("processing instructions are not allowed in a SOAP message".into()),
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding()
                    && !matches!(encoding.to_ascii_lowercase().as_str(), "utf-8" | "utf8" | "us-ascii")
                {
                    return Err(format!("the encoding `{encoding}` is not supported; send UTF-8"));
                }
            }
            Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("the document ends inside an element".into());
    }
    root.ok_or_else(|| "the document has no root element".to_string())
}

/// Shares one allocation per namespace name among the elements that use it.
fn intern(namespaces: &mut Vec<Arc<str>>, ns: &str) -> Arc<str> {
    if let Some(found) = namespaces.iter().find(|known| &***known == ns) {
        return found.clone();
    }
    let ns: Arc<str> = Arc::from(ns);
    // A message declaring thousands of namespaces gains nothing from sharing; bound the scan.
    if namespaces.len() < 64 {
        namespaces.push(ns.clone());
    }
    ns
}

fn attributes(
    reader: &NsReader<&[u8]>,
    start: &BytesStart,
    namespaces: &mut Vec<Arc<str>>,
) -> Result<Vec<Attribute>, String> {
    let mut out = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| format!("malformed attribute: {error}"))?;
        let key = attribute.key.0;
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let (resolved, local) = reader.resolver().resolve_attribute(attribute.key);
        let ns = match resolved {
            ResolveResult::Bound(ns) => Some(intern(namespaces, ns.0)),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => return Err(format!("the namespace prefix `{prefix}` is not declared")),
        };
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|error| format!("bad value of attribute `{key}`: {error}"))?;
        out.push(Attribute {
            ns,
            name: local.as_ref().to_string(),
            value: value.into_owned(),
        });
    }
    Ok(out)
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), String> {
    match stack.last_mut() {
        Some(element) => element.text.push_str(text),
        None if text.chars().all(is_xml_space) => {}
        None => return Err("text outside the root element".into()),
    }
    Ok(())
}

pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Appends `text` escaped as character data or as a double-quoted attribute value. Characters
/// XML 1.0 cannot carry are dropped; `\r` is written as a reference so that parsers keep it.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}
