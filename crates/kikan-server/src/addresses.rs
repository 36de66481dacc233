//! 住所辞書 (1.3.2–1.3.4) and 方書入力補助 (4.0.7): the look-ups of address entry, for
//! every signed-in member of staff, and the master's imports and edits, for those who
//! keep it ([`Permission::ManageAddresses`](kikan_security::Permission)).

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::{Query, State};
use base64::Engine;
use chrono::NaiveDate;
use kikan_app::{address_change, addresses};
use kikan_domain::address::{AddressCode, AddressNumber, Katagaki, NumberKind, PostalEntry, Town};
use kikan_domain::{DomainError, PostalCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

/// A 町字 of the dictionary.
#[derive(Debug, Serialize, ToSchema)]
pub struct TownView {
    /// 住所コード (11 digits).
    pub code: String,
    /// As written, up to the 町字 (東京都日野市神明一丁目).
    pub text: String,
    /// The reading of the whole.
    pub kana: String,
    pub pref: String,
    pub pref_kana: String,
    pub county: String,
    pub county_kana: String,
    pub city: String,
    pub city_kana: String,
    pub ward: String,
    pub ward_kana: String,
    pub oaza: String,
    pub oaza_kana: String,
    pub chome: String,
    pub chome_kana: String,
    pub koaza: String,
    pub koaza_kana: String,
    /// 住居表示実施済み.
    pub residential: bool,
    pub postal_code: Option<String>,
    pub effective_on: Option<NaiveDate>,
    pub abolished_on: Option<NaiveDate>,
    /// アドレス・ベース・レジストリ's 全国地方公共団体コード + 町字ID.
    pub registry_id: Option<String>,
    /// Changed by staff (an import keeps it).
    pub edited: bool,
}

fn town_view(t: &Town) -> TownView {
    TownView {
        code: t.code.to_string(),
        text: t.text(),
        kana: t.level_kana().concat(),
        pref: t.pref.clone(),
        pref_kana: t.pref_kana.clone(),
        county: t.county.clone(),
        county_kana: t.county_kana.clone(),
        city: t.city.clone(),
        city_kana: t.city_kana.clone(),
        ward: t.ward.clone(),
        ward_kana: t.ward_kana.clone(),
        oaza: t.oaza.clone(),
        oaza_kana: t.oaza_kana.clone(),
        chome: t.chome.clone(),
        chome_kana: t.chome_kana.clone(),
        koaza: t.koaza.clone(),
        koaza_kana: t.koaza_kana.clone(),
        residential: t.residential,
        postal_code: t.postal_code.as_ref().map(|p| p.as_str().to_string()),
        effective_on: t.effective_on,
        abolished_on: t.abolished_on,
        registry_id: t.registry_id.clone(),
        edited: t.edited,
    }
}

/// A line of the postal code file: an address a 郵便番号 names outside the dictionary.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostalView {
    pub postal_code: String,
    /// 全国地方公共団体コード (5 digits).
    pub city_code: String,
    /// As written (大阪府大阪市北区梅田).
    pub text: String,
    pub town: String,
    pub kana: String,
}

fn postal_view(e: &PostalEntry) -> PostalView {
    PostalView {
        postal_code: e.postal_code.as_str().into(),
        city_code: e.city_code.clone(),
        text: e.text(),
        town: e.town.clone(),
        kana: format!("{}{}{}", e.pref_kana, e.city_kana, e.town_kana),
    }
}

/// What a look-up found.
#[derive(Debug, Serialize, ToSchema)]
pub struct TownsFound {
    pub towns: Vec<TownView>,
    /// For a 郵便番号: the postal code file's lines (addresses outside the dictionary).
    pub postal: Vec<PostalView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TownQuery {
    /// 住所カナ入力: the first kana of each level, blank-separated (「ト ヒ シ」).
    pub kana: Option<String>,
    /// 郵便番号 (191-0016).
    pub postal_code: Option<String>,
    /// A 住所コード, or a prefix of one (2, 5 or 8 digits: the 町字 below it).
    pub code: Option<String>,
    /// Abolished 町字 too (for a 本籍 or an old address).
    pub abolished: Option<bool>,
}

fn bad(field: &'static str, reason: &str) -> ApiError {
    ApiError::invalid(field, reason, field)
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/address-dictionary/towns", tag = "addresses",
    params(("tenant" = String, Path), TownQuery),
    responses((status = 200, description = "The 町字 found (at most 100)", body = TownsFound), (status = 422, body = ErrorBody)))]
pub async fn towns(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TownQuery>,
) -> R<Json<TownsFound>> {
    let abolished = q.abolished.unwrap_or(false);
    let keep = |t: &Town| abolished || t.abolished_on.is_none();
    let store = &*state.store;
    let found = if let Some(kana) = q.kana.as_deref().filter(|s| !s.trim().is_empty()) {
        let towns = addresses::by_kana(store, p.tenant, kana, abolished, 100)
            .await
            .map_err(|e| ApiError::from(e).at("kana"))?;
        TownsFound {
            towns: towns.iter().map(town_view).collect(),
            postal: vec![],
        }
    } else if let Some(pc) = q.postal_code.as_deref().filter(|s| !s.trim().is_empty()) {
        let pc = PostalCode::parse(pc).map_err(|e| ApiError::from(e).at("postal_code"))?;
        let (towns, postal) = addresses::by_postal_code(store, p.tenant, &pc).await?;
        TownsFound {
            towns: towns.iter().filter(|t| keep(t)).map(town_view).collect(),
            postal: postal.iter().map(postal_view).collect(),
        }
    } else if let Some(code) = q.code.as_deref().map(str::trim) {
        if !code.bytes().all(|b| b.is_ascii_digit()) || code.len() > 11 {
            return Err(
                ApiError::from(DomainError::InvalidAddressCode { code: code.into() }).at("code"),
            );
        }
        let towns = store.towns_in(p.tenant, code, 100).await?;
        TownsFound {
            towns: towns.iter().filter(|t| keep(t)).map(town_view).collect(),
            postal: vec![],
        }
    } else {
        return Err(bad(
            "kana",
            "カナ・郵便番号・住所コードのいずれかを指定してください",
        ));
    };
    Ok(Json(found))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LevelQuery {
    /// The level above: "" for the 都道府県, a 都道府県 (2 digits) for its 市区町村, a
    /// 市区町村 (5) for its 大字, a 大字 (8) for its 小字・丁目.
    pub parent: Option<String>,
    /// Abolished 町字 too.
    pub abolished: Option<bool>,
}

/// One choice of a level.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    /// The code prefix (2, 5, 8 or 11 digits).
    pub code: String,
    pub name: String,
    pub kana: String,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/address-dictionary/levels", tag = "addresses",
    params(("tenant" = String, Path), LevelQuery),
    responses((status = 200, description = "The choices one level below `parent`, by code (都道府県 → 市区町村 → 大字 → 小字)", body = Vec<LevelView>), (status = 422, body = ErrorBody)))]
pub async fn levels(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<LevelQuery>,
) -> R<Json<Vec<LevelView>>> {
    let parent = q.parent.as_deref().unwrap_or("").trim();
    if kikan_domain::address::child_length(parent).is_none() {
        return Err(bad(
            "parent",
            "上位の住所コード(0・2・5・8桁)を指定してください",
        ));
    }
    let items = state
        .store
        .address_level(p.tenant, parent, q.abolished.unwrap_or(false))
        .await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| LevelView {
                code: i.code,
                name: i.name,
                kana: i.kana,
            })
            .collect(),
    ))
}

/// A staff edit of a 町字 (or a new one).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TownIn {
    pub code: String,
    pub pref: String,
    pub pref_kana: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub county_kana: String,
    pub city: String,
    pub city_kana: String,
    #[serde(default)]
    pub ward: String,
    #[serde(default)]
    pub ward_kana: String,
    #[serde(default)]
    pub oaza: String,
    #[serde(default)]
    pub oaza_kana: String,
    #[serde(default)]
    pub chome: String,
    #[serde(default)]
    pub chome_kana: String,
    #[serde(default)]
    pub koaza: String,
    #[serde(default)]
    pub koaza_kana: String,
    #[serde(default)]
    pub residential: bool,
    pub postal_code: Option<String>,
    pub effective_on: Option<String>,
    pub abolished_on: Option<String>,
}

fn date(s: &Option<String>, field: &'static str) -> R<Option<NaiveDate>> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::from(DomainError::InvalidDate(s.into())).at(field)),
    }
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/address-dictionary/towns", tag = "addresses", request_body = TownIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Kept (marked as edited by staff)", body = TownView), (status = 422, body = ErrorBody)))]
pub async fn put_town(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<TownIn>,
) -> R<Json<TownView>> {
    let town = Town {
        code: AddressCode::parse(&i.code).map_err(|e| ApiError::from(e).at("code"))?,
        registry_id: None,
        pref: i.pref.trim().into(),
        pref_kana: kikan_domain::names::kana_key(&i.pref_kana),
        county: i.county.trim().into(),
        county_kana: kikan_domain::names::kana_key(&i.county_kana),
        city: i.city.trim().into(),
        city_kana: kikan_domain::names::kana_key(&i.city_kana),
        ward: i.ward.trim().into(),
        ward_kana: kikan_domain::names::kana_key(&i.ward_kana),
        oaza: i.oaza.trim().into(),
        oaza_kana: kikan_domain::names::kana_key(&i.oaza_kana),
        chome: i.chome.trim().into(),
        chome_kana: kikan_domain::names::kana_key(&i.chome_kana),
        koaza: i.koaza.trim().into(),
        koaza_kana: kikan_domain::names::kana_key(&i.koaza_kana),
        residential: i.residential,
        postal_code: match i
            .postal_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Some(PostalCode::parse(s).map_err(|e| ApiError::from(e).at("postal_code"))?),
            None => None,
        },
        effective_on: date(&i.effective_on, "effective_on")?,
        abolished_on: date(&i.abolished_on, "abolished_on")?,
        edited: true,
    };
    let town = addresses::put_town(&*state.store, p.tenant, town).await?;
    audit(
        &state,
        &p,
        "address.town",
        vec![],
        format!("住所辞書の修正: {} {}", town.code, town.text()),
    )
    .await?;
    Ok(Json(town_view(&town)))
}

/// A file for the dictionary: UTF-8 text in `csv`, or the bytes in `base64` (KEN_ALL.CSV
/// is Shift_JIS). The API takes files up to 1 MiB; `kikan address import` takes any.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressFileIn {
    /// towns (町字マスター), residence (住居表示-住居マスター), parcel (地番マスター),
    /// postal (KEN_ALL.CSV) or countries (国名).
    pub kind: String,
    pub csv: Option<String>,
    pub base64: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/address-dictionary/import", tag = "addresses", request_body = AddressFileIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Imported, all of it", body = addresses::ImportReport), (status = 422, description = "A line that cannot be taken, named (E-ADDR-010): nothing imported", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<AddressFileIn>,
) -> R<Json<addresses::ImportReport>> {
    let bytes = match (&i.csv, &i.base64) {
        (Some(t), _) => t.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|_| bad("base64", "base64 として読めません"))?,
        (None, None) => return Err(bad("csv", "ファイルの内容がありません")),
    };
    let report = run_import(&state, p.tenant, &i.kind, &bytes).await?;
    audit(
        &state,
        &p,
        "address.import",
        vec![],
        format!("住所辞書の取込み({}): {}行", i.kind, report.lines),
    )
    .await?;
    Ok(Json(report))
}

async fn run_import(
    state: &AppState,
    tenant: kikan_domain::LocalGovCode,
    kind: &str,
    bytes: &[u8],
) -> R<addresses::ImportReport> {
    let store = &*state.store;
    let r = match kind {
        "towns" => addresses::import_towns(store, tenant, bytes).await,
        "postal" => addresses::import_postal_codes(store, tenant, bytes).await,
        "countries" => addresses::import_countries(store, tenant, bytes).await,
        k => match NumberKind::parse(k) {
            Some(kind) => addresses::import_numbers(store, tenant, kind, bytes).await,
            None => {
                return Err(bad(
                    "kind",
                    "towns・residence・parcel・postal のいずれかを指定してください",
                ));
            }
        },
    };
    r.map_err(|e| ApiError::from(e).at("csv"))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NumbersQuery {
    /// The 町字's 住所コード.
    pub town: String,
}

/// A 住居表示 or 地番 of a 町字.
#[derive(Debug, Serialize, ToSchema)]
pub struct NumberView {
    /// residence (住居表示) or parcel (地番).
    pub kind: String,
    pub text: String,
    /// 番地・枝番 as numbers (the sort order).
    pub numbers: [u32; 3],
    pub abolished_on: Option<NaiveDate>,
}

fn number_view(n: &AddressNumber) -> NumberView {
    NumberView {
        kind: n.kind.code().into(),
        text: n.text.clone(),
        numbers: n.numbers.0,
        abolished_on: n.abolished_on,
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/address-dictionary/numbers", tag = "addresses",
    params(("tenant" = String, Path), NumbersQuery),
    responses((status = 200, description = "The 町字's 住居表示 and 地番, in numeric order", body = Vec<NumberView>), (status = 422, body = ErrorBody)))]
pub async fn numbers(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<NumbersQuery>,
) -> R<Json<Vec<NumberView>>> {
    let code = AddressCode::parse(&q.town).map_err(|e| ApiError::from(e).at("town"))?;
    let nums = state.store.address_numbers(p.tenant, &code).await?;
    Ok(Json(nums.iter().map(number_view).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct KatagakiQuery {
    /// The 町字's 住所コード.
    pub town: String,
    /// The 番地 as entered (「1番2号」): the candidates there. Without it, every 方書 of
    /// the 町字 (out of use ones too), for keeping the master.
    pub banchi: Option<String>,
}

/// A 方書 of the master.
#[derive(Debug, Serialize, ToSchema)]
pub struct KatagakiView {
    pub id: i64,
    pub town: String,
    pub banchi: String,
    pub name: String,
    pub kana: String,
    pub active: bool,
}

fn katagaki_view(k: &Katagaki) -> KatagakiView {
    KatagakiView {
        id: k.id,
        town: k.town.to_string(),
        banchi: k.banchi.clone(),
        name: k.name.clone(),
        kana: k.kana.clone(),
        active: k.active,
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/address-dictionary/katagaki", tag = "addresses",
    params(("tenant" = String, Path), KatagakiQuery),
    responses((status = 200, description = "方書入力補助 (4.0.7): the 方書 in use at the 番地; without one, the 町字's master", body = Vec<KatagakiView>), (status = 422, body = ErrorBody)))]
pub async fn katagaki(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<KatagakiQuery>,
) -> R<Json<Vec<KatagakiView>>> {
    let town = AddressCode::parse(&q.town).map_err(|e| ApiError::from(e).at("town"))?;
    let list = match q.banchi.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(b) => addresses::katagaki_candidates(&*state.store, p.tenant, &town, b).await?,
        None => state.store.katagaki(p.tenant, &town, None).await?,
    };
    Ok(Json(list.iter().map(katagaki_view).collect()))
}

/// A 方書 to register (no id) or change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct KatagakiIn {
    pub id: Option<i64>,
    /// The 町字's 住所コード.
    pub town: String,
    pub banchi: String,
    pub name: String,
    #[serde(default)]
    pub kana: String,
    /// false takes it out of use; true when absent.
    pub active: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/address-dictionary/katagaki", tag = "addresses", request_body = KatagakiIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered or changed", body = KatagakiView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_katagaki(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<KatagakiIn>,
) -> R<Json<KatagakiView>> {
    let k = Katagaki {
        id: i.id.unwrap_or(0),
        town: AddressCode::parse(&i.town).map_err(|e| ApiError::from(e).at("town"))?,
        banchi: i.banchi.trim().into(),
        numbers: None,
        name: i.name.trim().into(),
        kana: kikan_domain::names::kana_key(&i.kana),
        active: i.active.unwrap_or(true),
    };
    let k = addresses::put_katagaki(&*state.store, p.tenant, k).await?;
    audit(
        &state,
        &p,
        "address.katagaki",
        vec![],
        format!("方書の登録: {} {} {}", k.town, k.banchi, k.name),
    )
    .await?;
    Ok(Json(katagaki_view(&k)))
}

/// 住所一括変更 (9.7): a file of 世帯番号 (現住所) or 宛名番号 (本籍) with the values before
/// and after.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressChangeIn {
    /// address (現住所, by 世帯番号) or honseki (本籍, by 宛名番号).
    pub kind: address_change::BatchKind,
    /// 住居表示の実施, 町名変更, 地番変更 or 区画整理.
    pub reason: String,
    /// 実施日 (和暦 or 西暦), the 異動日 of every entry.
    pub effective_on: String,
    /// The CSV (UTF-8, header row): see docs/formats.md.
    pub csv: String,
    /// 本処理 (true) or 仮処理 (false: nothing is written).
    #[serde(default)]
    pub apply: bool,
}

async fn batch(
    state: &AppState,
    p: &Principal,
    i: &AddressChangeIn,
    apply: bool,
) -> R<address_change::BatchResult> {
    p.purpose()?;
    let on = kikan_domain::wareki::parse_date(&i.effective_on)
        .map_err(|e| ApiError::from(e).at("effective_on"))?;
    let r = address_change::run(
        &*state.store,
        &p.actor(),
        i.kind,
        i.reason.trim(),
        &i.csv,
        on,
        state.clock.today(),
        chrono::Utc::now(),
        apply,
    )
    .await
    .map_err(|e| match &e {
        kikan_store::StoreError::Domain(DomainError::AddressImportLine { .. }) => {
            ApiError::from(e).at("csv")
        }
        _ => ApiError::from(e),
    })?;
    Ok(r)
}

fn batch_persons(r: &address_change::BatchResult) -> Vec<i64> {
    r.items
        .iter()
        .flat_map(|i| i.person_ids.iter().copied())
        .collect()
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/address-changes", tag = "changes", request_body = AddressChangeIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "処理結果確認一覧: each line's household or person, 対象・変更済み・除外 and why", body = address_change::BatchResult),
        (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 422, description = "A line that cannot be read, named (E-ADDR-010): nothing done", body = ErrorBody)))]
pub async fn address_change(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<AddressChangeIn>,
) -> R<Json<address_change::BatchResult>> {
    let r = batch(&state, &p, &i, i.apply).await?;
    audit(
        &state,
        &p,
        if i.apply {
            "address.batch.apply"
        } else {
            "address.batch.preview"
        },
        batch_persons(&r),
        format!(
            "住所一括変更({}・{})の{}: {}行、変更{}件、除外{}件",
            i.reason.trim(),
            r.effective_on,
            if i.apply { "本処理" } else { "仮処理" },
            r.items.len(),
            r.changed,
            r.excluded
        ),
    )
    .await?;
    Ok(Json(r))
}

/// The notices of a batch, before or after it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressChangeNoticesIn {
    #[serde(flatten)]
    pub batch: AddressChangeIn,
    /// before (事前のお知らせ) or after (事後の通知).
    pub when: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/address-changes/notices", tag = "changes", request_body = AddressChangeNoticesIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "One letter per household not left out, as one PDF", content_type = "application/pdf"),
        (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn address_change_notices(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<AddressChangeNoticesIn>,
) -> R<axum::response::Response> {
    let before = match i.when.as_str() {
        "before" => true,
        "after" => false,
        _ => return Err(bad("when", "before(事前)か after(事後)を指定してください")),
    };
    let r = batch(&state, &p, &i.batch, false).await?;
    let letters =
        address_change::notices(&*state.store, p.tenant, &r, before, state.clock.today()).await?;
    if letters.is_empty() {
        return Err(bad("csv", "通知の対象になる世帯がありません"));
    }
    audit(
        &state,
        &p,
        "letter.address_change",
        batch_persons(&r),
        format!(
            "住所一括変更の{}通知の作成: {}通",
            if before { "事前" } else { "事後" },
            letters.len()
        ),
    )
    .await?;
    let font = crate::certificates::font(&state).await?;
    let rendered =
        crate::certificates::blocking(move || Ok(kikan_cert::render_letters(&font, &letters)?))
            .await?;
    crate::certificates::pdf_named(rendered, "address-change-notices.pdf")
}

/// A country of the list (国名).
#[derive(Debug, Serialize, ToSchema)]
pub struct CountryView {
    /// ISO 3166-1 numeric.
    pub code: String,
    pub alpha2: String,
    pub name: String,
    pub kana: String,
    pub abolished_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CountryQuery {
    /// Abolished ones too.
    pub abolished: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/address-dictionary/countries", tag = "addresses",
    params(("tenant" = String, Path), CountryQuery),
    responses((status = 200, description = "国名: the country list, for 国籍・地域 and addresses abroad", body = Vec<CountryView>)))]
pub async fn countries(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<CountryQuery>,
) -> R<Json<Vec<CountryView>>> {
    let all = q.abolished.unwrap_or(false);
    let list = state.store.countries(p.tenant).await?;
    Ok(Json(
        list.into_iter()
            .filter(|c| all || c.abolished_on.is_none())
            .map(|c| CountryView {
                code: c.code,
                alpha2: c.alpha2,
                name: c.name,
                kana: c.kana,
                abolished_on: c.abolished_on,
            })
            .collect(),
    ))
}
