//! 証明書発行抑止 fed to the CS and the コンビニ交付システム (3.1), and the 広域交付住民票
//! (7.1.1.1), on both engines against the CS simulator: a suppression of certificates
//! set or released reaches the CS as each person's 交付抑止情報 (never a 一時解除), the
//! CS refuses a 広域交付 meanwhile and kikan refuses one the CS let through; the
//! 整合性確認 finds a CS that lost it; a business system with the scope reads the
//! suppressions set and released, and one without it is refused; the lists of what was
//! sent and received split by 行政区.

use kikan_domain::cs::{CsKind, CsMessage, WideAsk};
use kikan_security::Role;
use kikan_security::link::Resource;
use kikan_server::AppState;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller};
use serde_json::{Value, json};
use std::sync::Arc;

async fn linked(s: TestStore) -> (Arc<kikan_app::cs::sim::Simulator>, App) {
    let sim = Arc::new(kikan_app::cs::sim::Simulator::new());
    let link: Arc<dyn kikan_app::cs::CsLink> = sim.clone();
    let app = App::spawn_with(s, |mut st: AppState| {
        st.cs = Some(Arc::new(kikan_server::cs::Link::new(link, "sim")));
        st
    })
    .await;
    (sim, app)
}

fn len(v: &Value) -> usize {
    v.as_array().map(Vec::len).unwrap_or_default()
}

/// Sends what is due; the number the CS took.
async fn send(examiner: &Caller, base: &str) -> usize {
    let (status, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(status, 200, "{d}");
    assert!(d["refused"].as_array().is_none_or(Vec::is_empty), "{d}");
    len(&d["accepted"])
}

/// The 広域交付住民票情報 the CS routed to `to`, latest last.
fn answers(sim: &kikan_app::cs::sim::Simulator, to: &str) -> Vec<CsMessage> {
    sim.snapshot()
        .inbox
        .get(to)
        .map(|m| {
            m.values()
                .filter(|m| m.kind == CsKind::WideAreaCertificate)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

async fn certificate_holds_reach_the_cs_and_other_systems(s: TestStore) {
    let (sim, app) = linked(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let muni = t.to_string();
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    kikan_testsuite::http::yokohama_wards(&admin, &base).await;
    // A mother and son in 中区, a man in 西区.
    let (household, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let (_, nishikawa) = kikan_testsuite::http::west_ward_resident(&examiner, &base).await;
    assert!(send(&examiner, &base).await >= 3);
    let code_of = |record: &Value| {
        record["juminhyo_code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (_, record) = examiner.get(&format!("{base}/persons/{son}")).await;
    let son_code = code_of(&record);
    let (_, record) = examiner.get(&format!("{base}/persons/{mother}")).await;
    let mother_code = code_of(&record);
    let today = kikan_app::clock::japan_today();

    // 広域交付 (7.1.1.1): 千代田区's counter asks for the son's household, with the
    // 世帯主 and 続柄; kikan answers through the CS, without the 本籍.
    let ask = WideAsk {
        whole_household: true,
        head_and_relationship: true,
        ..Default::default()
    };
    let asked = sim.ask_wide("131016", &muni, &son_code, ask.clone(), today);
    assert!(asked.is_ok(), "{asked:?}");
    let (_, r) = examiner
        .post(&format!("{base}/cs/receive"), json!({}))
        .await;
    assert_eq!(len(&r["applied"]), 1, "{r}");
    assert_eq!(send(&examiner, &base).await, 1);
    let got = answers(&sim, "131016");
    let wide = got.last().and_then(|m| m.wide.clone()).expect("an answer");
    assert_eq!(wide.refusal, None);
    assert_eq!(wide.members.len(), 2, "the whole household");
    assert!(
        wide.members
            .iter()
            .all(|m| m.head_name.is_some() && m.relationship.is_some())
    );
    assert!(
        wide.members.iter().all(|m| m.juminhyo_code.is_none()),
        "not asked for"
    );
    let (_, listed) = examiner
        .get(&format!("{base}/cs/items?kind=広域交付住民票情報"))
        .await;
    assert_eq!(len(&listed), 1, "{listed}");
    assert_eq!(listed[0]["to"], "131016", "{listed}");

    // A suppression of the household's certificates: each member's 交付抑止情報 goes to
    // the CS, which then refuses a 広域交付 at once.
    let before = chrono::Utc::now();
    let (status, held) = examiner
        .post(
            &format!("{base}/suppressions"),
            json!({
            "subject": {"kind": "household", "id": household},
            "processes": ["certificate"], "level": "error", "reason": "支援措置の申出"}),
        )
        .await;
    assert_eq!(status, 201, "{held}");
    let id = held["id"].as_i64().unwrap_or_default();
    let (_, holds) = examiner
        .get(&format!("{base}/cs/items?kind=交付抑止情報"))
        .await;
    assert_eq!(len(&holds), 2, "{holds}");
    assert_eq!(send(&examiner, &base).await, 2);
    let at_cs = sim.snapshot().holds;
    assert_eq!(at_cs[&muni][&son_code][0].suppression, id);
    let refused = sim.ask_wide("131016", &muni, &son_code, ask.clone(), today);
    assert!(refused.is_err(), "{refused:?}");
    let (_, d) = examiner
        .post(&format!("{base}/cs/reconcile"), json!({}))
        .await;
    assert_eq!(len(&d), 0, "{d} {mother} {son} {at_cs:?}");

    // A CS that lost the son's: the 整合性確認 says so; a 広域交付 it lets through is
    // refused by kikan (the reason not told), the refusal audited.
    sim.state
        .lock()
        .map(|mut st| {
            st.holds.get_mut(&muni).map(|m| m.remove(&son_code));
        })
        .ok();
    let (_, d) = examiner
        .post(&format!("{base}/cs/reconcile"), json!({}))
        .await;
    let differences = d.as_array().cloned().unwrap_or_default();
    assert_eq!(differences.len(), 1, "{d}");
    assert_eq!(differences[0]["items"], json!(["交付抑止"]), "{d}");
    assert!(sim.ask_wide("131016", &muni, &son_code, ask, today).is_ok());
    let (_, r) = examiner
        .post(&format!("{base}/cs/receive"), json!({}))
        .await;
    assert_eq!(len(&r["applied"]), 1, "{r}");
    assert_eq!(send(&examiner, &base).await, 1);
    let wide = answers(&sim, "131016")
        .last()
        .and_then(|m| m.wide.clone())
        .expect("an answer");
    assert!(
        wide.refusal.is_some() && wide.members.is_empty(),
        "{wide:?}"
    );
    assert!(!format!("{:?}", wide.refusal).contains("支援措置"));
    let (_, log) = app
        .as_role(t, Role::Auditor)
        .await
        .get(&format!("{base}/audit/persons/{son}"))
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"suppress.refused"), "{log}");
    assert!(actions.contains(&"cs.wide_area"), "{log}");
    // Staff send the son's again: the CS holds it once more.
    let (status, v) = examiner
        .post(&format!("{base}/cs/holds"), json!({"person_ids": [son]}))
        .await;
    assert_eq!((status, len(&v)), (200, 1), "{v}");
    send(&examiner, &base).await;
    let (_, d) = examiner
        .post(&format!("{base}/cs/reconcile"), json!({}))
        .await;
    assert_eq!(len(&d), 0, "{d}");

    // A 一時解除 is not fed anywhere: no item, and no change for the feed.
    let (status, v) = examiner
        .post(
            &format!("{base}/suppressions/{id}/release-temporarily"),
            json!({"minutes": 10, "reason": "本人来庁・確認済み"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, holds) = examiner
        .get(&format!("{base}/cs/items?kind=交付抑止情報"))
        .await;
    assert_eq!(len(&holds), 3, "{holds}");
    let since = urlencoding(&before);
    let after_set = chrono::Utc::now();

    // コンビニ交付 reads the suppressions of certificates with its own scope.
    let konbini = app
        .business_system(t, "konbini", &[Resource::IssuanceHolds], false)
        .await;
    let (status, feed) = konbini
        .get(&format!("{base}/issuance-holds?changed_since={since}"))
        .await;
    assert_eq!(status, 200, "{feed}");
    assert_eq!(len(&feed), 1, "{feed}");
    let mut numbers: Vec<i64> = feed[0]["atena_numbers"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    numbers.sort_unstable();
    let mut both = vec![mother, son];
    both.sort_unstable();
    assert_eq!(numbers, both);
    assert_eq!(
        feed[0]["in_force"], true,
        "a 一時解除 leaves it in force: {feed}"
    );
    assert!(feed[0].get("reason").is_none(), "the reason is not told");
    let (_, none) = konbini
        .get(&format!(
            "{base}/issuance-holds?changed_since={}",
            urlencoding(&after_set)
        ))
        .await;
    assert_eq!(len(&none), 0, "the 一時解除 is no change: {none}");
    let atena = app
        .business_system(t, "atena", &[Resource::Atena], false)
        .await;
    let (status, e) = atena.get(&format!("{base}/issuance-holds")).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (403, Some("E-AUTH-012")),
        "{e}"
    );

    // 解除: both members' 交付抑止情報 again, the CS holds none; the feed gives it.
    let (status, v) = examiner
        .post(
            &format!("{base}/suppressions/{id}/release"),
            json!({"note": "終了"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(send(&examiner, &base).await, 2);
    let held_at_cs = sim.snapshot().holds;
    for code in [&son_code, &mother_code] {
        assert!(
            held_at_cs[&muni][code]
                .iter()
                .all(|h| h.released_on.is_some()),
            "{held_at_cs:?}"
        );
    }
    let (_, d) = examiner
        .post(&format!("{base}/cs/reconcile"), json!({}))
        .await;
    assert_eq!(len(&d), 0, "{d}");
    let (_, feed) = konbini
        .get(&format!(
            "{base}/issuance-holds?changed_since={}",
            urlencoding(&after_set)
        ))
        .await;
    assert_eq!(len(&feed), 1, "{feed}");
    assert_eq!(feed[0]["in_force"], false, "{feed}");
    assert!(feed[0]["released_on"].is_string(), "{feed}");

    // The 一覧表 split by 行政区 (指定都市): what was sent and what was received.
    let count = |v: &Value| len(v);
    let (_, all) = examiner.get(&format!("{base}/cs/items")).await;
    let (_, naka) = examiner.get(&format!("{base}/cs/items?ward=中区")).await;
    let (_, nishi) = examiner.get(&format!("{base}/cs/items?ward=141011")).await;
    assert!(
        count(&nishi) >= 1
            && nishi
                .as_array()
                .is_some_and(|l| l.iter().all(|i| i["person_id"] == nishikawa)),
        "西川's alone: {nishi}"
    );
    assert_eq!(count(&naka) + count(&nishi), count(&all));
    let (status, e) = examiner.get(&format!("{base}/cs/items?ward=南区")).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-CODE-005")),
        "{e}"
    );
    let (_, inbox) = examiner.get(&format!("{base}/cs/inbox?ward=中区")).await;
    assert_eq!(count(&inbox), 2, "the two 交付要求: {inbox}");
    let csv = examiner
        .request(
            reqwest::Method::GET,
            &format!("{base}/cs/inbox?ward=西区&format=csv"),
        )
        .send()
        .await
        .expect("csv");
    let text = csv.text().await.unwrap_or_default();
    assert_eq!(text.lines().count(), 1, "the header alone: {text}");
}

fn urlencoding(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        .replace('+', "%2B")
        .replace(':', "%3A")
}

kikan_testsuite::on_both!(certificate_holds_reach_the_cs_and_other_systems);
