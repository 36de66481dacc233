//! 検索文字選択のためのサポート (2.1.3, j340): the characters staff may mean when they
//! type one — the 異体字・正字 kikan folds with it, and the variation sequences (IVS)
//! the certificate font (IPAmj明朝, the MJ characters) holds for each —, to pick the one
//! a name is written with, where no keyboard or IME offers it.

use crate::AppState;
use crate::certificates::font;
use crate::error::{ApiError, ApiQuery as Query, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

#[derive(Debug, Deserialize, IntoParams)]
pub struct VariantsQuery {
    /// One character (a variation sequence's selector is ignored).
    pub char: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Candidate {
    /// The character or variation sequence.
    pub text: String,
    /// Its code points (`U+8FBA U+E0100`).
    pub codes: String,
    /// 異体字 (a variant form kikan folds with it) or IVS (a variation sequence of it).
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Candidates {
    pub char: String,
    pub candidates: Vec<Candidate>,
}

fn codes(text: &str) -> String {
    text.chars()
        .map(|c| format!("U+{:04X}", c as u32))
        .collect::<Vec<_>>()
        .join(" ")
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/chars/variants", tag = "persons",
    params(("tenant" = String, Path), VariantsQuery),
    responses((status = 200, description = "The 異体字 kikan folds with the character and the variation sequences the certificate font holds for each (2.1.3)", body = Candidates),
        (status = 400, description = "E-HTTP-400: not one character", body = ErrorBody)))]
pub async fn variants(
    State(state): State<AppState>,
    Query(q): Query<VariantsQuery>,
) -> R<Json<Candidates>> {
    let mut chars = q
        .char
        .trim()
        .chars()
        .filter(|c| !kikan_domain::names::is_variation_selector(*c));
    let (Some(base), None) = (chars.next(), chars.next()) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E-HTTP-400",
            "文字を1字だけ指定してください",
        )
        .at("char"));
    };
    let forms: Vec<char> = std::iter::once(base)
        .chain(kikan_domain::names::variants_of(base))
        .collect();
    let f = font(&state).await?;
    let face = f
        .face()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string()))?;
    let mut candidates = vec![];
    for (i, c) in forms.iter().enumerate() {
        if i > 0 && face.glyph_index(*c).is_some() {
            candidates.push(Candidate {
                text: c.to_string(),
                codes: codes(&c.to_string()),
                kind: "異体字".into(),
            });
        }
        // Ideographic Variation Sequences: VS17–VS256.
        for vs in (0xE0100..=0xE01EF).filter_map(char::from_u32) {
            if face.glyph_variation_index(*c, vs).is_some() {
                let text: String = [*c, vs].iter().collect();
                candidates.push(Candidate {
                    codes: codes(&text),
                    text,
                    kind: "IVS".into(),
                });
            }
        }
    }
    Ok(Json(Candidates {
        char: base.to_string(),
        candidates,
    }))
}
