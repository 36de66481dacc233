//! 印刷 (10.7) over HTTP, on both engines, against the simulated IPP printer: printers
//! and trays registered (bad ones refused), a certificate printed on paper to the tray
//! chosen — one Print-Job of a PDF whose 発行番号 names the printer (5.5), each copy its
//! own number —, the print in the access log and the printer in the register; a tray
//! not registered and a printer stopped refuse the issue with nothing recorded; a
//! printer that refuses the job leaves the certificate recorded for a re-print, which
//! sends the same bytes; without an output, the PDF for the browser as before.

use kikan_security::Role;
use kikan_server::printing::{SimHandle, SimPrinter};
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, audit_pairs, mother_and_son, simulated_printer};
use kikan_testsuite::pdf::text;
use serde_json::{Value, json};

/// A simulated printer with trays `tray-1` and `tray-2`, and its address.
async fn printer() -> (SimHandle, String) {
    simulated_printer(&["tray-1", "tray-2"]).await
}

fn sim(h: &SimHandle) -> std::sync::MutexGuard<'_, SimPrinter> {
    h.lock().expect("simulator")
}

async fn last_serial(c: &kikan_testsuite::http::Caller, base: &str) -> i64 {
    let (status, v) = c.get(&format!("{base}/certificates?limit=1")).await;
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .and_then(|l| l.first())
        .and_then(|c| c["serial"].as_i64())
        .unwrap_or(0)
}

async fn certificates_go_to_the_printer_and_tray_chosen(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let (_, mother, son) = mother_and_son(&examiner, &base).await;
    let (printer_sim, uri) = printer().await;

    // Registration: bad ones refused with E-PRINT-001, nothing kept.
    let printers = format!("{base}/printers");
    for (body, why) in [
        (
            json!({"name": "", "uri": uri, "trays": [{"keyword": "tray-1"}]}),
            "名称",
        ),
        (
            json!({"name": "窓口1", "uri": "lpd://printer/queue", "trays": [{"keyword": "tray-1"}]}),
            "アドレス",
        ),
        (json!({"name": "窓口1", "uri": uri, "trays": []}), "トレー"),
        (
            json!({"name": "窓口1", "uri": uri, "trays": [{"keyword": "トレー1"}]}),
            "キーワード",
        ),
    ] {
        let (status, v) = admin.post(&printers, body).await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["code"], "E-PRINT-001", "{v}");
        assert!(
            v["message"].as_str().unwrap_or_default().contains(why),
            "{v}"
        );
    }
    // Staff other than 管理者 may read the printers, not register one.
    let (status, v) = examiner
        .post(
            &printers,
            json!({"name": "窓口1", "uri": uri, "trays": [{"keyword": "tray-1"}]}),
        )
        .await;
    assert_eq!(status, 403, "{v}");
    let (status, v) = admin
        .post(
            &printers,
            json!({"name": "市民課 窓口1", "uri": uri, "terminals": ["T01"],
                "trays": [{"keyword": "tray-1", "label": "トレー1（普通紙）"},
                          {"keyword": "tray-2", "label": "トレー2（改ざん防止用紙）"}]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["number"], "プリンタ001", "{v}");
    assert_eq!(v[0]["terminals"], json!(["T01"]), "{v}");
    // A second printer that is not there (its port closed).
    let (status, v) = admin
        .post(
            &printers,
            json!({"name": "2階 窓口", "uri": "ipp://127.0.0.1:9/ipp/print",
                "trays": [{"keyword": "main", "label": "本体トレー"}]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, listed) = examiner.get(&printers).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    let certs = format!("{base}/certificates");
    let request = |output: Value, copies: u32| {
        json!({"kind": "resident_copy", "layout": "individual", "persons": [son],
            "requester": {"kind": "self", "person_id": son}, "copies": copies,
            "purpose": "勤務先へ提出", "identity_check": "運転免許証", "output": output})
    };

    // Printed on paper: two copies to tray 2, one job, each copy its own number.
    let before = last_serial(&examiner, &base).await;
    let (status, printed) = examiner
        .post(&certs, request(json!({"printer": 1, "tray": "tray-2"}), 2))
        .await;
    assert_eq!(status, 201, "{printed}");
    assert_eq!(printed["printer"], 1, "{printed}");
    assert_eq!(printed["tray"], "トレー2（改ざん防止用紙）", "{printed}");
    assert_eq!(printed["pages"], 2, "{printed}");
    let first = before + 1;
    assert_eq!(last_serial(&examiner, &base).await, before + 2);
    let job = {
        let s = sim(&printer_sim);
        assert_eq!(s.jobs.len(), 1, "one job");
        s.jobs[0].clone()
    };
    assert_eq!(printed["job"], job.id, "{printed}");
    assert_eq!(job.format, "application/pdf");
    assert_eq!(job.media_source, "tray-2");
    assert_eq!(
        job.copies, 1,
        "the copies are in the PDF, each with its number"
    );
    assert!(
        job.name.contains(&format!("第{first:06}号")),
        "{}",
        job.name
    );
    assert!(job.name.contains("住民票の写し"), "{}", job.name);
    assert!(job.document.starts_with(b"%PDF"), "a PDF");
    let pages = text(&job.document, "printed");
    for n in [first, first + 1] {
        assert!(
            pages.contains(&format!("プリンタ001 {n:06} 1/1")),
            "発行番号 of copy {n}: {pages}"
        );
    }
    assert!(pages.contains("山本") && pages.contains("健太"), "{pages}");
    // The register names the printer; the access log the print.
    let (_, c) = examiner.get(&format!("{certs}/{first}")).await;
    assert_eq!(c["printer"], "プリンタ001", "{c}");
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{son}")).await;
    let pairs = audit_pairs(&log, "action", "detail");
    let print = pairs
        .iter()
        .find(|(a, _)| a == "print")
        .unwrap_or_else(|| panic!("print in the log: {log}"));
    assert!(
        print.1.contains("プリンタ001 市民課 窓口1 トレー2"),
        "{print:?}"
    );
    assert!(print.1.contains(&format!("ジョブ{}", job.id)), "{print:?}");

    // Without a tray named: the printer's first.
    let (status, v) = examiner
        .post(&certs, request(json!({"printer": 1}), 1))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(sim(&printer_sim).jobs[1].media_source, "tray-1");

    // A tray not registered, a printer not registered: E-PRINT-002, nothing recorded.
    let before = last_serial(&examiner, &base).await;
    for output in [
        json!({"printer": 1, "tray": "tray-9"}),
        json!({"printer": 7}),
    ] {
        let (status, v) = examiner.post(&certs, request(output, 1)).await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["code"], "E-PRINT-002", "{v}");
    }
    // A printer that does not answer, a printer stopped: E-PRINT-003, nothing recorded.
    let (status, v) = examiner
        .post(&certs, request(json!({"printer": 2}), 1))
        .await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["code"], "E-PRINT-003", "{v}");
    sim(&printer_sim).stopped = true;
    let (status, v) = examiner
        .post(&certs, request(json!({"printer": 1}), 1))
        .await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["code"], "E-PRINT-003", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("用紙切れ"),
        "{v}"
    );
    sim(&printer_sim).stopped = false;
    // A tray the printer itself does not have.
    let (status, v) = admin
        .post(
            &printers,
            json!({"id": 1, "name": "市民課 窓口1", "uri": uri,
                "trays": [{"keyword": "tray-1"}, {"keyword": "tray-2"}, {"keyword": "manual", "label": "手差し"}]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = examiner
        .post(&certs, request(json!({"printer": 1, "tray": "manual"}), 1))
        .await;
    assert_eq!(status, 503, "{v}");
    assert!(
        v["message"].as_str().unwrap_or_default().contains("manual"),
        "{v}"
    );
    assert_eq!(
        last_serial(&examiner, &base).await,
        before,
        "nothing recorded"
    );
    assert_eq!(sim(&printer_sim).jobs.len(), 2);

    // The printer refuses the job: the certificate stays recorded (E-PRINT-004 names
    // it), and a re-print to the printer sends the same bytes once it takes jobs again.
    sim(&printer_sim).refuse_jobs = true;
    let (status, v) = examiner
        .post(&certs, request(json!({"printer": 1}), 1))
        .await;
    assert_eq!(status, 502, "{v}");
    assert_eq!(v["code"], "E-PRINT-004", "{v}");
    let lost = before + 1;
    assert_eq!(last_serial(&examiner, &base).await, lost);
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("第{lost:06}号")),
        "{v}"
    );
    sim(&printer_sim).refuse_jobs = false;
    let (status, again) = examiner
        .post(
            &format!("{certs}/{lost}/reprint"),
            json!({"reason": "プリンタの用紙切れ", "output": {"printer": 1}}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    let (_, c) = examiner.get(&format!("{certs}/{lost}")).await;
    let reprinted = sim(&printer_sim).jobs[2].document.clone();
    assert_eq!(
        kikan_cert::sha256_hex(&reprinted),
        c["pdf_sha256"].as_str().unwrap_or_default(),
        "the re-print is the certificate as issued"
    );
    assert!(text(&reprinted, "reprinted").contains(&format!("プリンタ001 {lost:06}")));
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{son}")).await;
    let actions: Vec<String> = audit_pairs(&log, "action", "outcome")
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert!(actions.iter().any(|a| a == "print.failed"), "{actions:?}");

    // No output: the PDF for the browser, its 発行番号 naming no printer.
    let resp = examiner
        .request(reqwest::Method::POST, &certs)
        .json(
            &json!({"kind": "resident_copy", "layout": "individual", "persons": [mother],
            "requester": {"kind": "self", "person_id": mother},
            "purpose": "勤務先へ提出", "identity_check": "運転免許証"}),
        )
        .send()
        .await
        .expect("issue");
    assert_eq!(resp.status().as_u16(), 201);
    let pdf = resp.bytes().await.expect("pdf").to_vec();
    let t = text(&pdf, "browser");
    assert!(t.contains("発行番号") && !t.contains("プリンタ"), "{t}");
    assert_eq!(
        sim(&printer_sim).jobs.len(),
        3,
        "nothing sent to the printer"
    );
}

kikan_testsuite::on_both!(certificates_go_to_the_printer_and_tray_chosen);
