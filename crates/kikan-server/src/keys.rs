//! 二要素認証 by IC card or biometrics (10.3): security keys, by WebAuthn.
//!
//! A staff member registers one or more keys while signed in: a FIDO2 IC card or USB key
//! with its PIN, or the terminal's fingerprint or face reader (Windows Hello and the
//! like). Each answers with user verification (the PIN or the biometric check happens
//! on the key; nothing of it reaches kikan). From then on the account signs in with its
//! password **and one of its keys**; the authenticator app's code is no longer taken for
//! it. Lost keys: 管理者's 「確認コードの再発行」 removes every key and issues a new app
//! secret (which 審査 approves again for roles that see personal data).
//!
//! Ceremonies in progress are held in the server's memory for [`PENDING_FOR`], like OIDC
//! sign-ins (docs/security.md "Not yet": in the database).

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ErrorBody};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kikan_domain::LocalGovCode;
use kikan_store::accounts::{StaffAccount, StaffKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use webauthn_rs::prelude::{
    Base64UrlSafeData, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

type R<T> = Result<T, ApiError>;

/// How long a registration or sign-in may take between its two requests.
pub const PENDING_FOR: Duration = Duration::from_secs(300);
/// How long the browser waits for the key (the PIN or the finger).
const TIMEOUT: Duration = Duration::from_secs(120);
/// Sign-ins in progress kept per account (a newer one does not void an older one at
/// once, so that nobody can cancel another's sign-in by starting theirs).
const PENDING_PER_ACCOUNT: usize = 4;
/// The most keys one staff member holds.
pub const MAX_KEYS: usize = 10;

enum Ceremony {
    Register {
        state: PasskeyRegistration,
        name: String,
    },
    SignIn(PasskeyAuthentication),
}

struct Pending {
    ceremony: Ceremony,
    started: Instant,
}

/// The relying party (this installation, at its origin) and the ceremonies in progress.
pub struct SecurityKeys {
    webauthn: Webauthn,
    rp_id: String,
    pending: Mutex<HashMap<(LocalGovCode, i64), Vec<Pending>>>,
}

impl SecurityKeys {
    /// The relying party for the address staff open kikan at (`KIKAN_WEBAUTHN_ORIGIN`,
    /// e.g. `https://kikan.example.lg.jp`; the browser refuses keys on an IP address).
    pub fn for_origin(origin: &str) -> Result<Self, String> {
        let url = Url::parse(origin).map_err(|e| format!("{origin}: {e}"))?;
        let rp_id = url
            .host_str()
            .ok_or_else(|| format!("{origin}: ホスト名がありません"))?
            .to_string();
        let webauthn = WebauthnBuilder::new(&rp_id, &url)
            .and_then(|b| b.rp_name("kikan 住民記録システム").timeout(TIMEOUT).build())
            .map_err(|e| format!("{origin}: {e}"))?;
        Ok(SecurityKeys {
            webauthn,
            rp_id,
            pending: Mutex::default(),
        })
    }

    fn hold(&self, tenant: LocalGovCode, staff: i64, ceremony: Ceremony) {
        if let Ok(mut map) = self.pending.lock() {
            map.retain(|_, list| {
                list.retain(|p| p.started.elapsed() < PENDING_FOR);
                !list.is_empty()
            });
            let list = map.entry((tenant, staff)).or_default();
            if matches!(ceremony, Ceremony::Register { .. }) {
                list.retain(|p| !matches!(p.ceremony, Ceremony::Register { .. }));
            }
            list.push(Pending {
                ceremony,
                started: Instant::now(),
            });
            if list.len() > PENDING_PER_ACCOUNT {
                list.remove(0);
            }
        }
    }

    /// Takes the ceremonies of an account out (they are used once).
    fn take(&self, tenant: LocalGovCode, staff: i64, register: bool) -> Vec<Ceremony> {
        let Ok(mut map) = self.pending.lock() else {
            return vec![];
        };
        let Some(list) = map.get_mut(&(tenant, staff)) else {
            return vec![];
        };
        let (taken, kept): (Vec<Pending>, Vec<Pending>) = std::mem::take(list)
            .into_iter()
            .partition(|p| matches!(p.ceremony, Ceremony::Register { .. }) == register);
        *list = kept;
        taken
            .into_iter()
            .filter(|p| p.started.elapsed() < PENDING_FOR)
            .map(|p| p.ceremony)
            .collect()
    }

    /// The options of a sign-in for `staff`, whose keys are `keys`: a challenge the
    /// browser hands to the key. For an account without keys (or none at all:
    /// `staff` is `None`) the answer looks the same, with a credential no key holds
    /// (`decoy_id`, the same for the same login name), so that the options do not tell
    /// whether a login name exists.
    pub fn sign_in_options(
        &self,
        tenant: LocalGovCode,
        staff: Option<&StaffAccount>,
        keys: &[StaffKey],
        decoy_id: Vec<u8>,
    ) -> R<serde_json::Value> {
        let passkeys: Vec<Passkey> = keys.iter().filter_map(passkey).collect();
        if let (Some(staff), false) = (staff, passkeys.is_empty()) {
            let (options, state) = self
                .webauthn
                .start_passkey_authentication(&passkeys)
                .map_err(key_error)?;
            self.hold(tenant, staff.id, Ceremony::SignIn(state));
            return serde_json::to_value(options).map_err(key_error);
        }
        // As the library writes them (webauthn-rs-proto's RequestChallengeResponse).
        let encode = |b: &[u8]| serde_json::to_value(Base64UrlSafeData::from(b.to_vec()));
        Ok(serde_json::json!({
            "publicKey": {
                "challenge": encode(&random_bytes(32)).map_err(key_error)?,
                "timeout": TIMEOUT.as_millis() as u64,
                "rpId": self.rp_id,
                "allowCredentials": [{"type": "public-key", "id": encode(&decoy_id).map_err(key_error)?}],
                "userVerification": "required",
            }
        }))
    }

    /// Checks a key's answer to one of the account's sign-ins in progress; the key
    /// that answered, its counter moved on, when it holds.
    pub fn verify_sign_in(
        &self,
        tenant: LocalGovCode,
        staff: &StaffAccount,
        keys: &[StaffKey],
        answer: &PublicKeyCredential,
    ) -> Option<StaffKey> {
        for ceremony in self.take(tenant, staff.id, false) {
            let Ceremony::SignIn(state) = ceremony else {
                continue;
            };
            let Ok(result) = self.webauthn.finish_passkey_authentication(answer, &state) else {
                continue;
            };
            for k in keys {
                let Some(mut found) = passkey(k) else {
                    continue;
                };
                if found.update_credential(&result).is_some() {
                    let data = serde_json::to_string(&found).ok()?;
                    return Some(StaffKey {
                        data,
                        last_used_at: Some(Utc::now()),
                        ..k.clone()
                    });
                }
            }
        }
        None
    }
}

/// A stored key's credential, as the library reads it.
fn passkey(k: &StaffKey) -> Option<Passkey> {
    serde_json::from_str(&k.data).ok()
}

fn random_bytes(n: usize) -> Vec<u8> {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    b
}

fn key_error(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "security key ceremony failed");
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "E-KEY-101",
        "セキュリティキー(ICカード・生体認証)の応答を確認できませんでした。もう一度お試しください",
    )
}

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "E-KEY-100",
        "このサーバーではセキュリティキー(ICカード・生体認証)が使えません(KIKAN_WEBAUTHN_ORIGIN が未設定)",
    )
}

/// The relying party of the state, or 409.
pub fn relying_party(state: &AppState) -> R<&SecurityKeys> {
    state.security_keys.as_deref().ok_or_else(unavailable)
}

/// The signed-in staff member behind a request (not an API token or a system).
async fn signed_in_staff(state: &AppState, p: &Principal) -> R<StaffAccount> {
    let id = p.staff_id.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-KEY-102",
            "セキュリティキーは職員本人がログインして登録します",
        )
    })?;
    state
        .store
        .staff_by_id(p.tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("職員"))
}

/// A registered key, as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// The credential id (base64url): names the key in `DELETE …/me/security-keys/{id}`.
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<&StaffKey> for KeyView {
    fn from(k: &StaffKey) -> Self {
        KeyView {
            id: k.credential_id.clone(),
            name: k.name.clone(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct KeyOptionsIn {
    /// What to call the key (「庁内ICカード」, 「指紋リーダー」 …).
    pub name: String,
}

/// What a ceremony begun hands to the browser: for a registration the options of
/// `navigator.credentials.create()`, for a sign-in those of `navigator.credentials.get()`
/// (WebAuthn's options under `publicKey`, binary fields base64url).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyOptions {
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/me/security-keys/options", tag = "accounts",
    request_body = KeyOptionsIn, params(("tenant" = String, Path)),
    responses((status = 200, description = "10.3: a registration begun for the signed-in staff member's new security key (IC card or biometrics); answer within 5 minutes", body = KeyOptions),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_options(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<KeyOptionsIn>,
) -> R<Json<KeyOptions>> {
    let rp = relying_party(&state)?;
    let staff = signed_in_staff(&state, &p).await?;
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-KEY-103",
            "キーの名前は1〜40文字(制御文字なし)で指定してください",
        ));
    }
    let keys = state.store.staff_keys(p.tenant, staff.id).await?;
    if keys.len() >= MAX_KEYS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-KEY-104",
            format!("セキュリティキーは1人{MAX_KEYS}個までです。使わないキーを削除してください"),
        ));
    }
    let exclude = keys
        .iter()
        .filter_map(passkey)
        .map(|k| k.cred_id().clone())
        .collect::<Vec<_>>();
    let user = user_handle(p.tenant, staff.id);
    let (options, reg) = rp
        .webauthn
        .start_passkey_registration(user, &staff.login, &staff.name, Some(exclude))
        .map_err(key_error)?;
    rp.hold(p.tenant, staff.id, Ceremony::Register { state: reg, name });
    let options = serde_json::to_value(options).map_err(key_error)?;
    Ok(Json(KeyOptions { options }))
}

/// The WebAuthn user handle of a staff member: stable, and no personal data.
fn user_handle(tenant: LocalGovCode, staff: i64) -> Uuid {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("kikan-staff:{tenant}:{staff}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(b)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct KeyIn {
    /// What `navigator.credentials.create()` answered (the `PublicKeyCredential` as JSON,
    /// binary fields base64url).
    #[schema(value_type = Object)]
    pub credential: RegisterPublicKeyCredential,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/me/security-keys", tag = "accounts",
    request_body = KeyIn, params(("tenant" = String, Path)),
    responses((status = 201, description = "10.3: the key registered; from the next sign-in the account needs its password and one of its keys (the authenticator app's code is no longer taken)", body = KeyView),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<KeyIn>,
) -> R<(StatusCode, Json<KeyView>)> {
    let rp = relying_party(&state)?;
    let staff = signed_in_staff(&state, &p).await?;
    let mut found = None;
    for ceremony in rp.take(p.tenant, staff.id, true) {
        if let Ceremony::Register { state: reg, name } = ceremony {
            found = Some(
                rp.webauthn
                    .finish_passkey_registration(&input.credential, &reg)
                    .map(|k| (k, name)),
            );
        }
    }
    let (passkey, name) = match found {
        Some(Ok(k)) => k,
        Some(Err(e)) => return Err(key_error(e)),
        None => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-KEY-105",
                "登録の手続きが見つからないか、5分を過ぎました。最初からやり直してください",
            ));
        }
    };
    let key = StaffKey {
        credential_id: {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(passkey.cred_id().as_slice())
        },
        staff_id: staff.id,
        name,
        data: serde_json::to_string(&passkey).map_err(key_error)?,
        created_at: Utc::now(),
        last_used_at: None,
    };
    state
        .store
        .put_staff_key(p.tenant, &key)
        .await
        .map_err(|e| match e {
            kikan_store::StoreError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "E-KEY-106",
                "このキーは他の職員が登録しています",
            ),
            other => other.into(),
        })?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "staff.key_added",
                vec![],
                format!("セキュリティキー「{}」を登録(二要素認証)", key.name),
            )],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(KeyView::from(&key))))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/me/security-keys", tag = "accounts",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The signed-in staff member's security keys (none for a system's token)", body = Vec<KeyView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<KeyView>>> {
    let Some(id) = p.staff_id else {
        return Ok(Json(vec![]));
    };
    let keys = state.store.staff_keys(p.tenant, id).await?;
    Ok(Json(keys.iter().map(KeyView::from).collect()))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/me/security-keys/{id}", tag = "accounts",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 204, description = "The key removed; with none left the account signs in with the authenticator app's code again"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<StatusCode> {
    let staff = signed_in_staff(&state, &p).await?;
    let id = path.1;
    let keys = state.store.staff_keys(p.tenant, staff.id).await?;
    let Some(key) = keys.iter().find(|k| k.credential_id == id) else {
        return Err(ApiError::not_found("セキュリティキー"));
    };
    state
        .store
        .remove_staff_keys(p.tenant, staff.id, Some(&id))
        .await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "staff.key_removed",
                vec![],
                format!("セキュリティキー「{}」を削除", key.name),
            )],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInOptionsIn {
    pub login: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/login/key-options", tag = "accounts",
    request_body = SignInOptionsIn, params(("tenant" = String, Path)),
    responses((status = 200, description = "10.3: a sign-in with a security key begun: hand `options` to the key, then send its answer with the password to POST …/login as `security_key` (within 5 minutes). Every login name gets options alike, registered or not", body = KeyOptions),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn sign_in_options(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Json(input): Json<SignInOptionsIn>,
) -> R<Json<KeyOptions>> {
    let tenant = crate::routes::tenant(&state, &code).await?;
    let rp = relying_party(&state)?;
    let login = input.login.trim();
    let staff = if login.is_empty() || login.chars().count() > 64 || login.contains('\0') {
        None
    } else {
        state.store.staff_by_login(tenant, login).await?
    };
    let keys = match &staff {
        Some(s) => state.store.staff_keys(tenant, s.id).await?,
        None => vec![],
    };
    let decoy = state
        .keys
        .blind_index(&tenant.to_string(), "staff_key.decoy", login);
    let decoy = (0..decoy.len() / 2)
        .filter_map(|i| u8::from_str_radix(decoy.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let options = rp.sign_in_options(tenant, staff.as_ref(), &keys, decoy)?;
    Ok(Json(KeyOptions { options }))
}
