//! The 法第7条 items other businesses keep (1.1.1, j10; 7.2.2, j1180): 選挙人名簿, 国民健康
//! 保険, 後期高齢者医療, 介護保険, 国民年金, 児童手当 and the card held. Each business's system
//! sets its own items with its own API token, whose scope names the businesses it may set;
//! anything else is refused (403 `E-BIZ-002`) and audited. 審査 may set any of them. Every
//! value is kept with who set it and when; the latest is current.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kikan_domain::PersonId;
use kikan_domain::business::{BusinessItems, BusinessRecord};
use kikan_security::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

/// One value of a business's items.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessView {
    /// elector, national_health_insurance, late_stage_medical, long_term_care,
    /// national_pension, child_allowance, card.
    pub business: String,
    /// 選挙人名簿, 国民健康保険 …
    pub label: String,
    /// The items on one line, as shown and printed.
    pub line: String,
    /// The items as set (the `items` form of the request).
    #[schema(value_type = Object)]
    pub items: serde_json::Value,
    pub revision: u32,
    /// The system or staff member who set it.
    pub set_by: String,
    pub at: DateTime<Utc>,
}

impl From<&BusinessRecord> for BusinessView {
    fn from(r: &BusinessRecord) -> Self {
        let b = r.items.business();
        BusinessView {
            business: b.code().into(),
            label: b.label().into(),
            line: r.items.line(),
            items: serde_json::to_value(&r.items).unwrap_or_default(),
            revision: r.revision,
            set_by: r.set_by.clone(),
            at: r.at,
        }
    }
}

/// The current value of each business for a person, and every value ever set.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessItemsView {
    pub current: Vec<BusinessView>,
    pub history: Vec<BusinessView>,
}

/// A new value of one business's items.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BusinessIn {
    /// Tagged by `business`: `{"business": "elector", "registered": true}`;
    /// `{"business": "national_health_insurance", "insured": true, "acquired_on":
    /// "2026-04-01", "lost_on": null}` (also late_stage_medical, long_term_care);
    /// `{"business": "national_pension", "insured", "acquired_on", "lost_on",
    /// "basic_pension_number": "1234-567890", "kind": "第1号被保険者", "kind_changed_on"}`;
    /// `{"business": "child_allowance", "from": "2026-04", "until": null}`;
    /// `{"business": "card", "holds": true}`. Dates as YYYY-MM-DD.
    #[schema(value_type = Object)]
    pub items: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/business-items", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = BusinessItemsView), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<BusinessItemsView>> {
    p.purpose()?;
    let id = PersonId(path.1);
    let found = !state.store.persons(p.tenant, &[id]).await?.is_empty();
    let persons = if found { vec![id.0] } else { vec![] };
    audit(
        &state,
        &p,
        "business.read",
        persons,
        "法第7条の業務事項の参照",
    )
    .await?;
    if !found {
        return Err(ApiError::not_found("住民"));
    }
    let history = state.store.business_records(p.tenant, &[id]).await?;
    let current = kikan_domain::business::latest(&history);
    Ok(Json(BusinessItemsView {
        current: current.into_iter().map(BusinessView::from).collect(),
        history: history.iter().map(BusinessView::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/business-items", tag = "residents", request_body = BusinessIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "Recorded; the value with who set it and when", body = BusinessView), (status = 403, description = "A 連携システム setting a business outside its token's scope (E-BIZ-002)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "Another value of the same business was set at the same moment", body = ErrorBody), (status = 422, description = "Items that do not fit together (E-BIZ-001) or are not in the documented form (E-BIZ-003)", body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<BusinessIn>,
) -> R<Json<BusinessView>> {
    let id = PersonId(path.1);
    let items: BusinessItems = serde_json::from_value(input.items).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-BIZ-003",
            format!("業務事項の形式が正しくありません({e})"),
        )
        .at("items")
    })?;
    let business = items.business();
    // A system sets its own business's items only.
    if p.role == Role::System && !p.businesses.contains(&business) {
        let mut e = p.event(
            "business.refused",
            vec![id.0],
            format!("{}の事項の設定(範囲外)", business.label()),
        );
        e.outcome = kikan_security::Outcome::Denied;
        state.store.append_audit(p.tenant, &[e]).await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "E-BIZ-002",
            format!(
                "この連携システムは{}の事項を設定できません(トークンの業務範囲外です)",
                business.label()
            ),
        ));
    }
    let r = kikan_app::business::set(&*state.store, p.tenant, id, items, &p.actor, Utc::now())
        .await
        .map_err(|e| ApiError::from(e).at("items"))?;
    audit(
        &state,
        &p,
        "business.write",
        vec![id.0],
        format!("{}の事項の設定: {}", business.label(), r.items.line()),
    )
    .await?;
    Ok(Json(BusinessView::from(&r)))
}
