//! `Text`: a string that is only ever a JSON string on the wire.
//!
//! poem-openapi's `String` also accepts numbers and booleans (`5` becomes `"5"`); request
//! fields use `Text` so a wrong type is refused with 400 instead of silently converted.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub String);

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(s.to_string())
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.0
    }
}

#[cfg(feature = "server")]
mod openapi {
    use std::borrow::Cow;

    use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
    use poem_openapi::types::{
        ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
    };
    use serde_json::Value;

    use super::Text;

    impl Type for Text {
        const IS_REQUIRED: bool = true;
        type RawValueType = String;
        type RawElementValueType = String;

        fn name() -> Cow<'static, str> {
            "string".into()
        }

        fn schema_ref() -> MetaSchemaRef {
            MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
        }

        fn as_raw_value(&self) -> Option<&Self::RawValueType> {
            Some(&self.0)
        }

        fn raw_element_iter<'a>(
            &'a self,
        ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
            Box::new(std::iter::once(&self.0))
        }

        fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl ParseFromJSON for Text {
        fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
            match value.unwrap_or_default() {
                Value::String(s) => checked(s),
                other => Err(ParseError::expected_type(other)),
            }
        }
    }

    impl ParseFromParameter for Text {
        fn parse_from_parameter(value: &str) -> ParseResult<Self> {
            checked(value.to_string())
        }
    }

    /// PostgreSQL cannot store U+0000 in text, and no name or key needs it: refused here
    /// as bad input rather than failing later in the database.
    fn checked(s: String) -> ParseResult<Text> {
        if s.contains('\0') {
            return Err(ParseError::custom(
                "text must not contain the NUL character (U+0000)",
            ));
        }
        Ok(Text(s))
    }

    impl ToJSON for Text {
        fn to_json(&self) -> Option<Value> {
            Some(Value::String(self.0.clone()))
        }
    }
}
