//! The YAML 1.2 core schema: how a plain scalar is typed (null, boolean, integer, float, string).

/// The YAML 1.2 core schema type of a plain scalar, as serde_yaml resolves it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Core {
    Null,
    Bool(bool),
    Int(i64),
    Float,
    Str,
}

pub(super) fn core_type(v: &str) -> Core {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return Core::Null,
        "true" | "True" | "TRUE" => return Core::Bool(true),
        "false" | "False" | "FALSE" => return Core::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | ".nan" | ".NaN" | ".NAN" => {
            return Core::Float;
        }
        _ => {}
    }
    let (neg, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let parsed = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()
    } else {
        None
    };
    match parsed {
        Some(n) => Core::Int(if neg { -n } else { n }),
        None if !digits.is_empty()
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || b"._eE+-".contains(&b))
            && digits.bytes().any(|b| b.is_ascii_digit())
            && v.parse::<f64>().is_ok() =>
        {
            Core::Float
        }
        None => Core::Str,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_types() {
        assert_eq!(core_type("60"), Core::Int(60));
        assert_eq!(core_type("0x10"), Core::Int(16));
        assert_eq!(core_type("True"), Core::Bool(true));
        assert_eq!(core_type("yes"), Core::Str);
        assert_eq!(core_type("~"), Core::Null);
        assert_eq!(core_type("1.5"), Core::Float);
        assert_eq!(core_type("1.2.3"), Core::Str);
        assert_eq!(core_type("api"), Core::Str);
    }
}
