//! The handlers. Each parses, calls the store or the registry service, and renders.

use crate::AppState;
use crate::dto::*;
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kikan_domain::{DomainError, HouseholdId, LedgerEntry, LocalGovCode, PersonId};
use kikan_store::service;
use kikan_store::{SearchQuery, Tenant};
use serde::Deserialize;
use utoipa::IntoParams;

type R<T> = Result<T, ApiError>;

/// Parses the tenant of the URL and makes sure it is registered.
async fn tenant(state: &AppState, code: &str) -> R<LocalGovCode> {
    let code = LocalGovCode::parse(code).map_err(|e| ApiError::from(e).at("tenant"))?;
    match state.store.tenant(code).await? {
        Some(_) => Ok(code),
        None => Err(kikan_store::StoreError::TenantNotFound(code.to_string()).into()),
    }
}

/// The staff member making the request. (Until accounts exist, the client names them
/// in `X-Kikan-Operator`, UTF-8; it is recorded with every change.)
fn operator(headers: &HeaderMap) -> R<String> {
    let op = headers
        .get("x-kikan-operator")
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    match op {
        Some(op) => Ok(op),
        None => Err(ApiError::from(DomainError::Missing {
            field: "処理者(X-Kikan-Operator)",
        })
        .at("X-Kikan-Operator")),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AsOf {
    /// Show the record as it was on this date (和暦 or 西暦).
    pub as_of: Option<String>,
}

#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, description = "Server is up")))]
pub async fn health() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants",
    responses((status = 200, body = Vec<TenantView>)))]
pub async fn list_tenants(State(state): State<AppState>) -> R<Json<Vec<TenantView>>> {
    Ok(Json(
        state
            .store
            .tenants()
            .await?
            .iter()
            .map(TenantView::from)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants", request_body = TenantIn,
    responses((status = 201, body = TenantView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_tenant(
    State(state): State<AppState>,
    Json(t): Json<TenantIn>,
) -> R<(StatusCode, Json<TenantView>)> {
    let code = LocalGovCode::parse(&t.code).map_err(|e| ApiError::from(e).at("code"))?;
    let name = t.name.trim();
    if name.is_empty() {
        return Err(ApiError::from(DomainError::Missing { field: "団体名" }).at("name"));
    }
    let tenant = Tenant {
        code,
        name: name.into(),
        mayor: t.mayor.trim().into(),
    };
    state.store.add_tenant(&tenant).await?;
    Ok((StatusCode::CREATED, Json(TenantView::from(&tenant))))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/changes", tag = "changes", request_body = ChangeRequest,
    params(("tenant" = String, Path, description = "全国地方公共団体コード"),
           ("X-Kikan-Operator" = String, Header, description = "The staff member recording the change")),
    responses((status = 201, body = ChangeResult), (status = 404, body = ErrorBody),
              (status = 409, description = "Someone else changed the household first", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn record_change(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Json(req): Json<ChangeRequest>,
) -> R<(StatusCode, Json<ChangeResult>)> {
    let tenant = tenant(&state, &code).await?;
    let operator = operator(&headers)?;
    let current = match req.change.corrected_person() {
        Some(id) => Some(
            state
                .store
                .persons(tenant, &[id])
                .await?
                .pop()
                .ok_or_else(|| {
                    ApiError::from(DomainError::PersonNotFound(id.to_string()))
                        .at("change.person_id")
                })?,
        ),
        None => None,
    };
    let parsed = req.parse(current.as_ref())?;
    let entry = LedgerEntry::at_intake(
        parsed.change,
        parsed.effective_on,
        parsed.notified_on,
        chrono::Utc::now(),
        operator,
        parsed.notifier,
        (state.today)(),
    )?;
    let recorded = service::record(&*state.store, tenant, entry, &parsed.expect).await?;
    let mut warnings = Vec::new();
    if recorded.entry.late {
        warnings.push(
            "届出期間(14日)を過ぎた届出です。届出期間経過の記録を確認してください".to_string(),
        );
    }
    Ok((
        StatusCode::CREATED,
        Json(ChangeResult {
            entry: EntryView::from(&recorded.entry),
            warnings,
            person_ids: recorded.persons.iter().map(|p| p.0).collect(),
            household_ids: recorded.households.iter().map(|h| h.0).collect(),
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path), AsOf),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    Query(q): Query<AsOf>,
) -> R<Json<PersonView>> {
    let tenant = tenant(&state, &code).await?;
    let id = PersonId(id);
    let person = match &q.as_of {
        Some(d) => {
            state
                .store
                .person_as_of(tenant, id, date_in(d, "as_of")?)
                .await?
        }
        None => state.store.persons(tenant, &[id]).await?.pop(),
    };
    person
        .map(|p| Json(PersonView::from(&p)))
        .ok_or_else(|| ApiError::not_found("住民"))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/history", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = PersonHistory), (status = 404, body = ErrorBody)))]
pub async fn person_history(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
) -> R<Json<PersonHistory>> {
    let tenant = tenant(&state, &code).await?;
    let id = PersonId(id);
    let versions = state.store.person_versions(tenant, id).await?;
    if versions.is_empty() {
        return Err(ApiError::not_found("住民"));
    }
    let entries = state.store.entries_for(tenant, Some(id), None).await?;
    Ok(Json(PersonHistory {
        entries: entries.iter().map(EntryView::from).collect(),
        versions: versions
            .iter()
            .map(|v| VersionView {
                seq: v.seq,
                valid_from: date_view(v.valid_from),
                valid_to: v.valid_to.map(date_view),
                record: PersonView::from(&v.person),
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/households/{id}", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path), AsOf),
    responses((status = 200, body = HouseholdView), (status = 404, body = ErrorBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    Query(q): Query<AsOf>,
) -> R<Json<HouseholdView>> {
    let tenant = tenant(&state, &code).await?;
    let id = HouseholdId(id);
    match &q.as_of {
        Some(d) => {
            let (h, members) = state
                .store
                .household_as_of(tenant, id, date_in(d, "as_of")?)
                .await?
                .ok_or_else(|| ApiError::not_found("世帯"))?;
            Ok(Json(household_view(&h, &members)))
        }
        None => {
            let h = state
                .store
                .households(tenant, &[id])
                .await?
                .pop()
                .ok_or_else(|| ApiError::not_found("世帯"))?;
            let members = state.store.persons(tenant, &h.members).await?;
            Ok(Json(household_view(&h, &members)))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/households/{id}/history", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = Vec<EntryView>), (status = 404, body = ErrorBody)))]
pub async fn household_history(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
) -> R<Json<Vec<EntryView>>> {
    let tenant = tenant(&state, &code).await?;
    let entries = state
        .store
        .entries_for(tenant, None, Some(HouseholdId(id)))
        .await?;
    if entries.is_empty() {
        return Err(ApiError::not_found("世帯"));
    }
    Ok(Json(entries.iter().map(EntryView::from).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// 振り仮名の前方一致 (hiragana, katakana or half-width).
    pub kana: Option<String>,
    /// 氏名の前方一致; variant kanji match (髙橋 = 高橋).
    pub name: Option<String>,
    /// 生年月日 (和暦 or 西暦).
    pub birth_date: Option<String>,
    /// Part of the address.
    pub address: Option<String>,
    pub juminhyo_code: Option<String>,
    /// Include removed records (除票).
    #[serde(default)]
    pub include_removed: bool,
    /// At most this many hits (1–1000, default 50).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/search", tag = "residents",
    params(("tenant" = String, Path), SearchParams),
    responses((status = 200, body = Vec<PersonView>), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<SearchParams>,
) -> R<Json<Vec<PersonView>>> {
    let tenant = tenant(&state, &code).await?;
    let q = SearchQuery {
        kana: p.kana,
        name: p.name,
        birth_date: p
            .birth_date
            .as_deref()
            .map(|d| date_in(d, "birth_date"))
            .transpose()?,
        address: p.address,
        juminhyo_code: p.juminhyo_code,
        include_removed: p.include_removed,
        limit: p.limit.unwrap_or(50),
    };
    let keys = q.keys();
    let empty = keys.kana_prefix.is_none()
        && keys.name_prefix.is_none()
        && keys.birth_date.is_none()
        && keys.address_part.is_none()
        && keys.juminhyo_code.is_none();
    if empty {
        return Err(ApiError::from(DomainError::Missing {
            field: "検索条件"
        }));
    }
    let hits = state.store.search(tenant, &keys).await?;
    Ok(Json(hits.iter().map(PersonView::from).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResidentsParams {
    /// The date (和暦 or 西暦); today when absent.
    pub as_of: Option<String>,
    /// Continue after this person id (paging).
    pub after: Option<i64>,
    /// Page size (1–10000, default 1000).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/residents", tag = "residents",
    params(("tenant" = String, Path), ResidentsParams),
    responses((status = 200, description = "Every resident on the register on the date, by id", body = Vec<PersonView>)))]
pub async fn residents(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<ResidentsParams>,
) -> R<Json<Vec<PersonView>>> {
    let tenant = tenant(&state, &code).await?;
    let on = match &p.as_of {
        Some(d) => date_in(d, "as_of")?,
        None => (state.today)(),
    };
    let rows = state
        .store
        .residents_as_of(
            tenant,
            on,
            p.after.map(PersonId),
            p.limit.unwrap_or(1000).clamp(1, 10_000),
        )
        .await?;
    Ok(Json(rows.iter().map(PersonView::from).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LedgerParams {
    /// Entries after this sequence number.
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/ledger", tag = "changes",
    params(("tenant" = String, Path), LedgerParams),
    responses((status = 200, body = Vec<EntryView>)))]
pub async fn ledger(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<LedgerParams>,
) -> R<Json<Vec<EntryView>>> {
    let tenant = tenant(&state, &code).await?;
    let rows = state
        .store
        .ledger(
            tenant,
            p.after.unwrap_or(0),
            p.limit.unwrap_or(1000).clamp(1, 10_000),
        )
        .await?;
    Ok(Json(rows.iter().map(EntryView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/check", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, body = CheckView), (status = 409, description = "A projection differs from the ledger", body = ErrorBody)))]
pub async fn check(State(state): State<AppState>, Path(code): Path<String>) -> R<Json<CheckView>> {
    let tenant = tenant(&state, &code).await?;
    let r = kikan_store::check::check(&*state.store, tenant).await?;
    Ok(Json(CheckView {
        ok: true,
        entries: r.entries,
        persons: r.persons,
        households: r.households,
        person_versions: r.person_versions,
        household_versions: r.household_versions,
    }))
}
