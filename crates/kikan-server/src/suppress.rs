//! 異動・発行・照会抑止 (3.1, j410): setting, listing (9.2, j1290; the feed of 3.2,
//! j420), temporary release and release; and the markers on every view of a held
//! record. The holds themselves are enforced in `kikan_app` (record, certificates) and
//! on the reads here ([`inquiry`]).

use crate::AppState;
use crate::auth::Principal;
use crate::dto::{DateView, PersonView, date_view};
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::suppress::{Category, Level, Lock, Process, Subject, Suppression, SuppressionId};
use kikan_domain::{DomainError, HouseholdId, Person, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

/// 照会抑止 before a record is shown: refused (423 `E-SUPPRESS-003`, audited) by an
/// error-level suppression of 照会 on the person or their household. Returns the
/// suppressions of the persons and their households, for [`mark_with`].
pub async fn inquiry(state: &AppState, p: &Principal, persons: &[&Person]) -> R<Vec<Suppression>> {
    let subjects = kikan_app::suppress::subjects(persons, &[]);
    let held = state.store.suppressions_for(p.tenant, &subjects).await?;
    kikan_app::suppress::enforce_held(
        &*state.store,
        &p.actor(),
        Process::Inquiry,
        &subjects,
        &held,
        state.clock.today(),
    )
    .await?;
    Ok(held)
}

/// Marks the views of `persons` with the suppressions in force on them (or their
/// households), in one look-up.
pub async fn mark(
    state: &AppState,
    p: &Principal,
    views: &mut [PersonView],
    persons: &[&Person],
) -> R<()> {
    let subjects = kikan_app::suppress::subjects(persons, &[]);
    let held = state.store.suppressions_for(p.tenant, &subjects).await?;
    mark_with(views, persons, &held, state.clock.today());
    Ok(())
}

/// [`mark`] with the suppressions already loaded (`held`, as [`inquiry`] returns them).
pub fn mark_with(
    views: &mut [PersonView],
    persons: &[&Person],
    held: &[Suppression],
    today: NaiveDate,
) {
    for (v, person) in views.iter_mut().zip(persons) {
        let mine = [
            Subject::Person(person.id),
            Subject::Household(person.household_id),
        ];
        v.suppressions = held
            .iter()
            .filter(|s| s.in_force(today) && mine.contains(&s.subject))
            .map(|s| marker(s, today))
            .collect();
    }
}

fn marker(s: &Suppression, today: NaiveDate) -> String {
    let processes: Vec<&str> = s.processes.iter().map(|p| p.label()).collect();
    let mut m = format!(
        "抑止 {}: {}({})— {}",
        s.id,
        processes.join("・"),
        s.level.label(),
        s.reason
    );
    if s.temporarily_released(Utc::now()) {
        m.push_str("(一時解除中)");
    }
    if s.ends_on.is_some_and(|e| today > e) {
        m.push_str("(終了日経過・解除まで継続)");
    }
    m
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubjectIn {
    /// person or household.
    pub kind: String,
    /// 宛名番号 or 世帯番号.
    pub id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SuppressionIn {
    pub subject: SubjectIn,
    /// support (支援対象者) or other (その他); other when absent.
    pub category: Option<String>,
    /// Any of change (異動入力), certificate (証明書発行), inquiry (照会).
    pub processes: Vec<String>,
    /// error (エラー: refused) or alert (アラート: shown, allowed).
    pub level: String,
    pub reason: String,
    /// 和暦 or 西暦; today when absent.
    pub starts_on: Option<String>,
    /// The end date (the suppression does not end on it; it is released explicitly).
    pub ends_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionView {
    pub id: i64,
    /// person or household.
    pub subject_kind: String,
    pub subject_id: i64,
    /// 支援対象者 or その他.
    pub category: String,
    /// change, certificate, inquiry.
    pub processes: Vec<String>,
    pub process_labels: Vec<String>,
    /// error or alert.
    pub level: String,
    pub reason: String,
    pub starts_on: DateView,
    pub ends_on: Option<DateView>,
    pub released_on: Option<DateView>,
    /// Holds today (its end date does not end it; a release does). Other systems
    /// follow this: a temporary release never changes it.
    pub in_force: bool,
    /// Past its end date and not released.
    pub past_end: bool,
    /// While a temporary release runs: until when.
    pub temporarily_released_until: Option<DateTime<Utc>>,
    /// Its life: 設定, 一時解除, 解除.
    pub history: Vec<SuppressionEventView>,
    pub version: u64,
    /// The last 設定 or 解除 (for feeds: `changed_since`); a 一時解除 does not count.
    pub changed_at: DateTime<Utc>,
    /// 行政区 of a designated city (9.2): the ward the person's or household's address
    /// lies in, when the city has registered its wards (区役所, 1.3.1).
    pub ward: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionEventView {
    pub at: DateTime<Utc>,
    pub action: String,
    pub by: String,
    pub note: Option<String>,
}

fn view(s: &Suppression, today: NaiveDate) -> SuppressionView {
    let now = Utc::now();
    let (subject_kind, subject_id) = match s.subject {
        Subject::Person(p) => ("person", p.0),
        Subject::Household(h) => ("household", h.0),
    };
    SuppressionView {
        id: s.id.0,
        subject_kind: subject_kind.into(),
        subject_id,
        category: s.category.label().into(),
        processes: s.processes.iter().map(|p| p.code().into()).collect(),
        process_labels: s.processes.iter().map(|p| p.label().into()).collect(),
        level: s.level.code().into(),
        reason: s.reason.clone(),
        starts_on: date_view(s.starts_on),
        ends_on: s.ends_on.map(date_view),
        released_on: s.released_on.map(date_view),
        in_force: s.in_force(today),
        past_end: s.in_force(today) && s.ends_on.is_some_and(|e| today > e),
        temporarily_released_until: s
            .release
            .as_ref()
            .filter(|_| s.temporarily_released(now))
            .map(|r| r.until),
        history: s
            .history
            .iter()
            .map(|e| SuppressionEventView {
                at: e.at,
                action: e.action.clone(),
                by: e.by.clone(),
                note: e.note.clone(),
            })
            .collect(),
        version: s.version,
        // A 一時解除 is no change for other systems (3.1).
        changed_at: s.changed_at().unwrap_or(now),
        ward: None,
    }
}

/// The 行政区 asked for (its name or code) among the city's `wards`: its name; None when
/// none was asked; `E-CODE-005` for one the city has not registered.
pub(crate) fn ward_named(
    wards: &[&kikan_store::places::Place],
    asked: Option<&str>,
) -> R<Option<String>> {
    let Some(asked) = asked.map(str::trim).filter(|w| !w.is_empty()) else {
        return Ok(None);
    };
    wards
        .iter()
        .find(|w| w.ward.as_deref() == Some(asked) || w.ward_code.as_deref() == Some(asked))
        .and_then(|w| w.ward.clone())
        .map(Some)
        .ok_or_else(|| {
            ApiError::from(DomainError::UnknownCode {
                kind: "行政区",
                value: asked.to_string(),
            })
            .at("ward")
        })
}

/// The municipality's name, as its wards' addresses begin (横浜市 of 横浜市中区).
async fn city_name(state: &AppState, p: &Principal) -> R<String> {
    Ok(state
        .store
        .tenant(p.tenant)
        .await?
        .map(|t| t.name)
        .unwrap_or_default())
}

/// A list split by 行政区 (指定都市, 7.1.1.1 and 9.2): keeps what lies in the ward asked
/// for, the address of each read by `address`. Nothing asked: all kept.
pub(crate) async fn keep_ward<T>(
    state: &AppState,
    p: &Principal,
    asked: Option<&str>,
    list: &mut Vec<T>,
    address: impl Fn(&T) -> String,
) -> R<()> {
    if asked.map(str::trim).is_none_or(str::is_empty) {
        return Ok(());
    }
    let places = state.store.places(p.tenant).await?;
    let wards = kikan_store::places::wards(&places);
    let Some(ward) = ward_named(&wards, asked)? else {
        return Ok(());
    };
    let city = city_name(state, p).await?;
    let inside = format!("{city}{ward}");
    list.retain(|x| address(x).contains(&inside));
    Ok(())
}

/// 9.2: each view's 行政区, from the address of its person or household, when the city
/// has wards.
async fn set_wards(
    state: &AppState,
    p: &Principal,
    wards: &[&kikan_store::places::Place],
    views: &mut [SuppressionView],
) -> R<()> {
    if wards.is_empty() || views.is_empty() {
        return Ok(());
    }
    let city = city_name(state, p).await?;
    let ids = |kind: &str| -> Vec<i64> {
        views
            .iter()
            .filter(|v| v.subject_kind == kind)
            .map(|v| v.subject_id)
            .collect()
    };
    let persons: Vec<PersonId> = ids("person").into_iter().map(PersonId).collect();
    let households: Vec<HouseholdId> = ids("household").into_iter().map(HouseholdId).collect();
    // Keyed by (is a person, id).
    let mut addresses = std::collections::HashMap::new();
    for x in state.store.persons(p.tenant, &persons).await? {
        addresses.insert((true, x.id.0), x.address.line());
    }
    for h in state.store.households(p.tenant, &households).await? {
        addresses.insert((false, h.id.0), h.address.line());
    }
    for v in views.iter_mut() {
        v.ward = addresses
            .get(&(v.subject_kind == "person", v.subject_id))
            .and_then(|a| kikan_store::places::ward_of(a, &city, wards))
            .and_then(|w| w.ward.clone());
    }
    Ok(())
}

fn date_in(s: &str, field: &str) -> R<NaiveDate> {
    kikan_domain::wareki::parse_date(s).map_err(|e| ApiError::from(e).at(field))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/suppressions", tag = "support", request_body = SuppressionIn,
    params(("tenant" = String, Path)),
    responses((status = 201, body = SuppressionView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<SuppressionIn>,
) -> R<(StatusCode, Json<SuppressionView>)> {
    let today = state.clock.today();
    let subject = subject_in(&state, &p, &input.subject, "subject").await?;
    let category = match input.category.as_deref().unwrap_or("other") {
        "support" | "支援対象者" => Category::Support,
        "other" | "その他" => Category::Other,
        other => {
            return Err(ApiError::invalid(
                "抑止の区分",
                format!("「{other}」は support か other にしてください"),
                "category",
            ));
        }
    };
    let mut processes = std::collections::BTreeSet::new();
    for (i, code) in input.processes.iter().enumerate() {
        let process = Process::parse(code).ok_or_else(|| {
            ApiError::invalid(
                "抑止する処理",
                format!("「{code}」は change(異動入力)・certificate(証明書発行)・inquiry(照会)のいずれかにしてください"),
                &format!("processes[{i}]"),
            )
        })?;
        processes.insert(process);
    }
    let level = match input.level.as_str() {
        "error" | "エラー" => Level::Error,
        "alert" | "アラート" => Level::Alert,
        other => {
            return Err(ApiError::invalid(
                "抑止レベル",
                format!("「{other}」は error か alert にしてください"),
                "level",
            ));
        }
    };
    let starts_on = match &input.starts_on {
        Some(d) => date_in(d, "starts_on")?,
        None => today,
    };
    let ends_on = input
        .ends_on
        .as_deref()
        .map(|d| date_in(d, "ends_on"))
        .transpose()?;
    let s = Suppression::new(
        SuppressionId(kikan_app::ids::new_id()),
        subject,
        category,
        processes,
        level,
        &input.reason,
        starts_on,
        ends_on,
        Utc::now(),
        &p.actor,
    )?;
    state.store.add_suppression(p.tenant, &s).await?;
    kikan_app::suppress::feed_holds(&*state.store, p.tenant, &s, today).await?;
    audit(
        &state,
        &p,
        "suppress.add",
        &s,
        format!("抑止 {} を設定", s.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(&s, today))))
}

/// The subject named, checked to exist in the tenant.
async fn subject_in(state: &AppState, p: &Principal, s: &SubjectIn, at: &str) -> R<Subject> {
    match s.kind.as_str() {
        "person" => {
            let id = PersonId(s.id);
            if state.store.persons(p.tenant, &[id]).await?.is_empty() {
                return Err(ApiError::from(DomainError::PersonNotFound(id.to_string()))
                    .at(format!("{at}.id")));
            }
            Ok(Subject::Person(id))
        }
        "household" => {
            let id = HouseholdId(s.id);
            if state.store.households(p.tenant, &[id]).await?.is_empty() {
                return Err(
                    ApiError::from(DomainError::HouseholdNotFound(id.to_string()))
                        .at(format!("{at}.id")),
                );
            }
            Ok(Subject::Household(id))
        }
        other => Err(ApiError::invalid(
            "抑止の対象",
            format!("「{other}」は person(個人)か household(世帯)にしてください"),
            &format!("{at}.kind"),
        )),
    }
}

async fn audit(
    state: &AppState,
    p: &Principal,
    action: &str,
    s: &Suppression,
    detail: String,
) -> R<()> {
    let persons = match s.subject {
        Subject::Person(id) => vec![id.0],
        Subject::Household(_) => vec![],
    };
    crate::routes::audit(state, p, action, persons, detail).await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// Only those in force today (抑止対象者一覧).
    pub in_force: Option<bool>,
    /// Only those set or changed since (a feed for other systems, 3.2).
    pub changed_since: Option<DateTime<Utc>>,
    /// Only those in this 行政区 (its name or code; 9.2: the list split by ward).
    pub ward: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/suppressions", tag = "support",
    params(("tenant" = String, Path), ListParams), responses((status = 200, body = Vec<SuppressionView>),
        (status = 422, description = "E-CODE-005: a 行政区 the city has not registered", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ListParams>,
) -> R<Json<Vec<SuppressionView>>> {
    p.purpose()?;
    let today = state.clock.today();
    let mut views: Vec<SuppressionView> = state
        .store
        .suppressions(p.tenant)
        .await?
        .iter()
        .filter(|s| q.in_force.is_none_or(|f| s.in_force(today) == f))
        .map(|s| view(s, today))
        .filter(|v| q.changed_since.is_none_or(|since| v.changed_at > since))
        .collect();
    // 9.2: the places are read once, for the wards shown and the one asked for.
    let places = state.store.places(p.tenant).await?;
    let wards = kikan_store::places::wards(&places);
    set_wards(&state, &p, &wards, &mut views).await?;
    if let Some(ward) = ward_named(&wards, q.ward.as_deref())? {
        views.retain(|v| v.ward.as_deref() == Some(ward.as_str()));
    }
    let persons: Vec<i64> = views
        .iter()
        .filter(|v| v.subject_kind == "person")
        .map(|v| v.subject_id)
        .collect();
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "suppress.list",
                persons,
                format!("抑止の一覧({}件)", views.len()),
            )],
        )
        .await?;
    Ok(Json(views))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TemporaryReleaseIn {
    /// Minutes until the suppression holds again by itself (1 to 480; 30 when absent).
    pub minutes: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReleaseIn {
    pub note: Option<String>,
}

async fn change(
    state: &AppState,
    p: &Principal,
    id: i64,
    action: &str,
    f: impl FnOnce(&mut Suppression, NaiveDate) -> Result<(), DomainError>,
) -> R<Json<SuppressionView>> {
    let today = state.clock.today();
    let mut s = state
        .store
        .suppression(p.tenant, SuppressionId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("抑止"))?;
    f(&mut s, today)?;
    state.store.update_suppression(p.tenant, &s).await?;
    if s.released_on.is_some() {
        // 解除 (a 一時解除 is never fed to other systems).
        kikan_app::suppress::feed_holds(&*state.store, p.tenant, &s, today).await?;
    }
    let last = s
        .history
        .last()
        .map(|e| e.action.clone())
        .unwrap_or_default();
    audit(state, p, action, &s, format!("抑止 {} を{last}", s.id)).await?;
    Ok(Json(view(&s, today)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/suppressions/{id}/release-temporarily", tag = "support", request_body = TemporaryReleaseIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "一時解除: the suppression lets the work go on until the time runs out, then holds again by itself", body = SuppressionView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn release_temporarily(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<TemporaryReleaseIn>,
) -> R<Json<SuppressionView>> {
    let by = p.actor.clone();
    let minutes = input.minutes.unwrap_or(30);
    change(
        &state,
        &p,
        path.1,
        "suppress.release_temporarily",
        |s, today| s.release_for(minutes, &input.reason, Utc::now(), today, &by),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/suppressions/{id}/release", tag = "support", request_body = ReleaseIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "解除: holds no more from today", body = SuppressionView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<ReleaseIn>,
) -> R<Json<SuppressionView>> {
    let by = p.actor.clone();
    change(&state, &p, path.1, "suppress.release", |s, today| {
        s.release(today, Utc::now(), &by, input.note)
    })
    .await
}

// ---- 排他制御 (10.3, managed with the 抑止 of 3.1) ----

#[derive(Debug, Deserialize, ToSchema)]
pub struct LocksIn {
    /// The persons and households about to be changed.
    pub subjects: Vec<SubjectIn>,
    /// What is being entered (転居の受付 …), shown to the others.
    pub purpose: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LockView {
    /// person or household.
    pub subject_kind: String,
    pub subject_id: i64,
    /// The staff login at work on it.
    pub holder: String,
    pub purpose: String,
    pub since: DateTime<Utc>,
    /// When it runs out unless taken again.
    pub until: DateTime<Utc>,
    /// What the others are told.
    pub message: String,
}

fn lock_view(l: &Lock) -> LockView {
    let (kind, id) = match l.subject {
        Subject::Person(p) => ("person", p.0),
        Subject::Household(h) => ("household", h.0),
    };
    LockView {
        subject_kind: kind.into(),
        subject_id: id,
        holder: l.holder.clone(),
        purpose: l.purpose.clone(),
        since: l.since,
        until: l.until,
        message: l.message(),
    }
}

async fn subjects_in(state: &AppState, p: &Principal, input: &[SubjectIn]) -> R<Vec<Subject>> {
    if input.is_empty() {
        return Err(ApiError::from(DomainError::Missing {
            field: "排他の対象",
        })
        .at("subjects"));
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, s) in input.iter().enumerate() {
        out.push(subject_in(state, p, s, &format!("subjects[{i}]")).await?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The subjects a lock of `subjects` must not cross: each person's household, each
/// household's members.
async fn related_subjects(
    state: &AppState,
    p: &Principal,
    subjects: &[Subject],
) -> R<Vec<Subject>> {
    let persons: Vec<PersonId> = subjects
        .iter()
        .filter_map(|s| match s {
            Subject::Person(id) => Some(*id),
            Subject::Household(_) => None,
        })
        .collect();
    let households: Vec<HouseholdId> = subjects
        .iter()
        .filter_map(|s| match s {
            Subject::Household(id) => Some(*id),
            Subject::Person(_) => None,
        })
        .collect();
    let mut out: Vec<Subject> = state
        .store
        .persons(p.tenant, &persons)
        .await?
        .iter()
        .map(|x| Subject::Household(x.household_id))
        .collect();
    for h in state.store.households(p.tenant, &households).await? {
        out.extend(h.members.iter().map(|m| Subject::Person(*m)));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn persons_of(subjects: &[Subject]) -> Vec<i64> {
    subjects
        .iter()
        .filter_map(|s| match s {
            Subject::Person(p) => Some(p.0),
            Subject::Household(_) => None,
        })
        .collect()
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/locks", tag = "support", request_body = LocksIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "排他制御: the records are held for the caller (taken again: renewed) until their change is entered, they are given back, or 30 minutes pass", body = Vec<LockView>),
        (status = 423, description = "`E-LOCK-001`: another staff member is entering a change of one of them; `E-LOCK-002`: the caller would hold more than 10 records; nothing taken", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_locks(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<LocksIn>,
) -> R<Json<Vec<LockView>>> {
    let subjects = subjects_in(&state, &p, &input.subjects).await?;
    let now = Utc::now();
    // One clerk holds a few records at a time, never the register.
    let mine: std::collections::BTreeSet<Subject> = state
        .store
        .locks(p.tenant, now)
        .await?
        .into_iter()
        .filter(|l| l.holder == p.actor)
        .map(|l| l.subject)
        .chain(subjects.iter().copied())
        .collect();
    if mine.len() > kikan_domain::suppress::LOCKS_PER_HOLDER {
        return Err(DomainError::TooManyLocks {
            max: kikan_domain::suppress::LOCKS_PER_HOLDER,
        }
        .into());
    }
    let purpose = input.purpose.as_deref().unwrap_or("");
    let locks = subjects
        .iter()
        .map(|s| Lock::new(*s, &p.actor, purpose, now))
        .collect::<Result<Vec<_>, _>>()?;
    // A person's household and a household's members are held with them: someone
    // else's lock of either refuses this one too.
    let related = related_subjects(&state, &p, &subjects).await?;
    let around = state.store.locks_for(p.tenant, &related).await?;
    let held = match kikan_domain::suppress::locked_out(&around, &p.actor, now) {
        Some(l) => Some(l.clone()),
        None => state.store.acquire_locks(p.tenant, &locks, now).await?,
    };
    if let Some(held) = held {
        let mut e = p.event(
            "lock.refused",
            persons_of(&subjects),
            format!("排他: {}", held.message()),
        );
        e.outcome = kikan_security::Outcome::Denied;
        state.store.append_audit(p.tenant, &[e]).await?;
        return Err(DomainError::Locked {
            message: held.message(),
        }
        .into());
    }
    crate::routes::audit(
        &state,
        &p,
        "lock.take",
        persons_of(&subjects),
        format!("排他: {}件を{}のため確保", locks.len(), locks[0].purpose),
    )
    .await?;
    Ok(Json(locks.iter().map(lock_view).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LocksOut {
    /// The records to give back; every lock the caller holds when empty.
    #[serde(default)]
    pub subjects: Vec<SubjectIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Released {
    /// How many locks went.
    pub released: u64,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/locks/release", tag = "support", request_body = LocksOut,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The caller's own locks given back (the form was left)", body = Released)))]
pub async fn give_back_locks(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<LocksOut>,
) -> R<Json<Released>> {
    let subjects = if input.subjects.is_empty() {
        vec![]
    } else {
        subjects_in(&state, &p, &input.subjects).await?
    };
    let released = state
        .store
        .release_locks(p.tenant, Some(&p.actor), &subjects)
        .await?;
    if released > 0 {
        crate::routes::audit(
            &state,
            &p,
            "lock.release",
            persons_of(&subjects),
            format!("排他: {released}件を返却"),
        )
        .await?;
    }
    Ok(Json(Released { released }))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/locks", tag = "support",
    params(("tenant" = String, Path)), responses((status = 200, description = "Records held now (排他制御中), oldest first", body = Vec<LockView>)))]
pub async fn list_locks(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<LockView>>> {
    let locks = state.store.locks(p.tenant, Utc::now()).await?;
    let subjects: Vec<Subject> = locks.iter().map(|l| l.subject).collect();
    crate::routes::audit(
        &state,
        &p,
        "lock.list",
        persons_of(&subjects),
        format!("排他制御中の一覧({}件)", locks.len()),
    )
    .await?;
    Ok(Json(locks.iter().map(lock_view).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ForceReleaseIn {
    pub subject: SubjectIn,
    /// Why (the holder left, their session ended …).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/locks/force-release", tag = "support", request_body = ForceReleaseIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "解除 of another staff member's lock, with a reason", body = Released),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn force_release(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<ForceReleaseIn>,
) -> R<Json<Released>> {
    let subject = subject_in(&state, &p, &input.subject, "subject").await?;
    if input.reason.trim().is_empty() {
        return Err(ApiError::from(DomainError::Missing {
            field: "解除の理由",
        })
        .at("reason"));
    }
    let held = state.store.locks_for(p.tenant, &[subject]).await?;
    let released = state
        .store
        .release_locks(p.tenant, None, &[subject])
        .await?;
    crate::routes::audit(
        &state,
        &p,
        "lock.force_release",
        persons_of(&[subject]),
        format!(
            "排他を解除({}、理由: {})",
            held.first().map_or("なし".into(), |l| format!(
                "{} さんの{}",
                l.holder, l.purpose
            )),
            input.reason.trim()
        ),
    )
    .await?;
    Ok(Json(Released { released }))
}
