//! 認証者, 電子公印 and fixed phrases of certificates (1.3.7, 1.3.9, 5.6): 管理者 registers
//! them; anyone signed in reads them (the counter chooses among them per certificate).

use crate::AppState;
use crate::auth::Principal;
use crate::dto::date_in;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::{Path, State};
use base64::Engine;
use kikan_cert::settings;
use kikan_domain::DomainError;
use kikan_domain::certifier::{Certifier, CertifierRole, SealKind, certifier_on};
use kikan_domain::order::MemberOrder;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

#[derive(Debug, Serialize, ToSchema)]
pub struct CertifierView {
    pub id: i64,
    /// 市区町村長 or 職務代理者.
    pub role: String,
    pub title: String,
    pub name: String,
    /// YYYY-MM-DD; `to` null: until further notice.
    pub from: String,
    pub to: Option<String>,
    /// A designated city's 区: the 区長 (or the 区長's 職務代理者) of that ward.
    pub ward: Option<String>,
    /// As printed, the prefecture included.
    pub line: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SealView {
    pub id: i64,
    pub kind: String,
    pub size_mm: f32,
    pub red: bool,
    /// The image as it prints (PNG, base64).
    pub png: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateSettingsView {
    pub certifiers: Vec<CertifierView>,
    pub seals: Vec<SealView>,
    pub phrases: Vec<String>,
    /// 文字溢れ (5.8): what a value too long for its box prints — limit (限界まで出力) or
    /// blank (空白で出力).
    pub overflow: String,
    /// 世帯員の並び順 (5.2) of a 世帯連記式 写し: joined (記載順) or standard (標準の順位).
    pub member_order: String,
    /// Who certifies today, as printed (none registered: the mayor given at setup).
    pub today: String,
}

async fn view(state: &AppState, p: &Principal) -> R<CertificateSettingsView> {
    let t = state.store.registered_tenant(p.tenant).await?;
    let certifiers = settings::certifiers(&*state.store, p.tenant).await?;
    let today = certifier_on(&certifiers, state.clock.today(), None, None)
        .map_or_else(|| t.mayor.clone(), |c| c.line(p.tenant));
    Ok(CertificateSettingsView {
        certifiers: certifiers
            .iter()
            .map(|c| CertifierView {
                id: c.id,
                role: c.role.label().into(),
                title: c.title.clone(),
                name: c.name.clone(),
                from: c.from.to_string(),
                to: c.to.map(|d| d.to_string()),
                ward: c.ward.clone(),
                line: c.line(p.tenant),
            })
            .collect(),
        seals: settings::seals(&*state.store, p.tenant)
            .await?
            .iter()
            .map(|s| SealView {
                id: s.id,
                kind: s.kind.label().into(),
                size_mm: s.size_mm,
                red: s.red,
                png: base64::engine::general_purpose::STANDARD.encode(&s.png),
            })
            .collect(),
        phrases: settings::phrases(&*state.store, p.tenant).await?,
        overflow: settings::overflow_mode(&*state.store, p.tenant)
            .await?
            .label()
            .into(),
        member_order: match settings::member_order(&*state.store, p.tenant).await? {
            MemberOrder::Joined => "joined",
            MemberOrder::Standard => "standard",
        }
        .into(),
        today,
    })
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/certificate-settings", tag = "certificates",
    params(("tenant" = String, Path)),
    responses((status = 200, body = CertificateSettingsView)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<CertificateSettingsView>> {
    Ok(Json(view(&state, &p).await?))
}

/// A 認証者 for a period; with `id`, a correction of one (its period ended …).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CertifierIn {
    pub id: Option<i64>,
    /// 市区町村長 or 職務代理者.
    pub role: String,
    /// 職名 without the prefecture (横浜市長; 横浜市長職務代理者　横浜市副市長).
    pub title: String,
    pub name: String,
    /// First and last day (和暦 or 西暦); without `to`, until further notice.
    pub from: String,
    pub to: Option<String>,
    /// A designated city's 区 (a registered 区役所's): the 区長 (市区町村長) or the 区長's
    /// 職務代理者 of that ward, who certify what the 区役所 issues (1.3.9).
    pub ward: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/certifiers", tag = "certificates", request_body = CertifierIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered; the settings", body = CertificateSettingsView), (status = 422, description = "An overlapping period of the same role or a period ending before it starts (E-CERT-030)", body = ErrorBody)))]
pub async fn put_certifier(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<CertifierIn>,
) -> R<Json<CertificateSettingsView>> {
    let c = Certifier {
        id: input.id.unwrap_or(0),
        role: CertifierRole::parse(&input.role).map_err(|e| ApiError::from(e).at("role"))?,
        title: input.title.clone(),
        name: input.name.clone(),
        from: date_in(&input.from, "from")?,
        to: input
            .to
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| date_in(s, "to"))
            .transpose()?,
        ward: match input
            .ward
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            None => None,
            Some(w) => {
                let places = state.store.places(p.tenant).await?;
                if !kikan_store::places::wards(&places)
                    .iter()
                    .any(|x| x.ward.as_deref() == Some(w))
                {
                    return Err(ApiError::from(DomainError::Invalid {
                        field: "行政区",
                        reason: format!("行政区「{w}」の区役所が登録されていません"),
                    })
                    .at("ward"));
                }
                Some(w.to_string())
            }
        },
    };
    let c = settings::put_certifier(&*state.store, p.tenant, c).await?;
    audit(
        &state,
        &p,
        "settings.certifier",
        vec![],
        format!(
            "認証者の登録: {} {}({}〜{})",
            c.role.label(),
            c.line(p.tenant),
            c.from,
            c.to.map(|d| d.to_string()).unwrap_or_default()
        ),
    )
    .await?;
    Ok(Json(view(&state, &p).await?))
}

/// A seal image to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SealIn {
    /// 市区町村長印, 職務代理者印, 証明書専用印 or カード券面用印.
    pub kind: String,
    /// The image: PNG, base64.
    pub png: String,
    /// Printed size, mm square (at most 25).
    pub size_mm: f32,
    /// Red (カード券面用印 only); black otherwise.
    #[serde(default)]
    pub red: bool,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/seals", tag = "certificates", request_body = SealIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered, in one colour; the settings", body = CertificateSettingsView), (status = 422, description = "Not a PNG, too large, nothing dark on it, red for a certificate (E-CERT-031)", body = ErrorBody)))]
pub async fn add_seal(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<SealIn>,
) -> R<Json<CertificateSettingsView>> {
    let kind = SealKind::parse(&input.kind).map_err(|e| ApiError::from(e).at("kind"))?;
    let png = base64::engine::general_purpose::STANDARD
        .decode(input.png.trim())
        .map_err(|_| {
            ApiError::from(kikan_domain::DomainError::SealImage {
                reason: "画像がbase64ではありません".into(),
            })
            .at("png")
        })?;
    let seal = settings::add_seal(
        &*state.store,
        p.tenant,
        kind,
        &png,
        input.size_mm,
        input.red,
    )
    .await
    .map_err(|e| ApiError::from(e).at("png"))?;
    audit(
        &state,
        &p,
        "settings.seal",
        vec![],
        format!("公印の登録: {}({}mm角)", seal.kind.label(), seal.size_mm),
    )
    .await?;
    Ok(Json(view(&state, &p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PhrasesIn {
    /// The fixed phrases (「公印省略」「この印は黒色です」…), each at most 40 characters.
    pub phrases: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/certificate-phrases", tag = "certificates", request_body = PhrasesIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The phrases now; the settings", body = CertificateSettingsView), (status = 422, body = ErrorBody)))]
pub async fn set_phrases(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<PhrasesIn>,
) -> R<Json<CertificateSettingsView>> {
    let list = settings::set_phrases(&*state.store, p.tenant, &input.phrases)
        .await
        .map_err(|e| ApiError::from(e).at("phrases"))?;
    audit(
        &state,
        &p,
        "settings.phrases",
        vec![],
        format!("固定文言の設定: {}", list.join("、")),
    )
    .await?;
    Ok(Json(view(&state, &p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OverflowIn {
    /// limit (限界まで出力) or blank (空白で出力).
    pub mode: String,
}

#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/certificate-overflow", tag = "certificates", request_body = OverflowIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "文字溢れ (5.8): what a certificate prints of a value too long for its box; the settings", body = CertificateSettingsView), (status = 422, body = ErrorBody)))]
pub async fn set_overflow(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<OverflowIn>,
) -> R<Json<CertificateSettingsView>> {
    let mode = kikan_domain::certificate::OverflowMode::parse(&input.mode)
        .map_err(|e| ApiError::from(e).at("mode"))?;
    settings::set_overflow_mode(&*state.store, p.tenant, mode).await?;
    audit(
        &state,
        &p,
        "settings.overflow",
        vec![],
        format!("文字溢れ時の出力の設定: {}", mode.label()),
    )
    .await?;
    Ok(Json(view(&state, &p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberOrderIn {
    /// joined (記載順: as the members joined, one who joins written last) or standard
    /// (標準の順位 of 5.2).
    pub order: String,
}

#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/certificate-member-order", tag = "certificates", request_body = MemberOrderIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "世帯員の並び順 (5.2): how a 世帯連記式 写し orders a household's members (a household's own order, where set, comes first); the settings", body = CertificateSettingsView), (status = 422, description = "Neither joined nor standard (E-INPUT-003)", body = ErrorBody)))]
pub async fn set_member_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<MemberOrderIn>,
) -> R<Json<CertificateSettingsView>> {
    let order = match input.order.trim() {
        "joined" | "記載順" => MemberOrder::Joined,
        "standard" | "標準の順位" => MemberOrder::Standard,
        other => {
            return Err(ApiError::from(DomainError::Invalid {
                field: "世帯員の並び順",
                reason: format!("「{other}」は joined か standard にしてください"),
            })
            .at("order"));
        }
    };
    settings::set_member_order(&*state.store, p.tenant, order).await?;
    audit(
        &state,
        &p,
        "settings.member_order",
        vec![],
        format!("世帯員の並び順の設定: {}", order.label()),
    )
    .await?;
    Ok(Json(view(&state, &p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdOrderIn {
    /// Every current member once, in the order to print; empty: back to the
    /// municipality's rule.
    pub person_ids: Vec<i64>,
}

/// A household's members in the order its 世帯連記式 写し prints them.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdOrderView {
    pub household_id: i64,
    /// Set for this household (任意の並び順), or the municipality's rule.
    pub own: bool,
    pub person_ids: Vec<i64>,
}

async fn household_order_view(state: &AppState, p: &Principal, id: i64) -> R<HouseholdOrderView> {
    let household = kikan_domain::HouseholdId(id);
    let h = state
        .store
        .households(p.tenant, &[household])
        .await?
        .pop()
        .ok_or_else(|| ApiError::from(DomainError::HouseholdNotFound(id.to_string())))?;
    let members = state.store.persons(p.tenant, &h.members).await?;
    let asked: Vec<&kikan_domain::Person> = h
        .members
        .iter()
        .filter_map(|m| members.iter().find(|x| x.id == *m))
        .collect();
    let (order, own) = settings::ordered(&*state.store, p.tenant, household, &asked).await?;
    Ok(HouseholdOrderView {
        household_id: id,
        own,
        person_ids: order.iter().map(|x| x.0).collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/households/{id}/member-order", tag = "certificates",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "世帯員の並び順 (5.2): the 宛名番号 of the household's members in the order a 世帯連記式 写し prints them", body = HouseholdOrderView), (status = 404, body = ErrorBody)))]
pub async fn household_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<HouseholdOrderView>> {
    p.purpose()?;
    let v = household_order_view(&state, &p, path.1).await?;
    audit(
        &state,
        &p,
        "household.member_order",
        v.person_ids.clone(),
        format!("世帯 {} の世帯員の並び順の参照", path.1),
    )
    .await?;
    Ok(Json(v))
}

#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/households/{id}/member-order", tag = "certificates", request_body = HouseholdOrderIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "任意の並び順 (5.2) set for the household (or cleared), kept until changed; a member who joins later follows it by the municipality's rule", body = HouseholdOrderView), (status = 404, body = ErrorBody), (status = 422, description = "Not every current member once (E-INPUT-003)", body = ErrorBody)))]
pub async fn set_household_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<HouseholdOrderIn>,
) -> R<Json<HouseholdOrderView>> {
    let ids: Vec<kikan_domain::PersonId> = input
        .person_ids
        .iter()
        .copied()
        .map(kikan_domain::PersonId)
        .collect();
    settings::set_household_order(
        &*state.store,
        p.tenant,
        kikan_domain::HouseholdId(path.1),
        &ids,
    )
    .await
    .map_err(|e| ApiError::from(e).at("person_ids"))?;
    audit(
        &state,
        &p,
        "settings.household_order",
        input.person_ids.clone(),
        format!("世帯 {} の世帯員の並び順の設定", path.1),
    )
    .await?;
    Ok(Json(household_order_view(&state, &p, path.1).await?))
}
