//! 住民基本台帳の一部の写し（閲覧用） (9.5): the list made by the conditions staff set, as
//! CSV (UTF-8 with a byte order mark, for spreadsheet software) or PDF. The read states
//! its purpose and is audited with the conditions, the count and the seed of a random
//! order; persons protected by a 支援措置 are never listed.

use crate::AppState;
use crate::auth::Principal;
use crate::certificates::{blocking, font, pdf_named, registered};
use crate::dto::date_in;
use crate::error::ApiError;
use crate::routes::audit;
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::Response;
use kikan_app::inspection::{self, InspectionQuery, Order};
use kikan_domain::certificate::{CertificateKind, Item};
use kikan_domain::wareki::format_wareki;
use kikan_domain::{DomainError, Sex};
use serde::Deserialize;
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct InspectionIn {
    /// 基準日 (和暦 or 西暦); today when left out.
    pub as_of: Option<String>,
    /// The address starts with this (町字: 「神奈川県横浜市中区本町一丁目」).
    pub place_prefix: Option<String>,
    /// 男 or 女.
    pub sex: Option<String>,
    /// 生年月日 from and to (inclusive).
    pub born_from: Option<String>,
    pub born_to: Option<String>,
    /// address (住所順, the default) or random (ランダム順位).
    pub order: Option<String>,
    /// The seed of a random order, to draw the same list again; a new one when left out.
    pub seed: Option<u64>,
    /// csv (the default) or pdf; for a 無作為抽出 also labels (宛名シール).
    pub format: Option<String>,
    /// 無作為抽出 (9.6): 日本人 or 外国人 only.
    pub nationality: Option<String>,
    /// 無作為抽出 (9.6): how many to draw (抽出人数, 1–100000).
    pub count: Option<usize>,
}

/// The conditions of a list (the order as `order` says), and the lines that say them.
fn conditions(
    input: &InspectionIn,
    today: chrono::NaiveDate,
    order: Order,
) -> R<(InspectionQuery, Vec<String>)> {
    let on = date("as_of", &input.as_of)?.unwrap_or(today);
    let sex = match input.sex.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(Sex::parse(s).map_err(|e| ApiError::from(e).at("sex"))?),
    };
    let foreign = match input.nationality.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("日本人" | "japanese") => Some(false),
        Some("外国人" | "foreign") => Some(true),
        Some(other) => {
            return Err(ApiError::from(DomainError::UnknownCode {
                kind: "日本人・外国人の別",
                value: other.to_string(),
            })
            .at("nationality"));
        }
    };
    let q = InspectionQuery {
        on,
        place_prefix: input
            .place_prefix
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        sex,
        born_from: date("born_from", &input.born_from)?,
        born_to: date("born_to", &input.born_to)?,
        order,
        foreign,
        count: None,
    };
    let mut about = vec![format!("基準日 {}", format_wareki(on)?)];
    if let Some(prefix) = &q.place_prefix {
        about.push(format!("住所 {prefix}"));
    }
    if let Some(s) = q.sex {
        about.push(format!("性別 {}", s.label()));
    }
    if let Some(f) = q.foreign {
        about.push(
            if f {
                "外国人住民"
            } else {
                "日本人住民"
            }
            .to_string(),
        );
    }
    if q.born_from.is_some() || q.born_to.is_some() {
        about.push(format!(
            "生年月日 {}〜{}",
            q.born_from
                .map(format_wareki)
                .transpose()?
                .unwrap_or_default(),
            q.born_to
                .map(format_wareki)
                .transpose()?
                .unwrap_or_default()
        ));
    }
    about.push(match order {
        Order::Address => "住所順".to_string(),
        Order::Random(seed) => format!("ランダム順位(シード {seed})"),
    });
    Ok((q, about))
}

/// The seed given, or a new one short enough to read out and type again (and exact in
/// JavaScript).
fn seed_of(input: &InspectionIn) -> u64 {
    input
        .seed
        .unwrap_or_else(|| rand::random::<u64>() % 10_000_000_000)
}

fn date(field: &'static str, s: &Option<String>) -> R<Option<chrono::NaiveDate>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => date_in(t, field).map(Some),
    }
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/inspection-list", tag = "residents",
    request_body = InspectionIn, params(("tenant" = String, Path)),
    responses((status = 200, description = "住民基本台帳の一部の写し（閲覧用） (9.5): 氏名, 生年月日, 性別 and 住所 of the residents on the register on the date who meet the conditions, never one a 支援措置 protects; in address order or a random one (its seed in X-Kikan-Seed); CSV (UTF-8 with BOM) or PDF; the count in X-Kikan-Rows", content_type = "text/csv"),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn inspection_list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<InspectionIn>,
) -> R<Response> {
    p.purpose()?;
    let today = state.clock.today();
    let order = match input.order.as_deref().map(str::trim) {
        None | Some("" | "address" | "住所順") => Order::Address,
        Some("random" | "ランダム") => Order::Random(seed_of(&input)),
        Some(other) => {
            return Err(ApiError::from(DomainError::UnknownCode {
                kind: "並び順",
                value: other.to_string(),
            })
            .at("order"));
        }
    };
    let pdf = match input.format.as_deref().map(str::trim) {
        None | Some("" | "csv") => false,
        Some("pdf") => true,
        Some(other) => {
            return Err(ApiError::from(DomainError::UnknownCode {
                kind: "出力形式",
                value: other.to_string(),
            })
            .at("format"));
        }
    };
    let (q, about) = conditions(&input, today, order)?;
    let list = inspection::inspection_list(&*state.store, p.tenant, &q, today).await?;
    let rows = list.rows.len();
    let count = format!("{rows}件(支援措置の対象者 {}件を除く)", list.withheld);
    // Recorded in the issuance register (1.3.8) under its own 交付番号.
    let doc = kikan_cert::issue::Document {
        kind: CertificateKind::InspectionCopy,
        persons: vec![],
        items: vec![Item::Name, Item::BirthDate, Item::Sex, Item::Address],
        about: vec![
            ("抽出条件".into(), about.join("・")),
            ("件数".into(), count.clone()),
            ("出力形式".into(), if pdf { "PDF" } else { "CSV" }.into()),
        ],
        purpose: p.purpose()?.to_string(),
        place: None,
        issued_on: today,
        municipality: kikan_app::letters::sender(&*state.store, p.tenant)
            .await?
            .municipality,
    };
    let (serial, mut res) = if pdf {
        let font = font(&state).await?;
        let mut drawn = kikan_cert::List {
            title: "住民基本台帳の一部の写し（閲覧用）".into(),
            about: vec![about.join("　")],
            headings: ["氏名", "生年月日", "性別", "住所"]
                .map(String::from)
                .to_vec(),
            widths: vec![0.22, 0.18, 0.08, 0.52],
            rows: list
                .rows
                .into_iter()
                .map(|r| vec![r.name, r.birth_date, r.sex, r.address])
                .collect(),
        };
        // Every glyph checked before a 交付番号 is taken.
        font.check_all(
            drawn
                .rows
                .iter()
                .flatten()
                .chain(&drawn.about)
                .map(String::as_str),
        )
        .map_err(crate::certificates::cert_error)?;
        let (serial, pdf, pages) = registered(&state, &p, doc, move |serial| {
            drawn.about.push(format!("交付番号 第{serial:06}号"));
            let r = kikan_cert::render_list(&font, &drawn)?;
            Ok((r.pdf, r.pages))
        })
        .await?;
        (
            serial,
            pdf_named(kikan_cert::Rendered { pdf, pages }, "inspection-list.pdf")?,
        )
    } else {
        let csv = inspection::csv(&list);
        let (serial, bytes, _) =
            registered(&state, &p, doc, move |_| Ok((csv.into_bytes(), 0))).await?;
        (
            serial,
            crate::routes::file_response(bytes, "text/csv; charset=utf-8", "inspection-list.csv"),
        )
    };
    audit(
        &state,
        &p,
        "inspection.list",
        vec![],
        format!(
            "住民基本台帳の一部の写し(閲覧用)の作成: {} {count} {}(交付番号 {serial})",
            about.join("・"),
            if pdf { "PDF" } else { "CSV" }
        ),
    )
    .await?;
    res.headers_mut()
        .insert("x-kikan-rows", HeaderValue::from(rows));
    res.headers_mut()
        .insert("x-kikan-certificate-serial", HeaderValue::from(serial));
    if let Order::Random(seed) = order {
        res.headers_mut()
            .insert("x-kikan-seed", HeaderValue::from(seed));
    }
    Ok(res)
}

/// The most a 無作為抽出 draws at once.
const MAX_DRAW: usize = 100_000;

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/random-extract", tag = "residents",
    request_body = InspectionIn, params(("tenant" = String, Path)),
    responses((status = 200, description = "無作為抽出 (9.6): `count` residents drawn at random from those on the register on the date who meet the conditions (町字, 性別, 生年月日, 日本人・外国人の別), from a recorded seed (X-Kikan-Seed: the same seed draws the same residents); never one a 支援措置 protects; CSV (UTF-8 with BOM: 氏名, 生年月日, 性別, 郵便番号, 住所), the list as PDF, or 宛名シール (format=labels, A4 12面); the count in X-Kikan-Rows", content_type = "text/csv"),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn random_extract(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<InspectionIn>,
) -> R<Response> {
    p.purpose()?;
    let today = state.clock.today();
    let count = match input.count {
        Some(n) if (1..=MAX_DRAW).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::from(DomainError::Invalid {
                field: "抽出人数",
                reason: format!("1から{MAX_DRAW}までの人数を指定してください"),
            })
            .at("count"));
        }
        None => {
            return Err(ApiError::from(DomainError::Missing {
                field: "抽出人数"
            })
            .at("count"));
        }
    };
    #[derive(PartialEq)]
    enum Out {
        Csv,
        Pdf,
        Labels,
    }
    let format = match input.format.as_deref().map(str::trim) {
        None | Some("" | "csv") => Out::Csv,
        Some("pdf") => Out::Pdf,
        Some("labels") => Out::Labels,
        Some(other) => {
            return Err(ApiError::from(DomainError::UnknownCode {
                kind: "出力形式",
                value: other.to_string(),
            })
            .at("format"));
        }
    };
    let seed = seed_of(&input);
    let (mut q, mut about) = conditions(&input, today, Order::Random(seed))?;
    q.count = Some(count);
    about.push(format!("抽出人数 {count}"));
    let list = inspection::inspection_list(&*state.store, p.tenant, &q, today).await?;
    audit(
        &state,
        &p,
        "extract.random",
        vec![],
        format!(
            "無作為抽出: {} {}件(支援措置の対象者 {}件を除く) {}",
            about.join("・"),
            list.rows.len(),
            list.withheld,
            match format {
                Out::Csv => "CSV",
                Out::Pdf => "PDF",
                Out::Labels => "宛名シール",
            }
        ),
    )
    .await?;
    let rows = list.rows.len();
    let mut res = match format {
        Out::Labels => {
            let font = font(&state).await?;
            let labels: Vec<kikan_cert::Label> = list
                .rows
                .into_iter()
                .map(|r| kikan_cert::Label {
                    postal_code: r.postal_code,
                    address: r.address,
                    name: r.name,
                })
                .collect();
            let rendered = blocking(move || Ok(kikan_cert::render_labels(&font, &labels)?)).await?;
            pdf_named(rendered, "labels.pdf")?
        }
        Out::Pdf => {
            let font = font(&state).await?;
            let drawn = kikan_cert::List {
                title: "無作為抽出".into(),
                about: vec![about.join("　")],
                headings: ["氏名", "生年月日", "性別", "郵便番号", "住所"]
                    .map(String::from)
                    .to_vec(),
                widths: vec![0.2, 0.16, 0.07, 0.1, 0.47],
                rows: list
                    .rows
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.name,
                            r.birth_date,
                            r.sex,
                            r.postal_code.unwrap_or_default(),
                            r.address,
                        ]
                    })
                    .collect(),
            };
            let rendered = blocking(move || Ok(kikan_cert::render_list(&font, &drawn)?)).await?;
            pdf_named(rendered, "random-extract.pdf")?
        }
        Out::Csv => crate::routes::csv_response(inspection::draw_csv(&list), "random-extract.csv"),
    };
    res.headers_mut()
        .insert("x-kikan-rows", HeaderValue::from(rows));
    res.headers_mut()
        .insert("x-kikan-seed", HeaderValue::from(seed));
    Ok(res)
}
