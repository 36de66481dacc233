//! PostgreSQL row-level security: a connection set to tenant A cannot read or
//! write tenant B's rows, even with hand-written SQL, and the store works as a
//! role that is neither owner nor superuser.

use kikan_store::Store;
use kikan_testsuite::stories::move_in_family;
use kikan_testsuite::{Clerk, TestStore, fresh_postgres, ok, postgres_url};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_of_tenant_a_cannot_read_tenant_b() {
    let Some(owner) = fresh_postgres().await else {
        eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL test skipped");
        return;
    };
    let TestStore::Postgres(pg) = &owner else {
        panic!("fresh_postgres gives PostgreSQL")
    };
    let schema: String = ok(sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(pg.engine().pool())
        .await);
    let a = Clerk::new(owner.store(), "141003", "横浜市").await;
    let b = Clerk::new(owner.store(), "131016", "千代田区").await;
    let fa = move_in_family(&a).await;
    let fb = move_in_family(&b).await;

    // The application's role: may use the tables, owns nothing, no BYPASSRLS.
    let role = "kikan_app_test";
    for sql in [
        format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ),
        format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"),
    ] {
        if let Err(e) = owner.exec(&sql).await {
            panic!("{sql}: {e}");
        }
    }
    let base = postgres_url().unwrap_or_default();
    let url = match base
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
    {
        Some((_, host)) => format!("postgres://{role}@{host}"),
        None => panic!("KIKAN_TEST_DATABASE_URL must name user@host: {base}"),
    };
    let app = Arc::new(ok(kikan_store_postgres::open_as_app(
        &url,
        Some(&schema),
        Arc::new(owner.store().sealer().keys().clone()),
    )
    .await));

    // Every table keyed by tenant (but the list of tenants itself) forces row security:
    // a table added without its policy fails here.
    let unguarded: Vec<String> = ok(sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
          WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'tenants'
            AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
          ORDER BY 1",
    )
    .bind(&schema)
    .fetch_all(pg.engine().pool())
    .await);
    assert!(
        unguarded.is_empty(),
        "tables without row-level security: {unguarded:?}"
    );

    // Hand-written SQL on the app's connection, set to tenant A.
    let mut conn = ok(app.engine().pool().acquire().await);
    ok(
        sqlx::query("SELECT set_config('app.tenant_id', '141003', false)")
            .execute(&mut *conn)
            .await,
    );
    let tenants: Vec<String> = ok(sqlx::query_scalar("SELECT DISTINCT tenant_id FROM persons")
        .fetch_all(&mut *conn)
        .await);
    assert_eq!(tenants, vec!["141003".to_string()]);
    let b_rows: i64 = ok(sqlx::query_scalar(
        "SELECT count(*) FROM persons WHERE tenant_id = '131016'",
    )
    .fetch_one(&mut *conn)
    .await);
    assert_eq!(b_rows, 0);
    let b_ledger: i64 = ok(sqlx::query_scalar(
        "SELECT count(*) FROM ledger WHERE tenant_id <> '141003'",
    )
    .fetch_one(&mut *conn)
    .await);
    assert_eq!(b_ledger, 0);
    let b_by_id: i64 = ok(
        sqlx::query_scalar("SELECT count(*) FROM persons WHERE person_id = $1")
            .bind(fb.head.0)
            .fetch_one(&mut *conn)
            .await,
    );
    assert_eq!(b_by_id, 0);
    // Writing into B's rows is refused too.
    let updated = ok(sqlx::query(
        "UPDATE persons SET address_line = 'x' WHERE tenant_id = '131016'",
    )
    .execute(&mut *conn)
    .await);
    assert_eq!(updated.rows_affected(), 0);
    let insert =
        sqlx::query("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ('131016', 99, 'x')")
            .execute(&mut *conn)
            .await;
    assert!(insert.is_err(), "a row of another tenant was inserted");
    // With no tenant set, nothing is visible.
    ok(sqlx::query("SELECT set_config('app.tenant_id', '', false)")
        .execute(&mut *conn)
        .await);
    let none: i64 = ok(sqlx::query_scalar("SELECT count(*) FROM persons")
        .fetch_one(&mut *conn)
        .await);
    assert_eq!(none, 0);
    drop(conn);

    // The store itself works as that role, within each tenant.
    let ta = a.tenant;
    let found = ok(app.persons(ta, &[fa.head, fb.head]).await);
    assert_eq!(
        found.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![fa.head]
    );
    let as_app = Clerk {
        store: app.clone(),
        tenant: ta,
        today: a.today,
    };
    assert_eq!(
        ok(kikan_app::check::check(&*as_app.store, ta).await).persons,
        4
    );
    let owner_view: i64 = ok(sqlx::query_scalar("SELECT count(*) FROM persons")
        .fetch_one(pg.engine().pool())
        .await);
    assert_eq!(
        owner_view, 8,
        "the owner (superuser here) sees both tenants"
    );
}
