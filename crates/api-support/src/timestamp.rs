use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An OpenAPI `format: date-time` value, in UTC.
///
/// Reading is lenient where services are: besides RFC 3339 with any offset,
/// it accepts an offset without its colon (`2021-01-17T12:34:00.000+0000`, as
/// Jira sends) and timestamps without an offset (`2026-11-01T12:00:00.123456`,
/// as Python services often send), taken as UTC. Writing is RFC 3339
/// with `Z`, without a fraction when the time has none
/// (`2026-11-01T12:00:00Z`) and with at most microseconds otherwise.
///
/// ```
/// use api_support::Timestamp;
/// let t: Timestamp = "2026-11-01T13:00:00+01:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2026-11-01T12:00:00Z");
/// let naive: Timestamp = "2026-11-01T12:00:00.5".parse().unwrap();
/// assert_eq!(naive.to_string(), "2026-11-01T12:00:00.500Z");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Microseconds at most: what the services store, and what BloodHound's filter pattern allows.
        f.write_str(
            &self
                .0
                .trunc_subsecs(6)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        )
    }
}

/// Why a text is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not an RFC 3339 date-time", self.0)
    }
}

impl std::error::Error for TimestampError {}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // RFC 3339, else ISO 8601's offset without a colon (`+0000`, as Jira sends).
        let offset = || DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z");
        if let Ok(t) = DateTime::parse_from_rfc3339(s).or_else(|_| offset()) {
            return Ok(Timestamp(t.with_timezone(&Utc)));
        }
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .map(|n| Timestamp(n.and_utc()))
            .ok_or_else(|| TimestampError(s.to_owned()))
    }
}

/// A `format: date-time` value a service takes only to the second, in UTC:
/// `YYYY-MM-DDThh:mm:ssZ` (Cloud Foundry's timestamp filters answer 400 to
/// a fraction or an offset). The spec says so with the pattern
/// `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$` beside `format: date-time`.
///
/// Made from any instant by **truncating** it to its second, so
/// `created_ats_gte(Utc::now())` sends the current second; read (by a server
/// stub) only from exactly that form, as the service reads it.
///
/// ```
/// use api_support::TimestampSeconds;
/// let now = chrono::DateTime::parse_from_rfc3339("2026-11-01T12:00:54.123456Z").unwrap().to_utc();
/// assert_eq!(TimestampSeconds::from(now).to_string(), "2026-11-01T12:00:54Z");
/// assert!("2026-11-01T12:00:54.1Z".parse::<TimestampSeconds>().is_err());
/// assert!("2026-11-01T13:00:54+01:00".parse::<TimestampSeconds>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimestampSeconds(DateTime<Utc>);

impl From<DateTime<Utc>> for TimestampSeconds {
    fn from(t: DateTime<Utc>) -> Self {
        TimestampSeconds(t.trunc_subsecs(0))
    }
}

impl From<Timestamp> for TimestampSeconds {
    fn from(t: Timestamp) -> Self {
        TimestampSeconds::from(t.0)
    }
}

impl From<TimestampSeconds> for Timestamp {
    fn from(t: TimestampSeconds) -> Self {
        Timestamp(t.0)
    }
}

impl fmt::Display for TimestampSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl FromStr for TimestampSeconds {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shaped = s.len() == 20
            && s.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 | 16 => b == b':',
                19 => b == b'Z',
                _ => b.is_ascii_digit(),
            });
        shaped
            .then(|| NaiveDateTime::parse_from_str(&s[..19], "%Y-%m-%dT%H:%M:%S").ok())
            .flatten()
            .map(|n| TimestampSeconds(n.and_utc()))
            .ok_or_else(|| TimestampError(s.to_owned()))
    }
}

/// What both instant types share: `into_inner`, `Deref` to the `chrono`
/// value, conversion back to it, `Debug`, and serde as their text form
/// (`Display`/`FromStr`).
macro_rules! instant_type {
    ($name:ident) => {
        impl $name {
            /// The instant as a `chrono` value.
            pub fn into_inner(self) -> DateTime<Utc> {
                self.0
            }
        }

        impl Deref for $name {
            type Target = DateTime<Utc>;
            fn deref(&self) -> &DateTime<Utc> {
                &self.0
            }
        }

        impl From<$name> for DateTime<Utc> {
            fn from(t: $name) -> Self {
                t.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

instant_type!(Timestamp);
instant_type!(TimestampSeconds);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_are_truncated_when_made_and_exact_when_read() {
        let t: Timestamp = "2026-11-01T12:00:54.999999Z".parse().unwrap();
        let seconds = TimestampSeconds::from(t);
        assert_eq!(seconds.to_string(), "2026-11-01T12:00:54Z");
        assert_eq!(Timestamp::from(seconds).to_string(), "2026-11-01T12:00:54Z");
        assert_eq!(
            "2026-11-01T12:00:54Z".parse::<TimestampSeconds>().unwrap(),
            seconds
        );
        for refused in [
            "2026-11-01T12:00:54.5Z",
            "2026-11-01T12:00:54+00:00",
            "2026-11-01t12:00:54z",
            "2026-11-01T12:00:54",
            "2026-13-01T12:00:54Z",
            "2026-11-01T12:00:54Z\n",
            "２026-11-01T12:00:54Z",
            "",
        ] {
            assert!(refused.parse::<TimestampSeconds>().is_err(), "{refused:?}");
        }
    }

    #[test]
    fn reads_offsets_fractions_and_naive_values() {
        for (input, expected) in [
            ("2026-11-01T12:00:00Z", "2026-11-01T12:00:00Z"),
            ("2026-11-01t12:00:00z", "2026-11-01T12:00:00Z"),
            ("2026-11-01T12:00:00.184211Z", "2026-11-01T12:00:00.184211Z"),
            ("2026-11-01T14:00:00+02:00", "2026-11-01T12:00:00Z"),
            ("2021-01-17T12:34:00.000+0000", "2021-01-17T12:34:00Z"),
            ("2021-01-17T14:34:00.5+0200", "2021-01-17T12:34:00.500Z"),
            ("2026-11-01T12:00:00", "2026-11-01T12:00:00Z"),
            ("2026-11-01 12:00:00.123456", "2026-11-01T12:00:00.123456Z"),
            (
                "2026-11-01T12:00:00.123456789Z",
                "2026-11-01T12:00:00.123456Z",
            ),
        ] {
            let t: Timestamp = serde_json::from_value(serde_json::json!(input)).unwrap();
            assert_eq!(serde_json::to_value(t).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        assert!("2026-11-01".parse::<Timestamp>().is_err());
        assert!("2026-11-01T12:00:00+00".parse::<Timestamp>().is_err());
        assert!(
            serde_json::from_str::<Timestamp>("\"yesterday\"")
                .unwrap_err()
                .to_string()
                .contains("`yesterday`")
        );
    }
}
