//! 住基ネット (CS) 連携 (7.1.1.1–7.1.1.2, 4.3.1) over HTTP, on both engines, against the
//! simulator: the items the ledger gives (none for a change that leaves 本人確認情報
//! alone), delivered in order per person; an unreachable CS retried with nothing lost;
//! a lost reply sent again and taken once (idempotent); a name whose character has no
//! 住基ネット統一文字 held, with the person's later item behind it, until the conversion
//! table is loaded; a refusal in the error list, resent with a changed 異動事由; staff's
//! supplement; 手動連携 pausing automatic sending; the 整合性確認 finding what differs;
//! 住民票コード drawn from the CS's 空きコード with the low-stock alert; audited; 窓口 kept
//! out.

use kikan_app::cs::sim::{Fault, Simulator};
use kikan_security::Role;
use kikan_server::AppState;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};
use std::sync::Arc;

/// A server linked to a simulator of the CS, and the simulator.
async fn linked(s: TestStore) -> (Arc<Simulator>, App) {
    let sim = Arc::new(Simulator::new());
    let link: Arc<dyn kikan_app::cs::CsLink> = sim.clone();
    let app = App::spawn_with(s, |mut st: AppState| {
        st.cs = Some(Arc::new(kikan_server::cs::Link::new(link, "sim")));
        st
    })
    .await;
    (sim, app)
}

fn ids(v: &Value, key: &str) -> Vec<i64> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn items(list: &Value) -> Vec<(i64, String, String, String)> {
    list.as_array()
        .map(|l| {
            l.iter()
                .map(|i| {
                    let s = |k: &str| i[k].as_str().unwrap_or_default().to_string();
                    (
                        i["person_id"].as_i64().unwrap_or_default(),
                        s("reason"),
                        s("state"),
                        s("address"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn cs_outbox_delivers_in_order_and_reconciles(s: TestStore) {
    let (sim, app) = linked(s).await;
    let t = app.tenant("131016", "千代田区").await;
    let muni = t.to_string();
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let changes = format!("{base}/changes");
    let today = kikan_app::clock::japan_today().to_string();
    let at = |change: Value| json!({"effective_on": today, "notified_on": today, "change": change});
    let cs = |p: &str| format!("{base}/cs/{p}");

    // 住民票コード from the CS (4.3.1): 50 空きコード, below the alert level of 100.
    let (status, pool) = examiner.post(&cs("codes"), json!({"count": 50})).await;
    assert_eq!(status, 200, "{pool}");
    assert_eq!(
        (pool["free"].as_u64(), pool["alert"].as_bool()),
        (Some(50), Some(true))
    );
    let given: Vec<String> = sim
        .snapshot()
        .next_code
        .get(&muni)
        .map(|next| {
            (0..60)
                .filter_map(|i| {
                    let body = format!("{:010}", (next - 60 + i) % 10_000_000_000);
                    kikan_domain::JuminhyoCode::from_body(&body)
                        .ok()
                        .map(|c| c.to_string())
                })
                .collect()
        })
        .unwrap_or_default();

    // A household of two moves in; the head's surname holds 𠮷 (no 住基ネット統一文字
    // without the table).
    let (status, v) = examiner
        .post(
            &changes,
            at(json!({"type": "move_in", "kind": "転入",
                "persons": [person_json(("𠮷田", "花子"), ("ヨシダ", "ハナコ"), "1980-04-01", "女", "世帯主"),
                            person_json(("山田", "一郎"), ("ヤマダ", "イチロウ"), "1975-06-01", "男", "夫")],
                "address": {"place": "東京都千代田区神田一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (hanako, ichiro) = (ids(&v, "person_ids")[0], ids(&v, "person_ids")[1]);
    let household = ids(&v, "household_ids")[0];
    let (_, record) = examiner.get(&format!("{base}/persons/{ichiro}")).await;
    let code = record["juminhyo_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(given.contains(&code), "{code} is one of the CS's codes");
    let (_, pool) = examiner.get(&cs("status")).await;
    assert_eq!(pool["codes"]["free"].as_u64(), Some(48), "{pool}");

    // A 世帯主変更 leaves 本人確認情報 alone: no item. A 転居 of both gives one each.
    let (status, v) = examiner
        .post(&changes, at(json!({"type": "head_change", "household_id": household,
            "relationships": [{"person_id": ichiro, "relationship": "世帯主"}, {"person_id": hanako, "relationship": "妻"}]})))
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = examiner
        .post(
            &changes,
            at(json!({"type": "relocation", "person_ids": [hanako, ichiro],
            "address": {"place": "東京都千代田区神田二丁目", "banchi": "2番地"}})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // 本人確認情報 (送付先情報 follow the same changes: see sending_addresses_follow).
    let identity = |q: &str| cs(&format!("items?kind=本人確認情報{q}"));
    let (status, list) = examiner.get(&identity("")).await;
    assert_eq!(status, 200, "{list}");
    let first = "東京都千代田区神田一丁目1番地".to_string();
    let second = "東京都千代田区神田二丁目2番地".to_string();
    assert_eq!(
        items(&list),
        vec![
            (hanako, "転入".into(), "pending".into(), first.clone()),
            (ichiro, "転入".into(), "pending".into(), first.clone()),
            (hanako, "転居".into(), "pending".into(), second.clone()),
            (ichiro, "転居".into(), "pending".into(), second.clone()),
        ]
    );

    // The CS unreachable: the run stops at the first item, which counts the try.
    sim.inject(Fault::Unreachable);
    let (status, d) = examiner.post(&cs("send"), json!({})).await;
    assert_eq!(status, 200, "{d}");
    assert!(d["failure"].is_string(), "{d}");
    assert_eq!(ids(&d, "accepted"), Vec::<i64>::new());
    let (_, status_now) = examiner.get(&cs("status")).await;
    assert!(status_now["last_failure"].is_string(), "{status_now}");

    // Next: 𠮷 holds 花子's 転入 and, behind it, her 転居; 一郎's go, his reply to the
    // first lost (the CS applied it: sent again, taken once).
    sim.inject(Fault::ReplyLost);
    let (_, d) = examiner.post(&cs("send"), json!({})).await;
    assert!(d["failure"].is_string(), "{d}");
    let (_, d) = examiner.post(&cs("send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    // 一郎's 本人確認情報, 戸籍附票記載事項通知 and 送付先情報, both changes.
    assert_eq!(ids(&d, "accepted").len(), 6, "{d}");
    assert_eq!(ids(&d, "held").len(), 1, "{d}");
    assert_eq!(sim.snapshot().duplicates, 1);
    let (_, list) = examiner.get(&identity("")).await;
    let states: Vec<String> = items(&list).into_iter().map(|i| i.2).collect();
    assert_eq!(states, ["held", "accepted", "pending", "accepted"]);
    assert_eq!(list[1]["attempts"].as_u64(), Some(2), "{list}");
    let (_, st) = examiner.get(&cs("status")).await;
    assert_eq!(
        st["waiting_chars"]["𠮷"].as_array().map(Vec::len),
        Some(1),
        "{st}"
    );

    // The conversion table in the MJ文字情報一覧表's columns: a bad line refuses it all.
    let (status, e) = examiner
        .post(
            &cs("chars"),
            json!({"name": "mj.csv",
            "csv": "対応するUCS,住基ネット統一文字コード\nU+20BB7,J+B9D9\nU+5409,X\n"}),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (422, Some("E-CS-001")), "{e}");
    let (status, v) = examiner
        .post(&cs("chars"), json!({"name": "mj.csv",
            "csv": "MJ文字図形名,対応するUCS,実装したMoji_JohoコレクションIVS,住基ネット統一文字コード\nMJ000001,U+20BB7,20BB7_E0100,J+B9D9\n"}))
        .await;
    assert_eq!(status, 200, "{v}");
    // The refused one: the CS refuses 花子's 転入 once.
    sim.inject(Fault::Refuse {
        code: "E1001".into(),
        message: "氏名の文字が不正です".into(),
    });
    let (_, d) = examiner.post(&cs("send"), json!({})).await;
    assert_eq!(ids(&d, "refused").len(), 1, "{d}");
    let refused_id = ids(&d, "refused")[0];
    let (_, errors) = examiner.get(&cs("items?state=refused")).await;
    assert_eq!(errors[0]["error_code"], "E1001", "{errors}");
    assert_eq!(errors[0]["person_id"].as_i64(), Some(hanako));
    // Her 転居 waits behind it; an older item cannot be resent over a later one.
    let (status, e) = examiner
        .post(&cs(&format!("items/{}/resend", list[1]["id"])), json!({}))
        .await;
    assert_eq!((status, e["code"].as_str()), (409, Some("E-CS-004")), "{e}");
    let (status, e) = examiner
        .post(
            &cs(&format!("items/{refused_id}/supplement")),
            json!({"fields": {"本籍": "x"}}),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (422, Some("E-CS-005")), "{e}");
    // Resent with a changed 異動事由: in its place, before her 転居.
    let (status, again) = examiner
        .post(
            &cs(&format!("items/{refused_id}/resend")),
            json!({"reason": "職権修正"}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["id"].as_i64(), again["state"].as_str()),
        (Some(refused_id), Some("pending"))
    );
    let (_, d) = examiner.post(&cs("send"), json!({})).await;
    assert_eq!(ids(&d, "accepted").len(), 6, "{d}");
    let applied: Vec<_> = sim
        .snapshot()
        .applied
        .into_iter()
        .filter(|m| m.kind == kikan_domain::cs::CsKind::Identity)
        .collect();
    let hanakos: Vec<(String, String)> = applied
        .iter()
        .filter(|m| m.identity.name.codes().starts_with("J+B9D9"))
        .map(|m| (m.reason.clone(), m.identity.address.codes()))
        .collect();
    assert_eq!(hanakos.len(), 2);
    assert_eq!(hanakos[0].0, "職権修正");
    assert_eq!(hanakos[1].0, "転居", "her 転居 after her 転入");
    assert_eq!(applied.len(), 4, "each taken once");

    // 整合性確認: nothing differs; then the CS's copy changed behind kikan's back, and a
    // change not yet sent.
    let (status, diff) = examiner.post(&cs("reconcile"), json!({})).await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff, json!([]));
    sim.tamper(&muni, &code, |r| r.sex = 2);
    let (status, v) = examiner
        .post(
            &changes,
            at(json!({"type": "correction", "person_id": hanako,
            "correction": {"item": "name", "new": {"family": "𠮷田", "given": "華子"}}})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, diff) = examiner.post(&cs("reconcile"), json!({})).await;
    let found: Vec<(i64, Vec<String>, bool)> = diff
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    (
                        d["person_id"].as_i64().unwrap_or_default(),
                        d["items"]
                            .as_array()
                            .map(|i| {
                                i.iter()
                                    .filter_map(|x| x.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        d["unsent"].as_bool().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        found.contains(&(ichiro, vec!["性別".to_string()], false)),
        "{diff}"
    );
    assert!(
        found.contains(&(hanako, vec!["氏名".to_string()], true)),
        "{diff}"
    );
    // The same as a batch job (7.1.1.2's 定期的に: a schedule runs it): a difference no
    // unsent item explains fails the run, so the operator hears of it.
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/cs_reconcile/run"),
            json!({"params": {}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["ok"].as_bool(), Some(false), "{run}");
    assert!(
        run["detail"]
            .as_str()
            .is_some_and(|d| d.contains("相違2件(うち未送信によるもの1件)")),
        "{run}"
    );

    // 手動連携: the server's own sending pauses; staff's 「送信」 still sends.
    let (status, v) = examiner.put(&cs("settings"), json!({"manual": true})).await;
    assert_eq!((status, v["manual"].as_bool()), (200, Some(true)), "{v}");
    let paused = kikan_app::cs::deliver(
        &*app.store,
        &*sim,
        &kikan_app::Actor {
            tenant: t,
            name: "system:test".into(),
            role: None,
            purpose: None,
            client: None,
            terminal: None,
        },
        kikan_app::clock::japan_today(),
        false,
    )
    .await
    .expect("deliver");
    assert!(paused.paused && paused.accepted.is_empty());
    let (_, d) = examiner.post(&cs("send"), json!({})).await;
    assert_eq!(ids(&d, "accepted").len(), 1, "{d}");

    // The 一覧表 as CSV; the person's 送信履歴.
    let res = examiner
        .request(reqwest::Method::GET, &identity("&format=csv"))
        .send()
        .await
        .expect("csv");
    let text = res.text().await.unwrap_or_default();
    assert!(text.starts_with("\u{feff}送信番号,電文,異動事由"), "{text}");
    assert_eq!(text.lines().count(), 1 + 5, "{text}");
    let (_, mine) = examiner
        .get(&cs(&format!("items?person_id={hanako}")))
        .await;
    assert_eq!(mine.as_array().map(Vec::len), Some(7), "{mine}");
    // Her 送付先情報 (7.1.1.4's 送信履歴): one per change of address.
    let (_, sent) = examiner
        .get(&cs(&format!("items?person_id={hanako}&kind=送付先情報")))
        .await;
    assert_eq!(sent.as_array().map(Vec::len), Some(2), "{sent}");

    // Unknown state refused; 窓口 kept out; what reached the CS audited by person.
    let (status, e) = examiner.get(&cs("items?state=sent")).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-CODE-005")),
        "{e}"
    );
    let (status, _) = reception.get(&cs("items")).await;
    assert_eq!(status, 403);
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{hanako}")).await;
    let actions: Vec<&str> = log
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"cs.deliver"), "{log}");
    assert!(actions.contains(&"cs.resend"), "{log}");
}

/// Once the municipality takes codes from the CS, a 転入 with none left is refused
/// and nothing is recorded.
async fn no_free_code_refuses_the_move_in(s: TestStore) {
    let (_sim, app) = linked(s).await;
    let t = app.tenant("131024", "中央区").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (status, _) = examiner
        .post(&format!("{base}/cs/codes"), json!({"count": 1}))
        .await;
    assert_eq!(status, 200);
    let today = kikan_app::clock::japan_today().to_string();
    let move_in = json!({"effective_on": today, "notified_on": today,
        "change": {"type": "move_in", "kind": "転入",
            "persons": [person_json(("見本", "一"), ("ミホン", "ハジメ"), "1990-01-01", "男", "世帯主"),
                        person_json(("見本", "二"), ("ミホン", "フタバ"), "1992-01-01", "女", "妻")],
            "address": {"place": "東京都中央区銀座一丁目", "banchi": "1番地"},
            "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}});
    let (status, e) = examiner.post(&format!("{base}/changes"), move_in).await;
    assert_eq!((status, e["code"].as_str()), (422, Some("E-CS-008")), "{e}");
    // The code the first person drew is back in the pool.
    let (_, st) = examiner.get(&format!("{base}/cs/status")).await;
    assert_eq!(st["codes"]["free"].as_u64(), Some(1), "{st}");
    let (status, found) = examiner.get(&format!("{base}/search?kana=ミホン")).await;
    assert_eq!(
        (status, found.as_array().map(Vec::len)),
        (200, Some(0)),
        "{found}"
    );
    // One person takes the one code; a 住民票コードの変更請求 then finds the pool empty,
    // and takes the next code the CS gives (4.3.1: 変更異動 numbered from the pool).
    let one = json!({"effective_on": today, "notified_on": today,
        "change": {"type": "move_in", "kind": "転入",
            "persons": [person_json(("見本", "一"), ("ミホン", "ハジメ"), "1990-01-01", "男", "世帯主")],
            "address": {"place": "東京都中央区銀座一丁目", "banchi": "1番地"},
            "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}});
    let (status, v) = examiner.post(&format!("{base}/changes"), one).await;
    assert_eq!(status, 201, "{v}");
    let person = ids(&v, "person_ids")[0];
    let (_, before) = examiner.get(&format!("{base}/persons/{person}")).await;
    let request = json!({"effective_on": today, "notified_on": today, "basis": "申出",
        "change": {"type": "correction", "person_id": person,
            "correction": {"item": "juminhyo_code", "new": null}}});
    let (status, e) = examiner
        .post(&format!("{base}/changes"), request.clone())
        .await;
    assert_eq!((status, e["code"].as_str()), (422, Some("E-CS-008")), "{e}");
    let (status, _) = examiner
        .post(&format!("{base}/cs/codes"), json!({"count": 1}))
        .await;
    assert_eq!(status, 200);
    let (status, v) = examiner.post(&format!("{base}/changes"), request).await;
    assert_eq!(status, 201, "{v}");
    let (_, after) = examiner.get(&format!("{base}/persons/{person}")).await;
    assert_eq!(
        after["juminhyo_code"].as_str().map(str::len),
        Some(11),
        "{after}"
    );
    assert_ne!(after["juminhyo_code"], before["juminhyo_code"], "{after}");
    let (_, st) = examiner.get(&format!("{base}/cs/status")).await;
    assert_eq!(st["codes"]["free"].as_u64(), Some(0), "{st}");
    // The CS hears of the change with the code it replaced.
    let (_, items) = examiner
        .get(&format!("{base}/cs/items?person_id={person}&state=pending"))
        .await;
    assert!(
        items.as_array().is_some_and(|l| l
            .iter()
            .any(|i| i["juminhyo_code"] == after["juminhyo_code"])),
        "{items}"
    );
}

/// 個人番号 and 符号 from the centre (7.1.2.1–7.1.2.2): a 出生 asks for a number by itself,
/// the answer is recorded on the person by 職権 (a lost answer asked again gives the same
/// number, recorded once), a 変更要求 gives another, a 符号 is kept with its request.
async fn numbers_come_from_the_centre(s: TestStore) {
    let (sim, app) = linked(s).await;
    let t = app.tenant("131032", "港区").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (hid, mother, _) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let today = kikan_app::clock::japan_today().to_string();
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({"effective_on": today, "notified_on": today,
            "change": {"type": "birth", "household_id": hid,
                "person": person_json(("山本", "陽菜"), ("ヤマモト", "ヒナ"), &today, "女", "子")}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let baby = ids(&v, "person_ids")[0];
    let (_, list) = examiner
        .get(&format!("{base}/cs/items?person_id={baby}"))
        .await;
    let kinds: Vec<&str> = list
        .as_array()
        .map(|l| l.iter().filter_map(|i| i["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        kinds,
        [
            "本人確認情報",
            "戸籍附票記載事項通知",
            "送付先情報",
            "個人番号生成要求"
        ],
        "{list}"
    );
    // The answer lost once: asked again, the same number, recorded once.
    sim.inject(Fault::Unreachable);
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert!(d["failure"].is_string(), "{d}");
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let (_, p) = examiner.get(&format!("{base}/persons/{baby}")).await;
    assert_eq!(p["has_individual_number"], true, "{p}");
    let (_, history) = examiner
        .get(&format!("{base}/persons/{baby}/history"))
        .await;
    let corrections = history["entries"]
        .as_array()
        .map(|h| h.iter().filter(|e| e["reason"] == "職権修正").count())
        .unwrap_or_default();
    assert_eq!(corrections, 1, "{history}");
    // The number reaches the CS's 本人確認情報 with the next send: nothing differs.
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let (_, diff) = examiner
        .post(&format!("{base}/cs/reconcile"), json!({}))
        .await;
    assert_eq!(diff, json!([]), "{diff}");
    let first: Vec<String> = sim
        .snapshot()
        .answers
        .values()
        .flat_map(|a| a.values().cloned())
        .collect();
    // A 変更要求 gives another number; a 符号 is kept with its request.
    let (status, r) = examiner
        .post(
            &format!("{base}/cs/persons/{baby}/requests"),
            json!({"kind": "number_change"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let (status, sym) = examiner
        .post(
            &format!("{base}/cs/persons/{mother}/requests"),
            json!({"kind": "symbol"}),
        )
        .await;
    assert_eq!(status, 201, "{sym}");
    let (status, e) = examiner
        .post(
            &format!("{base}/cs/persons/{mother}/requests"),
            json!({"kind": "number_change"}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "no number to change: {e}"
    );
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let answers: Vec<String> = sim
        .snapshot()
        .answers
        .values()
        .flat_map(|a| a.values().cloned())
        .collect();
    let new_number = answers
        .iter()
        .find(|a| !first.contains(a) && !a.starts_with("SYM"))
        .expect("a second number");
    assert_ne!(Some(new_number), first.first());
    let (_, list) = examiner
        .get(&format!(
            "{base}/cs/items?person_id={mother}&state=accepted"
        ))
        .await;
    let symbol = list
        .as_array()
        .and_then(|l| l.iter().find(|i| i["kind"] == "符号取得要求"))
        .cloned()
        .unwrap_or_default();
    assert!(
        symbol["symbol"]
            .as_str()
            .is_some_and(|s| s.starts_with("SYM")),
        "{list}"
    );
    let (_, all) = examiner.get(&format!("{base}/cs/items")).await;
    assert!(
        !all.to_string().contains(new_number.as_str()),
        "no 個人番号 shown: {all}"
    );
    let (_, history) = examiner
        .get(&format!("{base}/persons/{baby}/history"))
        .await;
    let corrections = history["entries"]
        .as_array()
        .map(|h| h.iter().filter(|e| e["reason"] == "職権修正").count())
        .unwrap_or_default();
    assert_eq!(corrections, 2, "{history}");

    // カードの発行状況 from the CS (7.1.1.3) and the 利用者証明用電子証明書のシリアル番号
    // (7.1.2.4): kept with the person's card items, shown on the record.
    let (_, mother_record) = examiner.get(&format!("{base}/persons/{mother}")).await;
    let code = mother_record["juminhyo_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(sim.report_card(
        &t.to_string(),
        &code,
        kikan_domain::cs::CardReport {
            holds: true,
            kind: kikan_domain::business::CardKind::Individual,
            status: "交付済み".into(),
            expires_on: chrono::NaiveDate::from_ymd_opt(2035, 2, 2),
            signature_serial: Some("0A1B2C3D4E5F6071".into()),
        }
    ));
    let (_, r) = examiner
        .post(&format!("{base}/cs/receive"), json!({}))
        .await;
    assert_eq!(r["applied"].as_array().map(Vec::len), Some(1), "{r}");
    let (status, _) = examiner
        .post(
            &format!("{base}/cs/persons/{mother}/requests"),
            json!({"kind": "certificate_serial"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let (_, items) = examiner
        .get(&format!("{base}/persons/{mother}/business-items"))
        .await;
    let card = items["current"]
        .as_array()
        .and_then(|c| c.iter().find(|b| b["business"] == "card"))
        .cloned()
        .unwrap_or_default();
    let line = card["line"].as_str().unwrap_or_default();
    assert!(
        line.starts_with("保有あり　個人番号カード　発行状況 交付済み"),
        "{card}"
    );
    assert!(
        line.contains("署名用電子証明書シリアル番号 0A1B2C3D4E5F6071")
            && line.contains("利用者証明用電子証明書シリアル番号 "),
        "{card}"
    );
}

/// 送付先情報 (7.1.1.4): made with each change of address and sent by itself; a 居所
/// set instead of the address goes in its place; the CS's 更新対象者 answered with a new
/// one; the 送信履歴 searched by person and kind.
async fn sending_addresses_follow(s: TestStore) {
    let (sim, app) = linked(s).await;
    let t = app.tenant("131041", "新宿区").await;
    let muni = t.to_string();
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (_, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let sent_to = |who: &str| -> Vec<String> {
        let map = kikan_domain::cs::CharMap::default();
        sim.snapshot()
            .applied
            .iter()
            .filter(|m| {
                m.kind == kikan_domain::cs::CsKind::SendingAddress
                    && map.text_of(&m.identity.name) == who
            })
            .filter_map(|m| {
                m.transfer
                    .as_ref()?
                    .other_address
                    .as_ref()
                    .map(|a| map.text_of(a))
            })
            .collect()
    };
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    assert_eq!(sent_to("山本　健太"), ["神奈川県横浜市中区山下町7番地"]);
    // A 居所 for the son (a student's dormitory): his 送付先情報 goes there.
    let (status, v) = examiner
        .put(
            &format!("{base}/cs/persons/{son}/sending-address"),
            json!({"address": {"place": "東京都新宿区西早稲田一丁目", "banchi": "6番地", "katagaki": "学生寮101号室"}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["kind"], "送付先情報");
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(ids(&d, "accepted").len(), 1, "{d}");
    assert_eq!(
        sent_to("山本　健太").last().map(String::as_str),
        Some("東京都新宿区西早稲田一丁目6番地　学生寮101号室")
    );
    // 印刷区分 and 特別な事情 (7.1.1.1) set for the mother: her 送付先情報 carries them;
    // a 印刷区分 that is not a code is refused, nothing queued.
    let (status, e) = examiner
        .put(
            &format!("{base}/cs/persons/{mother}/sending-address"),
            json!({"address": null, "print_category": "印刷あり"}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str(), e["field"].as_str()),
        (422, Some("E-INPUT-003"), Some("print_category")),
        "{e}"
    );
    let (status, v) = examiner
        .put(
            &format!("{base}/cs/persons/{mother}/sending-address"),
            json!({"address": null, "print_category": "2", "special_circumstances": true}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(ids(&d, "accepted").len(), 1, "{d}");
    let last = sim
        .snapshot()
        .applied
        .iter()
        .rev()
        .find(|m| m.kind == kikan_domain::cs::CsKind::SendingAddress)
        .and_then(|m| m.transfer.clone())
        .expect("a 送付先情報");
    assert_eq!(
        (last.print_category.as_deref(), last.special_circumstances),
        (Some("2"), Some(true))
    );
    assert_eq!(
        sent_to("山本　花子").last().map(String::as_str),
        Some("神奈川県横浜市中区山下町7番地"),
        "no 居所: her address"
    );
    // The CS asks for the mother's (更新対象者): a new one is made and sent.
    let (_, record) = examiner.get(&format!("{base}/persons/{mother}")).await;
    let code = record["juminhyo_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(sim.ask_sending(&muni, &code));
    let (_, r) = examiner
        .post(&format!("{base}/cs/receive"), json!({}))
        .await;
    assert_eq!(r["applied"].as_array().map(Vec::len), Some(1), "{r}");
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(ids(&d, "accepted").len(), 1, "{d}");
    assert_eq!(
        sent_to("山本　花子").len(),
        3,
        "with the one of her 印刷区分"
    );
    // The 送信履歴 of 送付先情報, by person.
    let (_, sent) = examiner
        .get(&format!(
            "{base}/cs/items?person_id={son}&kind=送付先情報&state=accepted"
        ))
        .await;
    assert_eq!(sent.as_array().map(Vec::len), Some(2), "{sent}");
    // Cleared: his address again.
    let (status, _) = examiner
        .put(
            &format!("{base}/cs/persons/{son}/sending-address"),
            json!({"address": null}),
        )
        .await;
    assert_eq!(status, 200);
    examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(
        sent_to("山本　健太").last().map(String::as_str),
        Some("神奈川県横浜市中区山下町7番地")
    );
}

/// 戸籍附票記載事項通知 (住基法19条; 7.1.1.1, 7.2.4): a person with a 本籍 brought in,
/// moved, or gone abroad is notified to the 本籍地 — marked 管内 when the 本籍 is here (for
/// this municipality's 戸籍附票システム); none for a change that leaves the address, nor
/// for one without a 本籍.
async fn fuhyo_notices_follow_the_address(s: TestStore) {
    let (sim, app) = linked(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    // 本籍 in 横浜市 (person_json's): 管内.
    let (_, _, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let today = kikan_app::clock::japan_today().to_string();
    // One whose 本籍 is elsewhere, and one with none.
    let mut osaka = person_json(
        ("大阪", "一"),
        ("オオサカ", "ハジメ"),
        "1970-01-01",
        "男",
        "世帯主",
    );
    osaka["honseki"] =
        json!({"domicile": "大阪府大阪市北区梅田一丁目1番", "head_name": "大阪　一"});
    let mut none = person_json(
        ("無籍", "二"),
        ("ムセキ", "ツギ"),
        "1972-01-01",
        "男",
        "同居人",
    );
    none["honseki"] = json!({"domicile": "なし", "head_name": ""});
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": today, "notified_on": today,
            "change": {"type": "move_in", "kind": "転入", "persons": [osaka, none],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "9番地"},
                "previous_address": {"place": "大阪府大阪市北区梅田一丁目", "banchi": "2番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // The son goes abroad: one notice, with where to.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"notified_on": today,
            "change": {"type": "move_out", "person_ids": [son], "planned_on": today, "abroad": true,
                "destination": {"place": "アメリカ合衆国カリフォルニア州", "banchi": ""}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // The daily work removes him on his planned day (today).
    let (status, v) = examiner
        .post(&format!("{base}/jobs/daily/run"), json!({"params": {}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let map = kikan_domain::cs::CharMap::default();
    let notices: Vec<(String, Option<bool>, String)> = sim
        .snapshot()
        .applied
        .iter()
        .filter(|m| m.kind == kikan_domain::cs::CsKind::FuhyoNotice)
        .filter_map(|m| {
            let t = m.transfer.as_ref()?;
            Some((
                map.text_of(&m.identity.name),
                t.domicile_here,
                t.other_address
                    .as_ref()
                    .map(|a| map.text_of(a))
                    .unwrap_or_default(),
            ))
        })
        .collect();
    let here = "神奈川県横浜市中区山下町7番地".to_string();
    assert_eq!(
        notices,
        vec![
            ("山本　花子".to_string(), Some(true), here.clone()),
            ("山本　健太".to_string(), Some(true), here),
            (
                "大阪　一".to_string(),
                Some(false),
                "神奈川県横浜市中区山下町9番地".to_string()
            ),
            (
                "山本　健太".to_string(),
                Some(true),
                "アメリカ合衆国カリフォルニア州".to_string()
            ),
        ],
        "{notices:?}"
    );
}

/// 宛名連携 (7.2.3): the 異動差分 after a cursor, each change with the records it changed
/// as they stand (names with their IVS), nothing repeated or skipped as the cursor moves;
/// the timing set by the municipality (リアルタイム, or every 1–10 minutes).
async fn address_feed_follows_a_cursor(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (_, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let feed = |after: i64| format!("{base}/feed/changes?after={after}");
    let (status, page) = examiner.get(&feed(0)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["changes"][0]["reason"], "転入");
    assert_eq!(
        page["changes"][0]["persons"].as_array().map(Vec::len),
        Some(2)
    );
    let cursor = page["next"].as_i64().unwrap_or_default();
    // Nothing new: the same cursor back.
    let (_, page) = examiner.get(&feed(cursor)).await;
    assert_eq!(page["changes"], json!([]), "{page}");
    assert_eq!(page["next"].as_i64(), Some(cursor));
    // A name with an IVS comes out with it (文字情報基盤 characters).
    let today = kikan_app::clock::japan_today().to_string();
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({"effective_on": today, "notified_on": today, "basis": "職権",
            "change": {"type": "correction", "person_id": son,
                "correction": {"item": "name", "new": {"family": "山本", "given": "葛\u{E0100}太"}}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": today, "notified_on": today,
            "change": {"type": "relocation", "person_ids": [mother, son],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, page) = examiner.get(&format!("{}&limit=1", feed(cursor))).await;
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(
        page["changes"][0]["persons"][0]["name"]["given"],
        "葛\u{E0100}太"
    );
    let cursor = page["next"].as_i64().unwrap_or_default();
    let (_, page) = examiner.get(&feed(cursor)).await;
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["changes"][0]["reason"], "転居");
    // The timing: 準リアルタイム every 10 minutes at most.
    let (status, e) = examiner
        .put(
            &format!("{base}/cs/settings"),
            json!({"feed_interval_minutes": 11}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{e}"
    );
    let (status, _) = examiner
        .put(
            &format!("{base}/cs/settings"),
            json!({"feed_interval_minutes": 10}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, page) = examiner.get(&feed(0)).await;
    assert_eq!(page["interval_minutes"].as_u64(), Some(10), "{page}");
}

const KEN_ALL: &[u8] = include_bytes!("../data/address/KEN_ALL_sample.CSV");

/// CSから受信した転入通知の受理 (4.1.3.1.2): a 転入通知 that names no 転出者 here is a
/// 取込エラー; staff take it in with the person and the 転入日, and the 転出先住所 gets its
/// 郵便番号 from the postal code file. The same notice sent again is a 取込エラー by
/// itself (the 除票 is complete); staff take it in as a correction of the 転出先住所.
async fn move_in_notices_are_taken_in_by_staff(s: TestStore) {
    use base64::Engine;
    let (sim, app) = linked(s).await;
    let a = app.tenant("131016", "千代田区").await;
    let b = app.tenant("132128", "日野市").await;
    let (base_a, base_b) = (
        format!("/api/v1/tenants/{a}"),
        format!("/api/v1/tenants/{b}"),
    );
    let ea = app.as_role(a, Role::Examiner).await;
    let eb = app.as_role(b, Role::Examiner).await;
    let admin = app.as_role(a, Role::Admin).await;
    let (status, v) = admin
        .post(
            &format!("{base_a}/address-dictionary/import"),
            json!({"kind": "postal", "base64": base64::engine::general_purpose::STANDARD.encode(KEN_ALL)}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let today = kikan_app::clock::japan_today().to_string();
    let (status, v) = ea
        .post(&format!("{base_a}/changes"), json!({"effective_on": "2025-04-01", "notified_on": "2025-04-01",
            "change": {"type": "move_in", "kind": "転入",
                "persons": [person_json(("田中", "一郎"), ("タナカ", "イチロウ"), "1980-01-01", "男", "世帯主")],
                "address": {"place": "東京都千代田区神田一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let person = ids(&v, "person_ids")[0];
    let (status, v) = ea
        .post(
            &format!("{base_a}/changes"),
            json!({"notified_on": today,
            "change": {"type": "move_out", "person_ids": [person], "planned_on": today,
                "destination": {"place": "東京都日野市神明一丁目", "banchi": "2番3号"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // 日野市 records the 転入 with a 住民票コード that is not his (a mistake there): its
    // 転入通知 names nobody here.
    let wrong = kikan_domain::JuminhyoCode::from_body("1234567890").expect("code");
    let mut moved = person_json(
        ("田中", "一郎"),
        ("タナカ", "イチロウ"),
        "1980-01-01",
        "男",
        "世帯主",
    );
    moved["juminhyo_code"] = json!(wrong.to_string());
    let (status, v) = eb
        .post(
            &format!("{base_b}/changes"),
            json!({"effective_on": today, "notified_on": today,
            "cs": {"notice_to": a.to_string()},
            "change": {"type": "move_in", "kind": "転入", "persons": [moved],
                "address": {"place": "東京都日野市神明一丁目", "banchi": "2番3号"},
                "previous_address": {"place": "東京都千代田区神田一丁目", "banchi": "1番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, d) = eb.post(&format!("{base_b}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let (status, r) = ea.post(&format!("{base_a}/cs/receive"), json!({})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["failed"].as_array().map(Vec::len), Some(1), "{r}");
    let (_, failed) = ea.get(&format!("{base_a}/cs/inbox?state=failed")).await;
    let key = failed[0]["key"].as_str().unwrap_or_default().to_string();
    assert!(
        failed.to_string().contains("転出者が見つかりません"),
        "{failed}"
    );
    // Staff take it in: the person named, the 転入日 given.
    let (status, v) = ea
        .post(
            &format!("{base_a}/cs/inbox/{key}/apply"),
            json!({"person_id": 999_999}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-IDO-001")),
        "{v}"
    );
    let (status, v) = ea
        .post(
            &format!("{base_a}/cs/inbox/{key}/apply"),
            json!({"person_id": person, "moved_on": today}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "done", "{v}");
    let (_, p) = ea.get(&format!("{base_a}/persons/{person}")).await;
    assert_eq!(p["status"]["state"], "消除", "{p}");
    assert_eq!(
        p["status"]["destination"]["postal_code"], "191-0016",
        "from KEN_ALL: {p}"
    );
    // Taken in once: not again.
    let (status, v) = ea
        .post(
            &format!("{base_a}/cs/inbox/{key}/apply"),
            json!({"person_id": person}),
        )
        .await;
    assert_eq!((status, v["code"].as_str()), (422, Some("E-CS-009")), "{v}");

    // The notice sent again (a new number): by itself a 取込エラー; staff take it in as a
    // correction of the 転出先住所 (a 文字化け mended by hand).
    {
        let mut st = sim.state.lock().expect("simulator");
        let mut again = st
            .applied
            .iter()
            .rev()
            .find(|m| m.kind == kikan_domain::cs::CsKind::MoveInNotice)
            .cloned()
            .expect("the 転入通知");
        again.id += 1000;
        again.identity.code = p["juminhyo_code"].as_str().unwrap_or_default().to_string();
        st.next_delivery += 1;
        let n = st.next_delivery;
        st.inbox.entry(a.to_string()).or_default().insert(n, again);
    }
    let (_, r) = ea.post(&format!("{base_a}/cs/receive"), json!({})).await;
    assert_eq!(r["failed"].as_array().map(Vec::len), Some(1), "{r}");
    let (_, failed) = ea.get(&format!("{base_a}/cs/inbox?state=failed")).await;
    assert!(failed.to_string().contains("取込済み"), "{failed}");
    let key = failed[0]["key"].as_str().unwrap_or_default().to_string();
    let (status, v) = ea
        .post(
            &format!("{base_a}/cs/inbox/{key}/apply"),
            json!({"destination": {"place": "東京都日野市程久保二丁目", "banchi": "4番5号"}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, p) = ea.get(&format!("{base_a}/persons/{person}")).await;
    assert_eq!(
        p["status"]["destination"]["place"], "東京都日野市程久保二丁目",
        "{p}"
    );
    assert_eq!(p["status"]["destination"]["postal_code"], "191-0042", "{p}");
    // The 転出届's 予定 is kept as it was.
    assert_eq!(
        p["status"]["moved_out"]["planned_destination"]["place"], "東京都日野市神明一丁目",
        "{p}"
    );
    let (_, history) = ea.get(&format!("{base_a}/persons/{person}/history")).await;
    let reasons: Vec<&str> = history["entries"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["reason"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        reasons.iter().filter(|r| **r == "転出確定").count(),
        1,
        "{reasons:?}"
    );
    assert!(reasons.contains(&"職権修正"), "{reasons:?}");

    // 9条1項 (7.1.1.1): a 転入 naming no municipality sends its 転入通知 to the one of
    // its 転入前住所, as the postal code file tells (瑞穂町); a 転入前住所 the file does not
    // know (港区: not in the sample) sends none.
    for (given, kana, born, from) in [
        (
            "次郎",
            "ジロウ",
            "1985-01-01",
            ("東京都西多摩郡瑞穂町箱根ケ崎", "1番地"),
        ),
        (
            "三郎",
            "サブロウ",
            "昭和60年頃",
            ("東京都港区芝一丁目", "2番地"),
        ),
    ] {
        let (status, v) = ea
            .post(&format!("{base_a}/changes"), json!({"effective_on": today, "notified_on": today,
                "change": {"type": "move_in", "kind": "転入",
                    "persons": [person_json(("田中", given), ("タナカ", kana), born, "男", "世帯主")],
                    "address": {"place": "東京都千代田区神田一丁目", "banchi": "3番地"},
                    "previous_address": {"place": from.0, "banchi": from.1}}}))
            .await;
        assert_eq!(status, 201, "{v}");
    }
    // 4.1.0.1: a child whose 出生届 came with the 転入届 was never in 瑞穂町: the 転入通知
    // names the father only.
    let mut child = person_json(("田中", "五子"), ("タナカ", "イツコ"), &today, "女", "子");
    child["with_birth"] = json!(true);
    let (status, v) = ea
        .post(&format!("{base_a}/changes"), json!({"effective_on": today, "notified_on": today,
            "change": {"type": "move_in", "kind": "転入",
                "persons": [person_json(("田中", "四郎"), ("タナカ", "シロウ"), "1990-01-01", "男", "世帯主"), child],
                "address": {"place": "東京都千代田区神田一丁目", "banchi": "4番地"},
                "previous_address": {"place": "東京都西多摩郡瑞穂町箱根ケ崎", "banchi": "2番地"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["reason"], "転入", "{v}");
    let (_, d) = ea.post(&format!("{base_a}/cs/send"), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let notices: Vec<Option<String>> = sim
        .state
        .lock()
        .expect("simulator")
        .applied
        .iter()
        .filter(|m| {
            m.kind == kikan_domain::cs::CsKind::MoveInNotice && m.municipality == a.to_string()
        })
        .map(|m| m.to.clone())
        .collect();
    assert_eq!(
        notices,
        [Some("133035".to_string()), Some("133035".to_string())],
        "瑞穂町 only, 次郎 and 四郎"
    );
    // 1.1.8: a 不詳 birth date goes to the CS as written, beside a date that sorts.
    let saburo = sim
        .snapshot()
        .applied
        .iter()
        .find(|m| {
            m.kind == kikan_domain::cs::CsKind::Identity
                && kikan_domain::cs::CharMap::default().text_of(&m.identity.name) == "田中　三郎"
        })
        .map(|m| m.identity.clone())
        .expect("三郎's 本人確認情報");
    assert_eq!(saburo.birth_date_text.as_deref(), Some("昭和60年頃"));
    assert_eq!(chrono::Datelike::year(&saburo.birth_date), 1985);
    let report = kikan_app::check::check(&*app.store, a)
        .await
        .expect("replay check");
    assert!(report.persons > 0);
}

/// 住基ネット共同利用 (7.1.1.1): two municipalities of this server share one CS server;
/// what one receives from its inbox is sorted to each (the other's kept for it, its
/// receipt then applies it); a group name that is not a plain code is refused.
async fn shared_cs_sorts_to_members(s: TestStore) {
    let (sim, app) = linked(s).await;
    let (x, y, z) = (
        app.tenant("131016", "千代田区").await,
        app.tenant("131024", "中央区").await,
        app.tenant("141003", "横浜市").await,
    );
    let base = |t: kikan_domain::LocalGovCode| format!("/api/v1/tenants/{t}");
    let (ex, ey, ez) = (
        app.as_role(x, Role::Examiner).await,
        app.as_role(y, Role::Examiner).await,
        app.as_role(z, Role::Examiner).await,
    );
    for (e, t) in [(&ex, x), (&ey, y)] {
        let (status, v) = e
            .put(
                &format!("{}/cs/settings", base(t)),
                json!({"shared_group": "kyodo-1"}),
            )
            .await;
        assert_eq!(
            (status, v["shared_group"].as_str()),
            (200, Some("kyodo-1")),
            "{v}"
        );
    }
    let (status, v) = ex
        .put(
            &format!("{}/cs/settings", base(x)),
            json!({"shared_group": "共同"}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    sim.share("kyodo-1", &["131016", "131024"]);
    let today = kikan_app::clock::japan_today().to_string();
    // One resident of each moves out to 横浜市, which records their 転入.
    let mut moved = Vec::new();
    for (e, t, given, kana) in [(&ex, x, "一", "ハジメ"), (&ey, y, "二", "フタバ")] {
        let (status, v) = e
            .post(&format!("{}/changes", base(t)), json!({"effective_on": "2025-04-01", "notified_on": "2025-04-01",
                "change": {"type": "move_in", "kind": "転入",
                    "persons": [person_json(("共同", given), ("キョウドウ", kana), "1980-01-01", "男", "世帯主")],
                    "address": {"place": "東京都中央区銀座一丁目", "banchi": "1番地"},
                    "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}}))
            .await;
        assert_eq!(status, 201, "{v}");
        let person = ids(&v, "person_ids")[0];
        let (_, p) = e.get(&format!("{}/persons/{person}", base(t))).await;
        let (status, v) = e
            .post(
                &format!("{}/changes", base(t)),
                json!({"notified_on": today,
                "change": {"type": "move_out", "person_ids": [person], "planned_on": today,
                    "destination": {"place": "神奈川県横浜市中区山下町", "banchi": "1番地"}}}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        let mut arriving = person_json(
            ("共同", given),
            ("キョウドウ", kana),
            "1980-01-01",
            "男",
            "世帯主",
        );
        arriving["juminhyo_code"] = p["juminhyo_code"].clone();
        let (status, v) = ez
            .post(
                &format!("{}/changes", base(z)),
                json!({"effective_on": today, "notified_on": today,
                "cs": {"notice_to": t.to_string()},
                "change": {"type": "move_in", "kind": "転入", "persons": [arriving],
                    "address": {"place": "神奈川県横浜市中区山下町", "banchi": "1番地"},
                    "previous_address": {"place": "東京都中央区銀座一丁目", "banchi": "1番地"}}}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        moved.push((e, t, person));
    }
    let (_, d) = ez.post(&format!("{}/cs/send", base(z)), json!({})).await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    assert_eq!(
        sim.snapshot().inbox.get("kyodo-1").map(|m| m.len()),
        Some(2),
        "both 転入通知 in the shared CS's inbox"
    );
    // 千代田区 receives: its own applied, 中央区's kept for it.
    let (_, r) = ex.post(&format!("{}/cs/receive", base(x)), json!({})).await;
    assert_eq!(
        (r["kept"].as_u64(), r["distributed"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(r["applied"].as_array().map(Vec::len), Some(1), "{r}");
    let (_, inbox) = ey.get(&format!("{}/cs/inbox?state=new", base(y))).await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(1), "{inbox}");
    // 中央区's receipt applies what was kept for it.
    let (_, r) = ey.post(&format!("{}/cs/receive", base(y)), json!({})).await;
    assert_eq!(r["applied"].as_array().map(Vec::len), Some(1), "{r}");
    for (e, t, person) in moved {
        let (_, p) = e.get(&format!("{}/persons/{person}", base(t))).await;
        assert_eq!(p["status"]["state"], "消除", "{p}");
    }
}

kikan_testsuite::on_both!(
    shared_cs_sorts_to_members,
    move_in_notices_are_taken_in_by_staff,
    address_feed_follows_a_cursor,
    cs_outbox_delivers_in_order_and_reconciles,
    no_free_code_refuses_the_move_in,
    numbers_come_from_the_centre,
    sending_addresses_follow,
    fuhyo_notices_follow_the_address
);
