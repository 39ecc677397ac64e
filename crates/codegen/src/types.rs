//! The `<service>-types` crate: every component schema of the spec as a serde
//! model, with no HTTP dependency, shared by the client and the server stub.

use std::path::Path;

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use progenitor_impl::{CrateVers, GenerationSettings, InterfaceStyle, TypeImpl};
use quote::quote;
use schemars::schema::{InstanceType, SchemaObject};
use serde_json::Value;
use typify::TypeDetails;

use crate::enums;
use crate::error::SpecError;
use crate::transform::SUPPORT_CRATE;

/// What the types crate holds, and what it needs to build.
pub struct Types {
    pub tokens: TokenStream,
    /// The Rust names of all generated types, to be reused (not regenerated) by the client and server.
    pub names: Vec<String>,
    pub uses_chrono: bool,
    pub uses_uuid: bool,
    pub uses_regress: bool,
}

/// The settings shared by every progenitor run, so both runs name types alike.
pub fn base_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    let date_time = SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        format: Some("date-time".into()),
        ..Default::default()
    };
    // A date-time the service takes to the second (see `model::date_time_type`).
    let whole_seconds = SchemaObject {
        string: Some(Box::new(schemars::schema::StringValidation {
            pattern: Some(crate::model::WHOLE_SECONDS.into()),
            ..Default::default()
        })),
        ..date_time.clone()
    };
    settings
        .with_derive("PartialEq")
        .with_crate(SUPPORT_CRATE, CrateVers::Any, None)
        .with_conversion(
            date_time,
            "::api_support::Timestamp",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        .with_conversion(
            whole_seconds,
            "::api_support::TimestampSeconds",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    settings
}

pub fn generate(file: &Path, working: &OpenAPI, working_value: &Value) -> Result<Types, SpecError> {
    // Only the components: inline operation types belong to the client.
    let mut components_only = working.clone();
    components_only.paths = Default::default();
    let open_enums = enums::find(working_value);
    let mut settings = base_settings();
    settings.with_interface(InterfaceStyle::Positional);
    for e in &open_enums {
        settings.with_replacement(
            &e.name,
            format!("crate::{}", e.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    let (generator, _) = crate::progenitor::run(file, &components_only, &settings, "model types")?;
    let space = generator.get_type_space();
    let mut names: Vec<String> = space
        .iter_types()
        .filter(|t| {
            matches!(
                t.details(),
                TypeDetails::Struct(_) | TypeDetails::Enum(_) | TypeDetails::Newtype(_)
            )
        })
        .map(|t| t.name())
        .chain(open_enums.iter().map(|e| e.name.clone()))
        .collect();
    names.sort();
    let typify_code = space.to_stream();
    let enum_code = open_enums.iter().map(enums::generate);
    Ok(Types {
        tokens: quote! { #(#enum_code)* #typify_code },
        names,
        uses_chrono: space.uses_chrono(),
        uses_uuid: space.uses_uuid(),
        uses_regress: space.uses_regress(),
    })
}
