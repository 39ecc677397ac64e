//! Typed query filters for services whose filter syntax is more than a plain
//! value: predicates (`created_at=gte:2026-11-01T00:00:00Z`) and sort keys
//! (`sort_by=-created_at`). What the service would reject cannot be built:
//! the operator set is part of the type.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::comma_list::{item_text, parse_item};

/// A comparison operator, written before the value: `gte:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Operator {
    /// The wire prefix, without the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Neq => "neq",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Operator::Eq,
            Operator::Neq,
            Operator::Gt,
            Operator::Gte,
            Operator::Lt,
            Operator::Lte,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    /// Whether `value` (compared with the predicate's operand) satisfies this operator.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Operator::Eq => ordering == Equal,
            Operator::Neq => ordering != Equal,
            Operator::Gt => ordering == Greater,
            Operator::Gte => ordering != Less,
            Operator::Lt => ordering == Less,
            Operator::Lte => ordering != Greater,
        }
    }
}

/// Which operators a column accepts.
pub trait Operators {
    const ALLOWED: &'static [Operator];
}

/// `eq` and `neq` only (string columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Equality;

/// `eq`, `neq`, `gt`, `gte`, `lt`, `lte` (ordered columns: ids, timestamps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ordered;

impl Operators for Equality {
    const ALLOWED: &'static [Operator] = &[Operator::Eq, Operator::Neq];
}

impl Operators for Ordered {
    const ALLOWED: &'static [Operator] = &[
        Operator::Eq,
        Operator::Neq,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
    ];
}

/// `op:value`, e.g. `Predicate::gte(timestamp)` is sent as `gte:2026-11-01T00:00:00Z`.
///
/// ```
/// use api_support::{Equality, Ordered, Predicate};
/// let recent: Predicate<i64, Ordered> = Predicate::gt(100);
/// assert_eq!(recent.to_string(), "gt:100");
/// let name: Predicate<String, Equality> = Predicate::neq("admin".to_string());
/// assert_eq!(name.to_string(), "neq:admin");
/// // `Predicate::<String, Equality>::gt(..)` does not exist: the service would reject it.
/// assert!("gt:admin".parse::<Predicate<String, Equality>>().is_err());
/// ```
pub struct Predicate<T, O = Equality> {
    operator: Operator,
    value: T,
    operators: PhantomData<O>,
}

impl<T, O> Predicate<T, O> {
    fn new(operator: Operator, value: T) -> Self {
        Predicate {
            operator,
            value,
            operators: PhantomData,
        }
    }

    pub fn operator(&self) -> Operator {
        self.operator
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    /// Whether `candidate` satisfies the predicate.
    pub fn matches(&self, candidate: &T) -> bool
    where
        T: PartialOrd,
    {
        candidate
            .partial_cmp(&self.value)
            .is_some_and(|o| self.operator.holds(o))
    }
}

impl<T, O: Operators> Predicate<T, O> {
    pub fn eq(value: impl Into<T>) -> Self {
        Self::new(Operator::Eq, value.into())
    }

    pub fn neq(value: impl Into<T>) -> Self {
        Self::new(Operator::Neq, value.into())
    }
}

/// Fallible constructors, for value types that refuse some values (a text
/// the service could not filter on exactly, say):
/// `Predicate::try_eq("jsmith@example.com")?`.
impl<T, O: Operators> Predicate<T, O> {
    pub fn try_eq<V: TryInto<T>>(value: V) -> Result<Self, V::Error> {
        Ok(Self::eq(value.try_into()?))
    }
    pub fn try_neq<V: TryInto<T>>(value: V) -> Result<Self, V::Error> {
        Ok(Self::neq(value.try_into()?))
    }
}

impl<T> Predicate<T, Ordered> {
    pub fn gt(value: impl Into<T>) -> Self {
        Self::new(Operator::Gt, value.into())
    }

    pub fn gte(value: impl Into<T>) -> Self {
        Self::new(Operator::Gte, value.into())
    }

    pub fn lt(value: impl Into<T>) -> Self {
        Self::new(Operator::Lt, value.into())
    }

    pub fn lte(value: impl Into<T>) -> Self {
        Self::new(Operator::Lte, value.into())
    }
}

impl<T: Clone, O> Clone for Predicate<T, O> {
    fn clone(&self) -> Self {
        Self::new(self.operator, self.value.clone())
    }
}

impl<T: PartialEq, O> PartialEq for Predicate<T, O> {
    fn eq(&self, other: &Self) -> bool {
        self.operator == other.operator && self.value == other.value
    }
}

impl<T: fmt::Debug, O> fmt::Debug for Predicate<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{:?}", self.operator.as_str(), self.value)
    }
}

impl<T: Serialize, O> fmt::Display for Predicate<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.operator.as_str(),
            item_text(&self.value).map_err(|_| fmt::Error)?
        )
    }
}

/// Why a predicate did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

impl<T: DeserializeOwned, O: Operators> FromStr for Predicate<T, O> {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let allowed = || {
            O::ALLOWED
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (op, value) = s.split_once(':').ok_or_else(|| {
            FilterError(format!("`{s}` should be `operator:value` ({})", allowed()))
        })?;
        // The service's own words (BloodHound's `ErrorResponseDetailsFilterPredicateNotSupported`).
        let operator = Operator::parse(op)
            .filter(|o| O::ALLOWED.contains(o))
            .ok_or_else(|| {
                FilterError(format!(
                    "the specified filter predicate is not supported for this column: `{op}` (supported: {})",
                    allowed()
                ))
            })?;
        let value = parse_item(value).map_err(|e| match e {
            crate::comma_list::CommaListError::InvalidItem { item, reason } => {
                FilterError(format!("the filter value `{item}` is not valid: {reason}"))
            }
            other => FilterError(other.to_string()),
        })?;
        Ok(Self::new(operator, value))
    }
}

impl<T: Serialize, O> Serialize for Predicate<T, O> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, T: DeserializeOwned, O: Operators> Deserialize<'de> for Predicate<T, O> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A sort key: `Sort::desc(Column::CreatedAt)` is sent as `-created_at`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sort<C> {
    pub column: C,
    pub descending: bool,
}

impl<C> Sort<C> {
    pub fn asc(column: C) -> Self {
        Sort {
            column,
            descending: false,
        }
    }

    pub fn desc(column: C) -> Self {
        Sort {
            column,
            descending: true,
        }
    }
}

impl<C: Serialize> fmt::Display for Sort<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = item_text(&self.column).map_err(|_| fmt::Error)?;
        write!(f, "{}{column}", if self.descending { "-" } else { "" })
    }
}

impl<C: DeserializeOwned> FromStr for Sort<C> {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (descending, column) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let column = parse_item(column).map_err(|e| match e {
            crate::comma_list::CommaListError::InvalidItem { reason, .. } => {
                FilterError(format!("`{column}` is not a sortable column: {reason}"))
            }
            other => FilterError(format!("`{column}` is not a sortable column: {other}")),
        })?;
        Ok(Sort { column, descending })
    }
}

impl<C: Serialize> Serialize for Sort<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, C: DeserializeOwned> Deserialize<'de> for Sort<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Column {
        Id,
        CreatedAt,
    }

    #[test]
    fn predicates_round_trip_their_wire_form() {
        let t: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let p: Predicate<Timestamp, Ordered> = Predicate::gte(t);
        assert_eq!(p.to_string(), "gte:2026-11-01T00:00:00Z");
        assert_eq!(
            "gte:2026-11-01T00:00:00Z"
                .parse::<Predicate<Timestamp, Ordered>>()
                .unwrap(),
            p
        );
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            "gte:2026-11-01T00:00:00Z"
        );
        assert!(p.matches(&t) && !Predicate::<Timestamp, Ordered>::gt(t).matches(&t));
        let id: Predicate<i64, Ordered> = "lt:7".parse().unwrap();
        assert!(id.matches(&6) && !id.matches(&7));
    }

    #[test]
    fn what_the_column_does_not_support_is_rejected() {
        let err = "gt:x".parse::<Predicate<String, Equality>>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "the specified filter predicate is not supported for this column: `gt` (supported: eq, neq)"
        );
        assert!("~eq:x".parse::<Predicate<String, Equality>>().is_err());
        assert!(
            "2026-11-01T00:00:00Z"
                .parse::<Predicate<Timestamp, Ordered>>()
                .is_err()
        );
        assert!("eq:ten".parse::<Predicate<i64, Ordered>>().is_err());
    }

    #[test]
    fn a_refused_value_is_explained_in_plain_words() {
        let said = |text: &str| {
            text.parse::<Predicate<i64, Ordered>>()
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            said("eq:ten"),
            "the filter value `ten` is not valid: expected an integer"
        );
        assert_eq!(
            said("eq:99999999999999999999"),
            "the filter value `99999999999999999999` is not valid: expected an integer in range"
        );
        let column = "name".parse::<Sort<Column>>().unwrap_err().to_string();
        assert_eq!(
            column,
            "`name` is not a sortable column: expected `id` or `created_at`"
        );
        for said in [said("eq:ten"), column] {
            assert!(
                !said.contains("invalid type") && !said.contains("line 1"),
                "{said}"
            );
        }
    }

    #[test]
    fn integers_may_have_leading_zeros_as_the_query_pattern_allows() {
        let id: Predicate<i64, Ordered> = "eq:010".parse().unwrap();
        assert_eq!(*id.value(), 10);
        let zero: Predicate<i64, Ordered> = "gt:000".parse().unwrap();
        assert_eq!(*zero.value(), 0);
        let negative: Predicate<i64, Ordered> = "lt:-007".parse().unwrap();
        assert_eq!(*negative.value(), -7);
        assert!("eq:0x10".parse::<Predicate<i64, Ordered>>().is_err());
    }

    #[test]
    fn sort_keys_use_a_leading_minus_for_descending() {
        assert_eq!(Sort::desc(Column::CreatedAt).to_string(), "-created_at");
        assert_eq!(Sort::asc(Column::Id).to_string(), "id");
        assert_eq!(
            "-created_at".parse::<Sort<Column>>().unwrap(),
            Sort::desc(Column::CreatedAt)
        );
        assert!("name".parse::<Sort<Column>>().is_err());
    }
}
