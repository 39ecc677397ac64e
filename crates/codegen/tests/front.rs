//! The front ends: other input forms become the OpenAPI 3.0 the generator
//! works on, exactly, or are refused at every pointer that has no 3.0 form.

use std::path::{Path, PathBuf};

fn generated(text: &str) -> Result<Vec<codegen::GeneratedFile>, codegen::Error> {
    // One name for both documents, so that only their content can differ.
    codegen::generate_text(PathBuf::from("specs/fastapi.yaml"), "fastapi".into(), text)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn a_fastapi_3_1_document_and_its_3_0_twin_generate_the_same_crates() {
    let from_31 = generated(&read("tests/samples/specs/fastapi-31.yaml")).unwrap();
    let from_30 = generated(&read("tests/front/fastapi-30.yaml")).unwrap();
    assert_eq!(from_31.len(), from_30.len());
    for (a, b) in from_31.iter().zip(&from_30) {
        assert_eq!(a.path, b.path);
        assert!(a.contents == b.contents, "{} differs", a.path.display());
    }
}

#[test]
fn every_3_1_construct_without_a_3_0_form_is_reported_at_its_pointer_in_one_run() {
    let spec = r#"{
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": {},
        "components": {"schemas": {
            "Pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
            "Shape": {"type": "object", "if": {"required": ["radius"]}, "then": {"required": ["center"]}},
            "Closed": {"type": "object", "properties": {"a": {"unevaluatedProperties": false}}}
        }}
    }"#;
    let Err(codegen::Error::Spec(errors)) = generated(spec) else {
        panic!("a 3.1 spec with constructs that have no 3.0 form generated");
    };
    let at: Vec<String> = errors.iter().map(|e| e.location.to_string()).collect();
    for pointer in [
        " at #/jsonSchemaDialect",
        " at #/components/schemas/Pair/prefixItems",
        " at #/components/schemas/Shape/if",
        " at #/components/schemas/Shape/then",
        " at #/components/schemas/Closed/properties/a/unevaluatedProperties",
    ] {
        assert!(
            at.iter().any(|a| a == pointer),
            "{pointer} missing in {at:?}"
        );
    }
    assert_eq!(errors.len(), 5, "{errors:?}");
}
