//! Synthetic municipalities: deterministic from a seed, realistic in shape, and no real
//! person's data. Households come one at a time as the ledger entries that made them
//! (a 転入 or a birth in the past, later 出生, 転居, 世帯分離, 死亡 or 転出), so memory
//! stays flat however large the city, and history and as-of queries have real work.
//!
//! Shape (rounded national figures): the age pyramid of 2025, one-person households
//! 38 %, couples 20 %, couples with children 25 %, single parents 9 %, three
//! generations 5 %, others 3 %; about 3 % foreign residents.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use kikan_domain::codes::serial_number;
use kikan_domain::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Common surnames with readings, and weights; a share in variant or IVS form as
/// registered (髙, 﨑, 邊, 邉, 齋, 葛󠄂, 辻󠄂).
const SURNAMES: &[(&str, &str, u32)] = &[
    ("佐藤", "サトウ", 180),
    ("鈴木", "スズキ", 170),
    ("高橋", "タカハシ", 130),
    ("髙橋", "タカハシ", 12),
    ("田中", "タナカ", 130),
    ("伊藤", "イトウ", 100),
    ("渡辺", "ワタナベ", 95),
    ("渡邊", "ワタナベ", 8),
    ("渡邉", "ワタナベ", 8),
    ("山本", "ヤマモト", 100),
    ("中村", "ナカムラ", 100),
    ("小林", "コバヤシ", 95),
    ("加藤", "カトウ", 85),
    ("吉田", "ヨシダ", 80),
    ("山田", "ヤマダ", 75),
    ("佐々木", "ササキ", 65),
    ("山口", "ヤマグチ", 60),
    ("松本", "マツモト", 60),
    ("井上", "イノウエ", 55),
    ("木村", "キムラ", 55),
    ("林", "ハヤシ", 50),
    ("斎藤", "サイトウ", 45),
    ("齋藤", "サイトウ", 8),
    ("清水", "シミズ", 45),
    ("山崎", "ヤマザキ", 40),
    ("山﨑", "ヤマザキ", 6),
    ("森", "モリ", 40),
    ("池田", "イケダ", 40),
    ("橋本", "ハシモト", 40),
    ("阿部", "アベ", 40),
    ("石川", "イシカワ", 35),
    ("山下", "ヤマシタ", 35),
    ("中島", "ナカジマ", 35),
    ("石井", "イシイ", 35),
    ("小川", "オガワ", 35),
    ("前田", "マエダ", 35),
    ("岡田", "オカダ", 35),
    ("長谷川", "ハセガワ", 30),
    ("藤田", "フジタ", 30),
    ("後藤", "ゴトウ", 30),
    ("近藤", "コンドウ", 30),
    ("村上", "ムラカミ", 30),
    ("遠藤", "エンドウ", 28),
    ("青木", "アオキ", 28),
    ("坂本", "サカモト", 28),
    ("斉藤", "サイトウ", 25),
    ("福田", "フクダ", 25),
    ("太田", "オオタ", 25),
    ("西村", "ニシムラ", 25),
    ("藤井", "フジイ", 25),
    ("金子", "カネコ", 22),
    ("岡本", "オカモト", 22),
    ("藤原", "フジワラ", 22),
    ("中野", "ナカノ", 22),
    ("三浦", "ミウラ", 22),
    ("原田", "ハラダ", 22),
    ("松田", "マツダ", 22),
    ("竹内", "タケウチ", 20),
    ("小野", "オノ", 20),
    ("田村", "タムラ", 20),
    ("濱田", "ハマダ", 5),
    ("澤田", "サワダ", 6),
    ("葛西", "カサイ", 6),
    ("葛\u{E0102}西", "カサイ", 3),
    ("辻本", "ツジモト", 6),
    ("辻\u{E0102}本", "ツジモト", 3),
    ("渡部", "ワタナベ", 10),
];
/// Given names by generation: (born before 1960, 1960–1989, 1990 on).
const MALE: [&[(&str, &str)]; 3] = [
    &[
        ("清", "キヨシ"),
        ("茂", "シゲル"),
        ("博", "ヒロシ"),
        ("實", "ミノル"),
        ("勇", "イサム"),
        ("進", "ススム"),
        ("正雄", "マサオ"),
    ],
    &[
        ("誠", "マコト"),
        ("浩", "ヒロシ"),
        ("健一", "ケンイチ"),
        ("大輔", "ダイスケ"),
        ("拓也", "タクヤ"),
        ("直樹", "ナオキ"),
        ("和也", "カズヤ"),
    ],
    &[
        ("翔太", "ショウタ"),
        ("蓮", "レン"),
        ("陽翔", "ハルト"),
        ("湊", "ミナト"),
        ("悠真", "ユウマ"),
        ("大翔", "ヒロト"),
        ("蒼", "アオイ"),
    ],
];
const FEMALE: [&[(&str, &str)]; 3] = [
    &[
        ("和子", "カズコ"),
        ("幸子", "サチコ"),
        ("節子", "セツコ"),
        ("洋子", "ヨウコ"),
        ("恵子", "ケイコ"),
        ("京子", "キョウコ"),
    ],
    &[
        ("陽子", "ヨウコ"),
        ("明美", "アケミ"),
        ("裕子", "ユウコ"),
        ("久美子", "クミコ"),
        ("愛", "アイ"),
        ("美穂", "ミホ"),
    ],
    &[
        ("さくら", "サクラ"),
        ("結衣", "ユイ"),
        ("陽菜", "ヒナ"),
        ("凛", "リン"),
        ("芽依", "メイ"),
        ("美咲", "ミサキ"),
        ("葵", "アオイ"),
    ],
];
const WARDS: &[&str] = &[
    "中央区",
    "北区",
    "東区",
    "南区",
    "西区",
    "港区",
    "緑区",
    "青葉区",
    "旭区",
    "栄区",
    "泉区",
    "瀬谷区",
    "磯子区",
    "金沢区",
    "港南区",
    "保土ケ谷区",
    "鶴見区",
    "戸塚区",
];
const TOWNS: &[&str] = &[
    "本町",
    "栄町",
    "緑町",
    "旭町",
    "若葉台",
    "桜台",
    "東町",
    "西町",
    "南町",
    "北町",
    "中町",
    "新町",
    "元町",
    "寿町",
    "松が丘",
    "梅が丘",
    "竹の台",
    "富士見町",
    "日吉町",
    "宮前",
    "川向",
    "山手町",
    "浜町",
    "港町",
    "大通",
    "上町",
    "下町",
    "花園",
    "青葉台",
    "希望が丘",
];
/// The readings of [`WARDS`] and [`TOWNS`], for the demo's 住所辞書.
const WARD_KANA: &[&str] = &[
    "チュウオウク",
    "キタク",
    "ヒガシク",
    "ミナミク",
    "ニシク",
    "ミナトク",
    "ミドリク",
    "アオバク",
    "アサヒク",
    "サカエク",
    "イズミク",
    "セヤク",
    "イソゴク",
    "カナザワク",
    "コウナンク",
    "ホドガヤク",
    "ツルミク",
    "トツカク",
];
const TOWN_KANA: &[&str] = &[
    "ホンチョウ",
    "サカエチョウ",
    "ミドリチョウ",
    "アサヒチョウ",
    "ワカバダイ",
    "サクラダイ",
    "ヒガシマチ",
    "ニシマチ",
    "ミナミマチ",
    "キタマチ",
    "ナカマチ",
    "シンマチ",
    "モトマチ",
    "コトブキチョウ",
    "マツガオカ",
    "ウメガオカ",
    "タケノダイ",
    "フジミチョウ",
    "ヒヨシチョウ",
    "ミヤマエ",
    "カワムカイ",
    "ヤマテチョウ",
    "ハマチョウ",
    "ミナトマチ",
    "オオドオリ",
    "カミマチ",
    "シモマチ",
    "ハナゾノ",
    "アオバダイ",
    "キボウガオカ",
];
const CHOME: &[&str] = &["一丁目", "二丁目", "三丁目", "四丁目", "五丁目"];
const CHOME_KANA: &[&str] = &[
    "イッチョウメ",
    "ニチョウメ",
    "サンチョウメ",
    "ヨンチョウメ",
    "ゴチョウメ",
];

/// The 郵便番号 of a generated 町字 (ward, town, 丁目 index).
fn town_postal_code(ward: usize, town: usize, chome: usize) -> String {
    format!("9{ward:02}{town:02}{chome:02}")
}

/// The 全国地方公共団体コード (5 digits) of a ward of the demo city: like a designated
/// city's wards, each has its own, here 14981 … 14998 (codes no real body has).
fn ward_code(ward: usize) -> String {
    format!("{}", 14981 + ward)
}

/// The demo city's 住所辞書 as an アドレス・ベース・レジストリ 町字マスター (the same CSV
/// layout as the registry publishes): every ward, town and 丁目 the generator uses,
/// 住居表示実施済み, with a 郵便番号 each.
pub fn town_csv(pref: &str, pref_kana: &str, city: &str, city_kana: &str) -> String {
    let mut out = String::from(
        "lg_code,machiaza_id,machiaza_type,pref,pref_kana,pref_roma,county,county_kana,county_roma,city,city_kana,city_roma,ward,ward_kana,ward_roma,oaza_cho,oaza_cho_kana,oaza_cho_roma,chome,chome_kana,chome_number,koaza,koaza_kana,koaza_roma,machiaza_dist,rsdt_addr_flg,rsdt_addr_mtd_code,oaza_cho_aka_flg,koaza_aka_code,oaza_cho_gsi_uncmn,koaza_gsi_uncmn,status_flg,wake_num_flg,efct_date,ablt_date,src_code,post_code,remarks\n",
    );
    for (w, (ward, ward_kana)) in WARDS.iter().zip(WARD_KANA).enumerate() {
        let lg_code = LocalGovCode::from_five(&ward_code(w))
            .map(|c| c.to_string())
            .unwrap_or_default();
        for (t, (town, town_kana)) in TOWNS.iter().zip(TOWN_KANA).enumerate() {
            for (c, (chome, chome_kana)) in CHOME.iter().zip(CHOME_KANA).enumerate() {
                out.push_str(&format!(
                    "{lg_code},{:04}{:03},2,{pref},{pref_kana},,,,,{city},{city_kana},,{ward},{ward_kana},,{town},{town_kana},,{chome},{chome_kana},{},,,,,1,1,0,,,,0,0,1970-01-01,,,{},\n",
                    t + 1,
                    c + 1,
                    c + 1,
                    town_postal_code(w, t, c),
                ));
            }
        }
    }
    out
}

const BUILDINGS: &[&str] = &[
    "ハイツ",
    "コーポ",
    "マンション",
    "レジデンス",
    "荘",
    "パレス",
];
/// Foreign residents: nationality, weight, names and readings, statuses.
/// A nationality: name, weight, names with readings, statuses.
type Nationality = (
    &'static str,
    u32,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);
const NATIONALITIES: &[Nationality] = &[
    (
        "中国",
        27,
        &[
            ("WANG FANG", "ワン　ファン"),
            ("LI WEI", "リー　ウェイ"),
            ("ZHANG MIN", "チャン　ミン"),
        ],
        &["永住者", "留学", "技術・人文知識・国際業務", "家族滞在"],
    ),
    (
        "ベトナム",
        18,
        &[
            ("NGUYEN VAN AN", "グエン　ヴァン　アン"),
            ("TRAN THI BINH", "チャン　ティ　ビン"),
        ],
        &[
            "技能実習2号ロ",
            "特定技能1号",
            "留学",
            "技術・人文知識・国際業務",
        ],
    ),
    (
        "韓国",
        12,
        &[
            ("KIM MINJUN", "キム　ミンジュン"),
            ("PARK SEOYEON", "パク　ソヨン"),
        ],
        &["特別永住者", "永住者", "日本人の配偶者等"],
    ),
    (
        "フィリピン",
        9,
        &[
            ("REYES ANA", "レジェス　アナ"),
            ("SANTOS JOSE", "サントス　ホセ"),
        ],
        &["永住者", "定住者", "日本人の配偶者等"],
    ),
    (
        "ブラジル",
        6,
        &[
            ("SILVA MARIA", "シウバ　マリア"),
            ("OLIVEIRA JOAO", "オリベイラ　ジョアン"),
        ],
        &["定住者", "永住者"],
    ),
    (
        "ネパール",
        5,
        &[
            ("SHARMA RAJ", "シャルマ　ラジ"),
            ("GURUNG SITA", "グルン　シタ"),
        ],
        &["留学", "技能", "家族滞在"],
    ),
    (
        "インドネシア",
        4,
        &[("SARI DEWI", "サリ　デウィ")],
        &["特定技能1号", "技能実習2号ロ"],
    ),
    (
        "米国",
        3,
        &[("SMITH JOHN", "スミス　ジョン")],
        &["教育", "技術・人文知識・国際業務", "永住者"],
    ),
];
/// Births per 5-year age band, 0–4 … 90+ (per mille of the population, 2025).
const PYRAMID: &[u32] = &[
    34, 39, 42, 44, 49, 50, 49, 54, 60, 70, 77, 66, 60, 59, 72, 64, 49, 36, 25,
];

/// The generator of one synthetic municipality.
pub struct Synth {
    rng: ChaCha8Rng,
    place: String,
    /// The demo's 住所辞書 is loaded ([`town_csv`]): addresses carry their 住所コード.
    dictionary: bool,
    today: NaiveDate,
    next_person: i64,
    next_household: i64,
    surname_total: u32,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// A person of a household being generated.
struct Member {
    data: PersonData,
}

impl Synth {
    /// `place` is the municipality's part of every address (神奈川県みほん市).
    pub fn new(seed: u64, place: &str, today: NaiveDate) -> Self {
        Synth {
            rng: ChaCha8Rng::seed_from_u64(seed),
            place: place.into(),
            dictionary: false,
            today,
            next_person: 1,
            next_household: 1,
            surname_total: SURNAMES.iter().map(|s| s.2).sum(),
        }
    }

    /// Addresses carry the 住所コード of the dictionary [`town_csv`] describes.
    pub fn with_dictionary(mut self) -> Self {
        self.dictionary = true;
        self
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }
    fn surname(&mut self) -> (&'static str, &'static str) {
        let mut r = self.rng.random_range(0..self.surname_total);
        for (s, k, w) in SURNAMES {
            if r < *w {
                return (s, k);
            }
            r -= w;
        }
        ("佐藤", "サトウ")
    }
    /// A birth date from the age pyramid, limited to ages in `ages`.
    fn birth(&mut self, ages: std::ops::Range<i64>) -> NaiveDate {
        let total: u32 = PYRAMID
            .iter()
            .enumerate()
            .filter(|(i, _)| overlaps(*i, &ages))
            .map(|(_, w)| w)
            .sum();
        let mut r = self.rng.random_range(0..total.max(1));
        let mut band = 0;
        for (i, w) in PYRAMID
            .iter()
            .enumerate()
            .filter(|(i, _)| overlaps(*i, &ages))
        {
            if r < *w {
                band = i;
                break;
            }
            r -= w;
        }
        let lo = (band as i64 * 5).max(ages.start);
        let hi = (band as i64 * 5 + 5).min(ages.end).max(lo + 1);
        let age_days = self.rng.random_range(lo * 365..hi * 365);
        self.today - Duration::days(age_days + 1)
    }
    fn around(&mut self, d: NaiveDate, years: i64) -> NaiveDate {
        let shift = self.rng.random_range(-years * 365..=years * 365);
        (d + Duration::days(shift)).min(self.today - Duration::days(1))
    }

    fn address(&mut self) -> Address {
        let ward_no = self.rng.random_range(0..WARDS.len());
        let town_no = self.rng.random_range(0..TOWNS.len());
        let chome_no = self.rng.random_range(0..CHOME.len());
        let (ward, town, chome) = (WARDS[ward_no], TOWNS[town_no], CHOME[chome_no]);
        let katagaki = if self.chance(0.4) {
            let b = self.pick(BUILDINGS);
            Some(format!(
                "{town}{b}{}{:02}号室",
                self.rng.random_range(1..10),
                self.rng.random_range(1..15)
            ))
        } else {
            None
        };
        let code = if self.dictionary {
            kikan_domain::address::AddressCode::parse(&format!(
                "{}{:03}{:03}",
                ward_code(ward_no),
                town_no + 1,
                chome_no + 1
            ))
            .ok()
        } else {
            None
        };
        Address {
            postal_code: PostalCode::parse(&town_postal_code(ward_no, town_no, chome_no)).ok(),
            place: format!("{}{ward}{town}{chome}", self.place),
            banchi: format!(
                "{}番{}号",
                self.rng.random_range(1..40),
                self.rng.random_range(1..30)
            ),
            katagaki,
            code,
        }
    }

    fn outside_address(&mut self) -> Address {
        let (place, banchi) = self.pick(&[
            ("東京都千代田区千代田", "1番1号"),
            ("大阪府大阪市北区梅田", "1丁目1番"),
            ("北海道札幌市中央区北一条西", "2丁目"),
            ("福岡県福岡市博多区博多駅前", "3丁目2番"),
            ("愛知県名古屋市中村区名駅", "4丁目5番"),
        ]);
        Address {
            postal_code: None,
            place: place.into(),
            banchi: banchi.into(),
            katagaki: None,
            code: None,
        }
    }

    fn japanese(
        &mut self,
        surname: (&str, &str),
        male: bool,
        birth: NaiveDate,
        rel: Relationship,
    ) -> Option<Member> {
        let era = match birth.year() {
            ..1960 => 0,
            1960..1990 => 1,
            _ => 2,
        };
        let given = if male {
            self.pick(MALE[era])
        } else {
            self.pick(FEMALE[era])
        };
        let id = self.next_person;
        self.next_person += 1;
        let body = format!("{:010}", self.rng.random_range(0..10_000_000_000u64));
        let number = format!("{:011}", self.rng.random_range(0..100_000_000_000u64));
        let town = self.pick(TOWNS);
        Some(Member {
            data: PersonData {
                with_birth: false,
                foreign_resident_since_text: None,
                id: PersonId(serial_number(id)),
                juminhyo_code: JuminhyoCode::from_body(&body).ok(),
                individual_number: IndividualNumber::from_body(&number).ok(),
                name: PersonName::parse(surname.0, given.0).ok()?,
                furigana: Furigana::parse(surname.1, given.1).ok()?,
                birth_date: birth,
                birth_date_text: None,
                sex: if male { Sex::Male } else { Sex::Female },
                relationship: rel,
                honseki: Honseki::parse(
                    &format!("{}{town}{}番地", self.place, self.rng.random_range(1..50)),
                    &format!("{}　{}", surname.0, given.0),
                )
                .ok(),
                foreign: None,
                returning: false,
                keep_former_names: false,
                foreign_resident_since: None,
                former_surname: None,
            },
        })
    }

    fn foreigner(&mut self, nat: usize, birth: NaiveDate, rel: Relationship) -> Option<Member> {
        let (nationality, _, names, statuses) = NATIONALITIES[nat];
        let (name, kana) = self.pick(names);
        let status_label = self.pick(statuses);
        let special = status_label == "特別永住者";
        let status = if special {
            None
        } else {
            ResidenceStatus::parse(status_label).ok()
        };
        let expires = status
            .filter(|s| s.has_expiry())
            .map(|_| self.today + Duration::days(self.rng.random_range(30..1500)));
        let id = self.next_person;
        self.next_person += 1;
        let alias = if special && self.chance(0.6) {
            let s = self.surname();
            Some(Alias {
                name: PersonName::parse(s.0, "").ok()?,
                furigana: Furigana::parse(s.1, "").ok(),
                recorded_on: birth.max(ymd(1990, 1, 1)),
                recorded_by: None,
            })
        } else {
            None
        };
        Some(Member {
            data: PersonData {
                with_birth: false,
                foreign_resident_since_text: None,
                id: PersonId(serial_number(id)),
                juminhyo_code: JuminhyoCode::from_body(&format!(
                    "{:010}",
                    self.rng.random_range(0..10_000_000_000u64)
                ))
                .ok(),
                individual_number: IndividualNumber::from_body(&format!(
                    "{:011}",
                    self.rng.random_range(0..100_000_000_000u64)
                ))
                .ok(),
                name: PersonName::parse(name, "").ok()?,
                furigana: Furigana::parse(kana, "").ok()?,
                birth_date: birth,
                birth_date_text: None,
                // The coin is drawn for everyone (the same random sequence per seed); a
                // wife is a woman.
                sex: match (self.chance(0.5), rel) {
                    (_, Relationship::Wife) => Sex::Female,
                    (true, _) => Sex::Male,
                    (false, _) => Sex::Female,
                },
                relationship: rel,
                honseki: None,
                foreign: Some(ForeignDetails {
                    status,
                    period: expires.map(|_| "3年".into()),
                    expires_on: expires,
                    card_number: Some(format!(
                        "AB{:08}CD",
                        self.rng.random_range(0..100_000_000u32)
                    )),
                    alias,
                    ..ForeignDetails::new(
                        nationality.into(),
                        if special {
                            ForeignCategory::SpecialPermanent
                        } else {
                            ForeignCategory::MidToLongTerm
                        },
                    )
                }),
                returning: false,
                keep_former_names: false,
                foreign_resident_since: None,
                former_surname: None,
            },
        })
    }

    fn entry(&mut self, change: Change, effective: NaiveDate) -> Option<LedgerEntry> {
        let late = self.chance(0.02);
        let delay = if late {
            self.rng.random_range(15..60)
        } else {
            self.rng.random_range(0..14)
        };
        let notified = (effective + Duration::days(delay)).min(self.today);
        LedgerEntry::at_intake(
            change,
            effective,
            notified,
            Utc::now(),
            "生成データ".into(),
            None,
            self.today,
        )
        .ok()
    }

    /// One household with its history, as ledger entries in order.
    pub fn household(&mut self) -> Vec<LedgerEntry> {
        for _ in 0..8 {
            if let Some(h) = self.try_household() {
                return h;
            }
        }
        Vec::new()
    }

    fn try_household(&mut self) -> Option<Vec<LedgerEntry>> {
        let hid = HouseholdId(serial_number(self.next_household));
        self.next_household += 1;
        let mut members: Vec<Member> = Vec::new();
        let kind = self.rng.random_range(0..1000);
        if kind < 30 {
            // Foreign residents: single, couple or family.
            let total: u32 = NATIONALITIES.iter().map(|n| n.1).sum();
            let mut r = self.rng.random_range(0..total);
            let nat = NATIONALITIES
                .iter()
                .position(|n| {
                    if r < n.1 {
                        true
                    } else {
                        r -= n.1;
                        false
                    }
                })
                .unwrap_or(0);
            let head = self.birth(20..70);
            members.push(self.foreigner(nat, head, Relationship::Head)?);
            if self.chance(0.4) {
                let b = self.around(head, 4);
                members.push(self.foreigner(nat, b, Relationship::Wife)?);
                // The head of a household with a wife is her husband.
                if let Some(h) = members.first_mut() {
                    h.data.sex = Sex::Male;
                }
                if self.chance(0.5) {
                    let b = self.birth(0..15).max(head + Duration::days(20 * 365));
                    members.push(self.foreigner(nat, b, Relationship::Child)?);
                }
            }
        } else {
            let surname = self.surname();
            let kind = kind - 30;
            let (head_ages, spouse, children, parent) = match kind {
                0..380 => (18..100, false, 0, false),
                380..580 => (25..95, true, 0, false),
                580..830 => (28..60, true, self.rng.random_range(1..4), false),
                830..920 => (25..60, false, self.rng.random_range(1..3), false),
                920..970 => (35..62, true, self.rng.random_range(1..3), true),
                _ => (20..80, false, 0, false),
            };
            let head_birth = self.birth(head_ages);
            let head_male = spouse || self.chance(0.55);
            members.push(self.japanese(surname, head_male, head_birth, Relationship::Head)?);
            if spouse {
                let b = self.around(head_birth, 3);
                members.push(self.japanese(
                    surname,
                    !head_male,
                    b,
                    if head_male {
                        Relationship::Wife
                    } else {
                        Relationship::Husband
                    },
                )?);
            }
            let head_age = (self.today - head_birth).num_days() / 365;
            for _ in 0..children {
                let max_age = (head_age - 20).clamp(1, 30);
                let b = self.birth(0..max_age);
                let male = self.chance(0.51);
                members.push(self.japanese(surname, male, b, Relationship::Child)?);
            }
            if parent {
                let b = (head_birth - Duration::days(self.rng.random_range(22 * 365..35 * 365)))
                    .max(ymd(1926, 1, 1));
                let male = self.chance(0.3);
                members.push(self.japanese(
                    surname,
                    male,
                    b,
                    if male {
                        Relationship::Father
                    } else {
                        Relationship::Mother
                    },
                )?);
            }
            if kind >= 970 {
                let b = self.birth(18..80);
                let s = self.surname();
                let male = self.chance(0.5);
                members.push(self.japanese(s, male, b, Relationship::Lodger)?);
            }
        }

        // When did the household move in? Adults after 18; children born later are 出生.
        let head_birth = members[0].data.birth_date;
        let earliest = (head_birth + Duration::days(18 * 365)).max(ymd(1990, 1, 1));
        let latest = self.today - Duration::days(45);
        if earliest >= latest {
            return None;
        }
        let moved_in =
            earliest + Duration::days(self.rng.random_range(0..(latest - earliest).num_days()));
        let (born_here, movers): (Vec<Member>, Vec<Member>) = members.into_iter().partition(|m| {
            m.data.birth_date > moved_in && m.data.relationship == Relationship::Child
        });
        if movers.iter().any(|m| m.data.birth_date > moved_in) {
            return None;
        }
        let mut ids: Vec<PersonId> = movers.iter().map(|m| m.data.id).collect();
        let mut out = Vec::new();
        let address = self.address();
        let previous = self.outside_address();
        let from_abroad = movers[0].data.foreign.is_some() && self.chance(0.5);
        out.push(self.entry(
            Change::MoveIn {
                kind: if from_abroad {
                    MoveInKind::FromAbroad
                } else {
                    MoveInKind::Domestic
                },
                household: MoveInHousehold::New { id: hid },
                persons: movers.into_iter().map(|m| m.data).collect(),
                address,
                previous_address: if from_abroad { None } else { Some(previous) },
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            moved_in,
        )?);
        let mut born: Vec<Member> = born_here;
        born.sort_by_key(|m| m.data.birth_date);
        for m in born {
            let b = m.data.birth_date;
            ids.push(m.data.id);
            out.push(self.entry(
                Change::Birth {
                    person: Box::new(m.data),
                    household: hid,
                },
                b,
            )?);
        }
        let mut last = out.last().map_or(moved_in, |e| e.effective_on);
        let next_day = |s: &mut Synth, last: NaiveDate| -> Option<NaiveDate> {
            let from = last + Duration::days(1);
            let to = s.today - Duration::days(20);
            (from < to)
                .then(|| from + Duration::days(s.rng.random_range(0..(to - from).num_days())))
        };
        // 転居 within the city.
        if self.chance(0.15)
            && let Some(on) = next_day(self, last)
        {
            let to = self.address();
            out.push(self.entry(
                Change::Relocation {
                    ward_move: None,
                    persons: ids.clone(),
                    address: to,
                    target: RelocationTarget::WholeHousehold,
                },
                on,
            )?);
            last = on;
        }
        // An adult child splits off (世帯分離).
        if ids.len() >= 3
            && self.chance(0.08)
            && let Some(on) = next_day(self, last)
        {
            let child = ids[ids.len() - 1];
            let new_h = HouseholdId(serial_number(self.next_household));
            self.next_household += 1;
            out.push(self.entry(
                Change::HouseholdSplit {
                    persons: vec![child],
                    new_household: new_h,
                    relationships: vec![MemberRelationship {
                        person: child,
                        relationship: Relationship::Head,
                    }],
                },
                on,
            )?);
            ids.pop();
            last = on;
        }
        // The end of the story for some: death of a person living alone, or moving away.
        let old = (self.today - head_birth).num_days() > 75 * 365;
        if ids.len() == 1
            && old
            && self.chance(0.12)
            && let Some(on) = next_day(self, last)
        {
            out.push(self.entry(
                Change::Death {
                    person: ids[0],
                    succession: None,
                },
                on,
            )?);
        } else if self.chance(0.04)
            && let Some(on) = next_day(self, last)
        {
            let dest = self.outside_address();
            out.push(self.entry(
                Change::MoveOut {
                    persons: ids.clone(),
                    destination: dest.clone(),
                    planned_on: on,
                    abroad: false,
                    succession: None,
                    destination_head: None,
                },
                on,
            )?);
            let confirm = Change::MoveOutConfirmed {
                persons: ids,
                destination: dest,
                notice_from: LocalGovCode::from_five("13101").ok(),
                succession: None,
                moved_on: None,
            };
            out.push(self.entry(confirm, on)?);
        }
        Some(out)
    }
}

fn overlaps(band: usize, ages: &std::ops::Range<i64>) -> bool {
    let lo = band as i64 * 5;
    lo < ages.end && lo + 5 > ages.start
}

#[cfg(test)]
mod tests {
    use super::*;
    use kikan_domain::Change;

    /// Every 妻 the generator writes is a woman and every 夫 a man, Japanese or foreign.
    #[test]
    fn spouses_have_the_sex_their_relationship_says() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        let mut synth = Synth::new(7, "神奈川県みほん市", today);
        let (mut wives, mut foreign_wives) = (0, 0);
        for _ in 0..3000 {
            for entry in synth.household() {
                if let Change::MoveIn { persons, .. } = &entry.change {
                    for p in persons {
                        match p.relationship {
                            Relationship::Wife => {
                                assert_eq!(p.sex, Sex::Female, "{:?}", p.name);
                                wives += 1;
                                foreign_wives += usize::from(p.foreign.is_some());
                            }
                            Relationship::Husband => assert_eq!(p.sex, Sex::Male),
                            _ => {}
                        }
                    }
                }
            }
        }
        assert!(
            wives > 100 && foreign_wives > 0,
            "{wives} wives, {foreign_wives} foreign"
        );
    }
}
