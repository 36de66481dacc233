//! 認証者 and 公印 (1.3.7, j290; 1.3.9, j310; 5.6, j1050): who certifies a certificate and
//! with which seal.
//!
//! The 市区町村長 and the 職務代理者 are each held with their 職名, 氏名 and period; on a
//! day within a 職務代理者's period the deputy certifies, else the mayor — or the one the
//! counter chooses for a certificate. The printed title carries the prefecture's name, a
//! 指定都市 or 特別区 included (5.6). Seals are registered images of their kind (市区町村長印,
//! 職務代理者印, 証明書専用印, カード券面用印), black and at most 25 mm square; only a card's
//! seal may be red. Fixed phrases (「公印省略」「この印は黒色です」…) are registered and
//! chosen per certificate.

use crate::DomainError;
use crate::codes::LocalGovCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 市区町村長 or 職務代理者.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertifierRole {
    #[serde(rename = "市区町村長")]
    Mayor,
    #[serde(rename = "職務代理者")]
    Deputy,
}

impl CertifierRole {
    pub fn label(self) -> &'static str {
        match self {
            CertifierRole::Mayor => "市区町村長",
            CertifierRole::Deputy => "職務代理者",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim() {
            "市区町村長" => Ok(CertifierRole::Mayor),
            "職務代理者" => Ok(CertifierRole::Deputy),
            other => Err(DomainError::UnknownCode {
                kind: "認証者の区分",
                value: other.to_string(),
            }),
        }
    }
}

/// A 認証者 for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certifier {
    pub id: i64,
    pub role: CertifierRole,
    /// 職名 without the prefecture (横浜市長, 横浜市長職務代理者　横浜市副市長).
    pub title: String,
    pub name: String,
    /// The first and last day (None: until further notice).
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// A designated city's 区 (1.3.9): with it, the role is the 区長 or the 区長's
    /// 職務代理者 of that ward, who certify what its 区役所 issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
}

impl Certifier {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day <= to)
    }

    /// Checks the items and that no other of the same role overlaps its period.
    pub fn validate(&self, others: &[Certifier]) -> Result<(), DomainError> {
        let text = |field: &'static str, s: &str| {
            if s.trim().is_empty() {
                Err(DomainError::Missing { field })
            } else {
                Ok(())
            }
        };
        text("職名", &self.title)?;
        text("氏名", &self.name)?;
        if self.to.is_some_and(|to| to < self.from) {
            return Err(DomainError::CertifierPeriod {
                reason: "終了日が開始日より前です".into(),
            });
        }
        let end = |c: &Certifier| c.to.unwrap_or(NaiveDate::MAX);
        if let Some(o) = others.iter().find(|o| {
            o.id != self.id
                && o.role == self.role
                && o.ward == self.ward
                && o.from <= end(self)
                && self.from <= end(o)
        }) {
            return Err(DomainError::CertifierPeriod {
                reason: format!(
                    "{}の期間が{}({}から)と重なります",
                    self.role.label(),
                    o.name,
                    o.from
                ),
            });
        }
        Ok(())
    }

    /// As printed: the prefecture, the 職名 and the name (神奈川県横浜市長　山田　太郎).
    pub fn line(&self, code: LocalGovCode) -> String {
        format!(
            "{}{}　{}",
            prefecture(code),
            self.title.trim(),
            self.name.trim()
        )
    }
}

/// The certifier of a day: the one asked for, or the 職務代理者 within their period, else
/// the 市区町村長. Issued at a designated city's 区役所 (`ward`), the 区長 (or the
/// 区長's 職務代理者) of that ward, where registered. None: nobody registered covers
/// the day.
pub fn certifier_on<'a>(
    all: &'a [Certifier],
    day: NaiveDate,
    asked: Option<CertifierRole>,
    ward: Option<&str>,
) -> Option<&'a Certifier> {
    let pick = |w: Option<&str>| {
        let of = |role| {
            all.iter()
                .find(|c| c.role == role && c.ward.as_deref() == w && c.covers(day))
        };
        match asked {
            Some(role) => of(role),
            None => of(CertifierRole::Deputy).or_else(|| of(CertifierRole::Mayor)),
        }
    };
    ward.and_then(|w| pick(Some(w))).or_else(|| pick(None))
}

/// The kinds of 電子公印.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SealKind {
    #[serde(rename = "市区町村長印")]
    Mayor,
    #[serde(rename = "職務代理者印")]
    Deputy,
    #[serde(rename = "証明書専用印")]
    Certificate,
    #[serde(rename = "カード券面用印")]
    Card,
}

impl SealKind {
    pub fn label(self) -> &'static str {
        match self {
            SealKind::Mayor => "市区町村長印",
            SealKind::Deputy => "職務代理者印",
            SealKind::Certificate => "証明書専用印",
            SealKind::Card => "カード券面用印",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        [
            SealKind::Mayor,
            SealKind::Deputy,
            SealKind::Certificate,
            SealKind::Card,
        ]
        .into_iter()
        .find(|k| k.label() == s.trim())
        .ok_or_else(|| DomainError::UnknownCode {
            kind: "公印の種類",
            value: s.trim().to_string(),
        })
    }

    /// The seal that goes with a certifier by default.
    pub fn of(role: CertifierRole) -> Self {
        match role {
            CertifierRole::Mayor => SealKind::Mayor,
            CertifierRole::Deputy => SealKind::Deputy,
        }
    }
}

/// The largest seal the standard allows (5.6): 25 mm square.
pub const MAX_SEAL_MM: f32 = 25.0;

/// A registered seal: its image (PNG), printed `size_mm` square.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seal {
    pub id: i64,
    pub kind: SealKind,
    pub size_mm: f32,
    /// Red: only a card's seal may be (5.6); certificates print black.
    pub red: bool,
    /// The image as registered: PNG, its dark parts printed in the seal's colour.
    #[serde(with = "base64_bytes")]
    pub png: Vec<u8>,
}

impl Seal {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(self.size_mm > 0.0 && self.size_mm <= MAX_SEAL_MM) {
            return Err(DomainError::SealImage {
                reason: format!(
                    "大きさは{MAX_SEAL_MM}mm角以内です(指定: {}mm)",
                    self.size_mm
                ),
            });
        }
        if self.red && self.kind != SealKind::Card {
            return Err(DomainError::SealImage {
                reason: "赤色にできるのはカード券面用印だけです(証明書の公印は黒色)".into(),
            });
        }
        Ok(())
    }
}

/// Which seal a certificate carries: the registered one of a kind, or none (「公印省略」
/// or such, printed as the chosen phrase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SealChoice {
    Kind(SealKind),
    Omit,
}

/// The latest registered seal of a kind.
pub fn seal_of(all: &[Seal], kind: SealKind) -> Option<&Seal> {
    all.iter().filter(|s| s.kind == kind).max_by_key(|s| s.id)
}

/// The prefecture of a municipality, by the first two digits of its code (JIS X 0401).
pub fn prefecture(code: LocalGovCode) -> &'static str {
    const NAMES: [&str; 47] = [
        "北海道",
        "青森県",
        "岩手県",
        "宮城県",
        "秋田県",
        "山形県",
        "福島県",
        "茨城県",
        "栃木県",
        "群馬県",
        "埼玉県",
        "千葉県",
        "東京都",
        "神奈川県",
        "新潟県",
        "富山県",
        "石川県",
        "福井県",
        "山梨県",
        "長野県",
        "岐阜県",
        "静岡県",
        "愛知県",
        "三重県",
        "滋賀県",
        "京都府",
        "大阪府",
        "兵庫県",
        "奈良県",
        "和歌山県",
        "鳥取県",
        "島根県",
        "岡山県",
        "広島県",
        "山口県",
        "徳島県",
        "香川県",
        "愛媛県",
        "高知県",
        "福岡県",
        "佐賀県",
        "長崎県",
        "熊本県",
        "大分県",
        "宮崎県",
        "鹿児島県",
        "沖縄県",
    ];
    let n: usize = code.to_string()[..2].parse().unwrap_or(0);
    n.checked_sub(1)
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("")
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or(NaiveDate::MIN)
    }

    fn c(id: i64, role: CertifierRole, name: &str, from: &str, to: Option<&str>) -> Certifier {
        Certifier {
            id,
            role,
            title: if role == CertifierRole::Mayor {
                "横浜市長".into()
            } else {
                "横浜市長職務代理者　横浜市副市長".into()
            },
            name: name.into(),
            from: d(from),
            to: to.map(d),
            ward: None,
        }
    }

    #[test]
    fn the_certifier_follows_the_day() {
        let all = vec![
            c(
                1,
                CertifierRole::Mayor,
                "見本　一郎",
                "2022-04-01",
                Some("2026-08-31"),
            ),
            c(2, CertifierRole::Mayor, "見本　二郎", "2026-09-01", None),
            c(
                3,
                CertifierRole::Deputy,
                "代理　花子",
                "2026-08-20",
                Some("2026-08-31"),
            ),
        ];
        let on =
            |day: &str, asked| certifier_on(&all, d(day), asked, None).map(|c| c.name.as_str());
        assert_eq!(on("2026-08-19", None), Some("見本　一郎"));
        assert_eq!(on("2026-08-20", None), Some("代理　花子"));
        assert_eq!(on("2026-08-31", None), Some("代理　花子"));
        assert_eq!(
            on("2026-08-31", Some(CertifierRole::Mayor)),
            Some("見本　一郎")
        );
        assert_eq!(on("2026-09-01", None), Some("見本　二郎"));
        assert_eq!(on("2022-03-31", None), None);
        let code = LocalGovCode::parse("141003").ok();
        assert_eq!(
            code.map(|code| all[1].line(code)),
            Some("神奈川県横浜市長　見本　二郎".to_string())
        );
        // 指定都市 (1.3.9): what a 区役所 issues, its 区長 certifies (or the 区長's deputy
        // in their period); a ward without one registered falls back to the mayor.
        let mut ward_head = c(6, CertifierRole::Mayor, "中区長　太郎", "2026-04-01", None);
        ward_head.ward = Some("中区".into());
        let mut ward_deputy = c(
            7,
            CertifierRole::Deputy,
            "中区代理　次郎",
            "2026-10-01",
            Some("2026-10-10"),
        );
        ward_deputy.ward = Some("中区".into());
        let mut with_wards = all.clone();
        with_wards.extend([ward_head.clone(), ward_deputy]);
        let in_ward =
            |day: &str, w| certifier_on(&with_wards, d(day), None, w).map(|c| c.name.as_str());
        assert_eq!(in_ward("2026-09-15", Some("中区")), Some("中区長　太郎"));
        assert_eq!(in_ward("2026-10-05", Some("中区")), Some("中区代理　次郎"));
        assert_eq!(in_ward("2026-09-15", Some("西区")), Some("見本　二郎"));
        assert_eq!(in_ward("2026-09-15", None), Some("見本　二郎"));
        // A 区長 does not overlap the mayor: each ward is its own.
        assert!(ward_head.validate(&all).is_ok());
        // Two mayors at once, or a period that ends before it starts, are refused.
        let overlap = c(4, CertifierRole::Mayor, "重複　太郎", "2026-08-01", None);
        assert_eq!(
            overlap.validate(&all).map_err(|e| e.code()),
            Err("E-CERT-030")
        );
        let backwards = c(
            5,
            CertifierRole::Deputy,
            "逆　順",
            "2027-01-10",
            Some("2027-01-01"),
        );
        assert_eq!(
            backwards.validate(&all).map_err(|e| e.code()),
            Err("E-CERT-030")
        );
        let fine = c(
            6,
            CertifierRole::Deputy,
            "代理　次郎",
            "2027-01-01",
            Some("2027-01-10"),
        );
        assert!(fine.validate(&all).is_ok());
    }

    #[test]
    fn prefectures() {
        let name = |s: &str| LocalGovCode::parse(s).map(prefecture).ok();
        assert_eq!(name("011002"), Some("北海道"));
        assert_eq!(name("131016"), Some("東京都"));
        assert_eq!(name("472018"), Some("沖縄県"));
    }
}
