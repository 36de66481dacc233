//! バッチ処理 (9.1, j1280): the jobs kikan runs by hand or by schedule, each run recorded
//! with its parameters, outcome, time, where it ran and, when it failed, the error's
//! code; a failed run raises an alert through the installation's notification command.
//!
//! Jobs: `daily` (日次処理: 転出予定日到来 and the staff accounts' prepared changes),
//! `statistics` (統計, 6.1: the 年報's figures as the file to hand in), `euc` (a saved
//! EUC extraction, 10.1) and `inspection` (the 閲覧用 list of 9.5, by address). A run starts from the previous run's parameters
//! ([`last_params`]); the ones changed since are recorded with it ([`changed`]).
//! Output files go to the municipality's batch directory (0700), one file per run
//! (0600); nothing in a run is applied twice (the daily work removes a person once; a
//! scheduled slot is claimed before it runs).

use crate::Actor;
use crate::euc::{self, Limits, Wizard};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kikan_domain::{DomainError, LocalGovCode};
use kikan_security::Item;
use kikan_store::jobs::JobRun;
use kikan_store::{Store, StoreError};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A job kikan can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Daily,
    Statistics,
    Euc,
    Inspection,
    /// 整合性確認 (7.1.1.2): the register against the CS's 本人確認情報.
    Reconcile,
    /// 無作為抽出 (9.6) from a recorded seed.
    RandomExtract,
    /// 抑止対象者一覧 (9.2).
    Suppressed,
    /// 除票用データベースへの移行 (9.3): the 除票 five years after their removal.
    ArchiveRemoved,
}

impl Job {
    pub const ALL: [Job; 8] = [
        Job::Daily,
        Job::Statistics,
        Job::Euc,
        Job::Inspection,
        Job::Reconcile,
        Job::RandomExtract,
        Job::Suppressed,
        Job::ArchiveRemoved,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Job::Daily => crate::daily::JOB,
            Job::Statistics => "statistics",
            Job::Euc => "euc",
            Job::Inspection => "inspection",
            Job::Reconcile => "cs_reconcile",
            Job::RandomExtract => "random_extract",
            Job::Suppressed => "suppressed",
            Job::ArchiveRemoved => "archive_removed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Job::Daily => "日次処理(転出予定日到来による消除 等)",
            Job::Statistics => "統計(住民基本台帳関係年報の集計表)",
            Job::Euc => "EUC抽出(保存した抽出条件)",
            Job::Inspection => "閲覧用リスト(住民基本台帳の一部の写し、9.5)",
            Job::Reconcile => "住基ネット整合性確認(CSの本人確認情報との突合、7.1.1.2)",
            Job::RandomExtract => "無作為抽出(記録したシードによる抽出、9.6)",
            Job::Suppressed => "抑止対象者一覧(9.2)",
            Job::ArchiveRemoved => {
                "除票用データベースへの移行(消除から5年を経過した除票、9.3。年1回以上、繁忙期を避けて)"
            }
        }
    }
    pub fn parse(s: &str) -> Result<Job, DomainError> {
        Job::ALL
            .into_iter()
            .find(|j| j.code() == s.trim())
            .ok_or_else(|| DomainError::UnknownCode {
                kind: "バッチ処理",
                value: s.to_string(),
            })
    }
}

/// The parameters of a `statistics` run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatisticsParams {
    /// 基準日: a date, `run_day` (実行日, the default) or `month_start` (実行月の1日).
    on: Option<String>,
    /// The period of the 異動: `previous_month` (the default), `previous_year`, or dates.
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// What the run writes: `csv` (the default) or `xlsx` (the deliverable, 9.1).
    format: Option<String>,
}

/// Is the statistics run's file an XLSX workbook (else CSV)?
fn statistics_xlsx(p: &StatisticsParams) -> Result<bool, DomainError> {
    match p.format.as_deref().map(str::trim) {
        None | Some("" | "csv") => Ok(false),
        Some("xlsx") => Ok(true),
        Some(other) => Err(DomainError::UnknownCode {
            kind: "出力形式",
            value: other.to_string(),
        }),
    }
}

/// The parameters of an `inspection` run (9.5: the 閲覧用 list in address order).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InspectionParams {
    /// 基準日: a date, `run_day` (the default) or `month_start`.
    on: Option<String>,
    /// The address starts with this (a 町字).
    place_prefix: Option<String>,
    /// 男 or 女.
    sex: Option<String>,
    born_from: Option<String>,
    born_to: Option<String>,
    /// `random_extract` only: 抽出人数 (required) and the seed (a new one, recorded with
    /// the run, when left out); numbers or their digits (the screen sends text).
    count: Option<Number>,
    seed: Option<Number>,
}

/// A number as JSON or as the text of its digits.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Number {
    Value(u64),
    Text(String),
}

impl Number {
    fn get(&self, field: &'static str) -> Result<u64, DomainError> {
        match self {
            Number::Value(n) => Ok(*n),
            Number::Text(t) => t.trim().parse().map_err(|_| DomainError::Invalid {
                field,
                reason: format!("数字で指定してください({t})"),
            }),
        }
    }
}

/// The most a 無作為抽出 draws at once.
const MAX_DRAW: usize = 100_000;

/// A `random_extract` run's query and seed.
fn draw_query(
    p: &InspectionParams,
    run_day: NaiveDate,
) -> Result<(crate::inspection::InspectionQuery, u64), DomainError> {
    let count = match p.count.as_ref().map(|n| n.get("count")).transpose()? {
        Some(n) if (1..=MAX_DRAW as u64).contains(&n) => n as usize,
        Some(_) => {
            return Err(DomainError::Invalid {
                field: "count",
                reason: format!("1から{MAX_DRAW}までの人数を指定してください"),
            });
        }
        None => return Err(DomainError::Missing { field: "count" }),
    };
    let seed = match &p.seed {
        Some(n) => n.get("seed")?,
        None => rand::random::<u64>() % 10_000_000_000,
    };
    let mut q = inspection_query(p, run_day)?;
    q.order = crate::inspection::Order::Random(seed);
    q.count = Some(count);
    Ok((q, seed))
}

fn inspection_query(
    p: &InspectionParams,
    run_day: NaiveDate,
) -> Result<crate::inspection::InspectionQuery, DomainError> {
    let opt_day =
        |field: &'static str, s: &Option<String>| -> Result<Option<NaiveDate>, DomainError> {
            match s.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(t) => day(field, t, run_day).map(Some),
            }
        };
    let q = crate::inspection::InspectionQuery {
        on: opt_day("on", &p.on)?.unwrap_or(run_day),
        place_prefix: p
            .place_prefix
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        sex: match p.sex.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(kikan_domain::Sex::parse(s)?),
        },
        born_from: opt_day("born_from", &p.born_from)?,
        born_to: opt_day("born_to", &p.born_to)?,
        order: crate::inspection::Order::Address,
        foreign: None,
        count: None,
    };
    crate::inspection::check(&q)?;
    Ok(q)
}

/// The parameters of an `euc` run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EucParams {
    /// 基準日: a date, or the run's day when left out.
    on: Option<String>,
    wizard: Option<Wizard>,
    sql: Option<String>,
    /// csv (the default), csv_sjis or xml.
    format: Option<String>,
    /// 利用目的, recorded with the extraction.
    purpose: String,
    /// The items hidden from whoever set the job (10.4): never shown by it either.
    #[serde(default)]
    hidden: BTreeSet<Item>,
}

fn params<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, DomainError> {
    serde_json::from_value(if v.is_null() {
        Value::Object(Default::default())
    } else {
        v.clone()
    })
    .map_err(|e| DomainError::Invalid {
        field: "パラメータ",
        reason: e.to_string(),
    })
}

fn day(field: &'static str, s: &str, run_day: NaiveDate) -> Result<NaiveDate, DomainError> {
    match s.trim() {
        "run_day" | "実行日" => Ok(run_day),
        "month_start" | "実行月の1日" => Ok(run_day.with_day(1).unwrap_or(run_day)),
        t => kikan_domain::wareki::parse_date(t).map_err(|_| DomainError::Invalid {
            field,
            reason: format!(
                "日付、run_day(実行日)または month_start(実行月の1日)で指定してください: {t}"
            ),
        }),
    }
}

/// Checks a job's parameters before they are saved with a schedule or run.
pub fn check(job: Job, v: &Value, today: NaiveDate) -> Result<(), DomainError> {
    match job {
        Job::Daily | Job::Reconcile | Job::Suppressed | Job::ArchiveRemoved => Ok(()),
        Job::RandomExtract => draw_query(&params(v)?, today).map(|_| ()),
        Job::Statistics => {
            let p = params(v)?;
            statistics_xlsx(&p)?;
            statistics_days(&p, today).map(|_| ())
        }
        Job::Inspection => {
            let p: InspectionParams = params(v)?;
            if p.count.is_some() || p.seed.is_some() {
                return Err(DomainError::Invalid {
                    field: "count",
                    reason: "閲覧用リストは住所順です(無作為抽出は random_extract で行います)"
                        .into(),
                });
            }
            inspection_query(&p, today).map(|_| ())
        }
        Job::Euc => {
            let p: EucParams = params(v)?;
            euc_sql(&p)?;
            euc_format(&p)?;
            if let Some(on) = &p.on {
                day("on", on, today)?;
            }
            if p.purpose.trim().is_empty() {
                return Err(DomainError::Missing {
                    field: "利用目的"
                });
            }
            Ok(())
        }
    }
}

fn statistics_days(
    p: &StatisticsParams,
    run_day: NaiveDate,
) -> Result<(NaiveDate, NaiveDate, NaiveDate), DomainError> {
    let on = match &p.on {
        Some(s) => day("on", s, run_day)?,
        None => run_day,
    };
    let month_start = run_day.with_day(1).unwrap_or(run_day);
    let (from, to) = match (p.period.as_deref().map(str::trim), &p.from, &p.to) {
        (_, Some(f), Some(t)) => (day("from", f, run_day)?, day("to", t, run_day)?),
        (None | Some("previous_month" | "前月"), None, None) => {
            let to = month_start.pred_opt().unwrap_or(month_start);
            (to.with_day(1).unwrap_or(to), to)
        }
        (Some("previous_year" | "前年"), None, None) => {
            let y = run_day.year() - 1;
            (
                NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(run_day),
                NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(run_day),
            )
        }
        _ => {
            return Err(DomainError::Invalid {
                field: "period",
                reason: "previous_month(前月)、previous_year(前年)、または from と to の両方を指定してください".into(),
            });
        }
    };
    if from > to {
        return Err(DomainError::InvalidDate(format!("{from} 〜 {to}")));
    }
    Ok((on, from, to))
}

fn euc_sql(p: &EucParams) -> Result<String, DomainError> {
    match (&p.wizard, p.sql.as_deref().map(str::trim)) {
        (Some(w), _) => w.sql(&p.hidden),
        (None, Some(s)) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(DomainError::Missing {
            field: "抽出条件"
        }),
    }
}

fn euc_format(p: &EucParams) -> Result<&'static str, DomainError> {
    match p.format.as_deref().map(str::trim) {
        None | Some("" | "csv") => Ok("csv"),
        Some("csv_sjis") => Ok("csv_sjis"),
        Some("xml") => Ok("xml"),
        Some(other) => Err(DomainError::UnknownCode {
            kind: "出力形式",
            value: other.to_string(),
        }),
    }
}

/// Who a batch run's reads are audited as, with the purpose they serve.
fn batch_actor(tenant: LocalGovCode, purpose: &str) -> Actor {
    Actor {
        tenant,
        name: "system:バッチ処理".into(),
        role: None,
        purpose: Some(purpose.to_string()),
        client: None,
        terminal: None,
    }
}

/// What a job did: the text for staff, and a file to keep.
struct Done {
    ok: bool,
    detail: String,
    file: Option<(String, Vec<u8>)>,
}

async fn work(
    store: &dyn Store,
    tenant: LocalGovCode,
    job: Job,
    v: &Value,
    today: NaiveDate,
    now: DateTime<Utc>,
    cs: Option<&dyn crate::cs::CsLink>,
) -> Result<Done, StoreError> {
    match job {
        Job::Reconcile => {
            let Some(link) = cs else {
                return Ok(Done {
                    ok: false,
                    detail: "住基ネット(CS)との連携が設定されていないため、整合性確認ができません"
                        .into(),
                    file: None,
                });
            };
            let diff = match crate::cs::reconcile(store, link, tenant).await {
                Ok(d) => d,
                Err(crate::cs::CsError::Store(e)) => return Err(e),
                Err(crate::cs::CsError::Link(e)) => {
                    return Ok(Done {
                        ok: false,
                        detail: format!("整合性確認ができません: {e}"),
                        file: None,
                    });
                }
            };
            let unexplained = diff.iter().filter(|d| !d.unsent).count();
            let detail = format!(
                "整合性確認: 相違{}件(うち未送信によるもの{}件)",
                diff.len(),
                diff.len() - unexplained
            );
            store
                .append_audit(
                    tenant,
                    &[batch_actor(tenant, "住基ネット(CS)との整合性確認").event(
                        "cs.reconcile",
                        diff.iter().filter_map(|d| d.person.map(|p| p.0)).collect(),
                        detail.clone(),
                    )],
                )
                .await?;
            let mut csv = String::from("\u{feff}住民票コード,宛名番号,相違,未送信\n");
            for d in &diff {
                csv.push_str(&format!(
                    "{},{},{},{}\n",
                    d.code,
                    d.person.map(|p| p.0.to_string()).unwrap_or_default(),
                    d.items.join("・"),
                    if d.unsent { "未送信あり" } else { "" }
                ));
            }
            Ok(Done {
                // A difference no unsent item explains is a failure: the operator hears.
                ok: unexplained == 0,
                detail,
                file: Some((
                    format!("cs-reconcile-{}.csv", today.format("%Y%m%d")),
                    csv.into_bytes(),
                )),
            })
        }
        Job::ArchiveRemoved => {
            let actor = batch_actor(tenant, "除票用データベースへの移行");
            let moved = crate::removed_db::move_due(store, tenant, today, now, &actor).await?;
            Ok(Done {
                ok: moved.held == 0,
                detail: format!(
                    "除票用データベースへの移行: {}人(消除日が{}以前の除票、{}件の記録){}",
                    moved.persons,
                    crate::removed_db::due_removed_by(today),
                    moved.entries,
                    if moved.held > 0 {
                        format!(
                            "。入力中で排他されているため次回に回した記録 {}件",
                            moved.held
                        )
                    } else {
                        String::new()
                    }
                ),
                file: None,
            })
        }
        Job::Daily => {
            let (ok, detail) = crate::daily::work(store, tenant, today, now).await?;
            Ok(Done {
                ok,
                detail,
                file: None,
            })
        }
        Job::Statistics => {
            let p = params(v)?;
            let (on, from, to) = statistics_days(&p, today)?;
            let pop = crate::statistics::population(store, tenant, on).await?;
            let mov = crate::statistics::movement(store, tenant, from, to).await?;
            let total: u64 =
                pop.japanese.male + pop.japanese.female + pop.foreign.male + pop.foreign.female;
            let name = format!("statistics-{}", on.format("%Y%m%d"));
            let file = if statistics_xlsx(&p)? {
                (format!("{name}.xlsx"), crate::statistics::xlsx(&pop, &mov)?)
            } else {
                (
                    format!("{name}.csv"),
                    crate::statistics::csv(&pop, &mov).into_bytes(),
                )
            };
            Ok(Done {
                ok: true,
                detail: format!("統計: 基準日 {on} の人口 {total}人、異動 {from}〜{to}"),
                file: Some(file),
            })
        }
        Job::RandomExtract => {
            let (q, seed) = draw_query(&params(v)?, today)?;
            let list = crate::inspection::inspection_list(store, tenant, &q, today).await?;
            let detail = format!(
                "無作為抽出: 基準日 {} シード {seed} {}人(支援措置の対象者 {}人を除く)",
                q.on,
                list.rows.len(),
                list.withheld
            );
            audited(
                store,
                tenant,
                "無作為抽出",
                "extract.random.batch",
                detail,
                format!("random-extract-{}-{seed}.csv", q.on.format("%Y%m%d")),
                crate::inspection::draw_csv(&list).into_bytes(),
            )
            .await
        }
        Job::Suppressed => {
            let rows = crate::suppress::list_csv(store, tenant, today).await?;
            let detail = format!("抑止対象者一覧: {today} 現在 {}件", rows.1);
            audited(
                store,
                tenant,
                "抑止対象者一覧の作成",
                "suppress.list.batch",
                detail,
                format!("suppressed-{}.csv", today.format("%Y%m%d")),
                rows.0.into_bytes(),
            )
            .await
        }
        Job::Inspection => {
            let q = inspection_query(&params(v)?, today)?;
            let list = crate::inspection::inspection_list(store, tenant, &q, today).await?;
            let detail = format!(
                "閲覧用リスト: 基準日 {} {}人(支援措置の対象者 {}人を除く)",
                q.on,
                list.rows.len(),
                list.withheld
            );
            audited(
                store,
                tenant,
                "住民基本台帳の一部の写しの閲覧",
                "inspection.batch",
                detail,
                format!("inspection-{}.csv", q.on.format("%Y%m%d")),
                crate::inspection::csv(&list).into_bytes(),
            )
            .await
        }
        Job::Euc => {
            let p: EucParams = params(v)?;
            let sql = euc_sql(&p)?;
            let format = euc_format(&p)?;
            let on = match &p.on {
                Some(s) => day("on", s, today)?,
                None => today,
            };
            let source = euc::build(store, tenant, on, today, &p.hidden).await?;
            let run_sql = sql.clone();
            let x = tokio::task::spawn_blocking(move || source.query(&run_sql, Limits::default()))
                .await
                .map_err(|e| StoreError::Database(format!("EUC抽出が中断しました: {e}")))??;
            store
                .append_audit(
                    tenant,
                    &[batch_actor(tenant, &p.purpose).event(
                        "euc.batch",
                        vec![],
                        format!(
                            "EUC抽出(バッチ): 基準日 {on} {}件 {format} SQL: {}",
                            x.rows.len(),
                            sql.chars().take(2000).collect::<String>()
                        ),
                    )],
                )
                .await?;
            let (name, bytes, unmapped) = match format {
                "csv_sjis" => {
                    let (b, n) = crate::text::encode_shift_jis(&euc::csv(&x));
                    ("euc-sjis.csv", b, n)
                }
                "xml" => ("euc.xml", euc::xml(&x, on).into_bytes(), 0),
                _ => {
                    let mut s = "\u{feff}".to_string();
                    s.push_str(&euc::csv(&x));
                    ("euc.csv", s.into_bytes(), 0)
                }
            };
            Ok(Done {
                ok: true,
                detail: format!(
                    "EUC抽出: 基準日 {on} {}件{}",
                    x.rows.len(),
                    if unmapped > 0 {
                        format!("(Shift_JISで表せない文字 {unmapped}字を〓に置換)")
                    } else {
                        String::new()
                    }
                ),
                file: Some((name.to_string(), bytes)),
            })
        }
    }
}

/// A run that wrote a file: its audit event (by the batch, for `purpose`), then the
/// result with the file.
async fn audited(
    store: &dyn Store,
    tenant: LocalGovCode,
    purpose: &str,
    action: &str,
    detail: String,
    name: String,
    bytes: Vec<u8>,
) -> Result<Done, StoreError> {
    store
        .append_audit(
            tenant,
            &[batch_actor(tenant, purpose).event(action, vec![], detail.clone())],
        )
        .await?;
    Ok(Done {
        ok: true,
        detail,
        file: Some((name, bytes)),
    })
}

/// The municipality's batch directory under `root`.
pub fn tenant_dir(root: &Path, tenant: LocalGovCode) -> PathBuf {
    root.join(tenant.to_string())
}

fn keep(
    root: &Path,
    tenant: LocalGovCode,
    run_id: i64,
    name: &str,
    bytes: &[u8],
) -> Result<String, StoreError> {
    let io = |e: std::io::Error| StoreError::Database(format!("バッチ処理の出力を書けません: {e}"));
    let dir = tenant_dir(root, tenant);
    crate::files::create_private_dir(&dir, true).map_err(io)?;
    let file = format!("{run_id}-{name}");
    crate::files::write_private(&dir.join(&file), bytes).map_err(io)?;
    Ok(file)
}

/// The parameters of the job's latest run (前回のパラメータ), if any.
pub async fn last_params(
    store: &dyn Store,
    tenant: LocalGovCode,
    job: Job,
) -> Result<Option<Value>, StoreError> {
    Ok(store
        .job_runs(tenant, job.code(), 1)
        .await?
        .into_iter()
        .next()
        .and_then(|r| r.params))
}

/// The top-level parameters that differ between two runs (修正したパラメータ).
pub fn changed(before: Option<&Value>, now: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let n = now.as_object().unwrap_or(&empty);
    let mut keys: BTreeSet<&String> = b.keys().collect();
    keys.extend(n.keys());
    keys.into_iter()
        .filter(|k| b.get(*k) != n.get(*k))
        .map(|k| k.to_string())
        .collect()
}

/// How a run was started.
#[derive(Clone)]
pub struct Start<'a> {
    /// 処理端末名称: the server's host, `cli:<user>` or the staff member.
    pub by: &'a str,
    pub schedule: Option<i64>,
    /// The batch directory (its municipality's subdirectory is made on the first file).
    pub dir: &'a Path,
    /// The CS, for the 整合性確認 (none: that job fails, saying so).
    pub cs: Option<&'a dyn crate::cs::CsLink>,
}

/// Runs `job` with `params` for `tenant` and records the run, failed or not. The
/// previous run's parameters are compared, and the changed ones named in the record.
pub async fn run(
    store: &dyn Store,
    tenant: LocalGovCode,
    job: Job,
    params: Value,
    today: NaiveDate,
    start: Start<'_>,
) -> Result<JobRun, StoreError> {
    let before = last_params(store, tenant, job).await?;
    let diff = changed(before.as_ref(), &params);
    let started_at = Utc::now();
    let id = crate::ids::new_id();
    let outcome = match check(job, &params, today) {
        Ok(()) => work(store, tenant, job, &params, today, started_at, start.cs).await,
        Err(e) => Err(e.into()),
    };
    let outcome = outcome.and_then(|d| {
        let file = match &d.file {
            Some((name, bytes)) => Some(keep(start.dir, tenant, id, name, bytes)?),
            None => None,
        };
        Ok((d, file))
    });
    let (ok, mut detail, error_code, output) = match &outcome {
        Ok((d, file)) => (d.ok, d.detail.clone(), None, file.clone()),
        Err(e) => (
            false,
            format!("失敗しました({}): {e}", e.code()),
            Some(e.code().to_string()),
            None,
        ),
    };
    if before.is_some() && !diff.is_empty() {
        detail.push_str(&format!(
            "(前回から変更したパラメータ: {})",
            diff.join("、")
        ));
    }
    let run = JobRun {
        id,
        job: job.code().into(),
        on: today,
        started_at,
        finished_at: Utc::now(),
        ok,
        detail,
        by: start.by.into(),
        params: Some(params),
        error_code,
        output,
        schedule: start.schedule,
    };
    store.add_job_run(tenant, &run).await?;
    Ok(run)
}

/// 異常終了の警告 (9.1): hands a failed run to the installation's notification command
/// (`KIKAN_ALERT_COMMAND`, run by `sh -c` with the run as JSON on its standard input:
/// `{"tenant", "job", "run", "started_at", "error_code", "detail", "by"}`). Returns
/// whether the command ran and exited 0; a missing command is not an error.
pub fn alert(command: Option<&str>, tenant: LocalGovCode, run: &JobRun) -> bool {
    let Some(cmd) = command.filter(|c| !c.trim().is_empty()) else {
        return false;
    };
    let body = serde_json::json!({
        "tenant": tenant.to_string(),
        "job": run.job,
        "run": run.id,
        "started_at": run.started_at,
        "error_code": run.error_code,
        "detail": run.detail,
        "by": run.by,
    })
    .to_string();
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        tracing::warn!(job = %run.job, "alert command could not start");
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = std::io::Write::write_all(&mut stdin, body.as_bytes());
    }
    match child.wait() {
        Ok(s) if s.success() => true,
        _ => {
            tracing::warn!(job = %run.job, "alert command failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn statistics_periods_follow_the_run_day() {
        let p = |v: Value| params::<StatisticsParams>(&v).expect("params");
        let run = d("2026-12-02");
        assert_eq!(
            statistics_days(&p(json!({})), run).expect("days"),
            (run, d("2026-11-01"), d("2026-11-30"))
        );
        assert_eq!(
            statistics_days(
                &p(json!({"on": "month_start", "period": "previous_year"})),
                run
            )
            .expect("days"),
            (d("2026-12-01"), d("2025-01-01"), d("2025-12-31"))
        );
        assert_eq!(
            statistics_days(
                &p(json!({"on": "令和8年1月1日", "from": "2025-01-01", "to": "2025-06-30"})),
                run
            )
            .expect("days"),
            (d("2026-01-01"), d("2025-01-01"), d("2025-06-30"))
        );
        assert!(statistics_days(&p(json!({"period": "毎週"})), run).is_err());
        assert!(params::<StatisticsParams>(&json!({"unknown": 1})).is_err());
        assert!(
            check(Job::Euc, &json!({"sql": "SELECT 1"}), run).is_err(),
            "a purpose is needed"
        );
        assert!(
            check(
                Job::Euc,
                &json!({"sql": "SELECT 1", "purpose": "x", "format": "pdf"}),
                run
            )
            .is_err()
        );
        assert!(
            check(
                Job::Euc,
                &json!({"sql": "SELECT 1", "purpose": "x", "format": "xml"}),
                run
            )
            .is_ok()
        );
    }

    #[test]
    fn changed_parameters_are_named() {
        let before = json!({"on": "run_day", "period": "previous_month"});
        assert_eq!(
            changed(
                Some(&before),
                &json!({"on": "month_start", "period": "previous_month", "from": null})
            ),
            ["from", "on"]
        );
        assert!(changed(Some(&before), &before).is_empty());
        assert_eq!(changed(None, &json!({"on": "x"})), ["on"]);
    }
}
