//! The handlers. Each parses, calls a use case of `kikan-app` (or, for a plain read,
//! the store), and renders.

use crate::AppState;
use crate::auth::Principal;
use crate::dto::*;
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use crate::support::Protection;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use kikan_app::record;
use kikan_domain::{DomainError, HouseholdId, LedgerEntry, LocalGovCode, PersonId};
use kikan_store::{EmptyItem, NameMatch, SearchQuery};
use serde::Deserialize;
use utoipa::IntoParams;

type R<T> = Result<T, ApiError>;

/// Appends one audit event of the principal; the response waits for it (no
/// personal data leaves without its record).
pub(crate) async fn audit(
    state: &AppState,
    p: &Principal,
    action: &str,
    persons: Vec<i64>,
    detail: impl Into<String>,
) -> R<()> {
    state
        .store
        .append_audit(p.tenant, &[p.event(action, persons, detail)])
        .await?;
    Ok(())
}

/// A CSV answer (UTF-8) to be saved as `file`.
pub(crate) fn csv_response(body: String, file: &'static str) -> axum::response::Response {
    file_response(body.into_bytes(), "text/csv; charset=utf-8", file)
}

/// The media type of an XLSX workbook.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file to download: its bytes, media type and name.
pub(crate) fn file_response(
    body: Vec<u8>,
    content_type: &'static str,
    file: &str,
) -> axum::response::Response {
    let mut res = axum::response::Response::new(axum::body::Body::from(body));
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The criteria of a search, as typed, for the audit log.
fn search_detail(p: &SearchParams) -> String {
    let mut parts = Vec::new();
    let texts = [
        ("かな", &p.kana),
        ("氏名", &p.name),
        ("名", &p.given),
        ("生年月日", &p.birth_date),
        ("生年月日から", &p.birth_from),
        ("生年月日まで", &p.birth_to),
        ("住所", &p.address),
        ("方書", &p.katagaki),
        ("住所コード", &p.address_code),
        ("住民票コード", &p.juminhyo_code),
        ("旧氏", &p.former_surname),
        ("通称", &p.alias),
        ("在留カード等番号", &p.card_number),
        ("性別", &p.sex),
        ("続柄", &p.relationship),
        ("消除事由", &p.removal_reason),
        ("未入力", &p.empty),
    ];
    for (label, v) in texts {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            parts.push(format!("{label}={v}"));
        }
    }
    if let Some(v) = p.household_id {
        parts.push(format!("世帯番号={v}"));
    }
    if let Some(v) = p.person_id {
        parts.push(format!("宛名番号={v}"));
    }
    if p.individual_number.is_some() {
        // The number itself stays out of the log: the hits identify the person.
        parts.push("個人番号=(指定あり)".into());
    }
    match p.matching.unwrap_or_default() {
        NameMatch::Prefix => {}
        NameMatch::Exact => parts.push("完全一致".into()),
        NameMatch::Partial => parts.push("部分一致".into()),
    }
    if p.fuzzy {
        parts.push("あいまい".into());
    }
    if p.past {
        parts.push("過去を含む".into());
    }
    if p.include_removed {
        parts.push("除票を含む".into());
    }
    format!("検索: {}", parts.join(" "))
}

/// Parses the tenant of the URL and makes sure it is registered.
pub async fn tenant(state: &AppState, code: &str) -> R<LocalGovCode> {
    let code = LocalGovCode::parse(code).map_err(|e| ApiError::from(e).at("tenant"))?;
    state.store.registered_tenant(code).await?;
    Ok(code)
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

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/relationships", tag = "residents",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "続柄 (1.1.11) as staff pick them: 世帯主, every term, every chain of two, 縁故者, 同居人 (longer chains are typed)", body = Vec<String>)))]
pub async fn relationships() -> Json<Vec<String>> {
    Json(kikan_domain::Relationship::offered())
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

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/changes", tag = "changes", request_body = ChangeRequest,
    params(("tenant" = String, Path, description = "全国地方公共団体コード")),
    responses((status = 201, body = ChangeResult), (status = 404, body = ErrorBody),
              (status = 409, description = "Someone else changed the household first", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn record_change(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(req): Json<ChangeRequest>,
) -> R<(StatusCode, Json<ChangeResult>)> {
    let (mut entry, expect) = prepare_entry(&state, p.tenant, &p.actor, &req).await?;
    crate::places::check_ward(&state, &p, &entry.change).await?;
    entry.terminal = p.terminal.clone();
    let event = record::change_event(&p.actor(), &entry, None);
    let recorded =
        record::record_audited(&*state.store, p.tenant, entry, &expect, Some(event), None).await?;
    state.metrics.change(p.tenant, &recorded.entry);
    let mut result = change_result(&recorded);
    result
        .warnings
        .extend(crate::certificates::print_warnings(&state, &recorded.entry).await);
    Ok((StatusCode::CREATED, Json(result)))
}

/// Turns a request into a ledger entry at intake (dates checked against today),
/// recorded by `operator`; the household versions the clerk saw come along.
pub async fn prepare_entry(
    state: &AppState,
    tenant: LocalGovCode,
    operator: &str,
    req: &ChangeRequest,
) -> R<(LedgerEntry, Vec<(HouseholdId, u64)>)> {
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
    let mut parsed = req.parse(current.as_ref())?;
    // 戸籍の表示の引用 (4.2.0.3): a child's 本籍 taken from a member of the household.
    if let crate::dto::ChangeIn::Birth {
        quote_honseki_of: Some(member),
        household_id,
        ..
    } = &req.change
    {
        quote_honseki(
            state,
            tenant,
            PersonId(*member),
            HouseholdId(*household_id),
            &mut parsed.change,
        )
        .await?;
    }
    // 区間異動 (1.1.13, 4.1.0.1): a 転居 across wards of a 指定都市, into a new household.
    kikan_app::wards::mark_ward_move(&*state.store, tenant, &mut parsed.change).await?;
    // 宛名番号・世帯番号 (1.1.13): the new persons and households take the next serials.
    kikan_app::ids::number(&*state.store, tenant, &mut parsed.change).await?;
    // 特例転出・特例転入・転入通知 (4.1.3.0.4, 4.1.1.3, 4.1.3.1.1): a 特例転入 takes its
    // 住民票コード and 個人番号 from the 転出証明書情報 received.
    let transfer =
        kikan_app::cs::transfer_of(&*state.store, tenant, req.cs.as_ref(), &mut parsed.change)
            .await
            .map_err(|e| ApiError::from(e).at("cs"))?;
    // 住民票コード (4.3.1): drawn at random from the codes the CS gave.
    kikan_app::cs::assign_codes(&*state.store, tenant, &mut parsed.change, parsed.basis)
        .await
        .map_err(|e| ApiError::from(e).at("change.persons"))?;
    // 転入通知: removal on the earlier of the 転入日 and the 転出予定日 (1.1.5).
    record::settle_move_in_notice(
        &*state.store,
        tenant,
        &mut parsed.change,
        &mut parsed.effective_on,
        parsed.notified_on,
    )
    .await?;
    let entry = LedgerEntry::at_intake(
        parsed.change,
        parsed.effective_on,
        parsed.notified_on,
        chrono::Utc::now(),
        operator.to_string(),
        parsed.notifier,
        state.clock.today(),
    )?
    .with_basis(parsed.basis)
    .with_effective_text(parsed.effective_text)
    .map_err(|e| ApiError::from(e).at("effective_on"))?
    .with_transfer(transfer)
    .map_err(|e| ApiError::from(e).at("cs"))?;
    Ok((entry, parsed.expect))
}

/// 戸籍の表示の引用 (4.2.0.3): the 本籍・筆頭者 of `member`, who must belong to the
/// household, written on the child of a 出生 that gives none itself.
async fn quote_honseki(
    state: &AppState,
    tenant: LocalGovCode,
    member: PersonId,
    household: HouseholdId,
    change: &mut kikan_domain::Change,
) -> R<()> {
    let invalid = |reason: &str| {
        ApiError::from(DomainError::Invalid {
            field: "本籍の引用",
            reason: reason.to_string(),
        })
        .at("change.quote_honseki_of")
    };
    let kikan_domain::Change::Birth { person, .. } = change else {
        return Ok(());
    };
    if person.honseki.is_some() {
        return Err(invalid(
            "本籍を入力するか、世帯員から引用するかのどちらかにしてください",
        ));
    }
    let m = state
        .store
        .persons(tenant, &[member])
        .await?
        .pop()
        .filter(|m| m.household_id == household && !m.is_removed())
        .ok_or_else(|| invalid("引用できるのはこの世帯の世帯員の本籍だけです"))?;
    person.honseki = Some(
        m.honseki
            .ok_or_else(|| invalid("引用する世帯員に本籍が記載されていません"))?,
    );
    Ok(())
}

pub fn change_result(recorded: &record::Recorded) -> ChangeResult {
    let mut warnings = Vec::new();
    if recorded.entry.late {
        warnings.push(record::LATE.to_string());
    }
    warnings.extend(recorded.alerts.iter().cloned());
    // 区間異動 (1.1.13, 4.0.2): staff hear that it was one, and of the new 世帯番号.
    if let kikan_domain::Change::Relocation {
        ward_move: Some(w),
        target,
        ..
    } = &recorded.entry.change
    {
        let household = match target {
            kikan_domain::RelocationTarget::NewHousehold { id, .. } => {
                format!("新しい世帯番号{id}を付番し、")
            }
            _ => String::new(),
        };
        warnings.push(format!(
            "{}から{}への区間異動として、{household}{}の住民票を除票としました",
            w.from, w.to, w.from
        ));
    }
    ChangeResult {
        entry: EntryView::from(&recorded.entry),
        warnings,
        person_ids: recorded.persons.iter().map(|p| p.0).collect(),
        household_ids: recorded.households.iter().map(|h| h.0).collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path), AsOf),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Query(q): Query<AsOf>,
) -> R<Json<PersonView>> {
    p.purpose()?;
    let tenant = p.tenant;
    let id = PersonId(path.1);
    let person = match &q.as_of {
        Some(d) => {
            state
                .store
                .person_as_of(tenant, id, date_in(d, "as_of")?)
                .await?
        }
        None => state.store.persons(tenant, &[id]).await?.pop(),
    };
    // 照会抑止 (3.1): refused before anything is read out.
    let held = match &person {
        Some(found) => crate::suppress::inquiry(&state, &p, &[found]).await?,
        None => vec![],
    };
    let detail = match &q.as_of {
        Some(d) => format!("住民票の参照({d}時点)"),
        None => "住民票の参照".into(),
    };
    audit(
        &state,
        &p,
        "person.read",
        person.iter().map(|x| x.id.0).collect(),
        detail,
    )
    .await?;
    let person = person.ok_or_else(|| ApiError::not_found("住民"))?;
    let shield = Protection::of(&state, &p, &[person.id]).await?;
    let mut view = shield.person(&person);
    crate::suppress::mark_with(
        std::slice::from_mut(&mut view),
        &[&person],
        &held,
        state.clock.today(),
    );
    // As of a date: the items shown that a correction with a later date replaced.
    if let Some(d) = &q.as_of {
        let on = date_in(d, "as_of")?;
        let entries = state.store.entries_for(tenant, Some(id), None).await?;
        view.corrected_later = kikan_domain::ledger::corrected_after(&entries, id, on)
            .iter()
            .map(crate::dto::LaterCorrectionView::from)
            .collect();
    }
    Ok(Json(view))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/history", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = PersonHistory), (status = 404, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn person_history(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<PersonHistory>> {
    p.purpose()?;
    let tenant = p.tenant;
    let id = PersonId(path.1);
    let versions = state.store.person_versions(tenant, id).await?;
    if let Some(last) = versions.last() {
        crate::suppress::inquiry(&state, &p, &[&last.person]).await?;
    }
    let found = if versions.is_empty() {
        vec![]
    } else {
        vec![id.0]
    };
    audit(&state, &p, "person.history", found, "異動履歴の参照").await?;
    if versions.is_empty() {
        return Err(ApiError::not_found("住民"));
    }
    let entries = state.store.entries_for(tenant, Some(id), None).await?;
    // Anyone named in these entries may be protected: their addresses are in them.
    let named: Vec<PersonId> = std::iter::once(id)
        .chain(entries.iter().flat_map(|e| e.change.persons_named()))
        .collect();
    let shield = Protection::of(&state, &p, &named).await?;
    Ok(Json(PersonHistory {
        entries: shield.entries(entries.iter().map(EntryView::from).collect()),
        versions: versions
            .iter()
            .map(|v| VersionView {
                number: v.person.version,
                seq: v.seq,
                valid_from: date_view(v.valid_from),
                valid_to: v.valid_to.map(date_view),
                record: shield.person(&v.person),
            })
            .collect(),
    }))
}

/// A person read by a caller who stated a purpose, unless an 照会 抑止 holds them (3.1).
async fn inquired_person(state: &AppState, p: &Principal, id: PersonId) -> R<kikan_domain::Person> {
    p.purpose()?;
    let Some(person) = state.store.persons(p.tenant, &[id]).await?.pop() else {
        return Err(ApiError::not_found("住民"));
    };
    crate::suppress::inquiry(state, p, &[&person]).await?;
    Ok(person)
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/honseki-candidates", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "本籍入力補助 (4.0.6): the 本籍 a 再転入者's own history holds, as candidates for the 転入, never one whose municipality no longer exists (市町村合併; checked against the postal code file, and nothing offered without it)", body = HonsekiCandidatesView), (status = 404, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn honseki_candidates(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<HonsekiCandidatesView>> {
    let id = PersonId(path.1);
    inquired_person(&state, &p, id).await?;
    let c = kikan_app::honseki::candidates(&*state.store, p.tenant, id).await?;
    audit(
        &state,
        &p,
        "person.honseki_candidates",
        vec![id.0],
        "再転入者の本籍の候補の参照",
    )
    .await?;
    let view = |h: &kikan_domain::person::Honseki| HonsekiCandidateView {
        domicile: h.domicile.clone(),
        head_name: h.head_name.clone(),
    };
    Ok(Json(HonsekiCandidatesView {
        candidates: c.offered.iter().map(view).collect(),
        left_out: c.left_out.iter().map(view).collect(),
        checked: c.checked,
    }))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/ward-removals", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "区間異動による除票 (4.0.2): the 除票 the person left in each ward they moved out of within a 指定都市, oldest first", body = Vec<WardRemovalView>), (status = 404, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn ward_removals(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<Vec<WardRemovalView>>> {
    let id = PersonId(path.1);
    inquired_person(&state, &p, id).await?;
    let removals = kikan_store::places::ward_removals(&*state.store, p.tenant, id).await?;
    audit(
        &state,
        &p,
        "person.ward_removals",
        vec![id.0],
        "区間異動による除票の参照",
    )
    .await?;
    let shield = Protection::of(&state, &p, &[id]).await?;
    Ok(Json(
        removals
            .iter()
            .map(|r| WardRemovalView {
                seq: r.seq,
                ward: r.ward.clone(),
                to: r.to.clone(),
                record: shield.person(&r.record),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/households/{id}", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path), AsOf),
    responses((status = 200, body = HouseholdView), (status = 404, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Query(q): Query<AsOf>,
) -> R<Json<HouseholdView>> {
    p.purpose()?;
    let tenant = p.tenant;
    let id = HouseholdId(path.1);
    let found = match &q.as_of {
        Some(d) => {
            state
                .store
                .household_as_of(tenant, id, date_in(d, "as_of")?)
                .await?
        }
        None => match state.store.households(tenant, &[id]).await?.pop() {
            Some(h) => {
                let members = state.store.persons(tenant, &h.members).await?;
                Some((h, members))
            }
            None => None,
        },
    };
    if let Some((_, members)) = &found {
        let members: Vec<&kikan_domain::Person> = members.iter().collect();
        crate::suppress::inquiry(&state, &p, &members).await?;
    }
    let persons = found
        .as_ref()
        .map(|(_, m)| m.iter().map(|x| x.id.0).collect())
        .unwrap_or_default();
    audit(
        &state,
        &p,
        "household.read",
        persons,
        format!("世帯 {id} の参照"),
    )
    .await?;
    let (h, members) = found.ok_or_else(|| ApiError::not_found("世帯"))?;
    // 消除対象者記載 (3.3): the members removed from it, on the current view.
    let removed = if q.as_of.is_none() {
        let keys = kikan_store::SearchKeys {
            household_id: Some(id.0),
            include_removed: true,
            limit: 200,
            every_hit: true,
            ..Default::default()
        };
        let found = state.store.search(tenant, &keys).await?;
        found.into_iter().filter(|x| x.is_removed()).collect()
    } else {
        vec![]
    };
    if !removed.is_empty() {
        let refs: Vec<&kikan_domain::Person> = removed.iter().collect();
        crate::suppress::inquiry(&state, &p, &refs).await?;
        audit(
            &state,
            &p,
            "household.read",
            removed.iter().map(|x| x.id.0).collect(),
            format!("世帯 {id} の消除された世帯員の参照"),
        )
        .await?;
    }
    let ids: Vec<PersonId> = members.iter().chain(&removed).map(|m| m.id).collect();
    let shield = Protection::of(&state, &p, &ids).await?;
    let mut view = shield.household(&h, &members);
    view.removed_members = removed.iter().map(|x| shield.person(x)).collect();
    Ok(Json(view))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/households/{id}/history", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = Vec<EntryView>), (status = 404, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn household_history(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<Vec<EntryView>>> {
    p.purpose()?;
    let tenant = p.tenant;
    let id = path.1;
    let entries = state
        .store
        .entries_for(tenant, None, Some(HouseholdId(id)))
        .await?;
    let mut persons: Vec<i64> = entries
        .iter()
        .flat_map(|e| e.change.persons_named())
        .map(|x| x.0)
        .collect();
    persons.sort_unstable();
    persons.dedup();
    if !entries.is_empty() {
        kikan_app::suppress::enforce(
            &*state.store,
            &p.actor(),
            kikan_domain::suppress::Process::Inquiry,
            &[kikan_domain::suppress::Subject::Household(HouseholdId(id))],
            state.clock.today(),
        )
        .await?;
    }
    audit(
        &state,
        &p,
        "household.history",
        persons.clone(),
        format!("世帯 {id} の異動履歴の参照"),
    )
    .await?;
    if entries.is_empty() {
        return Err(ApiError::not_found("世帯"));
    }
    let ids: Vec<PersonId> = persons.into_iter().map(PersonId).collect();
    let shield = Protection::of(&state, &p, &ids).await?;
    Ok(Json(
        shield.entries(entries.iter().map(EntryView::from).collect()),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// 振り仮名 (hiragana, katakana or half-width), compared as `matching` says.
    pub kana: Option<String>,
    /// 氏名; variant kanji match (髙橋 = 高橋).
    pub name: Option<String>,
    /// 名 alone: its reading or the name as written (2.1.2).
    pub given: Option<String>,
    /// How names, readings, 旧氏 and 通称 are compared: `prefix` (前方一致, the default),
    /// `exact` (完全一致) or `partial` (部分一致).
    #[serde(rename = "match")]
    #[param(rename = "match", value_type = Option<String>)]
    pub matching: Option<NameMatch>,
    /// あいまい検索 of readings (2.1.2): 清音・濁音・半濁音, small kana, 長音 and オ段+ウ
    /// make no difference.
    #[serde(default)]
    pub fuzzy: bool,
    /// Past names, readings, 旧氏, 通称 and addresses match too (2.1.3).
    #[serde(default)]
    pub past: bool,
    /// 生年月日 (和暦 or 西暦): a day, or a month or year (昭和50年, 1975-03).
    pub birth_date: Option<String>,
    /// 生年月日 from and to (each a day, month or year, 和暦 or 西暦).
    pub birth_from: Option<String>,
    pub birth_to: Option<String>,
    /// Part of the address (current, or past ones with `past`).
    pub address: Option<String>,
    /// The beginning of the 方書.
    pub katagaki: Option<String>,
    /// 住所コード or its prefix (2.1.3): 5 digits name a 市区町村 or a designated city's
    /// 区 (区からの検索), 8 a 大字, 11 a 町字.
    pub address_code: Option<String>,
    pub juminhyo_code: Option<String>,
    /// 個人番号 (12 digits): found by its blind index; the number is never stored in the clear.
    pub individual_number: Option<String>,
    /// 旧氏 (1.1.7); variant kanji match as the name.
    pub former_surname: Option<String>,
    /// 通称 or its reading (foreign residents).
    pub alias: Option<String>,
    /// 在留カード等番号, exactly (blanks and case aside).
    pub card_number: Option<String>,
    /// 性別 (男, 女).
    pub sex: Option<String>,
    /// 続柄 as printed (世帯主, 妻, 子 …).
    pub relationship: Option<String>,
    /// 消除事由 (転出, 死亡, 職権消除 …): searches the 除票.
    pub removal_reason: Option<String>,
    /// 世帯番号.
    pub household_id: Option<i64>,
    /// 宛名番号.
    pub person_id: Option<i64>,
    /// Items that must be empty, comma-separated: `juminhyo_code`, `individual_number`,
    /// `given_reading`, `katagaki`.
    pub empty: Option<String>,
    /// Include removed records (除票).
    #[serde(default)]
    pub include_removed: bool,
    /// At most this many hits (1–1000, default 50).
    pub limit: Option<u32>,
}

/// 検索履歴 (2.1.1): how many searches each staff member keeps.
const SEARCH_HISTORY: u32 = 20;

/// A search as the 検索履歴 keeps it: the conditions as typed, and when. A search by
/// 個人番号 is not kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchHistoryView {
    pub at: chrono::DateTime<chrono::Utc>,
    #[serde(flatten)]
    pub conditions: SearchConditions,
}

/// The conditions of a search as typed (the 個人番号 aside), as the 検索履歴 keeps them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchConditions {
    pub kana: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub given: Option<String>,
    #[serde(default, rename = "match")]
    #[schema(value_type = Option<String>)]
    pub matching: Option<NameMatch>,
    #[serde(default)]
    pub fuzzy: bool,
    #[serde(default)]
    pub past: bool,
    pub birth_date: Option<String>,
    #[serde(default)]
    pub birth_from: Option<String>,
    #[serde(default)]
    pub birth_to: Option<String>,
    pub address: Option<String>,
    #[serde(default)]
    pub katagaki: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_code: Option<String>,
    pub juminhyo_code: Option<String>,
    pub former_surname: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    pub card_number: Option<String>,
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub relationship: Option<String>,
    #[serde(default)]
    pub removal_reason: Option<String>,
    #[serde(default)]
    pub household_id: Option<i64>,
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub empty: Option<String>,
    #[serde(default)]
    pub include_removed: bool,
}

impl SearchHistoryView {
    fn of(p: &SearchParams) -> Option<Self> {
        if p.individual_number.is_some() {
            return None;
        }
        let t = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Some(SearchHistoryView {
            at: chrono::Utc::now(),
            conditions: SearchConditions {
                kana: t(&p.kana),
                name: t(&p.name),
                given: t(&p.given),
                matching: p.matching.filter(|m| *m != NameMatch::Prefix),
                fuzzy: p.fuzzy,
                past: p.past,
                birth_date: t(&p.birth_date),
                birth_from: t(&p.birth_from),
                birth_to: t(&p.birth_to),
                address: t(&p.address),
                katagaki: t(&p.katagaki),
                address_code: t(&p.address_code),
                juminhyo_code: t(&p.juminhyo_code),
                former_surname: t(&p.former_surname),
                alias: t(&p.alias),
                card_number: t(&p.card_number),
                sex: t(&p.sex),
                relationship: t(&p.relationship),
                removal_reason: t(&p.removal_reason),
                household_id: p.household_id,
                person_id: p.person_id,
                empty: t(&p.empty),
                include_removed: p.include_removed,
            },
        })
    }

    /// The same conditions (the time aside).
    fn same(&self, o: &Self) -> bool {
        self.conditions == o.conditions
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/search-history", tag = "residents",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "検索履歴 (2.1.1): the caller's latest searches (at most 20, each set of conditions once, newest first), to search again or start a new one from", body = Vec<SearchHistoryView>)))]
pub async fn search_history(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> R<Json<Vec<SearchHistoryView>>> {
    principal.purpose()?;
    let t = principal.tenant.to_string();
    let mut out: Vec<SearchHistoryView> = vec![];
    for sealed in state
        .store
        .search_history(principal.tenant, &principal.actor)
        .await?
    {
        let plain = state.store.sealer().unseal(&t, &sealed)?;
        let h: SearchHistoryView = serde_json::from_str(&plain)
            .map_err(|e| ApiError::from(kikan_store::StoreError::Corrupt(e.to_string())))?;
        if !out.iter().any(|o| o.same(&h)) {
            out.push(h);
        }
    }
    audit(
        &state,
        &principal,
        "search.history",
        vec![],
        format!("検索履歴の参照({}件)", out.len()),
    )
    .await?;
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/search", tag = "residents",
    params(("tenant" = String, Path), SearchParams),
    responses((status = 200, body = Vec<PersonView>), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(p): Query<SearchParams>,
) -> R<Json<Vec<PersonView>>> {
    principal.purpose()?;
    let tenant = principal.tenant;
    // 検索履歴 (2.1.1): a staff member's search is kept (a system's is not).
    let history = SearchHistoryView::of(&p).filter(|_| principal.staff_id.is_some());
    let period = |v: &Option<String>, field: &'static str| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| kikan_domain::wareki::parse_period(v).map_err(|e| ApiError::from(e).at(field)))
            .transpose()
    };
    let (day, from, to) = (
        period(&p.birth_date, "birth_date")?,
        period(&p.birth_from, "birth_from")?,
        period(&p.birth_to, "birth_to")?,
    );
    // A day is a day; a month or year, and from/to, a range.
    let birth_date = day.filter(|(a, b)| a == b).map(|(a, _)| a);
    let born = match (day.filter(|_| birth_date.is_none()), from, to) {
        (None, None, None) => None,
        (d, f, t) => {
            let lo = [d.map(|x| x.0), f.map(|x| x.0)].into_iter().flatten().max();
            let hi = [d.map(|x| x.1), t.map(|x| x.1)].into_iter().flatten().min();
            Some((
                lo.unwrap_or(chrono::NaiveDate::MIN),
                hi.unwrap_or(chrono::NaiveDate::MAX),
            ))
        }
    };
    let label = |v: &Option<String>, parse: fn(&str) -> Result<(), DomainError>, field| match v
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => parse(v)
            .map(|()| Some(v.to_string()))
            .map_err(|e| ApiError::from(e).at(field)),
        None => Ok(None),
    };
    let empty = match p.empty.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => vec![],
        Some(list) => list
            .split(',')
            .map(|item| {
                serde_json::from_value::<EmptyItem>(serde_json::Value::String(item.trim().into()))
                    .map_err(|_| {
                        ApiError::from(DomainError::UnknownCode {
                            kind: "未入力項目",
                            value: item.trim().to_string(),
                        })
                        .at("empty")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let q = SearchQuery {
        kana: p.kana.clone(),
        name: p.name.clone(),
        given: p.given.clone(),
        matching: p.matching.unwrap_or_default(),
        fuzzy: p.fuzzy,
        past: p.past,
        birth_date,
        born,
        address: p.address.clone(),
        katagaki: p.katagaki.clone(),
        address_code: match p
            .address_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) if c.len() <= 11 && c.bytes().all(|b| b.is_ascii_digit()) => {
                Some(c.to_string())
            }
            Some(c) => {
                return Err(
                    ApiError::from(DomainError::InvalidAddressCode { code: c.into() })
                        .at("address_code"),
                );
            }
            None => None,
        },
        juminhyo_code: p.juminhyo_code.clone(),
        individual_number: p.individual_number.clone(),
        former_surname: p.former_surname.clone(),
        alias: p.alias.clone(),
        card_number: p.card_number.clone(),
        sex: label(&p.sex, |v| kikan_domain::Sex::parse(v).map(|_| ()), "sex")?,
        relationship: label(
            &p.relationship,
            |v| kikan_domain::Relationship::parse(v).map(|_| ()),
            "relationship",
        )?,
        removal_reason: label(
            &p.removal_reason,
            |v| kikan_domain::RemovalReason::parse(v).map(|_| ()),
            "removal_reason",
        )?,
        household_id: p.household_id,
        person_id: p.person_id,
        empty,
        include_removed: p.include_removed,
        limit: p.limit.unwrap_or(50),
    };
    let keys = q.keys();
    if keys.is_empty() {
        return Err(ApiError::from(DomainError::Missing {
            field: "検索条件"
        }));
    }
    let by_address = keys.by_address();
    let hits = kikan_app::search::residents(&*state.store, tenant, keys).await?;
    let ids: Vec<PersonId> = hits.iter().map(|h| h.id).collect();
    let shield = Protection::of(&state, &principal, &ids).await?;
    // A search by address must not confirm where a protected person lives.
    let by_address = by_address && shield.withholds();
    let shown: Vec<&kikan_domain::Person> = hits
        .iter()
        .filter(|h| !(by_address && shield.is_protected(h.id)))
        .collect();
    // A search by 個人番号 is an access to it (10.2).
    let event = principal
        .event(
            "resident.search",
            shown.iter().map(|x| x.id.0).collect(),
            search_detail(&p),
        )
        .with_my_number(q.individual_number.is_some());
    state.store.append_audit(principal.tenant, &[event]).await?;
    if let Some(h) = history {
        let json = serde_json::to_string(&h)
            .map_err(|e| ApiError::from(kikan_store::StoreError::Corrupt(e.to_string())))?;
        let sealed = state.store.sealer().seal(&tenant.to_string(), &json)?.0;
        // Two searches by one staff member at the same moment keep one: the other
        // search is answered all the same.
        match state
            .store
            .add_search_history(tenant, &principal.actor, &sealed, SEARCH_HISTORY)
            .await
        {
            Ok(()) | Err(kikan_store::StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // 抑止 (3.1): a held record is marked in the results.
    let mut views: Vec<PersonView> = shown.iter().map(|h| shield.person(h)).collect();
    crate::suppress::mark(&state, &principal, &mut views, &shown).await?;
    Ok(Json(views))
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
    Extension(principal): Extension<Principal>,
    Query(p): Query<ResidentsParams>,
) -> R<Json<Vec<PersonView>>> {
    principal.purpose()?;
    let tenant = principal.tenant;
    let on = match &p.as_of {
        Some(d) => date_in(d, "as_of")?,
        None => state.clock.today(),
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
    // A page of an extraction is identified by its date and id range (listing every
    // id of a 10,000-row page in the log would say no more).
    let detail = match (rows.first(), rows.last()) {
        (Some(a), Some(b)) => format!("{on} 時点の住民 {} 人(ID {}〜{})", rows.len(), a.id, b.id),
        _ => format!("{on} 時点の住民 0 人"),
    };
    audit(&state, &principal, "export.residents", vec![], detail).await?;
    let ids: Vec<PersonId> = rows.iter().map(|r| r.id).collect();
    let shield = Protection::of(&state, &principal, &ids).await?;
    Ok(Json(rows.iter().map(|r| shield.person(r)).collect()))
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
    Extension(principal): Extension<Principal>,
    Query(p): Query<LedgerParams>,
) -> R<Json<Vec<EntryView>>> {
    principal.purpose()?;
    let tenant = principal.tenant;
    let rows = state
        .store
        .ledger(
            tenant,
            p.after.unwrap_or(0),
            p.limit.unwrap_or(1000).clamp(1, 10_000),
        )
        .await?;
    let detail = match (rows.first(), rows.last()) {
        (Some(a), Some(b)) => format!("異動の記録 {} 件(番号 {}〜{})", rows.len(), a.seq, b.seq),
        _ => "異動の記録 0 件".into(),
    };
    audit(&state, &principal, "export.ledger", vec![], detail).await?;
    Ok(Json(rows.iter().map(EntryView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/check", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, body = CheckView), (status = 409, description = "A projection differs from the ledger", body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<CheckView>> {
    let tenant = p.tenant;
    let r = kikan_app::check::check(&*state.store, tenant).await;
    let detail = match &r {
        Ok(r) => format!("整合性検査: 異動 {} 件を再生、一致", r.entries),
        Err(e) => format!("整合性検査: 不一致または失敗({e})"),
    };
    audit(&state, &p, "check.run", vec![], detail).await?;
    let r = r?;
    Ok(Json(CheckView {
        ok: true,
        entries: r.entries,
        persons: r.persons,
        households: r.households,
        person_versions: r.person_versions,
        household_versions: r.household_versions,
    }))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/archive-return", tag = "changes",
    params(("tenant" = String, Path), ("id" = i64, Path, description = "宛名番号 of the 除票")),
    responses((status = 201, description = "除票用データベースからの復元 (4.6.0.1, 9.3): the 除票 back in the 住民記録 database, so that an entry of it can be cancelled or an item corrected; the next yearly move takes it again", body = ChangeResult),
              (status = 404, body = ErrorBody),
              (status = 422, description = "Not in the 除票用データベース (E-JOHYO-004)", body = ErrorBody)))]
pub async fn archive_return(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<(StatusCode, Json<ChangeResult>)> {
    let recorded = kikan_app::removed_db::bring_back(
        &*state.store,
        p.tenant,
        PersonId(path.1),
        state.clock.today(),
        chrono::Utc::now(),
        &p.actor(),
    )
    .await?;
    state.metrics.change(p.tenant, &recorded.entry);
    Ok((StatusCode::CREATED, Json(change_result(&recorded))))
}

/// 異動の取消し (4.6): by 職権 or on a 申出 (4.6.1.1, whose 申出日 is `notified_on`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CancelIn {
    /// 職権 (default) or 申出.
    pub basis: Option<String>,
    /// The day of the cancellation (和暦 or 西暦); today when absent.
    pub effective_on: Option<String>,
    /// 通知日 or 申出日; today when absent.
    pub notified_on: Option<String>,
    /// Cancel for these persons only (4.6.0.1: 一部); absent or empty: every person the
    /// entry concerned.
    #[serde(default)]
    pub person_ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/changes/{seq}/cancel", tag = "changes",
    request_body = CancelIn,
    params(("tenant" = String, Path), ("seq" = i64, Path, description = "台帳番号 of the entry cancelled")),
    responses((status = 201, body = ChangeResult), (status = 404, body = ErrorBody),
              (status = 422, description = "Not cancellable: a later entry changed its records (E-IDO-054), or it cannot be (E-IDO-055); a person the entry did not concern (E-IDO-063)", body = ErrorBody),
              (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn cancel_change(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(req): Json<CancelIn>,
) -> R<(StatusCode, Json<ChangeResult>)> {
    let today = state.clock.today();
    let basis = match req.basis.as_deref() {
        None => kikan_domain::Basis::ExOfficio,
        Some(b) => {
            match kikan_domain::Basis::parse(b).map_err(|e| ApiError::from(e).at("basis"))? {
                // A cancellation is never a 届出: 職権, or 職権 on a 申出.
                kikan_domain::Basis::Notification => kikan_domain::Basis::ExOfficio,
                other => other,
            }
        }
    };
    let day = |s: &Option<String>, field: &str| -> R<chrono::NaiveDate> {
        s.as_deref().map_or(Ok(today), |d| date_in(d, field))
    };
    let notified_on = day(&req.notified_on, "notified_on")?;
    let effective_on = day(&req.effective_on, "effective_on")?;
    let only: Vec<PersonId> = req.person_ids.iter().copied().map(PersonId).collect();
    let change = kikan_app::cancel::cancellation_for(&*state.store, p.tenant, path.1, &only)
        .await
        .map_err(|e| ApiError::from(e).at("person_ids"))?;
    let mut entry = LedgerEntry::at_intake(
        change,
        effective_on,
        notified_on,
        chrono::Utc::now(),
        p.actor.clone(),
        None,
        today,
    )?
    .with_basis(basis);
    entry.terminal = p.terminal.clone();
    let event = record::change_event(
        &p.actor(),
        &entry,
        Some(format!("台帳番号{}の異動の取消し", path.1)),
    );
    let recorded =
        record::record_audited(&*state.store, p.tenant, entry, &[], Some(event), None).await?;
    state.metrics.change(p.tenant, &recorded.entry);
    Ok((StatusCode::CREATED, Json(change_result(&recorded))))
}
