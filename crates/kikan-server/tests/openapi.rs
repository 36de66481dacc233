//! The published API description: a snapshot (a change to the API shows in review as a
//! change to `tests/snapshots/openapi__openapi.snap`), and one schema per name.
//!
//! That real responses match it is checked by every HTTP test: the test client
//! (`kikan_testsuite::http`) validates each answer against this description.

use std::collections::BTreeMap;

#[test]
fn the_description_is_the_reviewed_one() {
    let doc = serde_json::to_value(kikan_server::api_description()).unwrap_or_default();
    insta::assert_json_snapshot!("openapi", doc);
}

/// utoipa names a schema after its Rust type and keeps the last of two types with one
/// name: two `RequesterIn`s would document one body for both routes. Every type the
/// API describes must have a name of its own.
#[test]
fn every_schema_name_belongs_to_one_type() {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dir in ["src", "../kikan-app/src"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let mut schema = false;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[") && line.contains("ToSchema") {
                    schema = true;
                } else if schema && !line.starts_with("#[") && !line.starts_with("///") {
                    let name = line
                        .strip_prefix("pub struct ")
                        .or_else(|| line.strip_prefix("pub enum "))
                        .and_then(|r| r.split([' ', '<', '{', '(']).next());
                    if let Some(name) = name {
                        seen.entry(name.to_string())
                            .or_default()
                            .push(file.display().to_string());
                    }
                    schema = false;
                }
            }
        }
    }
    assert!(seen.len() > 40, "found only {} schema types", seen.len());
    let twice: Vec<_> = seen.iter().filter(|(_, f)| f.len() > 1).collect();
    assert!(twice.is_empty(), "schema names used twice: {twice:?}");
    // And the description has each reachable one under its own name.
    let doc = serde_json::to_value(kikan_server::api_description()).unwrap_or_default();
    let schemas = doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for name in [
        "DecisionRequesterIn",
        "RequesterIn",
        "AuditVerifyView",
        "CertificateVerifyView",
    ] {
        assert!(schemas.contains_key(name), "{name} is not described");
    }
    assert_eq!(
        doc["components"]["schemas"]["MeasureView"]["properties"]["history"]["type"],
        "array"
    );
}
