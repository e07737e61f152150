//! The two registry-extension bodies `berth-model` does not cover: repository properties
//! (`{"access": "private"|"public"}`) and the Index's layer-access answer (`{"access": bool}`).
//! Both are formatted with the core's Python-style JSON writer.

use berth_model::ModelError;
use serde_json::Value;

/// Parses a `PUT …/properties` body; `true` means private. Anything but an object whose
/// `access` is `"private"` or `"public"` is `Invalid data`.
pub(crate) fn parse_properties(raw: &[u8]) -> Result<bool, ModelError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(raw) else {
        return Err(ModelError::InvalidData);
    };
    match map.get("access").and_then(Value::as_str) {
        Some("private") => Ok(true),
        Some("public") => Ok(false),
        _ => Err(ModelError::InvalidData),
    }
}

/// `{"access": "private"}` or `{"access": "public"}`.
pub(crate) fn properties_body(private: bool) -> String {
    access_body(Value::from(if private { "private" } else { "public" }))
}

/// `{"access": true}` or `{"access": false}`.
pub(crate) fn layer_access_body(allowed: bool) -> String {
    access_body(Value::from(allowed))
}

/// Reads the Index's layer-access answer: `true` only for `{"access": true}`.
pub(crate) fn parse_layer_access(raw: &[u8]) -> bool {
    serde_json::from_slice::<Value>(raw)
        .ok()
        .and_then(|v| v.get("access").and_then(Value::as_bool))
        .unwrap_or(false)
}

fn access_body(value: Value) -> String {
    let mut map = serde_json::Map::new();
    map.insert("access".to_owned(), value);
    berth_model::pyjson::dumps(&Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_round_trip() {
        assert_eq!(properties_body(true), r#"{"access": "private"}"#);
        assert_eq!(parse_properties(properties_body(true).as_bytes()), Ok(true));
        assert_eq!(
            parse_properties(properties_body(false).as_bytes()),
            Ok(false)
        );
        assert_eq!(parse_properties(b"[]"), Err(ModelError::InvalidData));
        assert_eq!(
            parse_properties(br#"{"access": "secret"}"#),
            Err(ModelError::InvalidData)
        );
        assert_eq!(layer_access_body(false), r#"{"access": false}"#);
        assert!(parse_layer_access(layer_access_body(true).as_bytes()));
        assert!(!parse_layer_access(layer_access_body(false).as_bytes()));
        assert!(!parse_layer_access(b"true"));
    }
}
