//! 公的個人認証サービスを用いた証明書等の電子申請 (7.2.5, j1210): an application for a
//! certificate signed with the applicant's 署名用電子証明書 (マイナポータル, the
//! municipality's 電子申請システム), checked by kikan before staff issue and mail it.
//!
//! The municipality registers the 署名用認証局's certificate and takes in its CRL as it is
//! published (both kept with the certificate settings, so the municipality's export carries
//! them). An application is taken in as received — the document's bytes, the signature
//! over them and the signer's certificate —, verified ([`kikan_security::jpki::verify`]:
//! the path to a registered authority, the CRL, the signature) and matched to the one
//! current resident with the certificate's 氏名 and 生年月日. The answer is the request as
//! the counter's certificate screen takes it (本人 or 同一世帯 as requester, the
//! 本人確認 naming the certificate), for staff to issue and send to the registered address;
//! nothing is issued here. Every check, accepted or refused, is in the access log.

use crate::Actor;
use chrono::NaiveDate;
use kikan_domain::{DomainError, LocalGovCode, Person};
use kikan_security::Outcome;
use kikan_security::jpki::{self, JpkiError, Signer};
use kikan_store::{SearchKeys, Store, StoreError};
use serde::{Deserialize, Serialize};

/// The settings kinds: a registered 署名用認証局 certificate, a CRL taken in.
pub const AUTHORITY: &str = kikan_cert::settings::JPKI_AUTHORITY;
pub const CRL: &str = kikan_cert::settings::JPKI_CRL;

/// What the applicant asked for (the signed document, JSON).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationForm {
    /// resident_copy, resident_items, removed_copy, removed_items.
    pub kind: String,
    #[serde(default)]
    pub whole_household: bool,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default = "one")]
    pub copies: u32,
    /// 使用目的.
    #[serde(default)]
    pub purpose: String,
}

fn one() -> u32 {
    1
}

/// A registered authority or CRL, as listed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrustItem {
    pub id: i64,
    /// The authority's name (a CRL: its issuer's).
    pub name: String,
    /// Valid until (a CRL: its next update).
    pub until: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    pem: String,
    name: String,
    until: String,
}

fn eapp(e: JpkiError) -> DomainError {
    DomainError::ElectronicApplication {
        code: e.code(),
        reason: e.to_string(),
    }
}

async fn kept(
    store: &dyn Store,
    tenant: LocalGovCode,
    kind: &str,
) -> Result<Vec<(i64, Kept)>, StoreError> {
    store
        .certificate_settings(tenant, kind)
        .await?
        .into_iter()
        .map(|(id, d)| {
            serde_json::from_str(&d)
                .map(|k| (id, k))
                .map_err(|e| StoreError::Database(format!("jpki setting: {e}")))
        })
        .collect()
}

/// The registered authorities and the CRLs taken in.
pub async fn trust(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<(Vec<TrustItem>, Vec<TrustItem>), StoreError> {
    let list = |v: Vec<(i64, Kept)>| {
        v.into_iter()
            .map(|(id, k)| TrustItem {
                id,
                name: k.name,
                until: k.until,
            })
            .collect()
    };
    Ok((
        list(kept(store, tenant, AUTHORITY).await?),
        list(kept(store, tenant, CRL).await?),
    ))
}

async fn put(
    store: &dyn Store,
    tenant: LocalGovCode,
    kind: &str,
    k: &Kept,
) -> Result<i64, StoreError> {
    let id = kept(store, tenant, kind)
        .await?
        .last()
        .map_or(1, |(id, _)| id + 1);
    let data = serde_json::to_string(k).map_err(|e| StoreError::Database(e.to_string()))?;
    store
        .put_certificate_setting(tenant, kind, id, &data)
        .await?;
    Ok(id)
}

/// Registers a 署名用認証局 certificate (PEM).
pub async fn add_authority(
    store: &dyn Store,
    tenant: LocalGovCode,
    pem: &str,
) -> Result<TrustItem, StoreError> {
    let (name, until) = jpki::read_certificate(pem.as_bytes()).map_err(eapp)?;
    let k = Kept {
        pem: pem.to_string(),
        name,
        until,
    };
    let id = put(store, tenant, AUTHORITY, &k).await?;
    Ok(TrustItem {
        id,
        name: k.name,
        until: k.until,
    })
}

async fn anchors(store: &dyn Store, tenant: LocalGovCode) -> Result<Vec<Vec<u8>>, StoreError> {
    Ok(kept(store, tenant, AUTHORITY)
        .await?
        .into_iter()
        .map(|(_, k)| k.pem.into_bytes())
        .collect())
}

/// Takes in a CRL (PEM) signed by a registered authority.
pub async fn add_crl(
    store: &dyn Store,
    tenant: LocalGovCode,
    pem: &str,
) -> Result<TrustItem, StoreError> {
    let (name, until) =
        jpki::read_crl(pem.as_bytes(), &anchors(store, tenant).await?).map_err(eapp)?;
    let k = Kept {
        pem: pem.to_string(),
        name,
        until,
    };
    let id = put(store, tenant, CRL, &k).await?;
    Ok(TrustItem {
        id,
        name: k.name,
        until: k.until,
    })
}

/// A verified application: the signer, the resident, and the request for the counter.
#[derive(Debug, Clone)]
pub struct Verified {
    pub signer: Signer,
    pub person: Person,
    pub form: ApplicationForm,
    /// Whether the certificate's 住所 reads as the resident's address (blanks and the
    /// width of digits aside).
    pub address_matches: bool,
}

/// Blanks (half and full width) left out and full-width digits read as ASCII; nothing else
/// is folded (a compatibility ideograph in a name stays itself).
fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Verifies a signed application and finds its applicant (E-EAPP-001 … -006).
pub async fn verify(
    store: &dyn Store,
    actor: &Actor,
    document: &[u8],
    signature: &[u8],
    certificate: &[u8],
) -> Result<Verified, StoreError> {
    let crls: Vec<Vec<u8>> = kept(store, actor.tenant, CRL)
        .await?
        .into_iter()
        .map(|(_, k)| k.pem.into_bytes())
        .collect();
    let checked = jpki::verify(
        document,
        signature,
        certificate,
        &anchors(store, actor.tenant).await?,
        &crls,
    );
    let signer = match checked {
        Ok(s) => s,
        Err(e) => {
            let mut ev = actor.event(
                "eapp.refused",
                vec![],
                format!("電子申請の署名を受け付けず: {e}"),
            );
            ev.outcome = Outcome::Denied;
            store.append_audit(actor.tenant, &[ev]).await?;
            return Err(eapp(e).into());
        }
    };
    let form: ApplicationForm =
        serde_json::from_slice(document).map_err(|e| DomainError::ElectronicApplication {
            code: "E-EAPP-006",
            reason: format!("申請の内容を読み取れません({e})"),
        })?;
    let birth = NaiveDate::parse_from_str(&signer.birth, "%Y%m%d").map_err(|_| {
        DomainError::ElectronicApplication {
            code: "E-EAPP-005",
            reason: format!("電子証明書の生年月日「{}」を読み取れません", signer.birth),
        }
    })?;
    let keys = SearchKeys {
        birth_date: Some(birth),
        every_hit: true,
        limit: 10_000,
        ..Default::default()
    };
    let name = squeeze(&signer.name);
    let found: Vec<Person> = store
        .search(actor.tenant, &keys)
        .await?
        .into_iter()
        .filter(|p| !p.is_removed() && squeeze(&p.name.full()) == name)
        .collect();
    let [person] =
        <[Person; 1]>::try_from(found).map_err(|found| DomainError::ElectronicApplication {
            code: "E-EAPP-006",
            reason: if found.is_empty() {
                "電子証明書の氏名・生年月日の住民はいません".into()
            } else {
                "電子証明書の氏名・生年月日の住民が一人に定まりません".into()
            },
        })?;
    let address_matches = signer
        .address
        .as_deref()
        .is_some_and(|a| squeeze(a) == squeeze(&person.address.line()));
    store
        .append_audit(
            actor.tenant,
            &[actor.event(
                "eapp.verify",
                vec![person.id.0],
                format!(
                    "電子申請の署名を検証(署名用電子証明書 {} 発行者 {}): {}",
                    signer.serial, signer.issuer, form.kind
                ),
            )],
        )
        .await?;
    Ok(Verified {
        signer,
        person,
        form,
        address_matches,
    })
}
