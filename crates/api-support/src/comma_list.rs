use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A list sent as one comma-separated value: `types=audit.app.create,audit.app.update`.
///
/// OpenAPI calls this `style: form, explode: false`. Items are written with
/// their serde form (a timestamp as RFC 3339, a number as digits); an item
/// whose text contains a comma cannot be sent this way, so building such a
/// list fails.
///
/// ```
/// use api_support::CommaList;
/// let list: CommaList<String> = CommaList::try_from(vec!["a".to_string(), "b".to_string()]).unwrap();
/// assert_eq!(list.to_string(), "a,b");
/// assert_eq!("a,b".parse::<CommaList<String>>().unwrap(), list);
/// assert!(CommaList::try_from(vec!["a,b".to_string()]).is_err());
/// ```
///
/// [`PipeList`] and [`SpaceList`] are the same for `style: pipeDelimited`
/// (`a|b`) and `style: spaceDelimited` (`a b`): one [`DelimitedList`] type,
/// its delimiter a type parameter.
pub type CommaList<T> = DelimitedList<T, Comma>;

/// A list sent as one pipe-separated value (`style: pipeDelimited`): `a|b`.
pub type PipeList<T> = DelimitedList<T, Pipe>;

/// A list sent as one space-separated value (`style: spaceDelimited`): `a b`.
pub type SpaceList<T> = DelimitedList<T, Space>;

/// A list sent as one value, its items joined by the delimiter `D`.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct DelimitedList<T, D: Delimiter = Comma>(Vec<T>, std::marker::PhantomData<D>);

/// The character a [`DelimitedList`] joins its items with.
pub trait Delimiter {
    const CHAR: char;
    /// As error messages name it (`comma`).
    const NAME: &'static str;
}

macro_rules! delimiters {
    ($($(#[$doc:meta])* $name:ident $char:literal $word:literal),*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl Delimiter for $name {
            const CHAR: char = $char;
            const NAME: &'static str = $word;
        }
    )*};
}

delimiters!(
    /// `,` (`style: form, explode: false`).
    Comma ',' "comma",
    /// `|` (`style: pipeDelimited`).
    Pipe '|' "pipe",
    /// ` ` (`style: spaceDelimited`).
    Space ' ' "space"
);

/// Why a [`DelimitedList`] could not be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommaListError {
    /// An item's text contains the delimiter, which would split it in two.
    ItemContainsDelimiter {
        item: String,
        delimiter: &'static str,
    },
    /// The list has no items (or one empty item, which reads the same on the
    /// wire): leave the parameter out instead.
    Empty,
    /// An item did not parse.
    InvalidItem { item: String, reason: String },
}

impl fmt::Display for CommaListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommaListError::ItemContainsDelimiter { item, delimiter } => {
                write!(f, "list item `{item}` contains a {delimiter}")
            }
            CommaListError::Empty => f.write_str("a delimited list needs at least one item"),
            CommaListError::InvalidItem { item, reason } => {
                write!(f, "invalid list item `{item}`: {reason}")
            }
        }
    }
}

impl std::error::Error for CommaListError {}

impl<T, D: Delimiter> DelimitedList<T, D> {
    /// The items, in order.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    /// The items, in order.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

/// The wire text of one item: its JSON form, unquoted when it is a string.
pub(crate) fn item_text<T: Serialize>(item: &T) -> Result<String, CommaListError> {
    match serde_json::to_value(item) {
        Ok(Value::String(s)) => Ok(s),
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => Ok(v.to_string()),
        Ok(other) => Err(CommaListError::InvalidItem {
            item: other.to_string(),
            reason: "not a scalar".into(),
        }),
        Err(e) => Err(CommaListError::InvalidItem {
            item: String::new(),
            reason: e.to_string(),
        }),
    }
}

/// Reads one item from its wire text: as a string first, then as a JSON
/// scalar. An integer may have leading zeros (`010` is 10, as a query
/// parameter's `[0-9]+` allows and the services read it), which JSON does not.
/// A refusal says what was expected in plain words, not serde's.
pub(crate) fn parse_item<T: DeserializeOwned>(text: &str) -> Result<T, CommaListError> {
    serde_json::from_value(Value::String(text.to_owned()))
        .or_else(|first| serde_json::from_str(&without_leading_zeros(text)).map_err(|_| first))
        .map_err(|e| CommaListError::InvalidItem {
            item: text.to_owned(),
            reason: plain_reason(text, &e.to_string()),
        })
}

/// `010` as `10`, `-007` as `-7`, `000` as `0`; any other text as it is.
fn without_leading_zeros(text: &str) -> std::borrow::Cow<'_, str> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
        let kept = digits.trim_start_matches('0');
        let kept = if kept.is_empty() { "0" } else { kept };
        std::borrow::Cow::Owned(format!("{sign}{kept}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// What a value should have been, from serde's message (`invalid type:
/// string "x", expected i64`), in the words a caller of the service reads:
/// "expected an integer", "expected one of `a`, `b`".
fn plain_reason(text: &str, serde_message: &str) -> String {
    let message = serde_message
        .split(" at line ")
        .next()
        .unwrap_or(serde_message);
    let expected = message.rsplit_once("expected ").map(|(_, e)| e.trim());
    let digits = {
        let digits = text.strip_prefix('-').unwrap_or(text);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let integer = matches!(
        expected,
        Some(
            "i8" | "i16"
                | "i32"
                | "i64"
                | "i128"
                | "isize"
                | "u8"
                | "u16"
                | "u32"
                | "u64"
                | "u128"
                | "usize"
        )
    );
    let kind = match expected {
        // Digits that do not fit the column's integer.
        _ if integer && digits => "an integer in range".to_owned(),
        _ if message.contains("out of range") => "a number in range".to_owned(),
        Some("i8" | "i16" | "i32" | "i64" | "i128" | "isize") => "an integer".to_owned(),
        Some("u8" | "u16" | "u32" | "u64" | "u128" | "usize") => {
            "a non-negative integer".to_owned()
        }
        Some("f32" | "f64") => "a number".to_owned(),
        Some("a boolean") => "`true` or `false`".to_owned(),
        Some(other) if message.starts_with("unknown variant") => other.to_owned(),
        // A type's own message (a timestamp's, say) is already plain.
        _ => return message.to_owned(),
    };
    format!("expected {kind}")
}

impl<T: Serialize, D: Delimiter> DelimitedList<T, D> {
    /// Builds a list, checking that there is an item and that no item contains the delimiter.
    pub fn new(items: impl IntoIterator<Item = T>) -> Result<Self, CommaListError> {
        let items: Vec<T> = items.into_iter().collect();
        if items.is_empty() {
            return Err(CommaListError::Empty);
        }
        for item in &items {
            let text = item_text(item)?;
            if text.contains(D::CHAR) {
                return Err(CommaListError::ItemContainsDelimiter {
                    item: text,
                    delimiter: D::NAME,
                });
            }
            // `a=` is the wire form of the empty list: one empty item cannot be told from it.
            if text.is_empty() && items.len() == 1 {
                return Err(CommaListError::Empty);
            }
        }
        Ok(DelimitedList(items, std::marker::PhantomData))
    }

    /// The wire form, `a,b,c` (`a|b|c`, `a b c`).
    pub fn to_wire(&self) -> String {
        self.0
            .iter()
            .map(|i| item_text(i).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(D::CHAR.encode_utf8(&mut [0; 4]))
    }
}

impl<T: Serialize, D: Delimiter> TryFrom<Vec<T>> for DelimitedList<T, D> {
    type Error = CommaListError;
    fn try_from(items: Vec<T>) -> Result<Self, Self::Error> {
        DelimitedList::new(items)
    }
}

impl<T: Serialize, D: Delimiter, const N: usize> TryFrom<[T; N]> for DelimitedList<T, D> {
    type Error = CommaListError;
    fn try_from(items: [T; N]) -> Result<Self, Self::Error> {
        DelimitedList::new(items)
    }
}

impl<D: Delimiter, const N: usize> TryFrom<[&str; N]> for DelimitedList<String, D> {
    type Error = CommaListError;
    fn try_from(items: [&str; N]) -> Result<Self, Self::Error> {
        DelimitedList::new(items.map(str::to_owned))
    }
}

impl<D: Delimiter> TryFrom<Vec<&str>> for DelimitedList<String, D> {
    type Error = CommaListError;
    fn try_from(items: Vec<&str>) -> Result<Self, Self::Error> {
        DelimitedList::new(items.into_iter().map(str::to_owned))
    }
}

/// Whole-second timestamps from any instants (each truncated to its second).
macro_rules! whole_seconds_from {
    ($($from:ty),*) => {$(
        impl<D: Delimiter> TryFrom<Vec<$from>> for DelimitedList<crate::TimestampSeconds, D> {
            type Error = CommaListError;
            fn try_from(items: Vec<$from>) -> Result<Self, Self::Error> {
                DelimitedList::new(items.into_iter().map(crate::TimestampSeconds::from))
            }
        }

        impl<D: Delimiter, const N: usize> TryFrom<[$from; N]> for DelimitedList<crate::TimestampSeconds, D> {
            type Error = CommaListError;
            fn try_from(items: [$from; N]) -> Result<Self, Self::Error> {
                DelimitedList::new(items.map(crate::TimestampSeconds::from))
            }
        }
    )*};
}

whole_seconds_from!(crate::Timestamp, chrono::DateTime<chrono::Utc>);

impl<T: DeserializeOwned, D: Delimiter> TryFrom<&str> for DelimitedList<T, D> {
    type Error = CommaListError;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl<T, D: Delimiter> std::ops::Deref for DelimitedList<T, D> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T, D: Delimiter> IntoIterator for DelimitedList<T, D> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T: fmt::Debug, D: Delimiter> fmt::Debug for DelimitedList<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<T: Serialize, D: Delimiter> fmt::Display for DelimitedList<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}

impl<T: DeserializeOwned, D: Delimiter> FromStr for DelimitedList<T, D> {
    type Err = CommaListError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(CommaListError::Empty);
        }
        text.split(D::CHAR)
            .map(parse_item)
            .collect::<Result<Vec<T>, _>>()
            .map(|items| DelimitedList(items, std::marker::PhantomData))
    }
}

impl<T: Serialize, D: Delimiter> Serialize for DelimitedList<T, D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

impl<'de, T: DeserializeOwned, D: Delimiter> Deserialize<'de> for DelimitedList<T, D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn serializes_as_one_value() {
        let l = CommaList::new(["x".to_string(), "y".to_string()]).unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"x,y\"");
        let back: CommaList<String> = serde_json::from_str("\"x,y\"").unwrap();
        assert_eq!(back.as_slice(), ["x", "y"]);
    }

    #[test]
    fn timestamps_use_their_rfc3339_wire_form() {
        let l: CommaList<DateTime<Utc>> =
            "2026-11-01T00:00:00Z,2026-11-02T00:00:00Z".parse().unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l.to_string(), "2026-11-01T00:00:00Z,2026-11-02T00:00:00Z");
    }

    #[test]
    fn numbers_round_trip() {
        let l: CommaList<u32> = "1,22".parse().unwrap();
        assert_eq!(l.as_slice(), [1, 22]);
        assert_eq!(l.to_wire(), "1,22");
    }

    #[test]
    fn pipes_and_spaces_delimit_their_lists() {
        let pipes: PipeList<String> = PipeList::try_from(["a,b", "c"]).unwrap();
        assert_eq!(pipes.to_wire(), "a,b|c");
        assert_eq!("a,b|c".parse::<PipeList<String>>().unwrap(), pipes);
        let spaces: SpaceList<u32> = "1 2".parse().unwrap();
        assert_eq!(spaces.as_slice(), [1, 2]);
        assert_eq!(spaces.to_string(), "1 2");
        assert_eq!(
            SpaceList::new(["a b"]).unwrap_err().to_string(),
            "list item `a b` contains a space"
        );
    }

    #[test]
    fn bad_items_are_rejected() {
        assert_eq!(
            CommaList::new(Vec::<String>::new()),
            Err(CommaListError::Empty)
        );
        assert_eq!(
            CommaList::new(["a,b"]),
            Err(CommaListError::ItemContainsDelimiter {
                item: "a,b".into(),
                delimiter: "comma"
            })
        );
        assert_eq!(
            CommaList::new([""]),
            Err(CommaListError::Empty),
            "`a=` is the empty list"
        );
        assert_eq!(CommaList::new(["", "b"]).unwrap().to_wire(), ",b");
        assert!(matches!(
            "1,x".parse::<CommaList<u32>>(),
            Err(CommaListError::InvalidItem { .. })
        ));
    }
}
