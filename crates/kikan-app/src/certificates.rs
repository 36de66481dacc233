//! Certificate requests, as the API and the command line take them: read into the
//! domain's request, checked against the register and the 支援措置 (a refusal and an
//! examiner's approval are audited), ready for `kikan_cert::issue` to draw.

use crate::Actor;
use chrono::NaiveDate;
use kikan_cert::issue::{self, IssueError, Prepared};
use kikan_domain::certificate::{
    CertificateKind, CertificateRequest, Item, Layout, RequesterInfo, RequesterKind,
};
use kikan_domain::certifier::{CertifierRole, SealChoice, SealKind};
use kikan_domain::wareki::parse_date;
use kikan_domain::{DomainError, HouseholdId, PersonId};
use kikan_security::{Outcome, Permission};
use kikan_store::Store;
use serde::Deserialize;

/// A bad field of a request: the domain's error and where it is.
#[derive(Debug)]
pub struct FieldError {
    pub error: DomainError,
    /// The request field (`items[2]`, `requester.kind`).
    pub field: String,
}

impl FieldError {
    pub fn at(error: DomainError, field: impl Into<String>) -> Self {
        FieldError {
            error,
            field: field.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}({})", self.error.code(), self.error, self.field)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequesterIn {
    /// self (本人), same_household (同一世帯), third_party (第三者), professional (弁護士等職務上請求).
    pub kind: String,
    /// The requester's own record, when they are a resident.
    pub person_id: Option<i64>,
    pub name: Option<String>,
    /// 生年月日 (和暦 or 西暦).
    pub birth_date: Option<String>,
    pub address: Option<String>,
    /// 請求の事由 (third parties, professionals).
    pub reason: Option<String>,
    /// 資格・登録番号 (professionals).
    pub qualification: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateIn {
    /// resident_copy (住民票の写し), resident_items (住民票記載事項証明書), removed_copy
    /// (除票の写し), removed_items (除票記載事項証明書).
    pub kind: String,
    /// household (世帯連記式; the default for 住民票) or individual (個人票).
    pub layout: Option<String>,
    /// 世帯全員: every current member of this household.
    pub household_id: Option<i64>,
    /// Or chosen persons, in print order.
    #[serde(default)]
    pub persons: Vec<i64>,
    /// 写し: optional items asked for (honseki, relationship, juminhyo_code,
    /// individual_number, residence_details, card_number, alias_history …).
    /// 記載事項証明書: the items certified.
    #[serde(default)]
    pub items: Vec<String>,
    /// 写し: items printed by default to leave out (head, nationality, category, alias).
    #[serde(default)]
    pub omit: Vec<String>,
    pub requester: RequesterIn,
    /// 使用目的 (a 転出証明書's is the 転入届 unless said).
    #[serde(default)]
    pub purpose: String,
    /// 本人確認書類.
    pub identity_check: String,
    pub copies: Option<u32>,
    /// 手数料免除の理由.
    pub fee_exempt: Option<String>,
    /// 審査's approval of a third-party request concerning a 支援措置 subject.
    pub approval_reason: Option<String>,
    /// 公用: a public office's request; 「公用」 is printed (5.7).
    #[serde(default)]
    pub official: bool,
    /// 区間異動による除票 (4.0.2): the 除票 of the ward a person left by the 区間異動 of
    /// this ledger number (one person, 除票の写し or 除票記載事項証明書).
    #[serde(default)]
    pub ward_removal: Option<i64>,
    /// 認証者: 市区町村長 or 職務代理者; without it, the one of the day.
    pub certifier: Option<String>,
    /// 公印: 市区町村長印, 職務代理者印, 証明書専用印, or なし (omitted); without it, the
    /// 証明書専用印 or the 認証者's own.
    pub seal: Option<String>,
    /// A registered fixed phrase to print (「公印省略」…).
    pub phrase: Option<String>,
    /// 印刷 (10.7): printed by kikan on this registered printer and tray; without it,
    /// the PDF is answered for the browser.
    #[serde(default)]
    pub output: Option<OutputIn>,
}

/// The output staff chose for a document: a registered printer and one of its trays.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutputIn {
    /// The printer's number (プリンタ001 is 1).
    pub printer: i64,
    /// The tray's `media-source` keyword; without it, the printer's first.
    pub tray: Option<String>,
}

/// Reads a request as the API (and the CLI) take it; `members` are the household's when
/// 世帯全員 was asked for.
/// The last 交付番号 issued in the municipality (0 before the first): the register runs
/// from 1 to it.
pub async fn last_serial(
    store: &dyn Store,
    tenant: kikan_domain::LocalGovCode,
) -> Result<i64, kikan_store::StoreError> {
    let newest = store
        .certificates(
            tenant,
            &kikan_store::certificates::CertificateQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
    Ok(newest.first().map_or(0, |c| c.serial))
}

pub fn request_of(
    input: &CertificateIn,
    members: Option<Vec<PersonId>>,
) -> Result<CertificateRequest, FieldError> {
    let kind = CertificateKind::parse(&input.kind)
        .and_then(|k| {
            // 通知票 and the 閲覧用 写し are made where they belong (1.3.8 records them).
            if k.register_only() {
                Err(DomainError::UnknownCode {
                    kind: "証明書の種類",
                    value: input.kind.clone(),
                })
            } else {
                Ok(k)
            }
        })
        .map_err(|e| FieldError::at(e, "kind"))?;
    let layout = match input.layout.as_deref().map(str::trim) {
        None | Some("") => {
            if kind.of_removed() {
                Layout::Individual
            } else {
                Layout::Household
            }
        }
        Some("household" | "世帯連記式") => Layout::Household,
        Some("individual" | "個人票") => Layout::Individual,
        Some(other) => {
            return Err(FieldError::at(
                DomainError::UnknownCode {
                    kind: "様式",
                    value: other.to_string(),
                },
                "layout",
            ));
        }
    };
    let parse_items = |list: &[String], name: &str| {
        list.iter()
            .enumerate()
            .map(|(i, s)| Item::parse(s).map_err(|e| FieldError::at(e, format!("{name}[{i}]"))))
            .collect::<Result<Vec<_>, _>>()
    };
    let items = parse_items(&input.items, "items")?;
    let omit = parse_items(&input.omit, "omit")?;
    let r = &input.requester;
    let requester = RequesterInfo {
        kind: Some(RequesterKind::parse(&r.kind).map_err(|e| FieldError::at(e, "requester.kind"))?),
        person_id: r.person_id.map(PersonId),
        name: r.name.clone().filter(|s| !s.trim().is_empty()),
        birth_date: r
            .birth_date
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|d| parse_date(d).map_err(|e| FieldError::at(e, "requester.birth_date")))
            .transpose()?,
        address: r.address.clone().filter(|s| !s.trim().is_empty()),
        reason: r.reason.clone().filter(|s| !s.trim().is_empty()),
        qualification: r.qualification.clone().filter(|s| !s.trim().is_empty()),
    };
    let whole = members.is_some();
    let persons = members.unwrap_or_else(|| input.persons.iter().map(|i| PersonId(*i)).collect());
    Ok(CertificateRequest {
        kind,
        layout,
        persons,
        whole_household: whole,
        items,
        omit,
        requester,
        // A 転出証明書 is for the 転入届 (the counter need not say so).
        purpose: match input.purpose.trim() {
            "" if kind.of_move_out() => "転入届の添付書類".to_string(),
            p => p.to_string(),
        },
        identity_check: input.identity_check.trim().to_string(),
        copies: input.copies.unwrap_or(1),
        fee_exempt: input.fee_exempt.clone().filter(|s| !s.trim().is_empty()),
        official: input.official,
        certifier: input
            .certifier
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| CertifierRole::parse(s).map_err(|e| FieldError::at(e, "certifier")))
            .transpose()?,
        seal: match input.seal.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("なし") => Some(SealChoice::Omit),
            Some(k) => Some(SealChoice::Kind(
                SealKind::parse(k).map_err(|e| FieldError::at(e, "seal"))?,
            )),
        },
        phrase: input.phrase.clone().filter(|s| !s.trim().is_empty()),
        ward_removal: input.ward_removal,
    })
}

/// Why a request cannot be prepared.
#[derive(Debug)]
pub enum PrepareError {
    Field(FieldError),
    Issue(IssueError),
}

impl From<FieldError> for PrepareError {
    fn from(e: FieldError) -> Self {
        PrepareError::Field(e)
    }
}

impl From<IssueError> for PrepareError {
    fn from(e: IssueError) -> Self {
        PrepareError::Issue(e)
    }
}

impl From<kikan_store::StoreError> for PrepareError {
    fn from(e: kikan_store::StoreError) -> Self {
        PrepareError::Issue(e.into())
    }
}

impl std::fmt::Display for PrepareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrepareError::Field(e) => e.fmt(f),
            PrepareError::Issue(e) => write!(f, "{} {e}", e.code()),
        }
    }
}

/// Reads and checks a request and builds its content. An approval reason counts only
/// from an actor who may approve exceptions (審査); a request that goes through by it
/// is audited as an approval, and a refusal under a 支援措置 as a refusal.
pub async fn prepare(
    store: &dyn Store,
    actor: &Actor,
    input: &CertificateIn,
    today: NaiveDate,
) -> Result<Prepared, PrepareError> {
    Ok(prepare_alerted(store, actor, input, today).await?.0)
}

/// [`prepare`], with the alerts of a suppression of certificates at the alert level (3.1)
/// that let it through: the counter's staff are shown them; a terminal nobody watches
/// refuses on them.
pub async fn prepare_alerted(
    store: &dyn Store,
    actor: &Actor,
    input: &CertificateIn,
    today: NaiveDate,
) -> Result<(Prepared, Vec<String>), PrepareError> {
    let members = match input.household_id {
        Some(h) => Some(issue::household_members(store, actor.tenant, HouseholdId(h)).await?),
        None => None,
    };
    let request = request_of(input, members)?;
    let tenant = store.registered_tenant(actor.tenant).await?;
    let approval = input
        .approval_reason
        .as_deref()
        .filter(|_| actor.may(Permission::ApproveException));
    let persons: Vec<i64> = request.persons.iter().map(|x| x.0).collect();
    // 抑止 of 証明書発行 (3.1): refused before anything is built.
    let printed = store.persons(actor.tenant, &request.persons).await?;
    let printed: Vec<&kikan_domain::Person> = printed.iter().collect();
    let alerts = crate::suppress::enforce(
        store,
        actor,
        kikan_domain::suppress::Process::Certificate,
        &crate::suppress::subjects(&printed, &[]),
        today,
    )
    .await?;
    match issue::prepare(
        store,
        &tenant,
        request,
        approval,
        today,
        actor.terminal.as_deref(),
    )
    .await
    {
        Ok(prepared) => {
            // Only a request that went through by the examiner's approval is one.
            if let Some(reason) = &prepared.approval {
                let e = actor.event(
                    "support.approve",
                    persons,
                    format!("第三者からの証明書の交付の請求を承認: {reason}"),
                );
                store.append_audit(actor.tenant, &[e]).await?;
            }
            Ok((prepared, alerts))
        }
        Err(IssueError::Refused { measure }) => {
            let mut e = actor.event(
                "request.refused",
                persons,
                format!("証明書の交付の請求を拒否(支援措置 {measure} の加害者等)"),
            );
            e.outcome = Outcome::Denied;
            store.append_audit(actor.tenant, &[e]).await?;
            Err(IssueError::Refused { measure }.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether an actor may re-print a certificate now. A re-print shows again what was
/// printed, addresses included: while a 支援措置 protects a printed person (whether or
/// not it did when the certificate was issued), only an actor who may approve
/// exceptions (審査) re-prints it; anyone else is refused, and the refusal is audited.
pub async fn may_reprint(
    store: &dyn Store,
    actor: &Actor,
    serial: i64,
    today: NaiveDate,
) -> Result<(), PrepareError> {
    let c = store
        .certificate(actor.tenant, serial)
        .await?
        .ok_or(IssueError::NotFound(serial))?;
    let persons = c.persons().to_vec();
    let measures: Vec<_> = store
        .support_for(actor.tenant, &persons)
        .await?
        .into_iter()
        .filter(|m| m.in_force(today))
        .map(|m| m.id)
        .collect();
    if measures.is_empty() || actor.may(Permission::ApproveException) {
        return Ok(());
    }
    let mut e = actor.event(
        "request.refused",
        persons.iter().map(|p| p.0).collect(),
        format!("第{serial:06}号の再印刷を拒否(支援措置の対象者を含むため審査担当が扱います)"),
    );
    e.outcome = Outcome::Denied;
    store.append_audit(actor.tenant, &[e]).await?;
    Err(IssueError::NeedsApproval { measures }.into())
}
