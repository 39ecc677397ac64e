//! Front ends: every input form the generator takes, rewritten into the one
//! it works on (OpenAPI 3.0), before anything is checked or generated.
//!
//! * OpenAPI 3.0.x: as it is.
//! * OpenAPI 3.1 and 3.2 (`oas31.rs`): rewritten keyword by keyword; what
//!   has no 3.0 form is refused at its pointer, all of it in one run.
//!
//! Each front end returns notes on what the input held that the generated
//! code leaves out; `cargo xtask lint` prints them.

mod oas31;

use std::path::Path;

use serde_json::Value;

use crate::error::SpecError;

/// The document in the form the generator takes, and the notes on what was left out.
pub fn to_oas30(file: &Path, mut doc: Value) -> Result<(Value, Vec<SpecError>), Vec<SpecError>> {
    let version = doc
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if version.starts_with("3.1.") || version.starts_with("3.2.") {
        let notes = oas31::rewrite(file, &mut doc)?;
        Ok((doc, notes))
    } else {
        Ok((doc, Vec::new()))
    }
}
