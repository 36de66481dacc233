//! フリガナ and フリガナ確認フラグ (1.1.18, j180): each reading (氏名, 旧氏, 通称) keeps
//! whether it was confirmed with the person — set at entry, changed by a correction of
//! the reading (the same reading may be corrected for the flag alone), shown, extracted —
//! and the 旧氏's reading goes to the CS with the 旧氏, checked by the 整合性確認.

use kikan_app::cs::sim::Simulator;
use kikan_security::Role;
use kikan_server::AppState;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};
use std::sync::Arc;

async fn readings_keep_their_confirmation(s: TestStore) {
    let sim = Arc::new(Simulator::new());
    let link: Arc<dyn kikan_app::cs::CsLink> = sim.clone();
    let app = App::spawn_with(s, |mut st: AppState| {
        st.cs = Some(Arc::new(kikan_server::cs::Link::new(link, "sim")));
        st
    })
    .await;
    let t = app.tenant("131016", "千代田区").await;
    let muni = t.to_string();
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let today = kikan_app::clock::japan_today().to_string();
    let at = |change: Value| json!({"effective_on": today, "notified_on": today, "change": change});
    let (status, pool) = examiner
        .post(&format!("{base}/cs/codes"), json!({"count": 10}))
        .await;
    assert_eq!(status, 200, "{pool}");

    // 転入: her reading confirmed with her, his not (absent: not confirmed).
    let mut hanako = person_json(
        ("本田", "花子"),
        ("ほんだ", "はなこ"),
        "1980-04-01",
        "女",
        "世帯主",
    );
    hanako["furigana"]["confirmed"] = json!(true);
    let (status, v) = examiner
        .post(
            &changes,
            at(json!({"type": "move_in", "kind": "転入",
                "persons": [hanako, person_json(("本田", "一郎"), ("ホンダ", "イチロウ"), "1975-06-01", "男", "夫")],
                "address": {"place": "東京都千代田区神田一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let ids: Vec<i64> = v["person_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let (her, him) = (ids[0], ids[1]);
    let person = |id: i64| {
        let e = &examiner;
        let url = format!("{base}/persons/{id}");
        async move {
            let (status, p) = e.get(&url).await;
            assert_eq!(status, 200, "{p}");
            p
        }
    };
    let p = person(her).await;
    assert_eq!(
        (
            p["furigana"]["full"].as_str(),
            p["furigana"]["confirmed"].as_bool()
        ),
        (Some("ホンダ　ハナコ"), Some(true)),
        "{p}"
    );
    assert_eq!(person(him).await["furigana"]["confirmed"], false);
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert!(
        d["accepted"].as_array().is_some_and(|a| !a.is_empty()) && d["refused"] == json!([]),
        "both reach the CS: {d}"
    );

    // His reading confirmed later: the same reading, corrected for the flag alone; the
    // 本人確認情報 is unchanged, so nothing goes to the CS. The same again changes nothing.
    let confirm = at(
        json!({"type": "correction", "person_id": him, "kind": "職権修正",
        "correction": {"item": "furigana", "new": {"family": "ホンダ", "given": "イチロウ", "confirmed": true}}}),
    );
    let (status, v) = examiner.post(&changes, confirm.clone()).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(person(him).await["furigana"]["confirmed"], true);
    let (status, e) = examiner.post(&changes, confirm).await;
    assert_eq!(status, 422, "{e}");
    let (_, pending) = examiner
        .get(&format!("{base}/cs/items?person_id={him}&state=pending"))
        .await;
    assert_eq!(pending, json!([]), "a flag is not 本人確認情報");
    // A reading that is not kana is refused, nothing changed.
    let (status, e) = examiner
        .post(&changes, at(json!({"type": "correction", "person_id": him, "kind": "職権修正",
            "correction": {"item": "furigana", "new": {"family": "本田", "given": "", "confirmed": true}}})))
        .await;
    assert_eq!(
        (status, e["field"].as_str()),
        (422, Some("change.correction.new")),
        "{e}"
    );
    assert_eq!(person(him).await["furigana"]["full"], "ホンダ　イチロウ");

    // 旧氏 with its reading confirmed; the reading goes to the CS with the 旧氏.
    let (status, v) = examiner
        .post(
            &changes,
            at(json!({"type": "former_surname_record", "person_id": her,
            "surname": "佐藤", "furigana": "さとう", "furigana_confirmed": true})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let p = person(her).await;
    assert_eq!(
        (
            p["former_surname"]["furigana"].as_str(),
            p["former_surname"]["furigana_confirmed"].as_bool()
        ),
        (Some("サトウ"), Some(true)),
        "{p}"
    );
    let (_, d) = examiner.post(&format!("{base}/cs/send"), json!({})).await;
    assert!(
        d["accepted"].as_array().is_some_and(|a| !a.is_empty()) && d["refused"] == json!([]),
        "{d}"
    );
    let code = p["juminhyo_code"].as_str().unwrap_or_default().to_string();
    let at_cs = sim
        .snapshot()
        .records
        .get(&muni)
        .and_then(|r| r.get(&code))
        .map(|(w, _)| w.clone());
    assert!(
        at_cs
            .as_ref()
            .and_then(|w| w.former_surname_furigana.as_ref())
            .is_some_and(|k| !k.codes().is_empty()),
        "{at_cs:?}"
    );
    let (_, diff) = examiner
        .post(&format!("{base}/cs/reconcile"), json!({}))
        .await;
    assert_eq!(diff, json!([]));
    sim.tamper(&muni, &code, |w| w.former_surname_furigana = None);
    let (_, diff) = examiner
        .post(&format!("{base}/cs/reconcile"), json!({}))
        .await;
    assert_eq!(diff[0]["items"], json!(["旧氏の振り仮名"]), "{diff}");

    // A foreign resident's 通称 reading, confirmed, as the 転出証明書 gave it.
    let mut kim = person_json(
        ("KIM YOUNG SOO", ""),
        ("キム　ヨンス", ""),
        "1970-01-01",
        "男",
        "世帯主",
    );
    kim["honseki"] = Value::Null;
    kim["foreign"] = json!({"nationality": "韓国", "category": "特別永住者", "card_number": "AB12345678CD",
        "alias": {"name": {"family": "金山", "given": "英夫"},
            "furigana": {"family": "かなやま", "given": "ひでお", "confirmed": true},
            "recorded_on": "2000-04-01", "municipality_code": "271004", "municipality_name": "大阪市"}});
    let (status, v) = examiner
        .post(
            &changes,
            at(json!({"type": "move_in", "kind": "転入", "persons": [kim],
                "address": {"place": "東京都千代田区神田二丁目", "banchi": "2番地"},
                "previous_address": {"place": "大阪府大阪市北区梅田一丁目", "banchi": "1番地"}})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let kim = v["person_ids"][0].as_i64().unwrap_or_default();
    let p = person(kim).await;
    assert_eq!(
        (
            p["foreign"]["alias_furigana"]["full"].as_str(),
            p["foreign"]["alias_furigana"]["confirmed"].as_bool(),
            p["furigana"]["confirmed"].as_bool()
        ),
        (Some("カナヤマ　ヒデオ"), Some(true), Some(false)),
        "{p}"
    );
}

kikan_testsuite::on_both!(readings_keep_their_confirmation);
