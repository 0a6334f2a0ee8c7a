//! Generates the client from the committed spec, `openapi/openapi.json`, at build time; the
//! generated code lands in `OUT_DIR` and is never edited or committed.
//!
//! progenitor cannot express a `multipart/form-data` request body and refuses the whole spec
//! over one. The API offers every such upload a twin at `<path>/binary` taking the file as
//! `application/octet-stream`, so the multipart forms are left out of the generator's input
//! (and this script fails if one ever lacks its twin).
//!
//! progenitor also takes one error body per operation, and an import's rejection
//! (`ImportRejected`) is the API's error shape (`ErrorBody`) plus the report. The generator
//! reads the rejection as an `ErrorBody` (this script checks that it has every field of one);
//! nothing else is touched.
//!
//! progenitor takes `application/json` request bodies but not `application/merge-patch+json`,
//! the media type of the `PATCH` operations, which the server also takes as `application/json`:
//! the generator is given those bodies as `application/json` (same schema).

use std::path::Path;

use openapiv3::{OpenAPI, Operation, ReferenceOr};

fn main() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../openapi/openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = std::fs::read_to_string(&spec_path).unwrap_or_else(|e| panic!("reading {}: {e}", spec_path.display()));
    let mut spec: OpenAPI = serde_json::from_str(&text).expect("the spec is an OpenAPI 3.0 document");
    leave_out_multipart_uploads(&mut spec);
    read_rejections_as_errors(&mut spec);
    send_merge_patches_as_json(&mut spec);
    let mut settings = progenitor::GenerationSettings::default();
    settings.with_interface(progenitor::InterfaceStyle::Builder);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor cannot express the spec: {e}"));
    let file = syn::parse2(tokens).expect("progenitor's output parses as Rust");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("client.rs");
    std::fs::write(&out, prettyplease::unparse(&file)).expect("writing the generated client");
}

/// Points every response that answers with an `ImportRejected` at `ErrorBody` instead, after
/// checking that a rejection carries every field of an `ErrorBody`.
fn read_rejections_as_errors(spec: &mut OpenAPI) {
    const REJECTED: &str = "#/components/schemas/ImportRejected";
    const ERROR: &str = "#/components/schemas/ErrorBody";
    let fields = |name: &str| -> Vec<String> {
        match spec.components.as_ref().and_then(|c| c.schemas.get(name)) {
            Some(ReferenceOr::Item(schema)) => match &schema.schema_kind {
                openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) => {
                    object.properties.keys().cloned().collect()
                }
                _ => panic!("{name} is not an object"),
            },
            _ => panic!("the spec has no schema {name}"),
        }
    };
    let rejected = fields("ImportRejected");
    for field in fields("ErrorBody") {
        assert!(rejected.contains(&field), "ImportRejected lacks ErrorBody's `{field}`");
    }
    for item in spec.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else { continue };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            for response in operation.responses.responses.values_mut() {
                let ReferenceOr::Item(response) = response else {
                    continue;
                };
                for media in response.content.values_mut() {
                    if matches!(&media.schema, Some(ReferenceOr::Reference { reference }) if reference == REJECTED) {
                        media.schema = Some(ReferenceOr::Reference {
                            reference: ERROR.into(),
                        });
                    }
                }
            }
        }
    }
}

/// Offers every `application/merge-patch+json` request body as `application/json`.
fn send_merge_patches_as_json(spec: &mut OpenAPI) {
    for item in spec.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else { continue };
        let Some(operation) = item.patch.as_mut() else { continue };
        let Some(ReferenceOr::Item(body)) = operation.request_body.as_mut() else {
            continue;
        };
        if let Some(media) = body.content.shift_remove("application/merge-patch+json") {
            body.content.insert("application/json".into(), media);
        }
    }
}

fn takes_multipart(operation: &Operation) -> bool {
    matches!(&operation.request_body, Some(ReferenceOr::Item(body))
        if body.content.keys().any(|media| media.starts_with("multipart/")))
}

fn takes_octet_stream(operation: &Operation) -> bool {
    matches!(&operation.request_body, Some(ReferenceOr::Item(body))
        if body.content.keys().any(|media| media == "application/octet-stream"))
}

/// Removes the multipart POST operations, each after checking that its binary twin exists.
fn leave_out_multipart_uploads(spec: &mut OpenAPI) {
    let twins: Vec<String> = spec
        .paths
        .paths
        .iter()
        .filter_map(|(path, item)| match item {
            ReferenceOr::Item(item) if item.post.as_ref().is_some_and(takes_octet_stream) => Some(path.clone()),
            _ => None,
        })
        .collect();
    for (path, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else { continue };
        for operation in item.iter() {
            let (_, operation) = operation;
            if takes_multipart(operation) && operation.operation_id.is_some() {
                let twin = format!("{path}/binary");
                assert!(
                    twins.contains(&twin),
                    "{path} takes a multipart upload but has no application/octet-stream twin at {twin}"
                );
            }
        }
        if item.post.as_ref().is_some_and(takes_multipart) {
            item.post = None;
        }
        assert!(
            !item.iter().any(|(_, operation)| takes_multipart(operation)),
            "{path}: only POST uploads have binary twins"
        );
    }
}
