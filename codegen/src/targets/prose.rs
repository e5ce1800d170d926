//! What the JSON document targets (OpenAPI, AsyncAPI, OpenRPC) write alike: how docs become a
//! summary and a description, how deprecation is noted, how a package name gives a document
//! version, and the names of security schemes.

use crate::model::naming::{upper_camel_case, words};
use crate::model::{ApiKeyLocation, AuthScheme, Deprecation, Docs};

/// The first sentence or line of the docs as summary, the whole text as description when it says
/// more; without docs, the name in words (`get_pet` → `Get pet`).
pub fn summary_and_description(docs: &Docs, name: &str) -> (String, Option<String>) {
    let text = docs.text();
    if text.is_empty() {
        return (name_in_words(name), None);
    }
    let first_line = text.lines().next().unwrap_or("").trim();
    let summary = match first_line.find(". ") {
        Some(end) => first_line[..=end].to_string(),
        None => first_line.trim_end_matches('.').to_string(),
    };
    let description = if text.trim() == first_line { None } else { Some(text) };
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
        assert_eq!(
            summary_and_description(&Docs::default(), "get_pet"),
            ("Get pet".into(), None)
        );
        assert_eq!(package_version("acme.pets.v1"), "v1");
        assert_eq!(package_version("acme.pets"), "0.0.0");
    }
}
