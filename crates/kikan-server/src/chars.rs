//! 検索文字選択のためのサポート (2.1.3, j340): the characters staff may mean when they
//! type one — the 異体字・正字 kikan folds with it, and the variation sequences (IVS)
//! the certificate font (IPAmj明朝, the MJ characters) holds for each —, to pick the one
//! a name is written with, where no keyboard or IME offers it.

use crate::AppState;
use crate::auth::Principal;
use crate::certificates::{cert_error, font};
use crate::error::{ApiError, ApiJson as Json, ApiQuery as Query, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use kikan_cert::settings;
use kikan_domain::LocalGovCode;
use kikan_domain::gaiji::Gaiji;
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
    /// 登録外字 or 登録外字の異体字 (the municipality registered it: 2.1.2), 異体字 (a
    /// variant form kikan folds with it) or IVS (a variation sequence of it).
    pub kind: String,
    /// Whether the certificate font (IPAmj明朝) has its glyph.
    pub printable: bool,
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
    responses((status = 200, description = "The municipality's registered 外字 naming the character and their 異体字 (2.1.2), the 異体字 kikan folds with it and the variation sequences the certificate font holds for each (2.1.3)", body = Candidates),
        (status = 400, description = "E-HTTP-400: not one character", body = ErrorBody)))]
pub async fn variants(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
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
    let face = f.face().map_err(cert_error)?;
    let printable = f.printable().map_err(cert_error)?;
    let mut candidates = vec![];
    // The municipality's registered 外字 naming it, and their 異体字 (2.1.2), first.
    let typed = base.to_string();
    for g in settings::gaiji(&*state.store, p.tenant).await? {
        if !g.in_use || !g.names(&typed) {
            continue;
        }
        let own = std::iter::once((g.text.clone(), "登録外字"));
        let variants = g.variants.iter().map(|v| (v.clone(), "登録外字の異体字"));
        for (text, kind) in own.chain(variants) {
            if text != typed {
                candidates.push(Candidate {
                    codes: codes(&text),
                    printable: printable(&text),
                    text,
                    kind: kind.into(),
                });
            }
        }
    }
    for (i, c) in forms.iter().enumerate() {
        if i > 0 && face.glyph_index(*c).is_some() {
            candidates.push(Candidate {
                text: c.to_string(),
                codes: codes(&c.to_string()),
                kind: "異体字".into(),
                printable: true,
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
                    printable: true,
                });
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    candidates.retain(|c| seen.insert(c.text.clone()));
    Ok(Json(Candidates {
        char: typed,
        candidates,
    }))
}

// ---------- 外字 (2.1.2) ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct GaijiChar {
    pub text: String,
    /// Its code points (`U+20BB7`).
    pub codes: String,
    /// Whether the certificate font (IPAmj明朝) has its glyph: one it lacks cannot be
    /// printed on a certificate.
    pub printable: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GaijiView {
    /// 登録番号.
    pub id: i64,
    #[serde(flatten)]
    pub char: GaijiChar,
    /// MJ文字図形名.
    pub mj: Option<String>,
    pub note: String,
    /// The 異体字 registered with it.
    pub variants: Vec<GaijiChar>,
    pub in_use: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GaijiIn {
    /// 0 registers a new one; a 登録番号 corrects that registration.
    #[serde(default)]
    pub id: i64,
    /// The 外字: one ideograph (with its variation selector, where it has one) or a
    /// character of the private-use plane 15.
    pub text: String,
    /// MJ文字図形名 (`MJ012345`).
    #[serde(default)]
    pub mj: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Its 異体字, one character each.
    pub variants: Vec<String>,
    #[serde(default = "yes")]
    pub in_use: bool,
}

fn yes() -> bool {
    true
}

async fn gaiji_views(state: &AppState, tenant: LocalGovCode) -> R<Vec<GaijiView>> {
    let all = settings::gaiji(&*state.store, tenant).await?;
    let f = font(state).await?;
    let printable = f.printable().map_err(cert_error)?;
    let view = |text: &str| GaijiChar {
        text: text.to_string(),
        codes: codes(text),
        printable: printable(text),
    };
    Ok(all
        .iter()
        .map(|g| GaijiView {
            id: g.id,
            char: view(&g.text),
            mj: g.mj.clone(),
            note: g.note.clone(),
            variants: g.variants.iter().map(|v| view(v)).collect(),
            in_use: g.in_use,
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/gaiji", tag = "persons",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The registered 外字 and their 異体字 (2.1.2)", body = Vec<GaijiView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<GaijiView>>> {
    Ok(Json(gaiji_views(&state, p.tenant).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/gaiji", tag = "persons", request_body = GaijiIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered (or corrected): a search for any of its characters finds the others at once; the registered 外字", body = Vec<GaijiView>),
        (status = 404, description = "E-GAIJI-003: no registration with this number", body = ErrorBody),
        (status = 409, description = "E-GAIJI-002: the character is registered already", body = ErrorBody),
        (status = 422, description = "E-GAIJI-001: a character, 異体字 or MJ文字図形名 that cannot be kept", body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<GaijiIn>,
) -> R<Json<Vec<GaijiView>>> {
    let g = Gaiji {
        id: input.id,
        text: input.text,
        mj: input.mj,
        note: input.note,
        variants: input.variants,
        in_use: input.in_use,
    };
    let saved = settings::put_gaiji(&*state.store, p.tenant, g).await?;
    audit(
        &state,
        &p,
        "gaiji.put",
        vec![],
        format!(
            "外字 登録番号{} {} ({}) 異体字: {}{}",
            saved.id,
            saved.text,
            codes(&saved.text),
            saved.variants.join("・"),
            if saved.in_use { "" } else { " (使用停止)" }
        ),
    )
    .await?;
    Ok(Json(gaiji_views(&state, p.tenant).await?))
}
