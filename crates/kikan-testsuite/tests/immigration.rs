//! 出入国在留管理庁長官通知 (4.5.6, j960) over HTTP, on both engines: a notice file read
//! (a bad line refuses it, naming the line, nothing stored); the notices still to process
//! listed with their 処理結果確認票; one applied as a 在留資格等変更 by 職権; one for a card
//! nobody here holds refused and set aside with a reason; only 審査 does any of it.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, foreign_student};
use serde_json::{Value, json};

const HEADER: &str =
    "通知日,在留カード等番号,通知の種類,在留資格,在留期間,満了日,新しい在留カード等番号,消除事由";

async fn immigration_notices_are_read_listed_and_applied(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let (an, _) = foreign_student(&examiner, &base).await;
    let notices = format!("{base}/immigration-notices");

    // A bad line refuses the file, naming it; nothing is stored.
    let bad = format!(
        "{HEADER}\n2026-05-01,AB12345678CD,変更,技術・人文知識・国際業務,5年,2031-03-31,,\n2026-05-02,AB12345678CD,更新,,,,,\n"
    );
    let (status, v) = examiner
        .post(&notices, json!({"name": "notice-0501.csv", "csv": bad}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-NOTICE-001")),
        "{v}"
    );
    assert!(
        v["message"].as_str().unwrap_or_default().contains("3行目"),
        "{v}"
    );
    let (_, none) = examiner.get(&notices).await;
    assert_eq!(none, json!([]));
    // Only 審査 reads and lists notices.
    let (status, _) = reception.get(&notices).await;
    assert_eq!(status, 403);

    let file = format!(
        "\u{feff}{HEADER}\n2026-05-01,AB12345678CD,変更,技術・人文知識・国際業務,5年,2031-03-31,XY87654321ZW,\n\n2026-05-02,ZZ11111111ZZ,消除,,,,,出国\n"
    );
    let (status, read) = examiner
        .post(&notices, json!({"name": "notice-0502.csv", "csv": file}))
        .await;
    assert_eq!(status, 201, "{read}");
    assert_eq!(read.as_array().map(Vec::len), Some(2));
    // The list: the resident found by card, with the items before and after.
    let (status, list) = examiner.get(&notices).await;
    assert_eq!(status, 200, "{list}");
    let first = &list[0];
    assert_eq!(first["person_id"], an, "{list}");
    assert_eq!(
        (first["before"].as_str(), first["after"].as_str()),
        (
            Some("在留資格 留学　在留期間 2年　満了日 2027-03-31　在留カード等番号 AB12345678CD"),
            Some(
                "在留資格 技術・人文知識・国際業務　在留期間 5年　満了日 2031-03-31　在留カード等番号 XY87654321ZW"
            )
        ),
        "{list}"
    );
    assert_eq!(list[1]["person_id"], Value::Null, "{list}");
    assert_eq!(list[1]["source"], "notice-0502.csv:4", "{list}");
    let id = |v: &Value| v["id"].as_i64().unwrap_or_default();

    // Applied by 職権: the record follows; it is no longer pending.
    let (status, done) = examiner
        .post(&format!("{notices}/{}/apply", id(first)), json!({}))
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["entry"]["reason"], "在留資格等変更", "{done}");
    assert_eq!(done["entry"]["basis"], "職権", "{done}");
    let (_, p) = examiner.get(&format!("{base}/persons/{an}")).await;
    assert_eq!(p["foreign"]["status"], "技術・人文知識・国際業務", "{p}");
    let (status, v) = examiner
        .post(&format!("{notices}/{}/apply", id(first)), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-NOTICE-002")),
        "{v}"
    );
    // Nobody holds the other card: refused, then set aside with a reason.
    let (status, v) = examiner
        .post(&format!("{notices}/{}/apply", id(&list[1])), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-NOTICE-003")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &format!("{notices}/{}/reject", id(&list[1])),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = examiner
        .post(
            &format!("{notices}/{}/reject", id(&list[1])),
            json!({"reason": "当市に記録のない在留カード"}),
        )
        .await;
    assert_eq!((status, &v["state"]), (200, &json!("rejected")), "{v}");
    let (_, pending) = examiner.get(&notices).await;
    assert_eq!(pending, json!([]));
    let (_, all) = examiner.get(&format!("{notices}?all=true")).await;
    let states: Vec<&str> = all
        .as_array()
        .map(|l| l.iter().filter_map(|n| n["state"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(states, vec!["applied", "rejected"], "{all}");
}

kikan_testsuite::on_both!(immigration_notices_are_read_listed_and_applied);
