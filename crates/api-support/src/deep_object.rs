//! `style: deepObject` query parameters: an object sent as one query pair per
//! property, `filter[status]=active&filter[type]=audit`.
//!
//! The generated client sends a parameter so with [`DeepObject`]; the server
//! stub reads it back with `server::Params::deep_object`.
//!
//! ```
//! use api_support::DeepObject;
//! let filter = serde_json::json!({"status": "active", "since": {"year": 2026}, "tags": ["a", "b"]});
//! let pairs = DeepObject::new("filter", &filter).pairs().unwrap();
//! assert_eq!(
//!     pairs,
//!     [
//!         ("filter[since][year]".to_owned(), "2026".to_owned()),
//!         ("filter[status]".to_owned(), "active".to_owned()),
//!         ("filter[tags]".to_owned(), "a".to_owned()),
//!         ("filter[tags]".to_owned(), "b".to_owned()),
//!     ]
//! );
//! ```

use serde::{Serialize, Serializer};
use serde_json::Value;

/// A query parameter sent as a deep object: `name[property]=value`, nested
/// objects as `name[a][b]`, an array property as its key repeated, an absent
/// (`None`) parameter as no pair at all.
pub struct DeepObject<'a, T: ?Sized> {
    name: &'a str,
    value: &'a T,
}

impl<'a, T: Serialize + ?Sized> DeepObject<'a, T> {
    pub fn new(name: &'a str, value: &'a T) -> Self {
        DeepObject { name, value }
    }

    /// The query pairs, in property order.
    pub fn pairs(&self) -> Result<Vec<(String, String)>, serde_json::Error> {
        let mut out = Vec::new();
        flatten(self.name, &serde_json::to_value(self.value)?, &mut out);
        Ok(out)
    }
}

fn flatten(key: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{key}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                flatten(key, item, out);
            }
        }
        Value::String(s) => out.push((key.to_owned(), s.clone())),
        other => out.push((key.to_owned(), other.to_string())),
    }
}

impl<T: Serialize + ?Sized> Serialize for DeepObject<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.pairs()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}
