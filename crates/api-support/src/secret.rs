use std::fmt;

/// A credential (token, API key, password). `Debug` and `Display` never show
/// it; read it with [`Secret::expose`] at the one place that sends it.
///
/// ```
/// let s = api_support::Secret::from("hunter2");
/// assert_eq!(format!("{s:?}"), "Secret(\"<redacted>\")");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The credential itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Secret").field(&"<redacted>").finish()
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}
