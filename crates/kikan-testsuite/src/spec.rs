//! Real answers against the published API description: every response an HTTP test
//! receives through [`crate::http::Caller`] is checked here. Its path and method must be
//! described (a 405 excepted: the path exists, the method does not), its status must be
//! among the operation's documented responses, and a JSON body must validate against
//! the schema documented for that status (JSON Schema 2020-12, as OpenAPI 3.1 uses).

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn description() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(kikan_server::api_description()).unwrap_or_default())
}

/// The described path template a concrete path falls under; literal segments win
/// over parameters (`/certificates/verify` before `/certificates/{serial}`).
fn template(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let paths = description()["paths"].as_object()?;
    paths
        .keys()
        .filter_map(|t| {
            let tp: Vec<&str> = t.split('/').collect();
            if tp.len() != parts.len() {
                return None;
            }
            let mut literal = 0;
            for (a, b) in tp.iter().zip(&parts) {
                if a.starts_with('{') && a.ends_with('}') {
                    if b.is_empty() {
                        return None;
                    }
                } else if a == b {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, t.clone()))
        })
        .max()
        .map(|(_, t)| t)
}

type Validators = Mutex<HashMap<String, Arc<jsonschema::Validator>>>;

fn validator(key: &str, schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
    static CACHE: OnceLock<Validators> = OnceLock::new();
    let cache = CACHE.get_or_init(Validators::default);
    if let Some(v) = cache.lock().map_err(|e| e.to_string())?.get(key) {
        return Ok(v.clone());
    }
    // The response schema, with the description's components beside it so that its
    // `#/components/schemas/…` references resolve.
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": description()["components"],
        "allOf": [schema],
    });
    let v = Arc::new(
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .map_err(|e| format!("{key}: the schema does not compile: {e}"))?,
    );
    cache
        .lock()
        .map_err(|e| e.to_string())?
        .insert(key.to_string(), v.clone());
    Ok(v)
}

/// Checks one answer; the error says what the description lacks or what differs.
pub fn check(
    method: &str,
    path: &str,
    status: u16,
    json_body: Option<&Value>,
) -> Result<(), String> {
    if !path.starts_with("/api/") && path != "/health" {
        return Ok(()); // the description itself and the UI's static files
    }
    let Some(t) = template(path) else {
        return Err(format!("{method} {path}: no described path"));
    };
    let m = method.to_ascii_lowercase();
    let m = if m == "head" { "get".into() } else { m };
    let Some(op) = description()["paths"][&t].get(&m) else {
        return if status == 405 {
            Ok(())
        } else {
            Err(format!(
                "{method} {t}: not described, yet answered {status}"
            ))
        };
    };
    let responses = &op["responses"];
    let Some(response) = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
    else {
        return Err(format!(
            "{method} {t} answered {status}, which is not among its documented responses {:?}",
            responses
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
        ));
    };
    let (Some(body), Some(schema)) = (
        json_body,
        response["content"]["application/json"].get("schema"),
    ) else {
        return Ok(());
    };
    let key = format!("{m} {t} {status}");
    let v = validator(&key, schema)?;
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        let text = body.to_string();
        let shown: String = text.chars().take(400).collect();
        Err(format!(
            "{key}: the body does not match its schema: {errors:?}\n{shown}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_refuses_what_the_description_does_not_say() {
        let tenants = "/api/v1/tenants";
        assert!(check("GET", tenants, 200, Some(&json!([]))).is_ok());
        assert!(check("GET", tenants, 200, Some(&json!({"x": 1}))).is_err());
        assert!(check("GET", tenants, 418, None).is_err());
        assert!(check("GET", "/api/v1/nowhere", 404, None).is_err());
        // A method the path does not have: only a 405 is right.
        assert!(check("DELETE", tenants, 405, None).is_ok());
        assert!(check("DELETE", tenants, 403, None).is_err());
        // A literal segment wins over a parameter.
        assert_eq!(
            template("/api/v1/tenants/141003/certificates/verify").as_deref(),
            Some("/api/v1/tenants/{tenant}/certificates/verify")
        );
        let error = json!({"code": "E-AUTH-001", "message": "ログインしてください"});
        assert!(check("GET", "/api/v1/tenants/141003/me", 401, Some(&error)).is_ok());
        assert!(
            check(
                "GET",
                "/api/v1/tenants/141003/me",
                401,
                Some(&json!({"code": 1}))
            )
            .is_err()
        );
    }
}
