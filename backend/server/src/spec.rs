//! The OpenAPI document as served and committed: poem-openapi's, with every optional
//! property marked `nullable`.
//!
//! poem-openapi writes `null` for an absent `Option` and reads `null` as "absent" (so the
//! default applies) for every property that is not required, but its document says neither;
//! clients that validate against the spec would refuse real answers. One rule, applied
//! here, keeps the document true for every type, including ones added later.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::api;

/// The document for `service`.
pub fn render(service: &poem_openapi::OpenApiService<api::Apis, ()>) -> String {
    let raw = service.spec();
    let Ok(mut doc) = serde_json::from_str::<Ordered>(&raw) else {
        return raw;
    };
    mark_optional_properties_nullable(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or(raw)
}

fn mark_optional_properties_nullable(doc: &mut Ordered) {
    let Some(schemas) = doc.get_mut("components").and_then(|c| c.get_mut("schemas")) else {
        return;
    };
    let Ordered::Object(schemas) = schemas else {
        return;
    };
    for (_, schema) in schemas.iter_mut() {
        let required: Vec<String> = match schema.get_mut("required") {
            Some(Ordered::Array(names)) => names
                .iter()
                .filter_map(|n| match n {
                    Ordered::Scalar(Value::String(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let Some(Ordered::Object(props)) = schema.get_mut("properties") else {
            continue;
        };
        for (name, prop) in props.iter_mut() {
            let Ordered::Object(p) = prop else { continue };
            if required.contains(name) {
                continue;
            }
            // `nullable` beside a `$ref` is ignored by OpenAPI 3.0: wrap the reference.
            if let Some(i) = p.iter().position(|(k, _)| k == "$ref") {
                let (_, reference) = p.remove(i);
                p.insert(
                    i,
                    (
                        "allOf".into(),
                        Ordered::Array(vec![Ordered::Object(vec![("$ref".into(), reference)])]),
                    ),
                );
            }
            p.push(("nullable".into(), Ordered::Scalar(Value::Bool(true))));
        }
    }
}

/// JSON that keeps the order of object keys, so the document reads as poem-openapi wrote
/// it (serde_json's `Value` sorts keys unless a crate-wide feature says otherwise).
#[derive(Debug, Clone, PartialEq)]
enum Ordered {
    Scalar(Value),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl Ordered {
    fn get_mut(&mut self, key: &str) -> Option<&mut Ordered> {
        match self {
            Ordered::Object(fields) => fields.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl Serialize for Ordered {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Ordered::Scalar(v) => v.serialize(s),
            Ordered::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Ordered::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(v.into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(i) = seq.next_element()? {
                    items.push(i);
                }
                Ok(Ordered::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(Ordered::Object(fields))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_properties_become_nullable_and_the_rest_stays_as_written() {
        let raw = r##"{"components": {"schemas": {"Job": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer"},
                "note": {"type": "string"},
                "state": {"$ref": "#/components/schemas/State"}
            }
        }}}, "openapi": "3.0.0"}"##;
        let mut doc: Ordered = serde_json::from_str(raw).unwrap();
        mark_optional_properties_nullable(&mut doc);
        let out = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            out,
            r##"{"components":{"schemas":{"Job":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"},"note":{"type":"string","nullable":true},"state":{"allOf":[{"$ref":"#/components/schemas/State"}],"nullable":true}}}}},"openapi":"3.0.0"}"##
        );
    }
}
