//! What the JSON document targets (OpenAPI, AsyncAPI, OpenRPC) write alike: how docs become a
//! summary and a description, how deprecation is noted, how a package name gives a document
//! version, and the names of security schemes.

use crate::model::naming::{upper_camel_case, words};
use crate::model::{ApiKeyLocation, AuthScheme, Deprecation, Docs};

/// The first sentence of the docs' first paragraph as summary (a sentence wrapped over several
/// lines is joined, never cut at a line break), the whole text as description when it is longer
/// than one line; without docs, the name in words (`get_pet` → `Get pet`).
pub fn summary_and_description(docs: &Docs, name: &str) -> (String, Option<String>) {
    let text = docs.text();
    if text.is_empty() {
        return (name_in_words(name), None);
    }
    let first_paragraph = text
        .lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let summary = match first_paragraph.find(". ") {
        Some(end) => first_paragraph[..=end].to_string(),
        None => first_paragraph.trim_end_matches('.').to_string(),
    };
    let single_line = !text.trim().contains('\n');
    let description = if single_line { None } else { Some(text) };
    (summary, description)
}

/// `get_pet` → `Get pet`.
pub fn name_in_words(name: &str) -> String {
    let words = words(name).join(" ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `acme.pets.v1` → `v1`; a package without a version suffix is `0.0.0`.
pub fn package_version(package: &str) -> String {
    let last = package.rsplit('.').next().unwrap_or("");
    let is_version = last.starts_with('v') && last[1..].chars().next().is_some_and(|c| c.is_ascii_digit());
    if is_version { last.to_string() } else { "0.0.0".into() }
}

/// A deprecation as a paragraph to append to a Markdown description.
pub fn deprecation_note(deprecation: &Deprecation) -> String {
    match &deprecation.note {
        Some(note) => format!("\n\n**Deprecated:** {note}"),
        None => "\n\n**Deprecated.**".into(),
    }
}

/// The component name of a security scheme: `bearerAuth`, `basicAuth`, `apiKeyHeaderXApiKey`.
pub fn security_scheme_name(scheme: &AuthScheme) -> String {
    match scheme {
        AuthScheme::Bearer => "bearerAuth".into(),
        AuthScheme::Basic => "basicAuth".into(),
        AuthScheme::ApiKey {
            location: ApiKeyLocation::Header,
            name,
        } => format!("apiKeyHeader{}", upper_camel_case(name)),
        AuthScheme::ApiKey {
            location: ApiKeyLocation::Query,
            name,
        } => format!("apiKeyQuery{}", upper_camel_case(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises() {
        let docs = Docs(vec!["Fetches one pet. Fast.".into(), "More.".into()]);
        assert_eq!(summary_and_description(&docs, "x").0, "Fetches one pet.");
        let wrapped = Docs(vec![
            "Published for every reading, on the MQTT topic, and".into(),
            "on the exchange. Then more.".into(),
        ]);
        assert_eq!(
            summary_and_description(&wrapped, "x").0,
            "Published for every reading, on the MQTT topic, and on the exchange."
        );
        let paragraph = Docs(vec!["No period here".into(), "".into(), "Details.".into()]);
        assert_eq!(summary_and_description(&paragraph, "x").0, "No period here");
        assert_eq!(
            summary_and_description(&Docs::default(), "get_pet"),
            ("Get pet".into(), None)
        );
        assert_eq!(package_version("acme.pets.v1"), "v1");
        assert_eq!(package_version("acme.pets"), "0.0.0");
    }
}
