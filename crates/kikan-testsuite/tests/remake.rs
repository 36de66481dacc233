//! 改製 and 再製 (1.1.4, j40; 1.2.2, j210): a 住民票 made anew by 職権 at any time, its
//! date kept, the history before a 改製 left to the 改製原住民票 on the copies; the
//! 異動 of a 特別な事由 (特別養子縁組, 性別の変更) left off a copy's 異動履歴 unless
//! asked for.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, mother_and_son};
use serde_json::{Value, json};

fn remake(persons: &[i64], kind: &str, on: &str) -> Value {
    json!({"effective_on": on, "notified_on": on, "basis": "職権",
        "change": {"type": "remake", "person_ids": persons, "kind": kind}})
}

/// A 住民票の写し of `person` with `items`, asked by `requester`, as text.
async fn copy_text(
    who: &Caller,
    base: &str,
    person: i64,
    items: Value,
    requester: Value,
) -> String {
    who.post_pdf_text(
        &format!("{base}/certificates"),
        json!({"kind": "resident_copy", "layout": "individual", "persons": [person],
            "items": items, "requester": requester,
            "purpose": "勤務先へ提出", "identity_check": "運転免許証"}),
        "remake",
    )
    .await
}

async fn reasons(who: &Caller, base: &str, person: i64) -> Vec<(String, Vec<String>)> {
    let (status, h) = who.get(&format!("{base}/persons/{person}/history")).await;
    assert_eq!(status, 200, "{h}");
    h["entries"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|e| {
                    (
                        e["reason"].as_str().unwrap_or_default().to_string(),
                        e["standard_reasons"]
                            .as_array()
                            .map(|r| {
                                r.iter()
                                    .filter_map(|x| x.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn remade_and_reissued(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (hid, mother, son) = mother_and_son(&examiner, &base).await;
    let me = |p: i64| json!({"kind": "self", "person_id": p});
    // A 転居 before the 改製: on the 写し's 異動履歴 until then.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-05-01", "notified_on": "2026-05-01",
                "change": {"type": "relocation", "household_id": hid, "person_ids": [mother, son],
                    "address": {"place": "神奈川県横浜市中区本町二丁目", "banchi": "2番地"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let text = copy_text(&examiner, &base, mother, json!(["history"]), me(mother)).await;
    assert!(text.contains("令和8年5月1日転居"), "{text}");

    // Refused, nothing recorded: by 届出, an unknown kind, nobody, someone twice, a 除票.
    let before = reasons(&examiner, &base, mother).await;
    let mut by_notice = remake(&[mother], "改製", "2026-06-01");
    by_notice["basis"] = json!("届出");
    for (body, field) in [
        (by_notice, "basis"),
        (remake(&[mother], "改正", "2026-06-01"), "change.kind"),
        (remake(&[], "改製", "2026-06-01"), ""),
        (remake(&[mother, mother], "改製", "2026-06-01"), ""),
        (remake(&[mother], "改製", "2026-04-30"), ""),
    ] {
        let (status, e) = examiner.post(&format!("{base}/changes"), body).await;
        assert_eq!(status, 422, "{e}");
        assert!(
            e["code"].as_str().is_some_and(|c| c.starts_with("E-")),
            "{e}"
        );
        if !field.is_empty() {
            assert_eq!(e["field"], field, "{e}");
        }
        assert!(e["message"].as_str().is_some_and(|m| !m.is_ascii()), "{e}");
    }
    assert_eq!(reasons(&examiner, &base, mother).await, before);

    // 改製 of the mother's 住民票: its date kept; the 異動事由 as the standard classes it.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            remake(&[mother], "改製", "2026-06-01"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["reason"], "改製", "{v}");
    assert_eq!(v["entry"]["basis"], "職権", "{v}");
    let remade_seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let (_, p) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(p["remade_on"]["iso"], "2026-06-01", "{p}");
    let (_, boy) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert!(boy.get("remade_on").is_none(), "{boy}");
    let mine = reasons(&examiner, &base, mother).await;
    assert!(
        mine.iter().any(|(r, std)| r == "改製"
            && std == &vec!["改製（消除）".to_string(), "改製（記載）".to_string()]),
        "{mine:?}"
    );
    // Her 写し's 異動履歴 starts at the 改製; the boy's keeps his whole history.
    let text = copy_text(&examiner, &base, mother, json!(["history"]), me(mother)).await;
    assert!(text.contains("令和8年6月1日改製職権"), "{text}");
    assert!(
        !text.contains("令和8年5月1日転居") && !text.contains("令和8年4月1日転入"),
        "{text}"
    );
    let text = copy_text(&examiner, &base, son, json!(["history"]), me(son)).await;
    assert!(text.contains("令和8年5月1日転居"), "{text}");

    // 再製 of the boy's: dated, his history carried as it was.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            remake(&[son], "再製", "2026-06-02"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        v["entry"]["standard_reasons"],
        json!(["再製（消除）", "再製（記載）"]),
        "{v}"
    );
    let (_, boy) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(boy["reissued_on"]["iso"], "2026-06-02", "{boy}");
    let text = copy_text(&examiner, &base, son, json!(["history"]), me(son)).await;
    assert!(
        text.contains("令和8年4月1日転入") && text.contains("令和8年6月2日再製職権"),
        "{text}"
    );

    // 性別の変更 (a 特別な事由): off the 異動履歴 unless asked for, and only for 本人・世帯.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-07-01", "notified_on": "2026-07-01", "basis": "職権",
                "change": {"type": "correction", "person_id": son, "kind": "職権修正",
                    "correction": {"item": "sex", "new": "女"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let text = copy_text(&examiner, &base, son, json!(["history"]), me(son)).await;
    assert!(
        !text.contains("令和8年7月1日") && text.contains("令和8年5月1日転居"),
        "{text}"
    );
    let text = copy_text(&examiner, &base, son, json!(["special_history"]), me(son)).await;
    assert!(
        text.contains("令和8年7月1日職権修正職権") && text.contains("令和8年5月1日転居"),
        "{text}"
    );
    let (status, e) = examiner
        .post(&format!("{base}/certificates"), json!({"kind": "resident_copy", "layout": "individual",
            "persons": [son], "items": ["special_history"],
            "requester": {"kind": "third_party", "name": "債権　太郎", "reason": "貸金の回収のため"},
            "purpose": "債権回収のため", "identity_check": "運転免許証"}))
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-CERT-001")),
        "{e}"
    );

    // The 改製 cancelled: her date gone, her whole history on the 写し again.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes/{remade_seq}/cancel"),
            json!({"basis": "職権", "notified_on": "2026-08-01", "effective_on": "2026-08-01"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert!(p.get("remade_on").is_none(), "{p}");
    let text = copy_text(&examiner, &base, mother, json!(["history"]), me(mother)).await;
    assert!(text.contains("令和8年5月1日転居"), "{text}");
}

kikan_testsuite::on_both!(remade_and_reissued);
