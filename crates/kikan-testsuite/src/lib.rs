//! The story tests every store engine must pass, and the helpers they use.
//!
//! `tests/stories.rs` runs each story on a fresh SQLite file and, when
//! `KIKAN_TEST_DATABASE_URL` names a PostgreSQL database (as on CI), on a fresh
//! schema there.

pub mod http;
pub mod pdf;
pub mod spec;
pub mod stories;

use chrono::{NaiveDate, Utc};
use kikan_app::ids::new_person_id;
use kikan_app::record::{self, Recorded};
use kikan_domain::*;
use kikan_store::{Store, StoreError, Tenant};
use kikan_store_postgres::PgStore;
use kikan_store_sqlite::SqliteStore;
use std::sync::Arc;

/// A fresh store of one engine, with raw access for tampering tests.
#[derive(Clone)]
pub enum TestStore {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PgStore>),
    /// PostgreSQL as production runs it: the store connected as a role that owns no
    /// table and is no superuser (row security binds it), beside the owner's store
    /// that migrated the schema (for raw access).
    PostgresApp {
        app: Arc<PgStore>,
        owner: Arc<PgStore>,
    },
}

impl TestStore {
    /// Another new store of the same engine (a second municipality's server).
    pub async fn sibling(&self) -> TestStore {
        match self {
            TestStore::Sqlite(_) => fresh_sqlite().await,
            TestStore::Postgres(_) => fresh_postgres().await.expect("PostgreSQL configured"),
            TestStore::PostgresApp { .. } => {
                fresh_postgres_app().await.expect("PostgreSQL configured")
            }
        }
    }

    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            TestStore::Sqlite(s) => s.clone(),
            TestStore::Postgres(s) => s.clone(),
            TestStore::PostgresApp { app, .. } => app.clone(),
        }
    }

    /// The PostgreSQL store that owns the schema, if this is PostgreSQL.
    fn pg_owner(&self) -> Option<&PgStore> {
        match self {
            TestStore::Sqlite(_) => None,
            TestStore::Postgres(s) | TestStore::PostgresApp { owner: s, .. } => Some(s),
        }
    }

    /// Runs one SQL statement directly, behind the store's back.
    pub async fn exec(&self, sql: &str) -> Result<u64, String> {
        match self {
            TestStore::Sqlite(s) => sqlx::query(sql)
                .execute(&sqlite_pool(s).await)
                .await
                .map(|r| r.rows_affected()),
            s @ (TestStore::Postgres(_) | TestStore::PostgresApp { .. }) => sqlx::query(sql)
                .execute(pg_pool(s))
                .await
                .map(|r| r.rows_affected()),
        }
        .map_err(|e| e.to_string())
    }
}

impl TestStore {
    /// Every stored JSON document as text (persons, versions, ledger), read behind the
    /// store's back: what a stolen database file would show.
    pub async fn stored_documents(&self) -> Vec<String> {
        let sql = "SELECT CAST(data AS TEXT) FROM persons UNION ALL SELECT CAST(data AS TEXT) FROM person_versions \
                   UNION ALL SELECT CAST(entry AS TEXT) FROM ledger";
        let r = match self {
            TestStore::Sqlite(s) => {
                sqlx::query_scalar::<_, String>(sql)
                    .fetch_all(&sqlite_pool(s).await)
                    .await
            }
            s @ (TestStore::Postgres(_) | TestStore::PostgresApp { .. }) => {
                sqlx::query_scalar::<_, String>(sql)
                    .fetch_all(pg_pool(s))
                    .await
            }
        };
        ok(r)
    }

    /// The first column of every primary key and unique index, by table (for the
    /// Citus rule: every key leads with tenant_id).
    pub async fn key_leads(&self) -> Vec<(String, String)> {
        let r = match self {
            TestStore::Sqlite(s) => {
                sqlx::query_as::<_, (String, String)>(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' AND p.pk = 1",
                )
                .fetch_all(&sqlite_pool(s).await)
                .await
            }
            s @ (TestStore::Postgres(_) | TestStore::PostgresApp { .. }) => {
                sqlx::query_as::<_, (String, String)>(
                    "SELECT c.relname::text, a.attname::text FROM pg_index i
                     JOIN pg_class c ON c.oid = i.indrelid
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
                     WHERE (i.indisprimary OR i.indisunique) AND n.nspname = current_schema()
                       AND c.relname <> '_sqlx_migrations'",
                )
                .fetch_all(pg_pool(s))
                .await
            }
        };
        ok(r)
    }
}

/// The owner's pool of a PostgreSQL test store.
fn pg_pool(s: &TestStore) -> &sqlx::PgPool {
    match s.pg_owner() {
        Some(pg) => pg.engine().pool(),
        None => panic!("not a PostgreSQL store"),
    }
}

/// A connection pool of its own on a SQLite store's file (the engine itself talks to
/// SQLite directly).
async fn sqlite_pool(s: &SqliteStore) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", s.engine().path().display());
    ok(sqlx::SqlitePool::connect(&url).await)
}

/// A new SQLite database in a new temporary directory.
pub async fn fresh_sqlite() -> TestStore {
    let dir = std::env::temp_dir().join(format!("kikan-test-{:016x}", rand::random::<u64>()));
    match kikan_store_sqlite::open_dir(&dir, http::test_keys()).await {
        Ok(s) => TestStore::Sqlite(Arc::new(s)),
        Err(e) => panic!("cannot open SQLite in {}: {e:?}", dir.display()),
    }
}

/// The PostgreSQL URL for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("KIKAN_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A new schema in the test PostgreSQL database, or None when none is configured.
pub async fn fresh_postgres() -> Option<TestStore> {
    let url = postgres_url()?;
    let schema = format!("t_{:016x}", rand::random::<u64>());
    match kikan_store_postgres::open_in_schema(&url, Some(&schema), http::test_keys()).await {
        Ok(s) => Some(TestStore::Postgres(Arc::new(s))),
        Err(e) => panic!("cannot open PostgreSQL schema {schema}: {e}"),
    }
}

/// A new schema migrated by its owner, and the store connected to it as the
/// application's role (`kikan_app`: LOGIN, NOSUPERUSER, NOBYPASSRLS, owning nothing,
/// granted only the use of the tables), or None when no database is configured.
pub async fn fresh_postgres_app() -> Option<TestStore> {
    let url = postgres_url()?;
    let owner = match fresh_postgres().await? {
        TestStore::Postgres(s) => s,
        _ => panic!("fresh_postgres gives PostgreSQL"),
    };
    let pool = owner.engine().pool();
    let schema: String = ok(sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(pool)
        .await);
    let role = "kikan_app";
    for sql in [
        format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ),
        format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"),
    ] {
        ok(sqlx::query(&sql).execute(pool).await);
    }
    let app_url = match url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
    {
        Some((_, host)) => format!("postgres://{role}@{host}"),
        None => panic!("KIKAN_TEST_DATABASE_URL must name user@host: {url}"),
    };
    let keys = Arc::new(owner.sealer().keys().clone());
    let app = ok(kikan_store_postgres::open_as_app(&app_url, Some(&schema), keys).await);
    Some(TestStore::PostgresApp {
        app: Arc::new(app),
        owner,
    })
}

pub fn d(s: &str) -> NaiveDate {
    match kikan_domain::wareki::parse_date(s) {
        Ok(d) => d,
        Err(e) => panic!("bad test date {s}: {e}"),
    }
}

pub fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

pub fn addr(place: &str, banchi: &str, katagaki: Option<&str>) -> Address {
    ok(Address::parse(Some("2310005"), place, banchi, katagaki))
}

/// A Japanese person entering the registry.
pub fn japanese(
    name: (&str, &str),
    kana: (&str, &str),
    birth: &str,
    sex: &str,
    rel: &str,
) -> PersonData {
    PersonData {
        with_birth: false,
        foreign_resident_since_text: None,
        id: new_person_id(),
        juminhyo_code: Some(ok(JuminhyoCode::from_body(&format!(
            "{:010}",
            rand::random::<u32>()
        )))),
        individual_number: Some(ok(IndividualNumber::from_body(&format!(
            "{:011}",
            rand::random::<u32>()
        )))),
        name: ok(PersonName::parse(name.0, name.1)),
        furigana: ok(Furigana::parse(kana.0, kana.1)),
        birth_date: d(birth),
        birth_date_text: None,
        sex: ok(Sex::parse(sex)),
        relationship: ok(Relationship::parse(rel)),
        honseki: Some(ok(Honseki::parse(
            "神奈川県横浜市中区本町一丁目1番地",
            name.0,
        ))),
        foreign: None,
        returning: false,
        keep_former_names: false,
        foreign_resident_since: None,
        former_surname: None,
    }
}

/// A foreign resident (中長期在留者) entering the registry.
pub fn foreigner(
    name: &str,
    kana: &str,
    birth: &str,
    sex: &str,
    rel: &str,
    status: &str,
) -> PersonData {
    PersonData {
        with_birth: false,
        foreign_resident_since_text: None,
        id: new_person_id(),
        juminhyo_code: None,
        individual_number: None,
        name: ok(PersonName::parse(name, "")),
        furigana: ok(Furigana::parse(kana, "")),
        birth_date: d(birth),
        birth_date_text: None,
        sex: ok(Sex::parse(sex)),
        relationship: ok(Relationship::parse(rel)),
        honseki: None,
        foreign: Some(ForeignDetails {
            status: Some(ok(ResidenceStatus::parse(status))),
            period: Some("3年".into()),
            expires_on: Some(d("2028-03-31")),
            card_number: Some("AB12345678CD".into()),
            ..ForeignDetails::new("ベトナム".into(), ForeignCategory::MidToLongTerm)
        }),
        returning: false,
        keep_former_names: false,
        foreign_resident_since: None,
        former_surname: None,
    }
}

pub fn rel(p: PersonId, r: &str) -> MemberRelationship {
    MemberRelationship {
        person: p,
        relationship: ok(Relationship::parse(r)),
    }
}

/// A counter clerk of one municipality, with a fixed "today".
pub struct Clerk {
    pub store: Arc<dyn Store>,
    pub tenant: LocalGovCode,
    pub today: NaiveDate,
}

impl Clerk {
    /// Registers the tenant and returns its clerk.
    pub async fn new(store: Arc<dyn Store>, code: &str, name: &str) -> Clerk {
        let tenant = ok(LocalGovCode::parse(code));
        ok(store
            .add_tenant(&Tenant {
                code: tenant,
                name: name.into(),
                mayor: format!("{name}長　試験　太郎"),
            })
            .await);
        Clerk {
            store,
            tenant,
            today: d("2026-10-01"),
        }
    }

    pub async fn record(
        &self,
        change: Change,
        effective: &str,
        notified: &str,
    ) -> Result<Recorded, StoreError> {
        self.record_expect(change, effective, notified, &[]).await
    }

    pub async fn record_expect(
        &self,
        change: Change,
        effective: &str,
        notified: &str,
        expect: &[(HouseholdId, u64)],
    ) -> Result<Recorded, StoreError> {
        let entry = LedgerEntry::at_intake(
            change,
            d(effective),
            d(notified),
            Utc::now(),
            "窓口 試験".into(),
            Some(Notifier {
                name: "届出人".into(),
                capacity: "本人".into(),
            }),
            self.today,
        )?;
        record::record(&*self.store, self.tenant, entry, expect).await
    }

    /// Records `change` with a 異動日 written as staff enter it: a 不詳日 (令和2年頃) or
    /// a day not on the calendar is kept as its text (1.1.8).
    pub async fn record_dated(
        &self,
        change: Change,
        effective: &str,
        notified: &str,
    ) -> Result<Recorded, StoreError> {
        let on = kikan_domain::dates::parse_recorded(effective)?;
        let entry = LedgerEntry::at_intake(
            change,
            on.sort,
            d(notified),
            Utc::now(),
            "窓口 試験".into(),
            None,
            self.today,
        )?
        .with_basis(kikan_domain::Basis::ExOfficio)
        .with_effective_text(on.text)?;
        record::record(&*self.store, self.tenant, entry, &[]).await
    }

    pub async fn person(&self, id: PersonId) -> Person {
        match ok(self.store.persons(self.tenant, &[id]).await).pop() {
            Some(p) => p,
            None => panic!("person {id} not found"),
        }
    }

    pub async fn household(&self, id: HouseholdId) -> Household {
        match ok(self.store.households(self.tenant, &[id]).await).pop() {
            Some(h) => h,
            None => panic!("household {id} not found"),
        }
    }
}

/// The error code of a failed record, or "ok".
pub fn code<T>(r: &Result<T, StoreError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// Runs each named story (`async fn name(s: TestStore)`) as two tests, `sqlite::name`
/// and `postgres::name` (skipped without `KIKAN_TEST_DATABASE_URL`).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::fresh_sqlite().await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match $crate::fresh_postgres().await {
                        Some(s) => super::$name(s).await,
                        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: skipped"),
                    }
                }
            )+
        }
    };
}
