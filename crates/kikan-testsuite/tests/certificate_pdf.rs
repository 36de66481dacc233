//! Renders every certificate type, reads its text back as a person would (pdftotext), and
//! checks each printed and each omitted item; checks the registered glyphs (IVS) and that
//! a glyph the font lacks fails loudly.

use chrono::NaiveDate;
use kikan_cert::{CertError, CertFont, Stamp, render};
use kikan_domain::certificate::{
    CertificateKind, CertificateRequest, Item, Layout, RequesterInfo, RequesterKind, Subject, build,
};
use kikan_domain::codes::{IndividualNumber, JuminhyoCode};
use kikan_domain::lists::{ForeignCategory, Relationship, RemovalReason, ResidenceStatus, Sex};
use kikan_domain::names::{Furigana, PersonName};
use kikan_domain::person::{
    Address, Alias, ForeignDetails, Honseki, HouseholdId, LocalBody, MoveInRecord, PastAlias,
    Person, PersonId, PersonStatus,
};
use kikan_testsuite::pdf::{fonts, page_text, squeezed, text as pdftotext};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn addr(place: &str, banchi: &str, katagaki: Option<&str>) -> Address {
    Address::parse(None, place, banchi, katagaki).expect("address")
}

#[allow(clippy::too_many_arguments)]
fn person(
    id: i64,
    family: &str,
    given: &str,
    kana: (&str, &str),
    birth: &str,
    sex: Sex,
    rel: Relationship,
    number: &str,
    code_body: &str,
) -> Person {
    Person {
        head_name: None,
        archived_on: None,
        id: PersonId(id),
        juminhyo_code: Some(JuminhyoCode::from_body(code_body).expect("code")),
        individual_number: Some(IndividualNumber::parse(number).expect("number")),
        name: PersonName::parse(family, given).expect("name"),
        furigana: Furigana::parse(kana.0, kana.1).expect("kana"),
        birth_date: d(birth),
        birth_date_text: None,
        sex,
        household_id: HouseholdId(1),
        relationship: rel,
        address: addr(
            "みほん県みほん市中央二丁目",
            "3番4号",
            Some("みほんハイツ201号室"),
        ),
        became_resident_on: d("2024-04-01"),
        became_resident_text: None,
        address_since: d("2025-10-01"),
        address_since_text: None,
        moved_in: Some(MoveInRecord {
            notified_on: d("2024-04-05"),
            previous_address: Some(addr("東京都千代田区霞が関一丁目", "1番1号", None)),
            unnotified: false,
            last_registered: None,
            previous_head: None,
        }),
        previous_address_in_city: Some(addr("みほん県みほん市本町一丁目", "5番地", None)),
        honseki: Some(
            Honseki::parse("東京都千代田区霞が関一丁目1番", "葛󠄂西　辻󠄂男").expect("honseki"),
        ),
        foreign: None,
        former_surname: None,
        nationality_changed_on: None,
        remade_on: None,
        reissued_on: None,
        status: PersonStatus::Active,
        last_change_on: d("2025-10-01"),
        version: 3,
    }
}

fn household() -> Vec<Subject> {
    let head = person(
        1,
        "葛\u{E0102}西",
        "辻\u{E0102}男",
        ("カサイ", "ツジオ"),
        "1980-02-29",
        Sex::Male,
        Relationship::Head,
        "123456789018",
        "1234567890",
    );
    let mut wife = person(
        2,
        "葛\u{E0102}西",
        "花子",
        ("カサイ", "ハナコ"),
        "1982-07-07",
        Sex::Female,
        Relationship::Wife,
        "234567890121",
        "2345678901",
    );
    wife.individual_number = None;
    let mut lodger = person(
        3,
        "グエン",
        "ヴァン　アン",
        ("グエン", "ヴァン　アン"),
        "1999-05-01",
        Sex::Male,
        Relationship::Lodger,
        "345678901234",
        "3456789012",
    );
    lodger.honseki = None;
    lodger.foreign = Some(ForeignDetails {
        status: Some(ResidenceStatus::Student),
        period: Some("2年".into()),
        expires_on: Some(d("2027-03-31")),
        card_number: Some("AB12345678CD".into()),
        ..ForeignDetails::new("ベトナム".into(), ForeignCategory::MidToLongTerm)
    });
    let head_name = head.name.full();
    [head, wife, lodger]
        .into_iter()
        .map(|person| Subject {
            person,
            head_name: Some(head_name.clone()),
            business: vec![],
            remarks: vec![],
            history: vec![],
            blank_destination: false,
        })
        .collect()
}

fn request(kind: CertificateKind, layout: Layout, persons: &[i64]) -> CertificateRequest {
    CertificateRequest {
        requester: RequesterInfo {
            kind: Some(RequesterKind::SameHousehold),
            person_id: Some(PersonId(1)),
            ..RequesterInfo::default()
        },
        purpose: "勤務先提出".into(),
        identity_check: "運転免許証".into(),
        ..CertificateRequest::new(kind, layout, persons.iter().map(|i| PersonId(*i)).collect())
    }
}

fn font() -> CertFont {
    CertFont::load(&CertFont::default_path()).unwrap_or_else(|e| {
        panic!("{e}: install fonts-ipamj-mincho (.ci/run does) or set KIKAN_CERT_FONT")
    })
}

/// The content of a request at みほん市 on 2026-11-25.
fn make(
    req: &CertificateRequest,
    subjects: &[Subject],
    requester: Option<&kikan_domain::person::Person>,
) -> Result<kikan_domain::certificate::CertificateContent, kikan_domain::DomainError> {
    build(
        req,
        subjects,
        requester,
        "みほん市",
        "みほん市長　見本　太郎",
        d("2026-11-25"),
    )
}

fn has_all(text: &str, wanted: &[&str]) {
    for want in wanted {
        assert!(text.contains(&squeezed(want)), "missing {want:?} in {text}");
    }
}

fn stamp() -> Stamp<'static> {
    Stamp {
        serial: 123,
        code: "ABCDEFGHJKMNPQRS".into(),
        preview: false,
        seal: None,
        place: Some("T01@HONCHO".into()),
        printer: Some(1),
    }
}

#[test]
fn resident_copy_household_layout_prints_the_defaults_and_omits_the_rest() {
    let subjects = household();
    let mut req = request(CertificateKind::ResidentCopy, Layout::Household, &[1, 2, 3]);
    req.whole_household = true;
    let content = make(&req, &subjects, Some(&subjects[0].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    assert_eq!(r.pages, 1);
    assert!(r.pdf.starts_with(b"%PDF-"));
    let text = squeezed(&pdftotext(&r.pdf, "household"));
    has_all(
        &text,
        &[
            "住民票の写し",
            "交付番号第000123号",
            "1／1頁",
            // 発行番号 (5.5): date, municipality, terminal, number, page.
            "発行番号20261125みほん市T01プリンタ0010001231/1",
            "みほん県みほん市中央二丁目3番4号みほんハイツ201号室",
            // The names keep their registered variation selector.
            "葛\u{E0102}西辻\u{E0102}男",
            "葛\u{E0102}西花子",
            "カサイツジオ",
            "昭和55年2月29日",
            "昭和57年7月7日",
            // A foreign resident's 生年月日 in 西暦, never 和暦 (1.1.9).
            "1999年5月1日",
            "住民となった年月日",
            "令和6年4月1日",
            "住所を定めた年月日",
            "令和7年10月1日",
            "東京都千代田区霞が関一丁目1番1号",
            "みほん県みほん市本町一丁目5番地",
            "ベトナム",
            "中長期在留者",
            "この写しは、世帯全員の住民票の原本と相違ないことを証明する。",
            "令和8年11月25日",
            "みほん市長見本太郎",
            "照合番号ABCD-EFGH-JKMN-PQRS",
            "複写したものは原本ではありません",
            "省略した事項：続柄、本籍・筆頭者、住民票コード、個人番号、在留資格等",
        ],
    );
    // Omitted by default: 本籍, 続柄 values, 住民票コード, 個人番号, 在留資格 and card.
    for absent in [
        "平成11年5月1日",
        "東京都千代田区霞が関一丁目1番筆頭者",
        "123456789018",
        "12345678906",
        "留学",
        "AB12345678CD",
        "妻",
    ] {
        assert!(
            !text.contains(absent),
            "{absent:?} printed but not asked for"
        );
    }
}

#[test]
fn optional_items_print_only_when_asked_and_allowed() {
    let subjects = household();
    let mut req = request(CertificateKind::ResidentCopy, Layout::Individual, &[1]);
    req.items = vec![
        Item::Honseki,
        Item::Relationship,
        Item::JuminhyoCode,
        Item::IndividualNumber,
    ];
    req.requester = RequesterInfo {
        kind: Some(RequesterKind::Himself),
        person_id: Some(PersonId(1)),
        ..RequesterInfo::default()
    };
    let content = make(&req, &subjects[..1], Some(&subjects[0].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "individual"));
    let code = subjects[0]
        .person
        .juminhyo_code
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_default();
    has_all(
        &text,
        &[
            "東京都千代田区霞が関一丁目1番",
            "筆頭者葛\u{E0102}西辻\u{E0102}男",
            "世帯主",
            "123456789018",
            code.as_str(),
            "この写しは、住民票の原本と相違ないことを証明する。",
        ],
    );
    assert!(!text.contains("省略した事項"));

    // A third party may not have the numbers printed: refused, with the item named.
    req.requester = RequesterInfo {
        kind: Some(RequesterKind::ThirdParty),
        name: Some("債権　太郎".into()),
        reason: Some("債権回収のため".into()),
        ..RequesterInfo::default()
    };
    let err = make(&req, &subjects[..1], None).expect_err("third party with 住民票コード");
    assert_eq!(err.code(), "E-CERT-001");
    assert!(err.to_string().contains("住民票コード"), "{err}");
    req.items = vec![Item::Honseki];
    let ok = make(&req, &subjects[..1], None);
    assert!(ok.is_ok(), "{ok:?}");
    // A third party must say why.
    req.requester.reason = None;
    let err = make(&req, &subjects[..1], None).expect_err("no reason");
    assert_eq!(err.code(), "E-INPUT-001");
}

#[test]
fn items_certificate_prints_the_chosen_items_only() {
    let subjects = household();
    let mut req = request(CertificateKind::ResidentItems, Layout::Individual, &[2]);
    req.items = vec![Item::Address, Item::AddressSince];
    let content = make(&req, &subjects[1..2], Some(&subjects[0].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "items"));
    has_all(
        &text,
        &[
            "住民票記載事項証明書",
            "葛\u{E0102}西花子",
            "みほん県みほん市中央二丁目3番4号",
            "令和7年10月1日",
            "上記の事項は、住民票に記載されていることを証明する。",
        ],
    );
    for absent in [
        "生年月日",
        "昭和57年",
        "性別",
        "東京都千代田区",
        "本町一丁目",
    ] {
        assert!(!text.contains(absent), "{absent:?} printed but not chosen");
    }
    // Nothing chosen but the name: refused.
    req.items = vec![];
    let err = build(
        &req,
        &subjects[1..2],
        Some(&subjects[0].person),
        "み",
        "市長",
        d("2026-11-25"),
    )
    .expect_err("no items");
    assert_eq!(err.code(), "E-INPUT-001");
}

#[test]
fn removed_copy_and_items_certificate() {
    let mut subjects = household();
    subjects.truncate(1);
    subjects[0].person.status = PersonStatus::Removed {
        on: d("2026-09-30"),
        reason: RemovalReason::MovedOut,
        on_text: None,
        destination: Some(addr("大阪府大阪市北区梅田一丁目", "2番3号", None)),
        moved_out: None,
        notice: None,
    };
    let mut req = request(CertificateKind::RemovedCopy, Layout::Individual, &[1]);
    req.requester = RequesterInfo {
        kind: Some(RequesterKind::Professional),
        name: Some("法務　一郎".into()),
        qualification: Some("弁護士 登録番号12345".into()),
        reason: Some("相続手続(依頼者 葛西 太郎)".into()),
        ..RequesterInfo::default()
    };
    let content = make(&req, &subjects, None).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "removed"));
    has_all(
        &text,
        &[
            "除票の写し",
            "葛\u{E0102}西辻\u{E0102}男",
            "令和8年9月30日転出",
            "転出先大阪府大阪市北区梅田一丁目2番3号",
            "この写しは、除票の原本と相違ないことを証明する。",
        ],
    );
    for absent in ["123456789018", "筆頭者葛"] {
        assert!(!text.contains(absent), "{absent:?} printed");
    }
    // 特別養子縁組 (1.1.5): the adopted child's 転出先住所 left blank.
    let mut adopted = subjects.clone();
    adopted[0].blank_destination = true;
    let content = make(&req, &adopted, None).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "removed-adopted"));
    has_all(&text, &["除票の写し", "令和8年9月30日転出"]);
    for absent in ["転出先", "梅田"] {
        assert!(!text.contains(absent), "{absent:?} printed: {text}");
    }
    // 除票 are printed one person a sheet.
    req.layout = Layout::Household;
    let err = build(&req, &subjects, None, "み", "市長", d("2026-11-25")).expect_err("layout");
    assert_eq!(err.code(), "E-CERT-003");
    // A 住民票の写し of a removed record is refused, and the other way round.
    req.layout = Layout::Individual;
    req.kind = CertificateKind::ResidentCopy;
    let err = build(&req, &subjects, None, "み", "市長", d("2026-11-25")).expect_err("removed");
    assert_eq!(err.code(), "E-CERT-002");
    let active = household();
    req.kind = CertificateKind::RemovedItems;
    req.items = vec![Item::Removal];
    let err = build(&req, &active[..1], None, "み", "市長", d("2026-11-25")).expect_err("active");
    assert_eq!(err.code(), "E-CERT-002");

    req.items = vec![Item::Removal, Item::BirthDate];
    let content = make(&req, &subjects, None).expect("items");
    let r = render(&font(), &content, &stamp()).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "removed-items"));
    has_all(
        &text,
        &[
            "除票記載事項証明書",
            "昭和55年2月29日",
            "令和8年9月30日転出",
            "上記の事項は、除票に記載されていることを証明する。",
        ],
    );
    assert!(
        !text.contains("中央二丁目"),
        "address printed but not chosen"
    );
}

#[test]
fn a_household_of_more_than_four_takes_two_pages() {
    let base = household();
    let mut subjects = vec![];
    for i in 0..6 {
        let mut s = base[i % 2].clone();
        s.person.id = PersonId(10 + i as i64);
        subjects.push(s);
    }
    let ids: Vec<i64> = subjects.iter().map(|s| s.person.id.0).collect();
    let mut req = request(CertificateKind::ResidentCopy, Layout::Household, &ids);
    req.requester.person_id = Some(PersonId(10));
    let content = make(&req, &subjects, Some(&subjects[0].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    assert_eq!(r.pages, 2);
    let text = squeezed(&pdftotext(&r.pdf, "pages"));
    assert!(text.contains("1／2頁") && text.contains("2／2頁") && text.contains("次頁に続く"));
    // The 認証文 on the last page only (5.1).
    let certification = squeezed("この写しは、住民票の原本と相違ないことを証明する。");
    let first = squeezed(&page_text(&r.pdf, 1, "pages-1"));
    let second = squeezed(&page_text(&r.pdf, 2, "pages-2"));
    assert!(!first.contains(&certification), "{first}");
    assert!(first.contains("次頁に続く"), "{first}");
    assert!(second.contains(&certification), "{second}");
    assert!(!second.contains("次頁に続く"), "{second}");
}

/// A person whose 異動履歴 is longer than a page (5.1, 様式): carried on to the next page,
/// every line printed once, none under the 認証文, which is on the last page only.
#[test]
fn a_long_history_runs_on_to_the_next_page() {
    let mut subjects = household();
    subjects.truncate(1);
    let lines: Vec<String> = (1..=60)
        .map(|i| format!("第{i}回　令和元年5月1日転居　令和元年5月1日届出"))
        .collect();
    subjects[0].history = lines.clone();
    let mut req = request(CertificateKind::ResidentCopy, Layout::Individual, &[1]);
    req.items = vec![Item::History];
    let content = make(&req, &subjects, Some(&subjects[0].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    assert!(r.pages >= 2, "{} pages", r.pages);
    let whole = squeezed(&pdftotext(&r.pdf, "long-history"));
    assert!(
        whole.contains("1／") && whole.contains("次頁に続く"),
        "{whole}"
    );
    let certification = squeezed("この写しは、住民票の原本と相違ないことを証明する。");
    let mut all = String::new();
    for page in 1..=r.pages {
        let text = squeezed(&page_text(&r.pdf, page, &format!("history-{page}")));
        let last = page == r.pages;
        assert_eq!(text.contains(&certification), last, "page {page}: {text}");
        assert_eq!(text.contains("次頁に続く"), !last, "page {page}: {text}");
        all.push_str(&text);
    }
    for line in &lines {
        let l = squeezed(line);
        assert_eq!(all.matches(&l).count(), 1, "{line} printed other than once");
    }
}

/// A foreign resident's items (5.1): 国籍・地域, 30条の45の区分 and 通称 left out when
/// asked (and named as 省略), the 在留カード等番号 printed when asked, and the 通称の記載
/// 及び削除に関する事項 on a 別紙 that carries the 認証文.
#[test]
fn foreign_items_may_be_left_out_and_the_alias_history_goes_on_an_annex() {
    let mut subjects = household();
    let body = |code: &str, name: &str| LocalBody {
        code: code.into(),
        name: name.into(),
    };
    if let Some(f) = subjects[2].person.foreign.as_mut() {
        f.alias = Some(Alias {
            name: PersonName::parse("中村", "安").expect("alias"),
            furigana: None,
            recorded_on: d("2025-04-01"),
            recorded_by: Some(body("999998", "みほん市")),
        });
        f.past_aliases = vec![PastAlias {
            alias: Alias {
                name: PersonName::parse("阮", "文安").expect("alias"),
                furigana: None,
                recorded_on: d("2020-04-01"),
                recorded_by: Some(body("131016", "千代田区")),
            },
            deleted_on: d("2024-03-31"),
            deleted_by: Some(body("131016", "千代田区")),
        }];
    }
    let mut req = request(CertificateKind::ResidentCopy, Layout::Individual, &[3]);
    req.requester.person_id = Some(PersonId(3));
    req.omit = vec![Item::Nationality, Item::Category];
    req.items = vec![Item::CardNumber, Item::AliasHistory];
    let content = make(&req, &subjects[2..3], Some(&subjects[2].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    assert_eq!(r.pages, 2);
    // The 別紙 once, on the last page (the whole text also keeps the sample).
    let whole = squeezed(&pdftotext(&r.pdf, "alias-annex"));
    assert_eq!(whole.matches("別紙").count(), 1, "{whole}");
    let first = squeezed(&page_text(&r.pdf, 1, "foreign-1"));
    let annex = squeezed(&page_text(&r.pdf, 2, "foreign-2"));
    has_all(
        &first,
        &[
            "グエンヴァンアン",
            "在留カード等番号",
            "AB12345678CD",
            "通称中村安",
            "次頁に続く",
        ],
    );
    for absent in ["ベトナム", "中長期在留者", "認証", "証明する", "阮"] {
        assert!(!first.contains(absent), "{absent:?} on page 1: {first}");
    }
    has_all(
        &annex,
        &[
            "別紙",
            "住民票の写し通称の記載及び削除に関する事項",
            "グエンヴァンアン",
            "中村安令和7年4月1日記載みほん市(999998)",
            "阮文安令和2年4月1日記載千代田区(131016)令和6年3月31日削除千代田区(131016)",
            "個人番号、国籍・地域、法第30条の45に規定する区分、在留資格等）",
            "この写しは、住民票の原本と相違ないことを証明する。",
            "2／2頁",
        ],
    );
    // The 通称 itself left out: not printed, named as 省略; no 別紙 unless asked.
    req.omit = vec![Item::Alias];
    req.items = vec![];
    let content = make(&req, &subjects[2..3], Some(&subjects[2].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    assert_eq!(r.pages, 1);
    let text = squeezed(&pdftotext(&r.pdf, "foreign-no-alias"));
    has_all(&text, &["ベトナム", "中長期在留者", "省略した事項："]);
    assert!(text.contains("、通称") || text.contains("：通称"), "{text}");
    assert!(!text.contains("中村安") && !text.contains("別紙"), "{text}");
    // Items a 写し must print cannot be left out, and a 記載事項証明書 takes no omission.
    req.omit = vec![Item::Address];
    let me = Some(&subjects[2].person);
    let err = make(&req, &subjects[2..3], me).expect_err("address");
    assert_eq!(err.code(), "E-CERT-001");
    assert!(err.to_string().contains("住所"), "{err}");
    req.omit = vec![Item::Nationality];
    req.kind = CertificateKind::ResidentItems;
    req.items = vec![Item::Address];
    let err = make(&req, &subjects[2..3], me).expect_err("items certificate");
    assert_eq!(err.code(), "E-CERT-001");
}

#[test]
fn the_registered_variant_is_its_own_glyph_in_the_embedded_font() {
    let font = font();
    // STACK.md's checked pairs: 葛 U+E0102 → mj022335, plain 葛 → mj022336 (= U+E0103).
    let plain = font.glyph_of("葛").expect("plain");
    let variant = font.glyph_of("葛\u{E0102}").expect("variant");
    let e0103 = font.glyph_of("葛\u{E0103}").expect("e0103");
    assert_ne!(plain, variant, "葛󠄂 must not print as plain 葛");
    assert_eq!(plain, e0103);
    let tsuji = font.glyph_of("辻\u{E0102}").expect("tsuji");
    assert_ne!(tsuji, font.glyph_of("辻").expect("plain tsuji"));
    // The PDF embeds the font as a subset and maps the variant glyph back to the sequence.
    let subjects = household();
    let req = request(CertificateKind::ResidentCopy, Layout::Individual, &[1]);
    let content = make(&req, &subjects[..1], Some(&subjects[0].person)).expect("content");
    let r = render(&font, &content, &stamp()).expect("render");
    let text = pdftotext(&r.pdf, "ivs");
    assert!(text.contains("葛\u{E0102}西"), "selector lost: {text}");
    let listing = fonts(&r.pdf);
    let line = listing
        .lines()
        .find(|l| l.contains("IPAmj"))
        .unwrap_or_else(|| panic!("IPAmj明朝 not in the PDF: {listing}"));
    // name+subset tag, "emb yes", "sub yes", "uni yes".
    assert!(line.contains('+'), "not a subset: {line}");
    assert_eq!(line.matches(" yes").count(), 3, "{line}");
    // A subset: far smaller than the 46 MB font.
    assert!(r.pdf.len() < 400_000, "PDF of {} bytes", r.pdf.len());
}

#[test]
fn a_missing_glyph_fails_loudly() {
    let font = font();
    // Adobe-Japan1's 葛 U+E0100 is not in the Moji_Joho collection: no silent base glyph.
    let err = font.check("葛\u{E0100}城").expect_err("AJ1 sequence");
    assert_eq!(err.code(), "E-CERT-010");
    assert!(err.to_string().contains("U+845B U+E0100"), "{err}");
    // A character of the private-use plane (a GJ addition or an old 外字) is not in it either.
    assert!(matches!(
        font.check("山\u{F0001}"),
        Err(CertError::MissingGlyph { .. })
    ));
    // And a certificate with such a name is not drawn at all.
    let mut subjects = household();
    subjects[0].person.name = PersonName::parse("葛\u{E0100}西", "辻男").expect("name");
    let req = request(CertificateKind::ResidentCopy, Layout::Individual, &[1]);
    let content = make(&req, &subjects[..1], Some(&subjects[0].person)).expect("content");
    let err = render(&font, &content, &stamp()).expect_err("render");
    assert_eq!(err.code(), "E-CERT-010");
}

#[test]
fn a_preview_is_marked_and_carries_no_serial() {
    let subjects = household();
    let req = request(CertificateKind::ResidentCopy, Layout::Individual, &[1]);
    let content = make(&req, &subjects[..1], Some(&subjects[0].person)).expect("content");
    let preview = Stamp {
        serial: 0,
        code: String::new(),
        preview: true,
        seal: None,
        place: None,
        printer: None,
    };
    let r = render(&font(), &content, &preview).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "preview"));
    assert!(text.contains("見本"), "{text}");
    assert!(!text.contains("第000"), "{text}");
    assert!(
        !text.contains("長之印"),
        "a preview carries no seal: {text}"
    );
    // The same content and stamp draw the same bytes (the register keeps the hash).
    let again = render(&font(), &content, &preview).expect("render");
    assert_eq!(again.sha256(), r.sha256());
}

/// 生年月日 printed as the record keeps it (1.1.8, 1.1.9): a 不詳日 as its text, a day not
/// on the calendar as written; never the internal date.
#[test]
fn a_birth_date_of_unknown_day_prints_as_recorded() {
    let mut subjects = household();
    subjects.truncate(2);
    subjects[1].person.birth_date = d("1945-01-01");
    subjects[1].person.birth_date_text = Some("昭和20年頃".into());
    // The 住民となった年月日 and 住所を定めた年月日 too (1.1.8).
    subjects[1].person.became_resident_on = d("2024-04-01");
    subjects[1].person.became_resident_text = Some("令和6年4月上旬".into());
    subjects[1].person.address_since_text = Some("令和7年10月頃".into());
    // 未届転入 (4.1.1.4): the 転入前住所 followed by （未届）.
    if let Some(m) = subjects[1].person.moved_in.as_mut() {
        m.unnotified = true;
    }
    // 旧氏 (1.1.7) is printed with the name.
    subjects[1].person.former_surname = Some(kikan_domain::person::FormerSurname {
        surname: PersonName::parse("佐藤", "").expect("surname"),
        furigana: None,
        recorded_on: d("2026-05-01"),
    });
    let req = request(CertificateKind::ResidentCopy, Layout::Individual, &[2]);
    let content = make(&req, &subjects[1..2], Some(&subjects[0].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "unknown-day"));
    has_all(
        &text,
        &[
            "生年月日",
            "昭和20年頃",
            "令和6年4月上旬",
            "令和7年10月頃",
            "旧氏佐藤",
            "東京都千代田区霞が関一丁目1番1号（未届）",
        ],
    );
    assert!(
        !text.contains(&squeezed("昭和20年1月1日")),
        "the internal date printed"
    );
    // A foreign resident's 在留期間の満了の日, like the 生年月日, in 西暦 (1.1.9).
    let subjects = household();
    let mut req = request(CertificateKind::ResidentCopy, Layout::Individual, &[3]);
    req.items = vec![Item::ResidenceDetails];
    req.requester = RequesterInfo {
        kind: Some(RequesterKind::Himself),
        person_id: Some(PersonId(3)),
        ..RequesterInfo::default()
    };
    let content = make(&req, &subjects[2..3], Some(&subjects[2].person)).expect("content");
    let r = render(&font(), &content, &stamp()).expect("render");
    let text = squeezed(&pdftotext(&r.pdf, "foreign-dates"));
    has_all(&text, &["満了日2027年3月31日", "1999年5月1日"]);
    assert!(!text.contains(&squeezed("令和9年3月31日")));
}
