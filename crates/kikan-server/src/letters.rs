//! Letters (通知書・照会書) as PDF: the 転入通知未着照会書 (4.1.3.1.4), the 世帯主変更通知書
//! and 世帯主変更依頼通知書 (4.0.4, 4.0.5), and the list of households without a head that
//! the 依頼通知書 go to (対象者リスト). Each read states its purpose and is audited; the
//! 支援措置 rule withholds addresses as on screen.

use crate::AppState;
use crate::auth::Principal;
use crate::certificates::{blocking, font, pdf_named, registered};
use crate::dto::{AddressView, DateView, address_view, date_view};
use crate::error::ApiError;
use crate::routes::audit;
use crate::support::Protection;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use kikan_app::letters as app;
use kikan_domain::certificate::Item;
use kikan_domain::letters::{self, Letter};
use kikan_domain::notices;
use kikan_domain::{HouseholdId, PersonId};
use serde::Serialize;
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

/// The persons of a letter as the reader may see them: addresses of protected persons
/// withheld as on screen (支援措置); with their ids.
async fn shielded(
    state: &AppState,
    p: &Principal,
    written: &[notices::Written],
) -> R<(Vec<PersonId>, Vec<notices::Written>)> {
    let ids: Vec<PersonId> = written.iter().map(|(after, _)| after.id).collect();
    let shield = Protection::of(state, p, &ids).await?;
    let shown = written
        .iter()
        .map(|(after, before)| {
            (
                shield.record(after),
                before.as_ref().map(|b| shield.record(b)),
            )
        })
        .collect();
    Ok((ids, shown))
}

async fn draw(state: &AppState, letter: Letter, name: &str) -> R<Response> {
    let font = font(state).await?;
    let rendered = blocking(move || Ok(kikan_cert::render_letter(&font, &letter)?)).await?;
    pdf_named(rendered, name)
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/move-in-inquiry", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "転入通知未着照会書 (4.1.3.1.4) for a 除票 of a 転出 whose 転入通知 has not come, as a PDF", content_type = "application/pdf"),
        (status = 422, description = "E-IDO-059: not awaiting a 転入通知", body = crate::error::ErrorBody)))]
pub async fn move_in_inquiry(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Response> {
    p.purpose()?;
    let id = PersonId(path.1);
    let person = app::person(&*state.store, p.tenant, id).await?;
    crate::suppress::inquiry(&state, &p, &[&person]).await?;
    audit(
        &state,
        &p,
        "letter.move_in_inquiry",
        vec![id.0],
        format!("転入通知未着照会書の作成({id})"),
    )
    .await?;
    let shield = Protection::of(&state, &p, &[id]).await?;
    let from = app::sender(&*state.store, p.tenant).await?;
    let letter = letters::move_in_inquiry(&from, &shield.record(&person), state.clock.today())?;
    draw(&state, letter, &format!("move-in-inquiry-{id}.pdf")).await
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/households/{id}/head-letter", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "世帯主変更通知書 when the household has a head (made by 職権), 世帯主変更依頼通知書 when it has none (4.0.4, 4.0.5), as a PDF, to the member listed first", content_type = "application/pdf"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn head_letter(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Response> {
    p.purpose()?;
    let id = HouseholdId(path.1);
    let (h, members) = app::household(&*state.store, p.tenant, id).await?;
    let current: Vec<&kikan_domain::Person> = members.iter().filter(|m| !m.is_removed()).collect();
    crate::suppress::inquiry(&state, &p, &current).await?;
    let kind = if h.head.is_some() {
        "世帯主変更通知書"
    } else {
        "世帯主変更依頼通知書"
    };
    audit(
        &state,
        &p,
        "letter.head_change",
        current.iter().map(|m| m.id.0).collect(),
        format!("{kind}の作成(世帯 {id})"),
    )
    .await?;
    let ids: Vec<PersonId> = current.iter().map(|m| m.id).collect();
    let shield = Protection::of(&state, &p, &ids).await?;
    let (shown, shown_members) = shield.household_records(&h, &members);
    let letter = app::household_letter(
        &*state.store,
        p.tenant,
        &shown,
        &shown_members,
        state.clock.today(),
    )
    .await?;
    draw(&state, letter, &format!("head-letter-{id}.pdf")).await
}

/// A household without a 世帯主, as the 対象者リスト lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadlessView {
    pub household_id: i64,
    pub address: AddressView,
    /// 世帯主が不在となった日.
    pub since: DateView,
    /// The member the 世帯主変更依頼通知書 goes to (listed first, 5.2).
    pub addressee: String,
    pub addressee_id: Option<i64>,
    pub members: usize,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/households/headless", tag = "residents",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "世帯主変更依頼通知書の対象者リスト (4.0.5): households on the register without a 世帯主", body = Vec<HeadlessView>)))]
pub async fn headless(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<HeadlessView>>> {
    p.purpose()?;
    let found = state.store.headless_households(p.tenant).await?;
    let ids: Vec<PersonId> = found
        .iter()
        .flat_map(|h| h.members.iter().copied())
        .collect();
    audit(
        &state,
        &p,
        "household.headless",
        ids.iter().map(|x| x.0).collect(),
        "世帯主不在世帯の一覧(世帯主変更依頼通知書の対象者リスト)の参照",
    )
    .await?;
    let members = state.store.persons(p.tenant, &ids).await?;
    let shield = Protection::of(&state, &p, &ids).await?;
    let mut out = Vec::with_capacity(found.len());
    for h in &found {
        let mine: Vec<kikan_domain::Person> = members
            .iter()
            .filter(|m| m.household_id == h.id && !m.is_removed())
            .cloned()
            .collect();
        let since = app::head_since(&*state.store, p.tenant, h).await?;
        let (shown, _) = shield.household_records(h, &mine);
        let addressee = letters::addressee(h, &mine);
        out.push(HeadlessView {
            household_id: h.id.0,
            address: address_view(&shown.address),
            since: date_view(since),
            addressee: addressee.map(|m| m.name.full()).unwrap_or_default(),
            addressee_id: addressee.map(|m| m.id.0),
            members: mine.len(),
        });
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/support-measures/{id}/end-notice", tag = "support",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "支援措置期間終了通知 (3.4, 帳票 20.5.1) to the 申出者, as a PDF: when the period ends and from when an extension may be asked for", content_type = "application/pdf"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "E-INPUT-003: the measure has ended, or is still a 仮支援措置", body = crate::error::ErrorBody)))]
pub async fn support_period_notice(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Response> {
    p.purpose()?;
    let m = state
        .store
        .support_measure(p.tenant, kikan_domain::support::MeasureId(path.1))
        .await?
        .ok_or_else(|| ApiError::not_found("支援措置"))?;
    let ids: Vec<PersonId> = m.protected().collect();
    let protected = state.store.persons(p.tenant, &ids).await?;
    let from = app::sender(&*state.store, p.tenant).await?;
    let letter = letters::support_period_notice(&from, &m, &protected, state.clock.today())?;
    audit(
        &state,
        &p,
        "letter.support_period",
        ids.iter().map(|x| x.0).collect(),
        format!("支援措置期間終了通知の作成(支援措置 {})", m.id),
    )
    .await?;
    draw(&state, letter, &format!("support-period-{}.pdf", m.id)).await
}

/// Which notice to draw from a ledger entry (the last part of its path).
#[derive(Debug, Clone, Copy)]
enum EntryLetter {
    /// `receipt-notice`: 住民異動届受理通知 (4.1.0.3).
    Receipt,
    /// `ex-officio-notice`: 職権記載等通知書 (4.2.0.1).
    ExOfficioNotice,
    /// `ex-officio-record`: 職権記録書 (4.2.0.1).
    ExOfficioRecord,
    /// `ward-notice`: 成年被後見人に関する通知書 (9.4).
    WardNotice,
}

impl EntryLetter {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "receipt-notice" => Some(EntryLetter::Receipt),
            "ex-officio-notice" => Some(EntryLetter::ExOfficioNotice),
            "ex-officio-record" => Some(EntryLetter::ExOfficioRecord),
            "ward-notice" => Some(EntryLetter::WardNotice),
            _ => None,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/entries/{seq}/{letter}", tag = "residents",
    params(("tenant" = String, Path), ("seq" = i64, Path),
        ("letter" = String, Path, description = "receipt-notice: 住民異動届受理通知 (4.1.0.3) of a 転入, 転居, 転出 or 世帯変更届 (or the 転出 of a 転出証明書に準ずる証明書), to the 届出人 at the address before the 異動 (none: the person at the new address), any day after; ex-officio-notice: 職権記載等通知書 (4.2.0.1) to the person a 職権 entry concerned; ex-officio-record: 職権記録書 (4.2.0.1), what a 職権 entry recorded, removed or corrected (each item before and after), on what grounds, when and by whom; ward-notice: 成年被後見人に関する通知書 (9.4) of a 転出 of a 成年被後見人, to the municipality moved to")),
    responses((status = 200, description = "The notice as a PDF", content_type = "application/pdf"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "E-CERT-040: the entry is not one the notice is for", body = crate::error::ErrorBody)))]
pub async fn entry_letter(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64, String)>,
) -> R<Response> {
    let (_, seq, which) = path;
    let which = EntryLetter::parse(&which).ok_or_else(|| ApiError::not_found("通知書"))?;
    p.purpose()?;
    let (entry, written) = app::entry_written(&*state.store, p.tenant, seq).await?;
    let now: Vec<&kikan_domain::Person> = written.iter().map(|(after, _)| after).collect();
    crate::suppress::inquiry(&state, &p, &now).await?;
    let (ids, shown) = shielded(&state, &p, &written).await?;
    let from = app::sender(&*state.store, p.tenant).await?;
    let today = state.clock.today();
    let (letter, event, name) = match which {
        EntryLetter::Receipt => (
            notices::receipt_notice(&from, &entry, &shown, today)?,
            "letter.receipt_notice",
            "receipt-notice",
        ),
        EntryLetter::ExOfficioNotice => (
            notices::ex_officio_notice(&from, &entry, &shown, today)?,
            "letter.ex_officio_notice",
            "ex-officio-notice",
        ),
        EntryLetter::ExOfficioRecord => (
            notices::ex_officio_record(
                &from,
                &entry,
                &shown,
                kikan_app::clock::japan_day(entry.recorded_at),
                today,
            )?,
            "letter.ex_officio_record",
            "ex-officio-record",
        ),
        EntryLetter::WardNotice => {
            let records = state.store.business_records(p.tenant, &ids).await?;
            let latest = kikan_domain::business::latest(&records);
            let wards: Vec<(&kikan_domain::Person, Option<chrono::NaiveDate>)> = shown
                .iter()
                .filter_map(|(after, _)| {
                    latest.iter().find_map(|r| match &r.items {
                        kikan_domain::business::BusinessItems::AdultWard {
                            ward: true,
                            since,
                            ..
                        } if r.person == after.id => Some((after, *since)),
                        _ => None,
                    })
                })
                .collect();
            (
                notices::ward_notice(&from, &entry, &wards, today)?,
                "letter.ward_notice",
                "ward-notice",
            )
        }
    };
    audit(
        &state,
        &p,
        event,
        ids.iter().map(|x| x.0).collect(),
        format!("{}の作成(台帳番号 {seq})", letter.title),
    )
    .await?;
    draw(&state, letter, &format!("{name}-{seq}.pdf")).await
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/code-notice", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "住民票コード通知票, 変更通知票 or 修正通知票 (4.3.3), as the latest entry that set the code calls for; each one made is recorded in the issuance register (1.3.8) under its own 交付番号, printed on it and answered in X-Kikan-Certificate-Serial", content_type = "application/pdf"),
        (status = 422, description = "E-CERT-040: no code recorded, or a 除票", body = crate::error::ErrorBody)))]
pub async fn code_notice(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Response> {
    p.purpose()?;
    let id = PersonId(path.1);
    let person = app::person(&*state.store, p.tenant, id).await?;
    crate::suppress::inquiry(&state, &p, &[&person]).await?;
    let (kind, on) = app::code_notice_of(&*state.store, p.tenant, &person).await?;
    let shield = Protection::of(&state, &p, &[id]).await?;
    let from = app::sender(&*state.store, p.tenant).await?;
    let today = state.clock.today();
    let mut letter = notices::code_notice(&from, &shield.record(&person), kind, on, today)?;
    // Drawn once to check every glyph before a 交付番号 is taken.
    let font = font(&state).await?;
    let check = (font.clone(), letter.clone());
    blocking(move || Ok(kikan_cert::render_letter(&check.0, &check.1).map(|_| ())?)).await?;
    let doc = kikan_cert::issue::Document {
        kind: kind.kind(),
        persons: vec![(id, person.name.full())],
        items: vec![Item::Name, Item::Address, Item::JuminhyoCode],
        about: vec![],
        purpose: p.purpose()?.to_string(),
        place: None,
        issued_on: today,
        municipality: from.municipality.clone(),
    };
    let (serial, pdf, pages) = registered(&state, &p, doc, move |serial| {
        letter.serial = Some(serial);
        let r = kikan_cert::render_letter(&font, &letter)?;
        Ok((r.pdf, r.pages))
    })
    .await?;
    audit(
        &state,
        &p,
        "letter.code_notice",
        vec![id.0],
        format!("{}の作成({id}、交付番号 {serial})", kind.title()),
    )
    .await?;
    let mut res = pdf_named(
        kikan_cert::Rendered { pdf, pages },
        &format!("code-notice-{id}.pdf"),
    )?;
    res.headers_mut().insert(
        "x-kikan-certificate-serial",
        axum::http::HeaderValue::from(serial),
    );
    Ok(res)
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/drafts/{id}/confirmation", tag = "changes",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "確認用帳票 (4.0.9, 20.0.1) of a 異動 still 仮登録: what it would record, remove or change for each person, item by item, before and after (支援措置 addresses withheld as on screen), as a PDF; nothing is recorded", content_type = "application/pdf"),
        (status = 404, description = "No such draft", body = crate::error::ErrorBody),
        (status = 409, description = "Committed or rejected already (E-DRAFT-001)", body = crate::error::ErrorBody),
        (status = 422, description = "The draft no longer applies to the register as it is (it would be refused on commit)", body = crate::error::ErrorBody)))]
pub async fn draft_confirmation(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Response> {
    p.purpose()?;
    let id = path.1;
    let d = kikan_app::drafts::pending(&*state.store, p.tenant, id).await?;
    let intake = kikan_app::drafts::intake_of(&d)?.ok_or_else(|| {
        ApiError::from(kikan_domain::DomainError::LetterNotApplicable {
            letter: "確認用帳票",
            reason: "この下書きは確認用帳票に対応する前の形式です".into(),
        })
    })?;
    let written =
        kikan_app::record::preview(&*state.store, p.tenant, &intake.entry, &intake.expect).await?;
    let on_register: Vec<&kikan_domain::Person> =
        written.iter().filter_map(|(_, b)| b.as_ref()).collect();
    crate::suppress::inquiry(&state, &p, &on_register).await?;
    let (ids, shown) = shielded(&state, &p, &written).await?;
    let from = app::sender(&*state.store, p.tenant).await?;
    let letter = notices::confirmation_sheet(
        &from,
        &intake.entry,
        &shown,
        id,
        &d.created_by,
        state.clock.today(),
    )?;
    audit(
        &state,
        &p,
        "letter.confirmation",
        ids.iter().map(|x| x.0).collect(),
        format!("確認用帳票の作成(仮登録番号 {id})"),
    )
    .await?;
    draw(&state, letter, &format!("confirmation-{id}.pdf")).await
}

/// A 画面のハードコピー about to be printed (10.7).
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct HardcopyIn {
    /// The screen's address (`#/person/123` …), up to 200 characters.
    pub screen: String,
    /// Its heading, up to 100 characters.
    pub title: String,
    /// The residents shown on it (up to 500).
    #[serde(default)]
    pub person_ids: Vec<i64>,
}

/// The access log's record of a hard copy: when and by whom (printed on the paper).
#[derive(Debug, Serialize, ToSchema)]
pub struct HardcopyView {
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/hardcopies", tag = "audit", request_body = HardcopyIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "画面のハードコピー (10.7): recorded in the access log (`ui.hardcopy`, with the residents shown and the stated purpose) before the staff UI prints the screen, marked with this record", body = HardcopyView),
        (status = 400, description = "No stated purpose (E-AUTH-004)", body = crate::error::ErrorBody),
        (status = 422, description = "A screen, title or list longer than allowed (E-INPUT-003)", body = crate::error::ErrorBody)))]
pub async fn hardcopy(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<HardcopyIn>,
) -> R<Json<HardcopyView>> {
    p.purpose()?;
    let too_long = |field: &'static str, max: usize| {
        ApiError::from(kikan_domain::DomainError::Invalid {
            field,
            reason: format!("{max}以内にしてください"),
        })
    };
    if input.screen.chars().count() > 200 {
        return Err(too_long("画面", 200).at("screen"));
    }
    if input.title.chars().count() > 100 {
        return Err(too_long("見出し", 100).at("title"));
    }
    if input.person_ids.len() > 500 {
        return Err(too_long("表示された住民", 500).at("person_ids"));
    }
    let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    let mut persons = input.person_ids.clone();
    persons.sort_unstable();
    persons.dedup();
    let event = p.event(
        "ui.hardcopy",
        persons,
        format!(
            "画面のハードコピー: {}({})",
            clean(&input.title),
            clean(&input.screen)
        ),
    );
    let at = event.at;
    state.store.append_audit(p.tenant, &[event]).await?;
    Ok(Json(HardcopyView {
        at,
        by: p.actor.clone(),
    }))
}
