//! The front ends: other input forms become the OpenAPI 3.0 the generator
//! works on, exactly, or are refused at every pointer that has no 3.0 form.

use std::path::{Path, PathBuf};

fn generated(text: &str) -> Result<Vec<codegen::GeneratedFile>, codegen::Error> {
    // One name for both documents, so that only their content can differ.
    codegen::generate_text(PathBuf::from("specs/fastapi.yaml"), "fastapi".into(), text)
}

/// Both documents generate, and the same files.
fn twins(a: &str, b: &str) {
    let from_a = generated(&read(a)).unwrap();
    let from_b = generated(&read(b)).unwrap();
    assert_eq!(from_a.len(), from_b.len());
    for (a, b) in from_a.iter().zip(&from_b) {
        assert_eq!(a.path, b.path);
        assert!(
            a.contents == b.contents,
            "{} differs:\n{}\n----\n{}",
            a.path.display(),
            a.contents,
            b.contents
        );
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn a_fastapi_3_1_document_and_its_3_0_twin_generate_the_same_crates() {
    twins(
        "tests/samples/specs/fastapi-31.yaml",
        "tests/front/fastapi-30.yaml",
    );
}

#[test]
fn a_swagger_2_0_document_and_its_3_0_twin_generate_the_same_crates() {
    twins(
        "tests/samples/specs/swagger-20.yaml",
        "tests/front/swagger-30.yaml",
    );
}

#[test]
fn a_swagger_construct_without_a_3_0_form_is_reported_at_its_pointer() {
    let spec = r#"{
        "swagger": "2.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"operationId": "a", "parameters": [
            {"name": "ids", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"}
        ], "responses": {"204": {"description": "ok"}}}}}
    }"#;
    let Err(codegen::Error::Spec(errors)) = generated(spec) else {
        panic!("a tab-separated list generated");
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].location.to_string(),
        " at #/paths/~1a/get/parameters/0/collectionFormat"
    );
    let Err(codegen::Error::Spec(errors)) = generated(r#"{"swagger": "1.2", "info": {}}"#) else {
        panic!("a Swagger 1.2 document generated");
    };
    assert!(
        errors[0]
            .to_string()
            .contains("only Swagger 2.0 and OpenAPI 3.x"),
        "{errors:?}"
    );
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
