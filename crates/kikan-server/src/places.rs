//! 入力場所・入力端末 (1.3.1, j230): the places where the registry is used and their
//! terminals, registered by 管理者; a request names its terminal in
//! `X-Kikan-Terminal`, and the audit log, the ledger and the issuance register record
//! it as `terminal@place`.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use axum::Extension;
use axum::extract::State;

use kikan_domain::{DomainError, LocalGovCode};
use kikan_store::places::{PLACE_KINDS, Place, Terminal, valid_code};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

/// The label a request's terminal is recorded under, if `code` names a terminal in use
/// at a place in use.
pub async fn terminal_label(
    state: &AppState,
    tenant: LocalGovCode,
    code: &str,
) -> R<Option<String>> {
    let found = state.store.terminal_at(tenant, code.trim()).await?;
    Ok(found.and_then(|(t, place)| {
        (t.active && place.is_some_and(|p| p.active)).then(|| format!("{}@{}", t.code, t.place))
    }))
}

/// A place as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceView {
    pub code: String,
    pub name: String,
    /// 本庁, 支所, 出張所 or 利用課.
    pub kind: String,
    pub ward: Option<String>,
    /// A 区役所's ward's 全国地方公共団体コード.
    pub ward_code: Option<String>,
    /// A 区役所 whose terminals enter 異動 only for the residents of its ward.
    pub limit_changes: bool,
    pub active: bool,
}

impl From<Place> for PlaceView {
    fn from(p: Place) -> Self {
        PlaceView {
            code: p.code,
            name: p.name,
            kind: p.kind,
            ward: p.ward,
            ward_code: p.ward_code,
            limit_changes: p.limit_changes,
            active: p.active,
        }
    }
}

/// A terminal as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalView {
    pub code: String,
    pub name: String,
    /// Its place's code.
    pub place: String,
    pub active: bool,
}

impl From<Terminal> for TerminalView {
    fn from(t: Terminal) -> Self {
        TerminalView {
            code: t.code,
            name: t.name,
            place: t.place,
            active: t.active,
        }
    }
}

fn code_in(code: &str, field: &'static str) -> R<String> {
    let code = code.trim();
    if !valid_code(code) {
        return Err(ApiError::invalid(
            field,
            "半角英数字と - _ で16文字以内にしてください",
            "code",
        ));
    }
    Ok(code.to_string())
}

fn name_in(name: &str) -> R<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "名称",
            "制御文字を含まない50文字以内にしてください",
            "name",
        ));
    }
    Ok(name.to_string())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlaceIn {
    pub code: String,
    pub name: String,
    /// 本庁, 支所, 出張所 or 利用課.
    pub kind: String,
    /// 行政区 (designated cities): for a 区役所 the ward it serves (required), for another
    /// place a ward whose 区役所 is registered.
    pub ward: Option<String>,
    /// A 区役所's ward's 全国地方公共団体コード (with its check digit).
    pub ward_code: Option<String>,
    /// A 区役所 only: its terminals enter 異動 only for the residents of its ward (4.0.1)
    /// and list only theirs among the 入管通知 (4.5.6).
    pub limit_changes: Option<bool>,
    /// false takes it out of use; true when absent.
    pub active: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/places", tag = "accounts", request_body = PlaceIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered (or changed, by its code)", body = PlaceView), (status = 422, body = ErrorBody)))]
pub async fn put_place(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<PlaceIn>,
) -> R<Json<PlaceView>> {
    let kind = input.kind.trim();
    if !PLACE_KINDS.contains(&kind) {
        return Err(ApiError::invalid(
            "場所の種別",
            format!("{}のいずれかにしてください", PLACE_KINDS.join("・")),
            "kind",
        ));
    }
    let ward = input
        .ward
        .as_deref()
        .filter(|w| !w.trim().is_empty())
        .map(name_in)
        .transpose()
        .map_err(|e| e.at("ward"))?;
    let ward_code = input
        .ward_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            LocalGovCode::parse(c)
                .map(|c| c.to_string())
                .map_err(|e| ApiError::from(e).at("ward_code"))
        })
        .transpose()?;
    if kind == kikan_store::places::WARD_OFFICE {
        // 1.3.1: a designated city's 行政区, each with its 区役所.
        if !ward.as_deref().is_some_and(|w| w.ends_with('区')) {
            return Err(ApiError::invalid(
                "行政区",
                "区役所には、その行政区の名称(〜区)を指定してください",
                "ward",
            ));
        }
    } else if let Some(w) = &ward {
        let places = state.store.places(p.tenant).await?;
        if !kikan_store::places::wards(&places)
            .iter()
            .any(|x| x.ward.as_deref() == Some(w.as_str()))
        {
            return Err(ApiError::invalid(
                "行政区",
                format!("行政区「{w}」の区役所が登録されていません。先に区役所を登録してください"),
                "ward",
            ));
        }
    }
    let place = Place {
        code: code_in(&input.code, "場所コード")?,
        name: name_in(&input.name)?,
        kind: kind.into(),
        limit_changes: input.limit_changes.unwrap_or(false)
            && kind == kikan_store::places::WARD_OFFICE,
        ward,
        ward_code,
        active: input.active.unwrap_or(true),
    };
    state.store.put_place(p.tenant, &place).await?;
    crate::routes::audit(
        &state,
        &p,
        "place.put",
        vec![],
        format!("入力場所 {}({})を登録", place.code, place.name),
    )
    .await?;
    Ok(Json(place.into()))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/places", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, body = Vec<PlaceView>)))]
pub async fn places(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<PlaceView>>> {
    Ok(Json(
        state
            .store
            .places(p.tenant)
            .await?
            .into_iter()
            .map(PlaceView::from)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TerminalIn {
    pub code: String,
    pub name: String,
    /// The code of a registered place.
    pub place: String,
    /// false takes it out of use; true when absent.
    pub active: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/terminals", tag = "accounts", request_body = TerminalIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered (or changed, by its code)", body = TerminalView), (status = 422, body = ErrorBody)))]
pub async fn put_terminal(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<TerminalIn>,
) -> R<Json<TerminalView>> {
    let place = input.place.trim();
    if !state
        .store
        .places(p.tenant)
        .await?
        .iter()
        .any(|x| x.code == place)
    {
        return Err(ApiError::invalid(
            "入力場所",
            format!("場所コード {place} は登録されていません"),
            "place",
        ));
    }
    let terminal = Terminal {
        code: code_in(&input.code, "端末コード")?,
        name: name_in(&input.name)?,
        place: place.into(),
        active: input.active.unwrap_or(true),
    };
    state.store.put_terminal(p.tenant, &terminal).await?;
    crate::routes::audit(
        &state,
        &p,
        "terminal.put",
        vec![],
        format!(
            "入力端末 {}({})を{}に登録",
            terminal.code, terminal.name, terminal.place
        ),
    )
    .await?;
    Ok(Json(terminal.into()))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/terminals", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, body = Vec<TerminalView>)))]
pub async fn terminals(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<TerminalView>>> {
    Ok(Json(
        state
            .store
            .terminals(p.tenant)
            .await?
            .into_iter()
            .map(TerminalView::from)
            .collect(),
    ))
}

/// The ward a request's 異動 are limited to (4.0.1, 4.5.6): its terminal's place, when
/// that is a 区役所 in use that limits them and knows its ward's code.
pub async fn ward_limit(state: &AppState, p: &Principal) -> R<Option<Place>> {
    let Some(place_code) = p
        .terminal
        .as_deref()
        .and_then(|t| t.split_once('@'))
        .map(|x| x.1)
    else {
        return Ok(None);
    };
    Ok(state.store.places(p.tenant).await?.into_iter().find(|pl| {
        pl.code == place_code
            && pl.active
            && pl.limit_changes
            && pl.kind == kikan_store::places::WARD_OFFICE
            && pl.ward_code.is_some()
    }))
}

/// Does an address lie in `ward`: by its 住所コード (the ward's five digits), or, for a
/// free-text address, by the ward's name after the city's?
pub fn in_ward(a: &kikan_domain::Address, ward: &Place, city: &str) -> bool {
    kikan_store::places::ward_of_address(a, city, &[ward]).is_some()
}

/// 4.0.1: at a 区役所 that limits its 異動 to its ward, a change may concern only persons
/// and households whose address lies in the ward before it (a 区間転入, a 転居 into the
/// ward from another, excepted).
pub async fn check_ward(state: &AppState, p: &Principal, change: &kikan_domain::Change) -> R<()> {
    let Some(ward) = ward_limit(state, p).await? else {
        return Ok(());
    };
    let city = state.store.registered_tenant(p.tenant).await?.name;
    if let kikan_domain::Change::Relocation { address, .. } = change
        && in_ward(address, &ward, &city)
    {
        return Ok(());
    }
    let (persons, households) = change.references();
    let name = ward.ward.clone().unwrap_or_default();
    for person in state.store.persons(p.tenant, &persons).await? {
        if !in_ward(&person.address, &ward, &city) {
            return Err(ApiError::from(DomainError::OutsideWard {
                ward: name,
                person: format!("宛名番号{}", person.id),
            }));
        }
    }
    for h in state.store.households(p.tenant, &households).await? {
        if !in_ward(&h.address, &ward, &city) {
            return Err(ApiError::from(DomainError::OutsideWard {
                ward: name,
                person: format!("世帯{}", h.id),
            }));
        }
    }
    Ok(())
}
