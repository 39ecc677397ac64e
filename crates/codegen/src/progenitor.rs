//! Running progenitor safely: its panics (`assert!`, `todo!`,
//! `unimplemented!` are reachable from ordinary specs) become errors that
//! name the spec and what progenitor was doing.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator};

use crate::error::SpecError;

/// Runs progenitor over a working copy; returns the generator (for its type
/// space) and the client tokens.
pub fn run(
    file: &Path,
    spec: &OpenAPI,
    settings: &GenerationSettings,
    what: &str,
) -> Result<(Generator, TokenStream), SpecError> {
    let previous = std::panic::take_hook();
    // `CODEGEN_DEBUG_PANICS=1` keeps the panic message and backtrace on stderr,
    // to find the construct behind a new panic.
    if std::env::var_os("CODEGEN_DEBUG_PANICS").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut generator = Generator::new(settings);
        let tokens = generator.generate_tokens(spec);
        (generator, tokens)
    }));
    std::panic::set_hook(previous);
    match outcome {
        Ok((generator, Ok(tokens))) => Ok((generator, tokens)),
        Ok((_, Err(e))) => Err(SpecError::at(
            file,
            "",
            format!("progenitor could not generate the {what}: {e}"),
        )),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(SpecError::at(
                file,
                "",
                format!(
                    "progenitor panicked while generating the {what} ({}): `{message}`; the generator has no rewrite \
                     for this construct yet (see crates/codegen/src/transform.rs)",
                    construct(&message)
                ),
            ))
        }
    }
}

/// The spec construct behind a known progenitor or typify panic.
fn construct(message: &str) -> &'static str {
    const KNOWN: &[(&str, &str)] = &[
        (
            "response_types.len() <= 1",
            "an operation whose success or error responses have different bodies",
        ),
        (
            "invalid type: null",
            "a schema with `type: 'null'` outside a nullable union",
        ),
        (
            "positional arguments with separate tags",
            "positional interface with separate tags",
        ),
        (
            "unique variant names",
            "an enum whose values differ only in case or punctuation",
        ),
    ];
    KNOWN
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("a construct progenitor does not support", |(_, c)| c)
}

/// progenitor's own client for a working copy, with its default settings (builder style),
/// formatted: the baseline the generator's cost is measured against.
pub fn plain_client(file: &Path, working: &OpenAPI) -> Result<String, SpecError> {
    let mut settings = GenerationSettings::new();
    settings.with_interface(progenitor_impl::InterfaceStyle::Builder);
    let (_, tokens) = run(file, working, &settings, "plain progenitor client")?;
    let parsed: syn::File = syn::parse2(tokens)
        .map_err(|e| SpecError::at(file, "", format!("progenitor output does not parse: {e}")))?;
    Ok(prettyplease::unparse(&parsed))
}
