//! 支援措置 (DB C): registration, extension, end, reminders, and the decision on a
//! request (certificate, 閲覧) concerning a protected person. Every view of a person
//! goes through [`Protection`], which marks protected persons and withholds their
//! addresses from callers who may not see them.

use crate::AppState;
use crate::auth::Principal;
use crate::dto::{DateView, EntryView, HouseholdView, PersonView, date_view, household_view};
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use kikan_app::protect;
use kikan_domain::support::{
    MeasureId, Offender, RequestDecision, Requester, Service, Services, SupportMeasure, Transfer,
    decide_for,
};
use kikan_domain::{DomainError, Household, Person, PersonId};
use kikan_security::{Outcome, Permission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

/// The 支援措置 rule (`kikan_app::protect`) for one request: who among some persons is
/// protected today, and whether this caller may see their addresses.
pub struct Protection(
    protect::Protection,
    std::collections::BTreeSet<kikan_security::Item>,
);

impl Protection {
    pub async fn of(state: &AppState, p: &Principal, persons: &[PersonId]) -> R<Protection> {
        let today = state.clock.today();
        Ok(Protection(
            protect::Protection::of(&*state.store, &p.actor(), persons, today).await?,
            p.hidden.clone(),
        ))
    }

    pub fn is_protected(&self, id: PersonId) -> bool {
        self.0.is_protected(id)
    }

    pub fn any(&self) -> bool {
        self.0.any()
    }

    /// Whether details that reveal where protected persons live must be withheld.
    pub fn withholds(&self) -> bool {
        self.0.withholds()
    }

    /// A person as this caller may see them: the 支援措置 rule, then the items hidden
    /// from this caller (10.4).
    pub fn person(&self, p: &Person) -> PersonView {
        let mut v = PersonView::from(&self.0.person(p));
        v.hide(&self.1);
        v
    }

    /// A person's record as this caller may see it (支援措置: addresses withheld), for a
    /// document drawn from it.
    pub fn record(&self, p: &Person) -> Person {
        self.0.person(p).person
    }

    /// A household and its members' records as this caller may see them, for a
    /// document drawn from them.
    pub fn household_records(&self, h: &Household, members: &[Person]) -> (Household, Vec<Person>) {
        let (h, members) = self.0.household(h, members);
        (h, members.into_iter().map(|s| s.person).collect())
    }

    /// A household with a protected member: its address (the members' too) is withheld.
    pub fn household(&self, h: &Household, members: &[Person]) -> HouseholdView {
        let (h, members) = self.0.household(h, members);
        let mut v = household_view(&h, &members);
        v.members.iter_mut().for_each(|m| m.hide(&self.1));
        v
    }

    pub fn entries(&self, entries: Vec<EntryView>) -> Vec<EntryView> {
        let withhold = self.withholds();
        entries
            .into_iter()
            .map(|mut e| {
                if withhold {
                    e.withhold();
                }
                e.hide(&self.1);
                e
            })
            .collect()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OffenderIn {
    pub name: String,
    pub furigana: Option<String>,
    /// 和暦 or 西暦.
    pub birth_date: Option<String>,
    pub address: Option<String>,
    /// 配偶者, 元配偶者, 親 …
    pub relation: Option<String>,
    /// Their record in this register, if any.
    pub person_id: Option<i64>,
    /// 性別, as known.
    pub sex: Option<String>,
    /// その他 (free text).
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MeasureIn {
    /// 申出者.
    pub applicant: i64,
    /// 併せて支援を求める者.
    #[serde(default)]
    pub together: Vec<i64>,
    pub offenders: Vec<OffenderIn>,
    /// DV, ストーカー, 児童虐待 …
    pub kind: String,
    /// The start (和暦 or 西暦); today when absent.
    pub starts_on: Option<String>,
    /// The period's last day; a year after the start, less a day, when absent.
    pub ends_on: Option<String>,
    /// 仮支援措置: protect from now, while the need is being confirmed
    /// (`…/confirm` starts the measure).
    #[serde(default)]
    pub provisional: bool,
    /// 当初受付市区町村, when another municipality first took the application.
    pub first_municipality: Option<String>,
    /// 連絡先 of the applicant (telephone, e-mail …).
    pub contact: Option<String>,
    /// 申出者との関係 of each person in `together`, keyed by their 宛名番号.
    #[serde(default)]
    pub relations: std::collections::BTreeMap<String, String>,
    /// The requests it restricts (申出者より支援を求められている事務); all when absent.
    pub services: Option<ServicesIo>,
}

/// 申出者より支援を求められている事務.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct ServicesIo {
    /// 住民基本台帳の一部の写しの閲覧.
    pub inspection: bool,
    /// 住民票の写し等の交付.
    pub copies: bool,
    /// 戸籍の附票の写し等の交付.
    pub fuhyo: bool,
}

impl From<Services> for ServicesIo {
    fn from(s: Services) -> Self {
        ServicesIo {
            inspection: s.inspection,
            copies: s.copies,
            fuhyo: s.fuhyo,
        }
    }
}

/// 転送情報.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TransferIo {
    /// 転送先市区町村.
    pub forwarded_to: Option<String>,
    /// 転送年月日 (和暦 or 西暦 in; ISO out).
    pub forwarded_on: Option<String>,
    /// 転送された支援措置申出書の受付年月日.
    pub received_on: Option<String>,
    /// 支援の必要性がないことを確認したときの申出者への連絡年月日.
    pub no_need_notified_on: Option<String>,
}

impl From<&Transfer> for TransferIo {
    fn from(t: &Transfer) -> Self {
        TransferIo {
            forwarded_to: t.forwarded_to.clone(),
            forwarded_on: t.forwarded_on.map(|d| d.to_string()),
            received_on: t.received_on.map(|d| d.to_string()),
            no_need_notified_on: t.no_need_notified_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureView {
    pub id: i64,
    pub applicant: i64,
    pub together: Vec<i64>,
    pub kind: String,
    pub starts_on: DateView,
    pub ends_on: DateView,
    pub ended_on: Option<DateView>,
    /// It protects today: from its start (or its 仮支援措置's) until someone ends it;
    /// the end of its period does not end it.
    pub in_force: bool,
    /// 仮支援措置,措置中, 期間経過(措置継続) or 終了.
    pub status: String,
    /// The 仮支援措置's start, while it is one.
    pub provisional_since: Option<DateView>,
    /// 当初受付市区町村.
    pub first_municipality: Option<String>,
    /// Days until the period ends (negative once past).
    pub days_left: i64,
    /// The first day it may be extended (a month before the period's end).
    pub extendable_from: DateView,
    /// What staff are to be told today: the period ends within a month, or has ended
    /// without an extension.
    pub alert: Option<String>,
    pub contact: Option<String>,
    /// 申出者との関係 of the persons protected with the applicant, keyed by 宛名番号.
    pub relations: std::collections::BTreeMap<String, String>,
    /// The requests it restricts.
    pub services: ServicesIo,
    /// 転送情報.
    pub transfer: TransferIo,
    pub offenders: Vec<OffenderView>,
    /// 1.1.16: the persons it protects as their records show them (the applicant first).
    pub persons: Vec<kikan_app::protect::ProtectedRecord>,
    /// The measure's life: 開始, 延長, 終了, oldest first.
    pub history: Vec<MeasureEventView>,
    pub version: u64,
}

/// The measures' views, their protected persons read once.
async fn views(
    state: &AppState,
    p: &Principal,
    measures: &[SupportMeasure],
) -> R<Vec<MeasureView>> {
    let today = state.clock.today();
    let ids: Vec<PersonId> = measures.iter().flat_map(|m| m.protected()).collect();
    let records = state.store.persons(p.tenant, &ids).await?;
    let mut former = std::collections::HashMap::new();
    for r in &records {
        let versions: Vec<kikan_domain::Person> = state
            .store
            .person_versions(p.tenant, r.id)
            .await?
            .into_iter()
            .map(|v| v.person)
            .collect();
        former.insert(r.id, kikan_app::protect::former_honseki(&versions, r));
    }
    Ok(measures
        .iter()
        .map(|m| {
            let persons = m
                .protected()
                .filter_map(|id| records.iter().find(|r| r.id == id))
                .map(|r| {
                    kikan_app::protect::record_of(
                        m,
                        r,
                        former.get(&r.id).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            measure_view(m, today, m.moved_away(&records), persons)
        })
        .collect())
}

async fn one_view(state: &AppState, p: &Principal, m: &SupportMeasure) -> R<MeasureView> {
    views(state, p, std::slice::from_ref(m))
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found("支援措置"))
}

/// What is known of a person the protected are shielded from (加害者).
#[derive(Debug, Serialize, ToSchema)]
pub struct OffenderView {
    pub name: String,
    pub furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub address: Option<String>,
    /// 配偶者, 元配偶者, 親 …
    pub relation: Option<String>,
    /// Their record in this register, if any.
    pub person_id: Option<i64>,
    pub sex: Option<String>,
    pub note: Option<String>,
}

/// One step of a measure's life.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureEventView {
    pub on: NaiveDate,
    /// 開始, 延長, 終了.
    pub action: String,
    pub by: String,
    pub note: Option<String>,
}

fn measure_view(
    m: &SupportMeasure,
    today: NaiveDate,
    moved: Option<NaiveDate>,
    persons: Vec<kikan_app::protect::ProtectedRecord>,
) -> MeasureView {
    MeasureView {
        id: m.id.0,
        applicant: m.applicant.0,
        together: m.together.iter().map(|p| p.0).collect(),
        kind: m.kind.clone(),
        starts_on: date_view(m.starts_on),
        ends_on: date_view(m.ends_on),
        ended_on: m.ended_on.map(date_view),
        in_force: m.in_force(today),
        status: if !m.in_force(today) {
            "終了"
        } else if moved.is_some() {
            "前住所地として継続(仮支援措置)"
        } else if m.provisional.is_some() {
            "仮支援措置"
        } else if today > m.ends_on {
            "期間経過(措置継続)"
        } else {
            "措置中"
        }
        .into(),
        provisional_since: m.provisional.as_ref().map(|p| date_view(p.since)),
        first_municipality: m
            .provisional
            .as_ref()
            .and_then(|p| p.first_municipality.clone()),
        days_left: (m.ends_on - today).num_days(),
        extendable_from: date_view(m.extendable_from()),
        alert: match moved.filter(|_| m.in_force(today)) {
            Some(on) => Some(format!(
                "支援対象者は{}に転出しました。前住所地として支援措置を継続しています(仮支援措置)。転入先への転送と終了の判断をしてください",
                kikan_domain::wareki::format_wareki(on).unwrap_or_else(|_| on.to_string())
            )),
            None => m.alert(today).map(|a| a.message()),
        },
        contact: m.contact.clone(),
        relations: m
            .relations
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        services: m.services.into(),
        transfer: TransferIo::from(&m.transfer),
        offenders: m
            .offenders
            .iter()
            .map(|o| OffenderView {
                name: o.name.clone(),
                furigana: o.furigana.clone(),
                birth_date: o.birth_date,
                address: o.address.clone(),
                relation: o.relation.clone(),
                person_id: o.person_id.map(|p| p.0),
                sex: o.sex.clone(),
                note: o.note.clone(),
            })
            .collect(),
        persons,
        history: m
            .history
            .iter()
            .map(|e| MeasureEventView {
                on: e.on,
                action: e.action.clone(),
                by: e.by.clone(),
                note: e.note.clone(),
            })
            .collect(),
        version: m.version,
    }
}

fn date_in(s: &str, field: &str) -> R<NaiveDate> {
    kikan_domain::wareki::parse_date(s).map_err(|e| ApiError::from(e).at(field))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-measures", tag = "support", request_body = MeasureIn,
    params(("tenant" = String, Path)),
    responses((status = 201, body = MeasureView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<MeasureIn>,
) -> R<(StatusCode, Json<MeasureView>)> {
    let today = state.clock.today();
    let starts_on = match &input.starts_on {
        Some(d) => date_in(d, "starts_on")?,
        None => today,
    };
    let together: Vec<PersonId> = input.together.iter().map(|i| PersonId(*i)).collect();
    let protected: Vec<PersonId> = std::iter::once(PersonId(input.applicant))
        .chain(together.iter().copied())
        .collect();
    // Everyone protected must be on this municipality's register.
    let found = state.store.persons(p.tenant, &protected).await?;
    if let Some(missing) = protected
        .iter()
        .find(|id| !found.iter().any(|f| f.id == **id))
    {
        return Err(
            ApiError::from(DomainError::PersonNotFound(missing.to_string())).at("applicant"),
        );
    }
    let mut offenders = Vec::new();
    for (i, o) in input.offenders.iter().enumerate() {
        offenders.push(Offender {
            name: o.name.trim().into(),
            furigana: o.furigana.clone().filter(|s| !s.trim().is_empty()),
            birth_date: o
                .birth_date
                .as_deref()
                .map(|d| date_in(d, &format!("offenders[{i}].birth_date")))
                .transpose()?,
            address: o.address.clone().filter(|s| !s.trim().is_empty()),
            relation: o.relation.clone().filter(|s| !s.trim().is_empty()),
            person_id: o.person_id.map(PersonId),
            sex: o.sex.clone().filter(|s| !s.trim().is_empty()),
            note: o.note.clone().filter(|s| !s.trim().is_empty()),
        });
    }
    let mut relations = std::collections::BTreeMap::new();
    for (k, v) in &input.relations {
        let id = k
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| input.together.contains(id));
        let Some(id) = id else {
            return Err(ApiError::from(DomainError::Invalid {
                field: "申出者との関係",
                reason: format!("宛名番号 {k} は併せて支援を求める者にありません"),
            })
            .at("relations"));
        };
        if !v.trim().is_empty() {
            relations.insert(PersonId(id), v.trim().to_string());
        }
    }
    let mut m = SupportMeasure::new(
        MeasureId(kikan_app::ids::new_id()),
        PersonId(input.applicant),
        together,
        offenders,
        &input.kind,
        starts_on,
        &p.actor,
    )?;
    if input.provisional {
        m = m.as_provisional(
            input
                .first_municipality
                .clone()
                .filter(|s| !s.trim().is_empty()),
        );
    }
    if let Some(ends_on) = &input.ends_on {
        let ends_on = date_in(ends_on, "ends_on")?;
        if ends_on < m.starts_on {
            return Err(ApiError::from(DomainError::Invalid {
                field: "終了年月日",
                reason: "開始年月日より前にはできません".into(),
            })
            .at("ends_on"));
        }
        m.ends_on = ends_on;
    }
    m.contact = input.contact.clone().filter(|s| !s.trim().is_empty());
    m.relations = relations;
    if let Some(s) = input.services {
        if !(s.inspection || s.copies || s.fuhyo) {
            return Err(ApiError::from(DomainError::Missing {
                field: "支援を求められている事務",
            })
            .at("services"));
        }
        m.services = Services {
            inspection: s.inspection,
            copies: s.copies,
            fuhyo: s.fuhyo,
        };
    }
    state.store.add_support_measure(p.tenant, &m).await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "support.register",
                m.protected().map(|x| x.0).collect(),
                format!(
                    "支援措置 {} を{}({})",
                    m.id,
                    if m.provisional.is_some() {
                        "仮支援措置として開始"
                    } else {
                        "開始"
                    },
                    m.kind
                ),
            )],
        )
        .await?;
    let shown = one_view(&state, &p, &m).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// Only measures in force whose period ends within this many days (reminders).
    pub expiring_within: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/support-measures", tag = "support",
    params(("tenant" = String, Path), ListParams), responses((status = 200, body = Vec<MeasureView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ListParams>,
) -> R<Json<Vec<MeasureView>>> {
    // Offenders' names and addresses: personal data, read for a stated purpose.
    p.purpose()?;
    let today = state.clock.today();
    let measures: Vec<SupportMeasure> = state
        .store
        .support_measures(p.tenant)
        .await?
        .into_iter()
        .filter(|m| match q.expiring_within {
            // In force (a measure past its period stays so), not provisional, its
            // period ending within `days` or already over.
            Some(days) => {
                m.in_force(today)
                    && m.provisional.is_none()
                    && (m.ends_on - today).num_days() <= days
            }
            None => true,
        })
        .collect();
    let persons: Vec<i64> = measures
        .iter()
        .flat_map(|m| m.protected().map(|x| x.0))
        .collect();
    let detail = match q.expiring_within {
        Some(d) => format!("支援措置の一覧({d}日以内に期限)"),
        None => "支援措置の一覧".into(),
    };
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event("support.list", persons.clone(), detail)],
        )
        .await?;
    Ok(Json(views(&state, &p, &measures).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndIn {
    pub note: Option<String>,
}

async fn change_measure(
    state: &AppState,
    p: &Principal,
    id: i64,
    action: &str,
    f: impl FnOnce(&mut SupportMeasure, NaiveDate) -> Result<(), DomainError>,
) -> R<Json<MeasureView>> {
    let today = state.clock.today();
    let mut m = state
        .store
        .support_measure(p.tenant, MeasureId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("支援措置"))?;
    f(&mut m, today)?;
    state.store.update_support_measure(p.tenant, &m).await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                action,
                m.protected().map(|x| x.0).collect(),
                format!("支援措置 {}", m.id),
            )],
        )
        .await?;
    Ok(Json(one_view(state, p, &m).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-measures/{id}/extend", tag = "support",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = MeasureView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn extend(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<MeasureView>> {
    let by = p.actor.clone();
    change_measure(&state, &p, path.1, "support.extend", |m, today| {
        m.extend(today, &by)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-measures/{id}/end", tag = "support", request_body = EndIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = MeasureView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn end(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<EndIn>,
) -> R<Json<MeasureView>> {
    let by = p.actor.clone();
    change_measure(&state, &p, path.1, "support.end", |m, today| {
        m.end(today, &by, input.note)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-measures/{id}/confirm", tag = "support",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The need confirmed: the 仮支援措置 becomes a measure whose year starts today", body = MeasureView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<MeasureView>> {
    let by = p.actor.clone();
    change_measure(&state, &p, path.1, "support.confirm", |m, today| {
        m.confirm(today, &by)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PeriodIn {
    /// The period's corrected last day (和暦 or 西暦).
    pub ends_on: String,
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-measures/{id}/period", tag = "support", request_body = PeriodIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The period's end corrected (修正)", body = MeasureView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct_period(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<PeriodIn>,
) -> R<Json<MeasureView>> {
    let by = p.actor.clone();
    let ends_on = date_in(&input.ends_on, "ends_on")?;
    change_measure(&state, &p, path.1, "support.period", |m, today| {
        m.correct_end(ends_on, today, &by, input.note)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-measures/{id}/transfer", tag = "support", request_body = TransferIo,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "転送情報 recorded (the fields given replace the stored ones)", body = MeasureView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<TransferIo>,
) -> R<Json<MeasureView>> {
    let day = |s: &Option<String>, field: &str| s.as_deref().map(|d| date_in(d, field)).transpose();
    let t = Transfer {
        forwarded_to: input.forwarded_to.clone().filter(|s| !s.trim().is_empty()),
        forwarded_on: day(&input.forwarded_on, "forwarded_on")?,
        received_on: day(&input.received_on, "received_on")?,
        no_need_notified_on: day(&input.no_need_notified_on, "no_need_notified_on")?,
    };
    if t.forwarded_to.is_some() != t.forwarded_on.is_some() {
        return Err(ApiError::from(DomainError::Missing {
            field: "転送先市区町村と転送年月日",
        })
        .at("forwarded_on"));
    }
    let by = p.actor.clone();
    change_measure(&state, &p, path.1, "support.transfer", |m, today| {
        m.transfer = t;
        m.history.push(kikan_domain::support::MeasureEvent {
            on: today,
            action: "転送情報の記録".into(),
            by,
            note: None,
        });
        m.version += 1;
        Ok(())
    })
    .await
}

/// The requester of a request concerning protected persons.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequesterIn {
    /// The requester's record here, if they are a resident.
    pub person_id: Option<i64>,
    pub name: Option<String>,
    pub birth_date: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RequestIn {
    /// The persons the request concerns (a certificate's or 閲覧's subjects).
    pub persons: Vec<i64>,
    /// certificate (証明書の交付), inspection (閲覧) or fuhyo (戸籍の附票の写しの交付);
    /// only the measures that restrict that request count.
    pub kind: String,
    pub requester: DecisionRequesterIn,
    /// A 審査 approving a third party's request gives the reason here.
    pub approval_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// allowed, refused, needs_approval, approved.
    pub decision: String,
    pub message: String,
    pub measures: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/requests/decide", tag = "support", request_body = RequestIn,
    params(("tenant" = String, Path)),
    responses((status = 200, body = DecisionView), (status = 403, description = "Refused: the requester is someone the persons are shielded from", body = ErrorBody)))]
pub async fn decide_request(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<RequestIn>,
) -> R<Json<DecisionView>> {
    let today = state.clock.today();
    let persons: Vec<PersonId> = input.persons.iter().map(|i| PersonId(*i)).collect();
    if persons.is_empty() {
        return Err(ApiError::from(DomainError::NoPersons).at("persons"));
    }
    let requester = Requester {
        person_id: input.requester.person_id.map(PersonId),
        name: input
            .requester
            .name
            .clone()
            .filter(|s| !s.trim().is_empty()),
        birth_date: input
            .requester
            .birth_date
            .as_deref()
            .map(|d| date_in(d, "requester.birth_date"))
            .transpose()?,
    };
    let measures = state.store.support_for(p.tenant, &persons).await?;
    let (kind, service) = match input.kind.as_str() {
        "inspection" => ("閲覧", Service::Inspection),
        "fuhyo" => ("戸籍の附票の写しの交付", Service::Fuhyo),
        _ => ("証明書の交付", Service::Copies),
    };
    let ids = |v: &[MeasureId]| v.iter().map(|m| m.0).collect::<Vec<_>>();
    let view = match decide_for(&measures, service, &persons, &requester, today) {
        RequestDecision::Allowed => DecisionView {
            decision: "allowed".into(),
            message: format!("{kind}の請求を受け付けられます"),
            measures: vec![],
        },
        RequestDecision::AllowedSelf => DecisionView {
            decision: "allowed".into(),
            message: format!(
                "支援措置の対象者本人からの{kind}の請求です。本人確認のうえ受け付けられます"
            ),
            measures: vec![],
        },
        RequestDecision::RefusedShielded { measure } => {
            // The refusal names nothing about the protected persons or where they live.
            let event = {
                let mut e = p.event(
                    "request.refused",
                    input.persons.clone(),
                    format!("{kind}の請求を拒否(支援措置 {measure} の加害者等)"),
                );
                e.outcome = Outcome::Denied;
                e
            };
            state.store.append_audit(p.tenant, &[event]).await?;
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "E-SUPPORT-001",
                format!("この請求には応じられません({kind}の請求は支援措置により制限されています)"),
            ));
        }
        RequestDecision::NeedsApproval { measures } => {
            match input.approval_reason.as_deref().map(str::trim) {
                Some(reason)
                    if !reason.is_empty() && p.role.allows(Permission::ApproveException) =>
                {
                    let e = p.event(
                        "support.approve",
                        input.persons.clone(),
                        format!("第三者からの{kind}の請求を承認: {reason}"),
                    );
                    state.store.append_audit(p.tenant, &[e]).await?;
                    DecisionView {
                        decision: "approved".into(),
                        message: format!("審査の承認により{kind}の請求を受け付けます"),
                        measures: ids(&measures),
                    }
                }
                _ => DecisionView {
                    decision: "needs_approval".into(),
                    message: format!(
                        "支援措置の対象者に関する第三者からの{kind}の請求です。審査担当の承認が必要です"
                    ),
                    measures: ids(&measures),
                },
            }
        }
    };
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "request.decide",
                input.persons.clone(),
                format!("{kind}の請求: {}", view.decision),
            )],
        )
        .await?;
    Ok(Json(view))
}
