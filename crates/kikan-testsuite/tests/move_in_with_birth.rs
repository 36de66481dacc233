//! 転入届と出生届が同時に出された場合 (4.1.0.1) over HTTP, on both engines: a child born
//! since the household's 転出, whose 出生届 comes with the 転入届, is recorded by the 転入
//! (異動事由 転入, not 出生); born after the 転入日 (by the 届出日), resident from birth.
//! Anyone else born after the 転入日, a child born after the 届出日, and a 職権記載 are
//! refused with their codes.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, members_by_given, person_json};
use serde_json::{Value, json};

async fn a_child_born_since_the_move_out_moves_in(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    // Moved in on 2026-10-01; the child born on 10-05; both 届出 on 10-10.
    let move_in = |kind: &str, born: &str, with_birth: bool| {
        let mut child = person_json(("出井", "生子"), ("デイ", "イクコ"), born, "女", "子");
        child["with_birth"] = json!(with_birth);
        json!({"effective_on": "2026-10-01", "notified_on": "2026-10-10",
            "change": {"type": "move_in", "kind": kind,
                "persons": [person_json(("出井", "一郎"), ("デイ", "イチロウ"), "1990-01-01", "男", "世帯主"), child],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "5番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}})
    };
    // Born after the 転入日 without the 出生届: refused as before; born after the
    // 届出日: refused; only a 転入 or 国外からの転入 takes one.
    for (kind, born, with_birth, want) in [
        ("転入", "2026-10-05", false, "E-IDO-022"),
        ("転入", "2026-10-12", true, "E-IDO-071"),
        ("職権記載", "2026-09-20", true, "E-IDO-071"),
    ] {
        let (status, v) = examiner
            .post(&changes, move_in(kind, born, with_birth))
            .await;
        assert_eq!((status, v["code"].as_str()), (422, Some(want)), "{v}");
    }
    // With the 出生届: a 転入, the child resident from birth.
    let (status, v) = examiner
        .post(&changes, move_in("転入", "2026-10-05", true))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["reason"], "転入", "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [father, child] = members_by_given(&h, &["一郎", "生子"])[..] else {
        panic!("{h}")
    };
    let (_, c) = examiner.get(&format!("{base}/persons/{child}")).await;
    assert_eq!(c["became_resident_on"]["iso"], "2026-10-05", "{c}");
    assert_eq!(c["address_since"]["iso"], "2026-10-05", "{c}");
    assert_eq!(c["relationship"], "子", "{c}");
    let (_, f) = examiner.get(&format!("{base}/persons/{father}")).await;
    assert_eq!(f["became_resident_on"]["iso"], "2026-10-01", "{f}");
    // Its 異動履歴 says 転入 (1.2.2: 国内転入), never 出生.
    let (_, hist) = examiner
        .get(&format!("{base}/persons/{child}/history"))
        .await;
    let reasons: Vec<&str> = hist["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["reason"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(reasons, ["転入"], "{hist}");
    let standard: Vec<&str> = hist["entries"][0]["standard_reasons"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(standard, ["国内転入"], "{hist}");
    let report = kikan_app::check::check(&*app.store, t)
        .await
        .expect("replay check");
    assert_eq!(report.persons, 2);
}

kikan_testsuite::on_both!(a_child_born_since_the_move_out_moves_in);
