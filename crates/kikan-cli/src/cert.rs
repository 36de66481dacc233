//! `kikan cert`: issue, preview, re-print, verify and list certificates from the command
//! line, and measure how fast they are drawn and issued (`kikan cert bench`).

use crate::{StoreArgs, cli_event, registered};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use kikan_app::certificates::{CertificateIn, RequesterIn, request_of};
use kikan_cert::CertFont;
use kikan_cert::issue::{self, IssueError};
use kikan_domain::{HouseholdId, LocalGovCode, PersonId};
use kikan_store::Store;
use kikan_store::certificates::{Certificate, CertificateQuery};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum CertCommand {
    /// Issue a certificate: check, draw, record in the issuance register, write the PDF.
    Issue(IssueArgs),
    /// Draw a certificate marked 見本 without issuing it.
    Preview(IssueArgs),
    /// Print an issued certificate again (same serial and 照合番号); recorded as a re-print.
    Reprint {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        serial: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Confirm a paper or a PDF by its 照合番号; with --pdf, that the file is unaltered.
    /// Exits 1 when the code is unknown or the file differs.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
    /// The issuance register (証明書交付簿), newest first.
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        person: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Measure certificates: draw only, then issue through the store (serial, drawing,
    /// register), for whole households of the register. Prints PDFs/s, p50/p99 and size.
    Bench {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        /// How many certificates each phase makes.
        #[arg(long, default_value_t = 500)]
        count: usize,
        /// Certificates drawn at once (threads).
        #[arg(long, default_value_t = 2)]
        concurrency: usize,
        #[arg(long)]
        json: Option<PathBuf>,
        /// Draw the placeholder instead of a registered seal image (to measure the
        /// image's cost).
        #[arg(long)]
        without_seal: bool,
        /// Skip the 文字溢れ check (5.8) that an issue makes before drawing (to measure
        /// its cost).
        #[arg(long)]
        without_fit: bool,
    },
}

#[derive(Args)]
pub struct IssueArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    request: RequestArgs,
    /// 審査's approval of a third-party request concerning a 支援措置 subject.
    #[arg(long)]
    approval_reason: Option<String>,
    /// Where to write the PDF.
    #[arg(long)]
    out: PathBuf,
}

/// A certificate request from the command line (the API's fields, as flags).
#[derive(Args)]
pub struct RequestArgs {
    #[arg(long)]
    tenant: String,
    /// resident_copy, resident_items, removed_copy, removed_items (or the Japanese title).
    #[arg(long, default_value = "resident_copy")]
    kind: String,
    /// household (世帯連記式) or individual (個人票).
    #[arg(long)]
    layout: Option<String>,
    /// The persons printed, in order (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    persons: Vec<i64>,
    /// Or every current member of this household (世帯全員).
    #[arg(long)]
    household: Option<i64>,
    /// Optional items (写し) or the items certified (記載事項証明書), comma-separated.
    #[arg(long, value_delimiter = ',')]
    items: Vec<String>,
    /// self, same_household, third_party or professional.
    #[arg(long)]
    requester: String,
    #[arg(long)]
    requester_person: Option<i64>,
    #[arg(long)]
    requester_name: Option<String>,
    #[arg(long)]
    requester_birth_date: Option<String>,
    /// 請求の事由.
    #[arg(long)]
    reason: Option<String>,
    /// 資格・登録番号 (professionals).
    #[arg(long)]
    qualification: Option<String>,
    /// 使用目的.
    #[arg(long)]
    purpose: String,
    /// 本人確認書類.
    #[arg(long)]
    identity: String,
    #[arg(long, default_value_t = 1)]
    copies: u32,
    #[arg(long)]
    fee_exempt: Option<String>,
}

impl RequestArgs {
    fn input(&self, approval_reason: Option<String>) -> CertificateIn {
        CertificateIn {
            kind: self.kind.clone(),
            layout: self.layout.clone(),
            household_id: self.household,
            persons: self.persons.clone(),
            items: self.items.clone(),
            requester: RequesterIn {
                kind: self.requester.clone(),
                person_id: self.requester_person,
                name: self.requester_name.clone(),
                birth_date: self.requester_birth_date.clone(),
                address: None,
                reason: self.reason.clone(),
                qualification: self.qualification.clone(),
            },
            purpose: self.purpose.clone(),
            identity_check: self.identity.clone(),
            copies: Some(self.copies),
            fee_exempt: self.fee_exempt.clone(),
            approval_reason,
            ..CertificateIn::default()
        }
    }
}

fn staff() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

fn issue_error(e: IssueError) -> anyhow::Error {
    anyhow!("{} {}", e.code(), e)
}

fn font() -> Result<Arc<CertFont>> {
    let path = CertFont::default_path();
    Ok(Arc::new(CertFont::load(&path).map_err(|e| {
        anyhow!(
            "{} {e} (install fonts-ipamj-mincho or set KIKAN_CERT_FONT)",
            e.code()
        )
    })?))
}

async fn prepared(
    store: &dyn Store,
    args: &RequestArgs,
    approval: Option<String>,
) -> Result<(LocalGovCode, issue::Prepared)> {
    let code = registered(store, &args.tenant).await?;
    let actor = kikan_app::Actor::command_line(code, Some(&args.purpose));
    let input = args.input(approval);
    let p = kikan_app::certificates::prepare(store, &actor, &input, kikan_app::japan_today())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok((code, p))
}

/// Appends the CLI's audit event about these persons.
async fn audit(
    store: &dyn Store,
    tenant: LocalGovCode,
    persons: impl IntoIterator<Item = PersonId>,
    action: &str,
    purpose: Option<&str>,
    detail: String,
) -> Result<()> {
    let mut ev = cli_event(tenant, action, purpose, detail);
    ev.persons = persons.into_iter().map(|p| p.0).collect();
    store.append_audit(tenant, &[ev]).await?;
    Ok(())
}

fn write(out: &Path, pdf: &[u8]) -> Result<()> {
    std::fs::write(out, pdf).with_context(|| format!("{} に書けません", out.display()))
}

fn line(c: &Certificate) -> String {
    let names: Vec<String> = c
        .content
        .entries
        .iter()
        .filter_map(|e| e.fields.first().map(|f| f.value.clone()))
        .collect();
    format!(
        "第{:06}号\t{}\t{}\t{}\t{}\t請求者 {}\t{}\t{}通 {}円\t{}頁\t再印刷 {}回\t照合番号 {}",
        c.serial,
        c.issued_at.format("%Y-%m-%d %H:%M"),
        c.content.title,
        names.join("・"),
        c.staff,
        c.request
            .requester
            .kind
            .map(|k| k.label())
            .unwrap_or_default(),
        c.request.purpose,
        c.request.copies,
        c.fee,
        c.pages,
        c.reprints.len(),
        kikan_cert::format_code(&c.code),
    )
}

pub async fn run(command: CertCommand) -> Result<()> {
    match command {
        CertCommand::Issue(IssueArgs {
            store,
            request,
            approval_reason,
            out,
        }) => {
            let store = store.open().await?;
            let (tenant, p) = prepared(&*store, &request, approval_reason).await?;
            let font = font()?;
            let (c, rendered) = issue::issue(&*store, &font, tenant, p, &staff())
                .await
                .map_err(issue_error)?;
            write(&out, &rendered.pdf)?;
            audit(
                &*store,
                tenant,
                c.persons().iter().copied(),
                "certificate.issue",
                Some(&request.purpose),
                format!(
                    "{} 第{:06}号を {} に交付",
                    c.content.title,
                    c.serial,
                    out.display()
                ),
            )
            .await?;
            println!("{}", line(&c));
            Ok(())
        }
        CertCommand::Preview(IssueArgs {
            store,
            request,
            approval_reason,
            out,
        }) => {
            let store = store.open().await?;
            let (tenant, p) = prepared(&*store, &request, approval_reason).await?;
            let (rendered, overflow) = issue::preview(&*font()?, &p).map_err(issue_error)?;
            for o in &overflow {
                eprintln!("文字溢れ: {} 「{}」 → 「{}」", o.label, o.value, o.printed);
            }
            write(&out, &rendered.pdf)?;
            audit(
                &*store,
                tenant,
                p.request.persons.iter().copied(),
                "certificate.preview",
                Some(&request.purpose),
                format!("{}の見本を {} に出力", p.content.title, out.display()),
            )
            .await?;
            eprintln!(
                "見本を {} に書き出しました({}頁)",
                out.display(),
                rendered.pages
            );
            Ok(())
        }
        CertCommand::Reprint {
            store,
            tenant,
            serial,
            reason,
            out,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let (c, rendered) =
                issue::reprint(&*store, &*font()?, tenant, serial, &staff(), &reason)
                    .await
                    .map_err(issue_error)?;
            write(&out, &rendered.pdf)?;
            audit(
                &*store,
                tenant,
                c.persons().iter().copied(),
                "certificate.reprint",
                None,
                format!("{} 第{:06}号を再印刷({reason})", c.content.title, c.serial),
            )
            .await?;
            eprintln!("第{serial:06}号を再印刷しました: {}", out.display());
            Ok(())
        }
        CertCommand::Verify {
            store,
            tenant,
            code,
            pdf,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let bytes = match &pdf {
                Some(p) => Some(
                    std::fs::read(p).with_context(|| format!("{} を読めません", p.display()))?,
                ),
                None => None,
            };
            let found = issue::verify(&*store, tenant, &code, bytes.as_deref(), None)
                .await
                .map_err(issue_error)?;
            let persons = found.as_ref().map_or(&[][..], |v| v.certificate.persons());
            audit(
                &*store,
                tenant,
                persons.iter().copied(),
                "certificate.verify",
                None,
                format!("照合番号の照会 {code}"),
            )
            .await?;
            match found {
                None => bail!(
                    "この照合番号の証明書は交付されていません(偽造又は記載誤りの可能性があります)"
                ),
                Some(v) => {
                    println!("{}", line(&v.certificate));
                    for e in &v.certificate.content.entries {
                        for f in &e.fields {
                            println!("  {}\t{}", f.label, f.value);
                        }
                    }
                    match v.pdf_matches {
                        Some(false) => {
                            bail!("PDFの内容が交付時と一致しません(改変の可能性があります)")
                        }
                        Some(true) => {
                            println!("真正: 交付された証明書で、PDFは交付時のものと一致します")
                        }
                        None => println!("交付された証明書です。記載内容を上記と照合してください"),
                    }
                    Ok(())
                }
            }
        }
        CertCommand::List {
            store,
            tenant,
            from,
            to,
            person,
            limit,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let parse = |s: &Option<String>| {
                s.as_deref()
                    .map(kikan_domain::wareki::parse_date)
                    .transpose()
            };
            let q = CertificateQuery {
                from: parse(&from)?,
                to: parse(&to)?,
                person: person.map(PersonId),
                staff: None,
                kind: None,
                limit,
            };
            let found = store.certificates(tenant, &q).await?;
            audit(
                &*store,
                tenant,
                found.iter().flat_map(|c| c.persons().iter().copied()),
                "certificate.register",
                None,
                format!("証明書交付簿の検索({}件)", found.len()),
            )
            .await?;
            for c in &found {
                println!("{}", line(c));
            }
            Ok(())
        }
        CertCommand::Bench {
            store,
            tenant,
            count,
            concurrency,
            json,
            without_seal,
            without_fit,
        } => {
            bench(
                store.open().await?,
                &tenant,
                count,
                concurrency.max(1),
                json,
                !without_seal,
                !without_fit,
            )
            .await
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Whole households of the register, as certificate requests (up to `n`).
async fn households(
    store: &dyn Store,
    tenant: LocalGovCode,
    n: usize,
) -> Result<Vec<Vec<PersonId>>> {
    let today = kikan_app::japan_today();
    let mut by_household: BTreeMap<HouseholdId, Vec<PersonId>> = BTreeMap::new();
    let mut after = None;
    while by_household.len() < n {
        let page = store.residents_as_of(tenant, today, after, 2000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for p in &page {
            by_household.entry(p.household_id).or_default().push(p.id);
        }
    }
    let mut out = vec![];
    for h in by_household.keys().take(n) {
        out.push(
            issue::household_members(store, tenant, *h)
                .await
                .map_err(issue_error)?,
        );
    }
    Ok(out)
}

async fn bench(
    store: Arc<dyn Store>,
    tenant: &str,
    count: usize,
    concurrency: usize,
    json: Option<PathBuf>,
    with_seal: bool,
    with_fit: bool,
) -> Result<()> {
    let code = registered(&*store, tenant).await?;
    let t = store
        .tenant(code)
        .await?
        .ok_or_else(|| anyhow!("団体 {code} は登録されていません"))?;
    let loaded = Instant::now();
    let font = font()?;
    let font_load_ms = loaded.elapsed().as_secs_f64() * 1000.0;
    let homes = households(&*store, code, count).await?;
    if homes.is_empty() {
        bail!("団体 {code} に住民がいません(kikan gen か kikan demo で作成してください)");
    }
    let today = kikan_app::japan_today();
    let mut prepared = Vec::with_capacity(count);
    for i in 0..count {
        let members = homes[i % homes.len()].clone();
        let input = CertificateIn {
            kind: "resident_copy".into(),
            layout: None,
            household_id: None,
            persons: members.iter().map(|p| p.0).collect(),
            items: vec![],
            requester: RequesterIn {
                kind: "same_household".into(),
                person_id: members.first().map(|p| p.0),
                name: None,
                birth_date: None,
                address: None,
                reason: None,
                qualification: None,
            },
            purpose: "性能測定".into(),
            identity_check: "運転免許証".into(),
            copies: Some(1),
            fee_exempt: None,
            approval_reason: None,
            ..CertificateIn::default()
        };
        let mut request = request_of(&input, Some(members)).map_err(|e| anyhow!("{e}"))?;
        request.whole_household = true;
        match issue::prepare(&*store, &t, request, None, today, None).await {
            Ok(p) => prepared.push(p),
            // A protected household or a name the font cannot print: not part of the measure.
            Err(IssueError::Refused { .. } | IssueError::NeedsApproval { .. }) => {}
            Err(e) => return Err(issue_error(e)),
        }
    }
    let members: usize = prepared.iter().map(|p| p.content.entries.len()).sum();
    eprintln!(
        "{} certificates of {} households ({} persons), {concurrency} at a time; font loaded in {font_load_ms:.0} ms",
        prepared.len(),
        homes.len(),
        members
    );

    // Phase 1: drawing only, on `concurrency` threads, each with a registered seal image
    // (a 300-pixel PNG, 21 mm) as a municipality would have.
    let seal = Arc::new(kikan_domain::certifier::Seal {
        id: 1,
        kind: kikan_domain::certifier::SealKind::Certificate,
        size_mm: 21.0,
        red: false,
        png: kikan_cert::seal::one_colour(&kikan_cert::seal::sample_png(300), false)
            .map_err(|e| anyhow!("{e}"))?,
    });
    if with_seal {
        for p in &mut prepared {
            p.content.seal = kikan_domain::certificate::SealPrint::Image(1);
        }
    }
    let work = Arc::new(prepared);
    let started = Instant::now();
    let mut threads = vec![];
    for w in 0..concurrency {
        let work = work.clone();
        let font = font.clone();
        let seal = seal.clone();
        threads.push(std::thread::spawn(
            move || -> Result<(Vec<Duration>, Vec<usize>, Vec<u32>)> {
                let (mut lat, mut sizes, mut pages) = (vec![], vec![], vec![]);
                for p in work.iter().skip(w).step_by(concurrency) {
                    let t0 = Instant::now();
                    // As an issue draws: the 文字溢れ check (5.8), then the drawing.
                    let mut content = p.content.clone();
                    if with_fit {
                        kikan_cert::fit(&font, &mut content, p.overflow)
                            .map_err(|e| anyhow!("{} {e}", e.code()))?;
                    }
                    let r = kikan_cert::render(
                        &font,
                        &content,
                        &kikan_cert::Stamp {
                            serial: 1,
                            code: issue::new_code(),
                            preview: false,
                            seal: with_seal.then_some(&*seal),
                            place: Some("T01@HONCHO".into()),
                            printer: Some(1),
                        },
                    )
                    .map_err(|e| anyhow!("{} {e}", e.code()))?;
                    lat.push(t0.elapsed());
                    sizes.push(r.pdf.len());
                    pages.push(r.pages);
                }
                Ok((lat, sizes, pages))
            },
        ));
    }
    let (mut lat, mut sizes, mut pages) = (vec![], vec![], vec![]);
    for t in threads {
        let (l, s, p) = t
            .join()
            .map_err(|_| anyhow!("a drawing thread panicked"))??;
        lat.extend(l);
        sizes.extend(s);
        pages.extend(p);
    }
    let render_secs = started.elapsed().as_secs_f64();
    lat.sort();
    sizes.sort();
    let n = lat.len().max(1) as f64;
    let render = serde_json::json!({
        "certificates": lat.len(),
        "per_second": lat.len() as f64 / render_secs,
        "p50_ms": percentile(&lat, 0.5),
        "p99_ms": percentile(&lat, 0.99),
        "bytes_median": sizes.get(sizes.len() / 2).copied().unwrap_or(0),
        "bytes_max": sizes.last().copied().unwrap_or(0),
        "bytes_mean": sizes.iter().sum::<usize>() as f64 / n,
        "pages_mean": pages.iter().map(|p| f64::from(*p)).sum::<f64>() / n,
    });
    println!(
        "draw:  {:>7.1} PDFs/s  p50 {:>6.2} ms  p99 {:>6.2} ms  size median {} B (max {})",
        render["per_second"].as_f64().unwrap_or(0.0),
        render["p50_ms"].as_f64().unwrap_or(0.0),
        render["p99_ms"].as_f64().unwrap_or(0.0),
        render["bytes_median"],
        render["bytes_max"],
    );

    // Phase 2: issuing through the store (serial, drawing, register record, audit).
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let staff = staff();
    for w in 0..concurrency {
        let work = work.clone();
        let font = font.clone();
        let store = store.clone();
        let staff = staff.clone();
        tasks.spawn(async move {
            let mut lat = vec![];
            for p in work.iter().skip(w).step_by(concurrency) {
                let t0 = Instant::now();
                let (c, _) = issue::issue(&*store, &font, code, p.clone(), &staff)
                    .await
                    .map_err(issue_error)?;
                audit(
                    &*store,
                    code,
                    c.persons().iter().copied(),
                    "certificate.issue",
                    Some("性能測定"),
                    format!("第{:06}号", c.serial),
                )
                .await?;
                lat.push(t0.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        });
    }
    let mut lat = vec![];
    while let Some(done) = tasks.join_next().await {
        lat.extend(done??);
    }
    let issue_secs = started.elapsed().as_secs_f64();
    lat.sort();
    let issued = serde_json::json!({
        "certificates": lat.len(),
        "per_second": lat.len() as f64 / issue_secs,
        "p50_ms": percentile(&lat, 0.5),
        "p99_ms": percentile(&lat, 0.99),
    });
    println!(
        "issue: {:>7.1} PDFs/s  p50 {:>6.2} ms  p99 {:>6.2} ms  (serial + drawing + register + audit, fsynced)",
        issued["per_second"].as_f64().unwrap_or(0.0),
        issued["p50_ms"].as_f64().unwrap_or(0.0),
        issued["p99_ms"].as_f64().unwrap_or(0.0),
    );
    if let Some(path) = json {
        let doc = serde_json::json!({
            "tenant": code.to_string(),
            "concurrency": concurrency,
            "households": homes.len(),
            "font_load_ms": font_load_ms,
            "draw": render,
            "issue": issued,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("{} に書けません", path.display()))?;
    }
    Ok(())
}
