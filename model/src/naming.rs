//! Case conversions shared by every target, so that a name is spelled the same way everywhere it
//! appears (and so the checker can find names that collide after conversion).

/// Splits `userId`, `user_id`, `HTTPServer2` and `pet-store` into lowercase words.
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == '.' || c == ' ' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let previous = index.checked_sub(1).map(|i| chars[i]);
        let next = chars.get(index + 1).copied();
        let boundary = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `user_id`
pub fn snake_case(name: &str) -> String {
    words(name).join("_")
}

/// `USER_ID`
pub fn screaming_snake_case(name: &str) -> String {
    snake_case(name).to_uppercase()
}

/// `user-id`
pub fn kebab_case(name: &str) -> String {
    words(name).join("-")
}

/// `UserId`
pub fn upper_camel_case(name: &str) -> String {
    words(name).iter().map(|word| capitalize(word)).collect()
}

/// `userId`, as proto3's JSON mapping spells field names.
pub fn lower_camel_case(name: &str) -> String {
    let words = words(name);
    let mut out = String::new();
    for (index, word) in words.iter().enumerate() {
        if index == 0 {
            out.push_str(word);
        } else {
            out.push_str(&capitalize(word));
        }
    }
    out
}

/// The wire name of an enum value, shared by proto and every JSON protocol so that they agree
/// with gRPC-JSON: the enum's name in UPPER_SNAKE as a prefix, then the variant (`SPECIES_DOG`).
pub fn enum_value_name(enum_name: &str, variant: &str) -> String {
    format!("{}_{}", screaming_snake_case(enum_name), screaming_snake_case(variant))
}

/// The zero value every target adds to an enum (`SPECIES_UNSPECIFIED`).
pub fn enum_unspecified_name(enum_name: &str) -> String {
    format!("{}_UNSPECIFIED", screaming_snake_case(enum_name))
}

/// The JSON member name of a field or parameter (proto3's `json_name`).
pub fn json_name(field: &str) -> String {
    lower_camel_case(field)
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_between_cases() {
        assert_eq!(words("userId"), ["user", "id"]);
        assert_eq!(words("user_id"), ["user", "id"]);
        assert_eq!(words("HTTPServer2Go"), ["http", "server2", "go"]);
        assert_eq!(snake_case("PetStore"), "pet_store");
        assert_eq!(kebab_case("get_pet"), "get-pet");
        assert_eq!(upper_camel_case("pet_sold"), "PetSold");
        assert_eq!(lower_camel_case("next_page_token"), "nextPageToken");
        assert_eq!(screaming_snake_case("NotFound"), "NOT_FOUND");
    }
}
