//! Naming for the WSDL target: the XML namespace of a package, the spelling of operations, messages
//! and bindings, and unique names within each XML symbol space. IDL identifiers are ASCII letters,
//! digits and `_` not starting with a digit, so every converted name is already a valid XML NCName
//! and nothing needs escaping; what can go wrong is two names meeting in one symbol space.

use std::collections::BTreeSet;

use crate::model::naming::upper_camel_case;

// The names a SOAP server must agree on live in `model::bindings`, next to every other
// protocol default; they are re-exported here for the WSDL target.
pub use crate::model::bindings::{
    soap_action, soap_namespace as target_namespace, soap_operation_name as operation_name,
    soap_result_element as result_element_name,
};

/// `Money` for `acme.common.v1.Money`.
pub fn simple_name(qualified: &str) -> &str {
    qualified.rsplit_once('.').map_or(qualified, |(_, name)| name)
}

/// The XSD name of a type from another package whose simple name is taken: `AcmeCommonV1Money`.
pub fn package_qualified_type_name(package: &str, name: &str) -> String {
    format!("{}{name}", upper_camel_case(package))
}

/// The generated key/value type of a map field: `DeviceLabelsEntry`.
pub fn map_entry_type_name(owner: &str, field: &str) -> String {
    format!("{owner}{}Entry", upper_camel_case(field))
}

/// Names handed out in one symbol space (XSD types, global elements, WSDL messages). A wanted name
/// that is taken gets a numeric suffix: the checker keeps IDL names apart, but generated names
/// (`XResponse`, `XEntry`) can still meet declared ones, and the document must stay valid.
#[derive(Default)]
pub struct Names(BTreeSet<String>);

impl Names {
    pub fn is_free(&self, name: &str) -> bool {
        !self.0.contains(name)
    }

    pub fn claim(&mut self, wanted: String) -> String {
        if self.0.insert(wanted.clone()) {
            return wanted;
        }
        let mut suffix = 2u32;
        loop {
            let candidate = format!("{wanted}{suffix}");
            if self.0.insert(candidate.clone()) {
                return candidate;
            }
            suffix += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TypeRef;

    #[test]
    fn spells_names() {
        assert_eq!(target_namespace("acme.pets.v1"), "urn:acme:pets:v1");
        assert_eq!(soap_action("urn:acme:pets:v1", "GetPet"), "urn:acme:pets:v1#GetPet");
        assert_eq!(
            package_qualified_type_name("acme.common.v1", "Money"),
            "AcmeCommonV1Money"
        );
        assert_eq!(map_entry_type_name("Device", "labels"), "DeviceLabelsEntry");
        let pet = TypeRef::Named("acme.pets.v1.ListPetsResponse".into());
        assert_eq!(result_element_name(&pet), "listPetsResponse");
        assert_eq!(result_element_name(&TypeRef::List(Box::new(pet))), "listPetsResponse");
        assert_eq!(
            result_element_name(&TypeRef::Scalar(crate::model::Scalar::String)),
            "result"
        );
    }

    #[test]
    fn taken_names_get_a_suffix() {
        let mut names = Names::default();
        assert_eq!(names.claim("GetPet".into()), "GetPet");
        assert_eq!(names.claim("GetPet".into()), "GetPet2");
        assert_eq!(names.claim("GetPet".into()), "GetPet3");
        assert!(!names.is_free("GetPet2"));
    }
}
