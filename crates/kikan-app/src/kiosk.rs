//! コンビニ交付 (7.2.5, j1210): certificates issued at a terminal — a convenience store's
//! multi-copy machine or a キオスク端末 — to the holder of a 個人番号カード.
//!
//! The 証明書交付センター reads the card, has its 利用者証明用電子証明書 verified (the
//! cardholder's PIN, the certificate not revoked) and asks kikan with the certificate's
//! シリアル番号, which the CS gave kikan for the person (7.1.2.4). kikan finds the one current
//! resident whose latest card record carries that serial, and prepares the certificate as
//! the counter would for 本人 — with the terminal's own limits: a 住民票の写し or 住民票記載事項
//! 証明書 of the person (or their whole household), never a 除票, never the 個人番号 or the
//! 住民票コード. Anything that would need staff's judgement is refused without a reason
//! the terminal could show (E-KIOSK-002, 「窓口で請求してください」): a 支援措置 concerning
//! anyone printed, or a suppression of certificates (3.1) at either level — an alert
//! cannot be shown to anyone at a shop. The reason is in the access log.

use crate::Actor;
use crate::certificates::{CertificateIn, PrepareError, RequesterIn};
use chrono::NaiveDate;
use kikan_cert::issue::{self, IssueError, Prepared};
use kikan_domain::business::{Business, BusinessItems, latest};
use kikan_domain::{DomainError, PersonId};
use kikan_security::Outcome;
use kikan_store::{Store, StoreError};
use serde::Deserialize;

/// What the 証明書交付センター asks for.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskRequest {
    /// 利用者証明用電子証明書のシリアル番号 of the card read at the terminal (verified by
    /// the centre).
    pub card_serial: String,
    /// resident_copy (住民票の写し) or resident_items (住民票記載事項証明書).
    pub kind: String,
    /// 世帯全員 (the cardholder's household) rather than the cardholder alone.
    #[serde(default)]
    pub whole_household: bool,
    /// Optional items asked for (relationship, honseki …); never individual_number or
    /// juminhyo_code.
    #[serde(default)]
    pub items: Vec<String>,
    /// 通数 (1–10).
    #[serde(default = "one")]
    pub copies: u32,
    /// The terminal: its operator's store and machine (`7E-123456-01`), printed in the
    /// 発行番号 and kept as the 交付場所.
    pub kiosk: String,
}

fn one() -> u32 {
    1
}

/// The most copies a terminal issues at once.
pub const MAX_COPIES: u32 = 10;

/// Items a terminal never prints.
const NEVER: [&str; 4] = [
    "individual_number",
    "個人番号",
    "juminhyo_code",
    "住民票コード",
];

fn refused() -> DomainError {
    DomainError::KioskRefused
}

/// The one current resident whose latest card carries `serial` (E-KIOSK-001 otherwise).
pub async fn cardholder(
    store: &dyn Store,
    tenant: kikan_domain::LocalGovCode,
    serial: &str,
) -> Result<kikan_domain::Person, StoreError> {
    let serial = serial.trim();
    let unknown = || DomainError::KioskCardUnknown;
    if serial.is_empty() {
        return Err(unknown().into());
    }
    let candidates = store.persons_by_card_serial(tenant, serial).await?;
    let records = store.business_records(tenant, &candidates).await?;
    let holders: Vec<PersonId> = latest(&records)
        .into_iter()
        .filter(|r| r.items.business() == Business::Card)
        .filter(|r| {
            matches!(&r.items, BusinessItems::Card(c)
                if c.holds && c.certificate_serial.as_deref() == Some(serial))
        })
        .map(|r| r.person)
        .collect();
    let persons = store.persons(tenant, &holders).await?;
    let mut current = persons.into_iter().filter(|p| !p.is_removed());
    match (current.next(), current.next()) {
        (Some(p), None) => Ok(p),
        _ => Err(unknown().into()),
    }
}

/// Checks a terminal's request and prepares the certificate (the caller issues it).
pub async fn prepare(
    store: &dyn Store,
    actor: &Actor,
    r: &KioskRequest,
    today: NaiveDate,
) -> Result<Prepared, PrepareError> {
    let field =
        |e: DomainError, f: &str| PrepareError::Field(crate::certificates::FieldError::at(e, f));
    let kiosk = r.kiosk.trim();
    if kiosk.is_empty() || kiosk.chars().count() > 32 || kiosk.contains('@') {
        return Err(field(
            DomainError::KioskItem {
                what: "端末の識別(kiosk: 32文字以内)".into(),
            },
            "kiosk",
        ));
    }
    if !matches!(r.kind.as_str(), "resident_copy" | "resident_items") {
        return Err(field(
            DomainError::KioskItem {
                what: format!("証明書の種類「{}」", r.kind),
            },
            "kind",
        ));
    }
    if let Some((i, item)) = r
        .items
        .iter()
        .enumerate()
        .find(|(_, i)| NEVER.contains(&i.as_str()))
    {
        return Err(field(
            DomainError::KioskItem {
                what: format!("記載事項「{item}」"),
            },
            &format!("items[{i}]"),
        ));
    }
    if !(1..=MAX_COPIES).contains(&r.copies) {
        return Err(field(
            DomainError::KioskItem {
                what: format!("通数{}(1〜{MAX_COPIES}通)", r.copies),
            },
            "copies",
        ));
    }
    let holder = cardholder(store, actor.tenant, &r.card_serial)
        .await
        .map_err(|e| PrepareError::Issue(e.into()))?;
    let input = CertificateIn {
        kind: r.kind.clone(),
        layout: Some(
            if r.whole_household {
                "household"
            } else {
                "individual"
            }
            .into(),
        ),
        household_id: r.whole_household.then_some(holder.household_id.0),
        persons: if r.whole_household {
            vec![]
        } else {
            vec![holder.id.0]
        },
        items: r.items.clone(),
        requester: RequesterIn {
            // The cardholder: for themself, or as a member of the household.
            kind: if r.whole_household {
                "same_household"
            } else {
                "self"
            }
            .into(),
            person_id: Some(holder.id.0),
            ..Default::default()
        },
        purpose: "コンビニ交付".into(),
        identity_check: "個人番号カード(利用者証明用電子証明書・暗証番号)".into(),
        copies: Some(r.copies),
        ..Default::default()
    };
    // The persons printed, for the access log of a refusal.
    let printed = || async {
        if r.whole_household {
            issue::household_members(store, actor.tenant, holder.household_id).await
        } else {
            Ok(vec![holder.id])
        }
    };
    let (mut prepared, alerts) =
        match crate::certificates::prepare_alerted(store, actor, &input, today).await {
            // A suppression at the error level: its refusal is in the access log already.
            Err(PrepareError::Issue(
                IssueError::Store(StoreError::Domain(DomainError::Suppressed { .. }))
                | IssueError::Domain(DomainError::Suppressed { .. }),
            )) => return Err(PrepareError::Issue(refused().into())),
            Err(PrepareError::Issue(
                IssueError::Refused { .. } | IssueError::NeedsApproval { .. },
            )) => {
                deny(store, actor, &printed().await?, "支援措置").await?;
                return Err(PrepareError::Issue(refused().into()));
            }
            other => other?,
        };
    // At the alert level too: no one at a terminal could heed an alert.
    if !alerts.is_empty() {
        deny(
            store,
            actor,
            &prepared.request.persons,
            "証明書発行の抑止(アラート)",
        )
        .await?;
        return Err(PrepareError::Issue(refused().into()));
    }
    // A 支援措置 concerning anyone printed: the counter, not a terminal, decides.
    if prepared.support.is_some() {
        deny(store, actor, &prepared.request.persons, "支援措置").await?;
        return Err(PrepareError::Issue(refused().into()));
    }
    prepared.place = Some(format!("{kiosk}@コンビニ交付"));
    Ok(prepared)
}

/// The refusal in the access log, with its reason (the terminal is told none).
async fn deny(
    store: &dyn Store,
    actor: &Actor,
    persons: &[PersonId],
    why: &str,
) -> Result<(), StoreError> {
    let mut e = actor.event(
        "kiosk.refused",
        persons.iter().map(|p| p.0).collect(),
        format!("コンビニ交付を拒否({why})"),
    );
    e.outcome = Outcome::Denied;
    store.append_audit(actor.tenant, &[e]).await
}
