//! Issuing certificates against the store: gather the records, decide the 支援措置 question,
//! build the content, draw it, and record it in the issuance register. The HTTP API and
//! the CLI both issue through here; they write the audit events (each knows its actor).

use crate::{CertError, CertFont, Rendered, Stamp, render, sha256_hex};
use chrono::{Duration, NaiveDate, Utc};
use kikan_domain::certificate::{CertificateContent, CertificateRequest, Item, Subject, build};
use kikan_domain::support::{MeasureId, RequestDecision, Requester, Service, decide_for};
use kikan_domain::{DomainError, HouseholdId, LocalGovCode, Person, PersonId, PersonStatus};
use kikan_store::certificates::{Certificate, Reprint};
use kikan_store::places::WardRemoval;
use kikan_store::{Store, StoreError, Tenant};
use rand::Rng;

/// Why a certificate was not issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cert(#[from] CertError),
    /// The requester is someone a printed person is shielded from (支援措置).
    #[error("この請求には応じられません(証明書の交付の請求は支援措置により制限されています)")]
    Refused { measure: MeasureId },
    /// A third party asks about a protected person: an examiner must approve.
    #[error("支援措置の対象者が含まれているため、審査担当の承認(承認理由の入力)が必要です")]
    NeedsApproval { measures: Vec<MeasureId> },
    #[error("交付番号 {0} の証明書は交付簿にありません")]
    NotFound(i64),
}

/// The kind a 転出証明書 request is issued as: the 準ずる証明書 when the 転出 of the
/// first person was recorded by 職権 (notified more than 14 days after the move,
/// 4.1.3.0.1), the 転出証明書 itself otherwise — whichever of the two was asked for;
/// and whether that 転出 was a 特例転出 (4.1.3.0.4: its 転出証明書情報 went to the CS,
/// and a 転出証明書 printed on request says 「特例による転出処理済」).
async fn move_out_kind(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
) -> Result<(kikan_domain::certificate::CertificateKind, bool), IssueError> {
    use kikan_domain::certificate::CertificateKind;
    let entries = store.entries_for(tenant, Some(person), None).await?;
    let entry = entries.iter().rev().find(|e| {
        matches!(&e.change, kikan_domain::Change::MoveOut { persons, .. } if persons.contains(&person))
    });
    let special = entry.is_some_and(|e| {
        matches!(
            e.transfer,
            Some(kikan_domain::ledger::Transfer::SpecialMoveOut { .. })
        )
    });
    Ok((
        match entry.map(|e| e.basis) {
            Some(kikan_domain::Basis::ExOfficio) => CertificateKind::MoveOutQuasi,
            _ => CertificateKind::MoveOut,
        },
        special,
    ))
}

/// What a 転出証明書 of a 特例転出 prints (4.1.3.0.4).
pub const SPECIAL_MOVE_OUT: &str = "特例による転出処理済";

impl IssueError {
    pub fn code(&self) -> &'static str {
        match self {
            IssueError::Domain(e) => e.code(),
            IssueError::Store(e) => e.code(),
            IssueError::Cert(e) => e.code(),
            IssueError::Refused { .. } => "E-SUPPORT-001",
            IssueError::NeedsApproval { .. } => "E-SUPPORT-002",
            IssueError::NotFound(_) => "E-CERT-020",
        }
    }
}

/// A request checked and its content built, ready to draw.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub request: CertificateRequest,
    pub content: CertificateContent,
    /// How a 支援措置 concerning a printed person was settled (None: none concerned).
    pub support: Option<String>,
    /// The examiner's reason, when the request went through only by their approval
    /// (callers audit it as `support.approve`).
    pub approval: Option<String>,
    /// 交付場所 (1.3.1): where it is issued, as `terminal@place`, when known.
    pub place: Option<String>,
    /// The registered seal the content names (`content.seal`), read with the 認証者.
    pub seal: Option<kikan_domain::certifier::Seal>,
    /// What a value too long for its box prints (5.8), as the municipality set.
    pub overflow: kikan_domain::certificate::OverflowMode,
    /// The registered printer it goes to (10.7; None: a PDF for the browser).
    pub printer: Option<i64>,
}

/// The persons of a request, with their heads' names, in the order asked.
async fn subjects(
    store: &dyn Store,
    tenant: LocalGovCode,
    ids: &[PersonId],
    with_history: bool,
    with_special: bool,
    today: NaiveDate,
    ward_removal: Option<&WardRemoval>,
) -> Result<Vec<Subject>, IssueError> {
    // The 異動元区's 除票 of a 区間異動 (4.0.2): the record before it, closed by it, with
    // the history up to it.
    let found = match ward_removal {
        Some(r) => vec![r.record.clone()],
        None => store.persons(tenant, ids).await?,
    };
    // The 法第7条 items of other businesses, current values (printed when asked for).
    let business = store.business_records(tenant, ids).await?;
    let business = kikan_domain::business::latest(&business);
    // 備考 (統合記載欄 C類型) in force, and 留意事項 (B類型) with the 異動履歴; メモ never.
    let notes = kikan_domain::memo::fold(store.memo_revisions(tenant, ids).await?);
    let remarks: Vec<_> = notes
        .iter()
        .filter(|m| m.kind() == kikan_domain::memo::NoteKind::Remark)
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    // Members of one household share its head: look each (household, date) up once.
    let mut heads: Vec<(HeadKey, Option<String>)> = vec![];
    for id in ids {
        let person = found
            .iter()
            .find(|p| p.id == *id)
            .cloned()
            .ok_or(DomainError::PersonNotFound(id.to_string()))?;
        // 世帯主の氏名 as the record holds it (1.2.1); a record written before it did
        // looks the household up.
        let head_name = if let Some(name) = &person.head_name {
            Some(name.clone())
        } else if person.is_head() {
            Some(person.name.full())
        } else {
            let key = (person.household_id, removed_on(&person));
            match heads.iter().find(|(k, _)| *k == key) {
                Some((_, name)) => name.clone(),
                None => {
                    let name = head_name(store, tenant, key.0, key.1).await?;
                    heads.push((key, name.clone()));
                    name
                }
            }
        };
        let business = business
            .iter()
            .filter(|r| r.person == person.id)
            // Not 住民票 items: the card held, and 成年被後見人 (9.4), never printed.
            .filter(|r| {
                !matches!(
                    r.items.business(),
                    kikan_domain::business::Business::Card
                        | kikan_domain::business::Business::AdultWard
                )
            })
            .map(|r| (r.items.business().label().to_string(), r.items.line()))
            .collect();
        let remarks = remarks
            .iter()
            .filter(|m| m.person == person.id)
            .filter_map(|m| m.current().and_then(|r| r.text.clone()))
            .collect();
        let mine: Vec<_> = notes
            .iter()
            .filter(|m| m.person == person.id)
            .cloned()
            .collect();
        let history = if with_history {
            let mut entries = store.entries_for(tenant, Some(person.id), None).await?;
            if let Some(r) = ward_removal {
                entries.retain(|e| e.seq < r.seq);
            }
            kikan_domain::integrated::printed_history(
                &person,
                &entries,
                &mine,
                with_special,
                today,
            )?
        } else {
            vec![]
        };
        let blank_destination = kikan_domain::memo::destination_left_blank(&mine);
        out.push(Subject {
            person,
            head_name,
            business,
            remarks,
            history,
            blank_destination,
        });
    }
    Ok(out)
}

/// The 除票 of the 異動元区 a request names by its 区間異動 (4.0.2): of one person only.
async fn ward_removal(
    store: &dyn Store,
    tenant: LocalGovCode,
    request: &CertificateRequest,
    seq: i64,
) -> Result<WardRemoval, IssueError> {
    let (&[id], false) = (&request.persons[..], request.whole_household) else {
        return Err(DomainError::CertificateLayout(
            "区間異動による除票の証明書は一人ずつ交付します".into(),
        )
        .into());
    };
    kikan_store::places::ward_removals(store, tenant, id)
        .await?
        .into_iter()
        .find(|r| r.seq == seq)
        .ok_or_else(|| {
            DomainError::WardRemovalNotFound {
                person: format!("宛名番号{id}"),
                seq,
            }
            .into()
        })
}

/// A household, and the day of removal for a 除票 (None: today).
type HeadKey = (HouseholdId, Option<NaiveDate>);

fn removed_on(person: &Person) -> Option<NaiveDate> {
    match &person.status {
        PersonStatus::Removed { on, .. } => Some(*on),
        _ => None,
    }
}

/// The name of the head of a household: today, or for a 除票 (removed on `removed`) on
/// the day before the removal.
async fn head_name(
    store: &dyn Store,
    tenant: LocalGovCode,
    household: HouseholdId,
    removed: Option<NaiveDate>,
) -> Result<Option<String>, IssueError> {
    let Some(on) = removed else {
        let hh = store.households(tenant, &[household]).await?;
        let Some(h) = hh.first() else {
            return Ok(None);
        };
        // A household without a 世帯主 (1.1.10) prints none.
        let Some(head) = h.head else {
            return Ok(None);
        };
        let head = store.persons(tenant, &[head]).await?;
        return Ok(head.first().map(|p| p.name.full()));
    };
    let then = store
        .household_as_of(tenant, household, on - Duration::days(1))
        .await?;
    Ok(then.and_then(|(h, members)| {
        members
            .iter()
            .find(|m| h.is_head(m.id))
            .map(|m| m.name.full())
    }))
}

/// The current members of a household, in its order (a request for 世帯全員).
pub async fn household_members(
    store: &dyn Store,
    tenant: LocalGovCode,
    household: HouseholdId,
) -> Result<Vec<PersonId>, IssueError> {
    let found = store.households(tenant, &[household]).await?;
    let h = found
        .into_iter()
        .next()
        .ok_or_else(|| DomainError::HouseholdNotFound(household.to_string()))?;
    Ok(h.members)
}

/// Checks a request and builds its content. `approval` is the examiner's reason for
/// a third-party request concerning a protected person; pass it only when the caller
/// may approve exceptions.
/// The 区 of a 区役所 where something is issued (`terminal@place`), for its 区長 (1.3.9).
async fn ward_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    place: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let Some(code) = place.and_then(|l| l.split_once('@')).map(|x| x.1) else {
        return Ok(None);
    };
    Ok(store
        .places(tenant)
        .await?
        .into_iter()
        .find(|p| p.code == code && p.kind == kikan_store::places::WARD_OFFICE)
        .and_then(|p| p.ward))
}

/// Checks a request and builds its content; `place` is where it is issued
/// (`terminal@place`), which names the 区長 who certifies at a 区役所.
pub async fn prepare(
    store: &dyn Store,
    tenant: &Tenant,
    mut request: CertificateRequest,
    approval: Option<&str>,
    today: NaiveDate,
    place: Option<&str>,
) -> Result<Prepared, IssueError> {
    if request.persons.is_empty() {
        return Err(DomainError::NoPersons.into());
    }
    let mut special_move_out = false;
    if request.kind.of_move_out() {
        (request.kind, special_move_out) =
            move_out_kind(store, tenant.code, request.persons[0]).await?;
    }
    let ward_removal = match request.ward_removal {
        Some(seq) => Some(ward_removal(store, tenant.code, &request, seq).await?),
        None => None,
    };
    let with_special = request.items.contains(&Item::SpecialHistory);
    let with_history = with_special || request.items.contains(&Item::History);
    let subjects = subjects(
        store,
        tenant.code,
        &request.persons,
        with_history,
        with_special,
        today,
        ward_removal.as_ref(),
    )
    .await?;
    if request.whole_household {
        // 世帯全員: every current member, and no one else.
        let h = subjects[0].person.household_id;
        let households = store.households(tenant.code, &[h]).await?;
        let members = households
            .first()
            .map(|h| h.members.clone())
            .unwrap_or_default();
        let asked: Vec<PersonId> = subjects.iter().map(|s| s.person.id).collect();
        if members.len() != asked.len() || members.iter().any(|m| !asked.contains(m)) {
            return Err(DomainError::CertificateLayout(
                "世帯全員の写しには、世帯の現在の全員を指定してください".into(),
            )
            .into());
        }
        request.persons = members;
    }
    // 世帯員の並び順 (5.2): a 世帯連記式 写し of one household in its set order.
    if request.layout == kikan_domain::certificate::Layout::Household && request.persons.len() > 1 {
        let h = subjects[0].person.household_id;
        if subjects.iter().all(|s| s.person.household_id == h) {
            let asked: Vec<&Person> = request
                .persons
                .iter()
                .filter_map(|id| subjects.iter().find(|s| s.person.id == *id))
                .map(|s| &s.person)
                .collect();
            request.persons = crate::settings::ordered(store, tenant.code, h, &asked)
                .await?
                .0;
        }
    }
    let requester_person = match request.requester.person_id {
        Some(id) => Some(
            store
                .persons(tenant.code, &[id])
                .await?
                .into_iter()
                .next()
                .ok_or(DomainError::PersonNotFound(id.to_string()))?,
        ),
        None => None,
    };
    // 支援措置: decided before anything about the persons is built or shown.
    let measures = store.support_for(tenant.code, &request.persons).await?;
    let requester = Requester {
        person_id: request.requester.person_id,
        name: request
            .requester
            .name
            .clone()
            .or_else(|| requester_person.as_ref().map(|p| p.name.full())),
        birth_date: request
            .requester
            .birth_date
            .or_else(|| requester_person.as_ref().map(|p| p.birth_date)),
    };
    let (support, approval) = match decide_for(
        &measures,
        Service::Copies,
        &request.persons,
        &requester,
        today,
    ) {
        RequestDecision::Allowed => (None, None),
        RequestDecision::AllowedSelf => (
            Some("支援措置の対象者本人(同一の措置の対象者)からの請求".into()),
            None,
        ),
        RequestDecision::RefusedShielded { measure } => {
            return Err(IssueError::Refused { measure });
        }
        RequestDecision::NeedsApproval { measures } => {
            match approval.map(str::trim).filter(|s| !s.is_empty()) {
                Some(reason) => (
                    Some(format!("審査の承認: {reason}")),
                    Some(reason.to_string()),
                ),
                None => return Err(IssueError::NeedsApproval { measures }),
            }
        }
    };
    // Keep the order the staff chose (whole households in the household's order).
    let ordered: Vec<Subject> = request
        .persons
        .iter()
        .filter_map(|id| subjects.iter().find(|s| s.person.id == *id).cloned())
        .collect();
    // 認証者, 公印 and phrase of the day (5.6), as asked or by default.
    let certification = crate::settings::certification(
        store,
        tenant,
        today,
        request.certifier,
        request.seal,
        request.phrase.as_deref(),
        ward_of(store, tenant.code, place).await?.as_deref(),
    )
    .await?;
    let mut content = build(
        &request,
        &ordered,
        requester_person.as_ref(),
        &tenant.name,
        &certification.line,
        today,
    )?;
    content.seal = certification.seal;
    content.phrase = certification.phrase;
    if let Some(r) = &ward_removal {
        content.header.push(kikan_domain::certificate::Field {
            label: "備考".into(),
            value: format!("{}の除票({}への区間異動による)", r.ward, r.to),
            wide: true,
        });
    }
    if special_move_out {
        content.header.push(kikan_domain::certificate::Field {
            label: "備考".into(),
            value: SPECIAL_MOVE_OUT.into(),
            wide: true,
        });
    }
    let seal = certification.image;
    let overflow = crate::settings::overflow_mode(store, tenant.code).await?;
    Ok(Prepared {
        request,
        content,
        support,
        approval,
        place: place.map(str::to_string),
        seal,
        overflow,
        printer: None,
    })
}

/// A new 照合番号: 16 characters of Crockford's base32 (80 random bits), no I, L, O or U.
pub fn new_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Normalises a typed 照合番号: hyphens and spaces dropped, upper case, the letters a
/// person confuses read as the digits they look like.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        })
        .collect()
}

/// The registered seal an issued certificate's content names (a re-print draws the same
/// one).
async fn seal_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    content: &kikan_domain::certificate::CertificateContent,
) -> Result<Option<kikan_domain::certifier::Seal>, IssueError> {
    match content.seal {
        kikan_domain::certificate::SealPrint::Image(id) => {
            Ok(crate::settings::seal_image(store, tenant, id).await?)
        }
        _ => Ok(None),
    }
}

/// Draws a preview (見本): no serial, no code, nothing recorded. Returns what overflowed
/// (5.8) with it, for the alert.
pub fn preview(
    font: &CertFont,
    p: &Prepared,
) -> Result<(Rendered, Vec<kikan_domain::certificate::Overflow>), IssueError> {
    let mut content = p.content.clone();
    crate::fit(font, &mut content, p.overflow)?;
    let rendered = render(
        font,
        &content,
        &Stamp {
            serial: 0,
            code: String::new(),
            preview: true,
            seal: None,
            place: None,
            printer: None,
        },
    )?;
    Ok((rendered, content.overflow))
}

/// Issues a prepared certificate: takes the next serial — one per copy (5.5), in a row —
/// draws, records. Each copy is its own register record (its 交付番号, 照合番号, one
/// copy's fee, its own PDF's hash, which a re-print of it reproduces); the PDF answered
/// holds every copy, one after the other. Returns the first copy's record. The caller
/// appends the audit event.
pub async fn issue(
    store: &dyn Store,
    font: &CertFont,
    tenant: LocalGovCode,
    p: Prepared,
    staff: &str,
) -> Result<(Certificate, Rendered), IssueError> {
    // Check the glyphs before a serial is taken: a name the font cannot print leaves no gap.
    font.check_all(p.content.texts())?;
    let mut p = p;
    // 文字溢れ (5.8): what does not fit is printed as set, and listed with the record.
    crate::fit(font, &mut p.content, p.overflow)?;
    let copies = i64::from(p.request.copies.max(1));
    let last = store.reserve_certificate_serials(tenant, copies).await?;
    let stamps: Vec<Stamp> = (last - copies + 1..=last)
        .map(|serial| Stamp {
            serial,
            code: new_code(),
            preview: false,
            seal: p.seal.as_ref(),
            place: p.place.clone(),
            printer: p.printer,
        })
        .collect();
    // Each record is of one copy.
    let request = CertificateRequest {
        copies: 1,
        ..p.request
    };
    let issued_at = Utc::now();
    let mut records = Vec::with_capacity(stamps.len());
    let mut single = None;
    for stamp in &stamps {
        let rendered = render(font, &p.content, stamp)?;
        records.push(Certificate {
            serial: stamp.serial,
            code: stamp.code.clone(),
            issued_at,
            staff: staff.to_string(),
            fee: request.fee(),
            request: request.clone(),
            content: p.content.clone(),
            support: p.support.clone(),
            place: p.place.clone(),
            printer: p.printer,
            pages: rendered.pages,
            pdf_sha256: rendered.sha256(),
            reprints: vec![],
        });
        single = Some(rendered);
    }
    let rendered = match single {
        Some(r) if stamps.len() == 1 => r,
        _ => crate::render_copies(font, &p.content, &stamps)?,
    };
    for c in &records {
        store.add_certificate(tenant, c).await?;
    }
    let first = records
        .into_iter()
        .next()
        .ok_or(IssueError::NotFound(last))?;
    Ok((first, rendered))
}

/// A document other than a certificate, as the issuance register keeps it (1.3.8): a
/// 住民票コード通知票 (or its 変更・修正) or a 閲覧用 一部の写し.
pub struct Document {
    pub kind: kikan_domain::certificate::CertificateKind,
    /// 交付対象者 with their names: the person notified; none for a 閲覧用 list (`about`
    /// says whom it lists).
    pub persons: Vec<(PersonId, String)>,
    /// 記載事項.
    pub items: Vec<Item>,
    /// What it lists (the conditions and the count of a 閲覧用 list), as labelled lines.
    pub about: Vec<(String, String)>,
    /// 使用目的, as the staff member gave it.
    pub purpose: String,
    /// 交付場所 (`terminal@place`), when known.
    pub place: Option<String>,
    pub issued_on: NaiveDate,
    pub municipality: String,
}

/// Takes a 交付番号 for a document (1.3.8) before it is drawn, so that it can print it.
pub async fn reserve(store: &dyn Store, tenant: LocalGovCode) -> Result<i64, IssueError> {
    Ok(store.reserve_certificate_serials(tenant, 1).await?)
}

/// Records a document drawn under `serial` (from [`reserve`]) in the issuance register:
/// its kind, for whom, what it lists, its pages and the hash of what was handed out (the
/// PDF, or the CSV of a 閲覧用 list, which has no pages). No fee: 通知票 and 閲覧 are not
/// charged per copy here.
pub async fn register(
    store: &dyn Store,
    tenant: LocalGovCode,
    serial: i64,
    doc: Document,
    staff: &str,
    pages: u32,
    bytes: &[u8],
) -> Result<Certificate, IssueError> {
    use kikan_domain::certificate::{CertificateContent, Entry, Field, Layout, SealPrint};
    let c = Certificate {
        serial,
        code: new_code(),
        issued_at: Utc::now(),
        staff: staff.to_string(),
        request: CertificateRequest {
            items: doc.items.clone(),
            purpose: doc.purpose,
            ..CertificateRequest::new(
                doc.kind,
                Layout::Individual,
                doc.persons.iter().map(|(id, _)| *id).collect(),
            )
        },
        content: CertificateContent {
            kind: doc.kind,
            layout: Layout::Individual,
            title: doc.kind.title().to_string(),
            header: doc
                .about
                .into_iter()
                .map(|(label, value)| Field {
                    label,
                    value,
                    wide: true,
                })
                .collect(),
            entries: doc
                .persons
                .into_iter()
                .map(|(person_id, name)| Entry {
                    person_id,
                    fields: vec![Field {
                        label: Item::Name.label().to_string(),
                        value: name,
                        wide: false,
                    }],
                })
                .collect(),
            annex: vec![],
            items: doc.items,
            omitted: vec![],
            certification: String::new(),
            issued_on: doc.issued_on,
            issued_on_text: kikan_domain::wareki::format_wareki(doc.issued_on)?,
            municipality: doc.municipality,
            mayor: String::new(),
            seal: SealPrint::Omitted,
            phrase: None,
            official: false,
            reissue_of: None,
            overflow: vec![],
        },
        support: None,
        place: doc.place,
        printer: None,
        fee: 0,
        pages,
        pdf_sha256: sha256_hex(bytes),
        reprints: vec![],
    };
    store.add_certificate(tenant, &c).await?;
    Ok(c)
}

/// Re-prints an issued certificate (the same serial, code and content) and records it.
pub async fn reprint(
    store: &dyn Store,
    font: &CertFont,
    tenant: LocalGovCode,
    serial: i64,
    staff: &str,
    reason: &str,
) -> Result<(Certificate, Rendered), IssueError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::Missing {
            field: "再印刷の理由",
        }
        .into());
    }
    let c = store
        .certificate(tenant, serial)
        .await?
        .ok_or(IssueError::NotFound(serial))?;
    not_disposed(&c)?;
    if c.request.kind.register_only() {
        return Err(DomainError::LetterNotApplicable {
            letter: c.request.kind.title(),
            reason: "交付簿からは再印刷できません。もう一度作成してください".into(),
        }
        .into());
    }
    let seal = seal_of(store, tenant, &c.content).await?;
    let rendered = render(
        font,
        &c.content,
        &Stamp {
            serial,
            code: c.code.clone(),
            preview: false,
            seal: seal.as_ref(),
            place: c.place.clone(),
            printer: c.printer,
        },
    )?;
    store
        .add_certificate_reprint(
            tenant,
            serial,
            &Reprint {
                at: Utc::now(),
                staff: staff.to_string(),
                reason: reason.to_string(),
                disposed: false,
            },
        )
        .await?;
    Ok((c, rendered))
}

/// Refuses a certificate recorded as 処分 (1.3.8): nothing is printed under its number.
fn not_disposed(c: &Certificate) -> Result<(), IssueError> {
    match c.disposal() {
        Some(d) => Err(DomainError::CertificateDisposed {
            serial: c.serial,
            reason: d.reason.clone(),
        }
        .into()),
        None => Ok(()),
    }
}

/// Records the 処分 of a certificate issued in error and destroyed (1.3.8 処分情報): who,
/// when and why, in the register beside its re-prints. Once, and with a reason.
pub async fn dispose(
    store: &dyn Store,
    tenant: LocalGovCode,
    serial: i64,
    staff: &str,
    reason: &str,
) -> Result<Certificate, IssueError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::Missing {
            field: "処分の理由",
        }
        .into());
    }
    let c = store
        .certificate(tenant, serial)
        .await?
        .ok_or(IssueError::NotFound(serial))?;
    not_disposed(&c)?;
    store
        .add_certificate_reprint(
            tenant,
            serial,
            &Reprint {
                at: Utc::now(),
                staff: staff.to_string(),
                reason: reason.to_string(),
                disposed: true,
            },
        )
        .await?;
    Ok(c)
}

/// Issues a 再交付 of a 転出証明書 (or 準ずる証明書, 4.1.3.0.3): a new 交付番号 and 照合番号,
/// the first issue's content marked 再交付 (never the records' latest state), the
/// 認証者 and seal of today. The caller audits it.
pub async fn reissue(
    store: &dyn Store,
    font: &CertFont,
    tenant: &Tenant,
    serial: i64,
    staff: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<(Certificate, Rendered), IssueError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::Missing {
            field: "再交付の理由",
        }
        .into());
    }
    let original = store
        .certificate(tenant.code, serial)
        .await?
        .ok_or(IssueError::NotFound(serial))?;
    // One issued in error and destroyed is issued anew, not again.
    not_disposed(&original)?;
    // A 再交付 of a 再交付 prints the first issue again.
    let first = match original.content.reissue_of {
        Some(s) => store
            .certificate(tenant.code, s)
            .await?
            .ok_or(IssueError::NotFound(s))?,
        None => original,
    };
    let certification = crate::settings::certification(
        store,
        tenant,
        today,
        None,
        None,
        None,
        ward_of(store, tenant.code, first.place.as_deref())
            .await?
            .as_deref(),
    )
    .await?;
    let mut content = kikan_domain::transfer::reissue(
        &first.content,
        first.serial,
        first.content.issued_on,
        &certification.line,
        today,
    )?;
    content.seal = certification.seal;
    content.phrase = certification.phrase;
    let request = CertificateRequest {
        purpose: format!("再交付: {reason}"),
        ..first.request.clone()
    };
    let p = Prepared {
        request,
        content,
        support: first.support.clone(),
        approval: None,
        place: first.place.clone(),
        seal: certification.image,
        overflow: crate::settings::overflow_mode(store, tenant.code).await?,
        printer: None,
    };
    issue(store, font, tenant.code, p, staff).await
}

/// What a verification found.
#[derive(Debug, Clone)]
pub struct Verification {
    pub certificate: Certificate,
    /// Whether the PDF given has the bytes issued (None: no PDF given).
    pub pdf_matches: Option<bool>,
}

/// Looks a 照合番号 up in the register; with a PDF (or its SHA-256), also tells whether
/// the file is the one issued, unaltered.
pub async fn verify(
    store: &dyn Store,
    tenant: LocalGovCode,
    code: &str,
    pdf: Option<&[u8]>,
    pdf_sha256: Option<&str>,
) -> Result<Option<Verification>, IssueError> {
    let code = normalise_code(code);
    let Some(c) = store.certificate_by_code(tenant, &code).await? else {
        return Ok(None);
    };
    let given = match (pdf, pdf_sha256) {
        (Some(bytes), _) => Some(sha256_hex(bytes)),
        (None, Some(h)) => Some(h.trim().to_ascii_lowercase()),
        (None, None) => None,
    };
    let pdf_matches = given.map(|h| h == c.pdf_sha256);
    Ok(Some(Verification {
        certificate: c,
        pdf_matches,
    }))
}
