//! 券面記載 (7.1.1.3) over HTTP, on both engines: a 転居 and a change of 氏名 written in the
//! 追記欄 of a 個人番号カード — 異動事由, the item after the change, 届出日 and 職印 on a
//! card-sized page, starting at the first free line, the size and lines as staff set or
//! as few as fit —; a 在留カード takes only the 住居地; a 異動 that writes nothing on the
//! card, lines that do not fit, an unknown card are refused; sent to the card printer
//! (the simulated IPP printer) like any print; every 追記 in the access log.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{
    App, Caller, foreign_student, mother_and_son, protect, simulated_printer,
};
use kikan_testsuite::pdf::text;
use serde_json::{Value, json};

struct Drawn {
    status: u16,
    pdf: Vec<u8>,
    lines: u32,
    size: f32,
    error: Value,
}

async fn endorse(c: &Caller, base: &str, person: i64, body: Value) -> Drawn {
    let resp = c
        .request(
            reqwest::Method::POST,
            &format!("{base}/persons/{person}/card-endorsement"),
        )
        .json(&body)
        .send()
        .await
        .expect("endorse");
    let status = resp.status().as_u16();
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let lines = header("x-kikan-lines-used").parse().unwrap_or(0);
    let size = header("x-kikan-font-size").parse().unwrap_or(0.0);
    let bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let error = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Drawn {
        status,
        pdf: bytes,
        lines,
        size,
        error,
    }
}

fn refused(d: &Drawn, status: u16, code: &str, field: &str) {
    assert_eq!(
        (
            d.status,
            d.error["code"].as_str(),
            d.error["field"].as_str()
        ),
        (status, Some(code), Some(field)),
        "{}",
        d.error
    );
}

async fn changes_are_written_on_the_card(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let (_, mother, son) = mother_and_son(&examiner, &base).await;
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": "2026-07-01", "notified_on": "2026-07-02",
            "change": {"type": "relocation", "person_ids": [mother, son],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "2番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let moved = v["entry"]["seq"].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": "2026-08-01", "notified_on": "2026-08-03",
            "change": {"type": "correction", "person_id": mother,
                "correction": {"item": "name", "new": {"family": "田中", "given": "花子"}}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let renamed = v["entry"]["seq"].as_i64().unwrap_or_default();

    // The 転居 on her 個人番号カード: two lines at the largest size, from the first free line.
    let d = endorse(
        &reception,
        &base,
        mother,
        json!({"seq": moved, "card": "個人番号カード", "lines_left": 4}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.error);
    assert_eq!((d.lines, d.size), (2, 8.0));
    let page = text(&d.pdf, "endorsement");
    for want in [
        "令和8年7月2日",
        "転居",
        "住所",
        "神奈川県横浜市中区本町一丁目2番地",
        "職印",
    ] {
        assert!(page.contains(want), "{want}: {page}");
    }
    // One line asked for: the size goes down until it fits; a size that cannot: refused.
    let d = endorse(
        &reception,
        &base,
        mother,
        json!({"seq": moved, "card": "個人番号カード", "lines_left": 4, "lines": 1}),
    )
    .await;
    assert_eq!(d.status, 422, "{}", d.error);
    refused(&d, 422, "E-CARD-002", "lines");
    let d = endorse(
        &reception,
        &base,
        mother,
        json!({"seq": moved, "card": "個人番号カード", "lines_left": 2, "lines": 2, "size": 5}),
    )
    .await;
    assert_eq!((d.status, d.lines, d.size), (200, 2, 5.0), "{}", d.error);
    let d = endorse(
        &reception,
        &base,
        mother,
        json!({"seq": moved, "card": "個人番号カード", "lines_left": 7}),
    )
    .await;
    refused(&d, 422, "E-CARD-002", "lines_left");

    // Her new 氏名 on the 個人番号カード; not on a 在留カード (the 入管's), whose 住居地 is ours.
    let d = endorse(
        &reception,
        &base,
        mother,
        json!({"seq": renamed, "card": "個人番号カード", "lines_left": 2}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.error);
    let page = text(&d.pdf, "renamed");
    assert!(
        page.contains("氏名") && page.contains("田中") && page.contains("令和8年8月3日"),
        "{page}"
    );
    let d = endorse(
        &reception,
        &base,
        mother,
        json!({"seq": renamed, "card": "在留カード", "lines_left": 2}),
    )
    .await;
    refused(&d, 422, "E-CARD-001", "seq");
    // A 在留カード is a 中長期在留者's: not the son's; the student's, with his 住居地.
    let d = endorse(
        &reception,
        &base,
        son,
        json!({"seq": moved, "card": "在留カード", "lines_left": 3}),
    )
    .await;
    refused(&d, 422, "E-CARD-001", "seq");
    let (an, seq) = foreign_student(&examiner, &base).await;
    let d = endorse(
        &reception,
        &base,
        an,
        json!({"seq": seq, "card": "在留カード", "lines_left": 3}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.error);
    let page = text(&d.pdf, "residence");
    assert!(
        page.contains("住居地") && page.contains("国外からの転入") && page.contains("山下町8番地"),
        "{page}"
    );
    // The son's name did not change; no such card; no such 異動.
    let d = endorse(
        &reception,
        &base,
        son,
        json!({"seq": renamed, "card": "個人番号カード", "lines_left": 3}),
    )
    .await;
    refused(&d, 422, "E-CARD-001", "seq");
    let d = endorse(
        &reception,
        &base,
        son,
        json!({"seq": moved, "card": "図書館カード", "lines_left": 3}),
    )
    .await;
    refused(&d, 422, "E-CODE-005", "card");
    let d = endorse(
        &reception,
        &base,
        son,
        json!({"seq": 9999, "card": "個人番号カード", "lines_left": 3}),
    )
    .await;
    refused(&d, 404, "E-CARD-003", "seq");

    // A 支援措置 for the son: his 追記 (which prints his address) is 審査's to make.
    protect(&examiner, &base, son).await;
    let body = json!({"seq": moved, "card": "個人番号カード", "lines_left": 3});
    let d = endorse(&reception, &base, son, body.clone()).await;
    assert_eq!(
        (d.status, d.error["code"].as_str()),
        (403, Some("E-SUPPORT-002")),
        "{}",
        d.error
    );
    let d = endorse(&examiner, &base, son, body).await;
    assert_eq!(d.status, 200, "{}", d.error);

    // To the card printer.
    let (sim, uri) = simulated_printer(&["card"]).await;
    let admin = app.as_role(t, Role::Admin).await;
    let (status, v) = admin
        .post(
            &format!("{base}/printers"),
            json!({"name": "カード券面プリンタ", "uri": uri,
                "trays": [{"keyword": "card", "label": "カード"}]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let d = endorse(
        &reception,
        &base,
        mother,
        json!({"seq": moved, "card": "個人番号カード", "lines_left": 4, "output": {"printer": 1}}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.error);
    assert_eq!(d.error["printer_name"], "カード券面プリンタ", "{}", d.error);
    let job = sim.lock().expect("sim").jobs[0].clone();
    assert_eq!(job.media_source, "card");
    assert!(text(&job.document, "card-printer").contains("本町一丁目"));

    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{mother}")).await;
    assert!(log.to_string().contains("card.endorse"), "{log}");
}

kikan_testsuite::on_both!(changes_are_written_on_the_card);
