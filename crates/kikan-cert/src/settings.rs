//! The municipality's 認証者, 電子公印 and fixed phrases (1.3.7, 1.3.9, 5.6), kept in the
//! store, and what a certificate takes from them on its day.

use chrono::NaiveDate;
use kikan_domain::DomainError;
use kikan_domain::LocalGovCode;
use kikan_domain::certificate::OverflowMode;
use kikan_domain::certifier::{
    Certifier, CertifierRole, Seal, SealChoice, SealKind, certifier_on, seal_of,
};
use kikan_domain::gaiji::{Gaiji, VariantGroups};
use kikan_domain::order::MemberOrder;
use kikan_domain::printer::{Printer, Tray};
use kikan_domain::{HouseholdId, PersonId};
use kikan_store::{Store, StoreError, Tenant};
use serde::de::DeserializeOwned;

/// Every kind of setting kept (the export carries them all).
pub const KINDS: [&str; 10] = [
    CERTIFIER,
    SEAL,
    PHRASES,
    OVERFLOW,
    MEMBER_ORDER,
    HOUSEHOLD_ORDER,
    PRINTER,
    JPKI_AUTHORITY,
    JPKI_CRL,
    GAIJI,
];

const CERTIFIER: &str = "certifier";
const SEAL: &str = "seal";
const PHRASES: &str = "phrases";
const OVERFLOW: &str = "overflow";
const MEMBER_ORDER: &str = "member_order";
/// A household's own order of its members (id: the 世帯番号).
const HOUSEHOLD_ORDER: &str = "household_order";
/// 電子申請 (7.2.5): a registered 署名用認証局 certificate, and a CRL taken in.
pub const JPKI_AUTHORITY: &str = "jpki_authority";
pub const JPKI_CRL: &str = "jpki_crl";
/// 外字 (2.1.2): a registered character and its 異体字 (id: its 登録番号).
const GAIJI: &str = "gaiji";
/// 印刷 (10.7): a registered printer (id: its number).
const PRINTER: &str = "printer";

fn decode<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Database(format!("setting: {e}")))
}

fn encode<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(format!("setting: {e}")))
}

/// The next id of a kind of setting.
async fn next_id(store: &dyn Store, tenant: LocalGovCode, kind: &str) -> Result<i64, StoreError> {
    Ok(store
        .certificate_settings(tenant, kind)
        .await?
        .last()
        .map_or(1, |(id, _)| id + 1))
}

pub async fn certifiers(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<Vec<Certifier>, StoreError> {
    store
        .certificate_settings(tenant, CERTIFIER)
        .await?
        .iter()
        .map(|(_, d)| decode(d))
        .collect()
}

/// Registers a 認証者 for a period (or, with `id`, corrects one: a period ended or
/// a name misspelt); refused when it overlaps another of the same role (E-CERT-030).
pub async fn put_certifier(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut c: Certifier,
) -> Result<Certifier, StoreError> {
    let all = certifiers(store, tenant).await?;
    if c.id == 0 {
        c.id = next_id(store, tenant, CERTIFIER).await?;
    } else if !all.iter().any(|o| o.id == c.id) {
        return Err(DomainError::CertifierPeriod {
            reason: format!("番号{}の認証者はいません", c.id),
        }
        .into());
    }
    c.title = c.title.trim().to_string();
    c.name = c.name.trim().to_string();
    c.validate(&all)?;
    store
        .put_certificate_setting(tenant, CERTIFIER, c.id, &encode(&c)?)
        .await?;
    Ok(c)
}

/// The registered 外字 (2.1.2), by 登録番号.
pub async fn gaiji(store: &dyn Store, tenant: LocalGovCode) -> Result<Vec<Gaiji>, StoreError> {
    store
        .certificate_settings(tenant, GAIJI)
        .await?
        .iter()
        .map(|(_, d)| decode(d))
        .collect()
}

/// Registers a 外字 with its 異体字 (id 0: the next number) or corrects one: E-GAIJI-001
/// for what cannot be kept, -002 for a character registered already, -003 for a
/// number not registered.
pub async fn put_gaiji(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut g: Gaiji,
) -> Result<Gaiji, StoreError> {
    let all = gaiji(store, tenant).await?;
    if g.id == 0 {
        g.id = all.last().map_or(1, |x| x.id + 1);
    } else if !all.iter().any(|x| x.id == g.id) {
        return Err(DomainError::NoGaiji { id: g.id }.into());
    }
    g.validate()?;
    if g.in_use {
        kikan_domain::gaiji::check_unique(&g, &all)?;
    }
    store
        .put_certificate_setting(tenant, GAIJI, g.id, &encode(&g)?)
        .await?;
    Ok(g)
}

/// The 外字 in use as the groups a search widens names by (2.1.2).
pub async fn variant_groups(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<VariantGroups, StoreError> {
    Ok(VariantGroups::new(&gaiji(store, tenant).await?))
}

/// The registered printers (10.7), by number.
pub async fn printers(store: &dyn Store, tenant: LocalGovCode) -> Result<Vec<Printer>, StoreError> {
    store
        .certificate_settings(tenant, PRINTER)
        .await?
        .iter()
        .map(|(_, d)| decode(d))
        .collect()
}

/// Registers a printer (id 0: the next free number) or corrects one (E-PRINT-001).
pub async fn put_printer(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut p: Printer,
) -> Result<Printer, StoreError> {
    if p.id == 0 {
        p.id = next_id(store, tenant, PRINTER).await?;
    }
    p.validate()?;
    store
        .put_certificate_setting(tenant, PRINTER, p.id, &encode(&p)?)
        .await?;
    Ok(p)
}

/// A printer in use and its tray (the first unless one is named): E-PRINT-002 otherwise.
pub async fn printer_tray(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
    tray: Option<&str>,
) -> Result<(Printer, Tray), StoreError> {
    let printer = printers(store, tenant)
        .await?
        .into_iter()
        .find(|p| p.id == id && p.in_use)
        .ok_or_else(|| DomainError::NoPrinter {
            what: Printer::number_label(id),
        })?;
    let tray = printer.tray(tray)?.clone();
    Ok((printer, tray))
}

pub async fn seals(store: &dyn Store, tenant: LocalGovCode) -> Result<Vec<Seal>, StoreError> {
    store
        .certificate_settings(tenant, SEAL)
        .await?
        .iter()
        .map(|(_, d)| decode(d))
        .collect()
}

/// Registers a seal image: made one colour (black, or red for a card's seal) and kept;
/// a newer seal of a kind replaces the older for certificates issued from now on, and
/// certificates already issued keep theirs (a reprint draws the same).
pub async fn add_seal(
    store: &dyn Store,
    tenant: LocalGovCode,
    kind: SealKind,
    png: &[u8],
    size_mm: f32,
    red: bool,
) -> Result<Seal, StoreError> {
    let mut seal = Seal {
        id: next_id(store, tenant, SEAL).await?,
        kind,
        size_mm,
        red,
        png: vec![],
    };
    seal.validate()?;
    seal.png = crate::seal::one_colour(png, red)?;
    store
        .put_certificate_setting(tenant, SEAL, seal.id, &encode(&seal)?)
        .await?;
    Ok(seal)
}

/// The fixed phrases a certificate may carry (「公印省略」「この印は黒色です」…).
pub async fn phrases(store: &dyn Store, tenant: LocalGovCode) -> Result<Vec<String>, StoreError> {
    match store.certificate_settings(tenant, PHRASES).await?.first() {
        Some((_, d)) => decode(d),
        None => Ok(vec![]),
    }
}

pub async fn set_phrases(
    store: &dyn Store,
    tenant: LocalGovCode,
    phrases: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut list: Vec<String> = phrases
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    list.dedup();
    if let Some(p) = list.iter().find(|p| p.chars().count() > 40) {
        let _ = p;
        return Err(DomainError::TooLong {
            field: "固定文言",
            max: 40,
        }
        .into());
    }
    store
        .put_certificate_setting(tenant, PHRASES, 0, &encode(&list)?)
        .await?;
    Ok(list)
}

/// What a certificate prints of a value too long for its box (5.8): as far as it fits
/// (the default) or blank.
pub async fn overflow_mode(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<OverflowMode, StoreError> {
    match store.certificate_settings(tenant, OVERFLOW).await?.first() {
        Some((_, d)) => decode(d),
        None => Ok(OverflowMode::default()),
    }
}

pub async fn set_overflow_mode(
    store: &dyn Store,
    tenant: LocalGovCode,
    mode: OverflowMode,
) -> Result<(), StoreError> {
    store
        .put_certificate_setting(tenant, OVERFLOW, 0, &encode(&mode)?)
        .await
}

/// 世帯員の並び順 (5.2): how the municipality orders a 世帯連記式 写し.
pub async fn member_order(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<MemberOrder, StoreError> {
    match store
        .certificate_settings(tenant, MEMBER_ORDER)
        .await?
        .first()
    {
        Some((_, d)) => decode(d),
        None => Ok(MemberOrder::default()),
    }
}

pub async fn set_member_order(
    store: &dyn Store,
    tenant: LocalGovCode,
    order: MemberOrder,
) -> Result<(), StoreError> {
    store
        .put_certificate_setting(tenant, MEMBER_ORDER, 0, &encode(&order)?)
        .await
}

/// A household's own order of its members (任意の並び順, 5.2), where one was set.
pub async fn household_order(
    store: &dyn Store,
    tenant: LocalGovCode,
    household: HouseholdId,
) -> Result<Vec<PersonId>, StoreError> {
    match store
        .certificate_settings(tenant, HOUSEHOLD_ORDER)
        .await?
        .into_iter()
        .find(|(id, _)| *id == household.0)
    {
        Some((_, d)) => decode(&d),
        None => Ok(vec![]),
    }
}

/// Sets a household's own order: every current member once (none: back to the
/// municipality's rule). `E-INPUT-003` for a list that is not the household's members.
pub async fn set_household_order(
    store: &dyn Store,
    tenant: LocalGovCode,
    household: HouseholdId,
    order: &[PersonId],
) -> Result<(), StoreError> {
    if !order.is_empty() {
        let h = store
            .households(tenant, &[household])
            .await?
            .pop()
            .ok_or_else(|| DomainError::HouseholdNotFound(household.to_string()))?;
        let mut given = order.to_vec();
        given.sort();
        given.dedup();
        let mut members = h.members.clone();
        members.sort();
        if given.len() != order.len() || given != members {
            return Err(DomainError::Invalid {
                field: "世帯員の並び順",
                reason: "世帯の現在の世帯員を一人ずつ、すべて指定してください".into(),
            }
            .into());
        }
    }
    store
        .put_certificate_setting(tenant, HOUSEHOLD_ORDER, household.0, &encode(&order)?)
        .await
}

/// The members of `household` among `asked`, in the order a 世帯連記式 写し prints them
/// (5.2): the household's own order where set, else the municipality's rule — the
/// standard's 順位, or `asked` as it is (the order they joined, or staff's). With
/// whether the household's own order decided it.
pub async fn ordered(
    store: &dyn Store,
    tenant: LocalGovCode,
    household: HouseholdId,
    asked: &[&kikan_domain::Person],
) -> Result<(Vec<PersonId>, bool), StoreError> {
    let ids: Vec<PersonId> = asked.iter().map(|p| p.id).collect();
    let rule = match member_order(store, tenant).await? {
        MemberOrder::Standard => kikan_domain::order::standard_order(asked),
        MemberOrder::Joined => ids.clone(),
    };
    let set = household_order(store, tenant, household).await?;
    Ok(if set.is_empty() {
        (rule, false)
    } else {
        (kikan_domain::order::in_set_order(&ids, &set, &rule), true)
    })
}

/// What a certificate of `day` carries: the 認証者's printed line, the seal (its id, or
/// none with the seal omitted, or the drawn placeholder while none is registered) and
/// the fixed phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Certification {
    pub line: String,
    pub seal: kikan_domain::certificate::SealPrint,
    /// The registered seal `seal` names, read here once for the drawing.
    pub image: Option<Seal>,
    pub phrase: Option<String>,
}

/// Chooses the 認証者, seal and phrase of a certificate: the one asked for or the one of
/// the day (the 職務代理者 within their period), the seal asked for or the 証明書専用印,
/// else the certifier's own; a seal or phrase asked for must be registered. Issued at a
/// designated city's 区役所 (`ward`), its 区長 certifies where registered. Without any
/// 認証者 registered, the mayor given at `tenant add` certifies.
pub async fn certification(
    store: &dyn Store,
    tenant: &Tenant,
    day: NaiveDate,
    certifier: Option<CertifierRole>,
    seal: Option<SealChoice>,
    phrase: Option<&str>,
    ward: Option<&str>,
) -> Result<Certification, StoreError> {
    use kikan_domain::certificate::SealPrint;
    let all = certifiers(store, tenant.code).await?;
    let chosen = certifier_on(&all, day, certifier, ward);
    let line = match (chosen, certifier) {
        (Some(c), _) => c.line(tenant.code),
        (None, Some(role)) => {
            return Err(DomainError::CertifierPeriod {
                reason: format!("{day}に{}は登録されていません", role.label()),
            }
            .into());
        }
        (None, None) if all.is_empty() => tenant.mayor.clone(),
        (None, None) => {
            return Err(DomainError::CertifierPeriod {
                reason: format!("{day}の認証者(市区町村長・職務代理者)が登録されていません"),
            }
            .into());
        }
    };
    let registered = seals(store, tenant.code).await?;
    let image = match seal {
        Some(SealChoice::Omit) => None,
        Some(SealChoice::Kind(kind)) => {
            Some(
                seal_of(&registered, kind).ok_or_else(|| DomainError::SealImage {
                    reason: format!("{}は登録されていません", kind.label()),
                })?,
            )
        }
        None => {
            let own = SealKind::of(chosen.map_or(CertifierRole::Mayor, |c| c.role));
            seal_of(&registered, SealKind::Certificate).or_else(|| seal_of(&registered, own))
        }
    };
    let (seal, image) = match (seal, image) {
        (Some(SealChoice::Omit), _) => (SealPrint::Omitted, None),
        (_, Some(s)) => (SealPrint::Image(s.id), Some(s.clone())),
        (_, None) => (SealPrint::Drawn, None),
    };
    let phrase = match phrase.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => {
            if !phrases(store, tenant.code).await?.iter().any(|x| x == p) {
                return Err(DomainError::UnknownPhrase {
                    phrase: p.to_string(),
                }
                .into());
            }
            Some(p.to_string())
        }
        None => None,
    };
    Ok(Certification {
        line,
        seal,
        image,
        phrase,
    })
}

/// The image of a seal printed on a certificate (None: not registered here).
pub async fn seal_image(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
) -> Result<Option<Seal>, StoreError> {
    Ok(seals(store, tenant).await?.into_iter().find(|s| s.id == id))
}
