//! Runs every story on SQLite, and on PostgreSQL when KIKAN_TEST_DATABASE_URL is set.

macro_rules! stories {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    kikan_testsuite::stories::$name(kikan_testsuite::fresh_sqlite().await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match kikan_testsuite::fresh_postgres().await {
                        Some(s) => kikan_testsuite::stories::$name(s).await,
                        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL story skipped"),
                    }
                }
            )+
        }
        /// As production runs: connected as a role that owns nothing and is no
        /// superuser, the schema migrated by its owner, row security on.
        mod postgres_app {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match kikan_testsuite::fresh_postgres_app().await {
                        Some(s) => kikan_testsuite::stories::$name(s).await,
                        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL story skipped"),
                    }
                }
            )+
        }
    };
}

stories!(
    partial_cancellations,
    former_names_come_back_from_abroad,
    unknown_dates_beyond_birth,
    tenants_are_checked_and_kept_apart,
    move_in_and_search,
    move_in_refuses_impossible_requests,
    late_notifications_are_flagged,
    relocation,
    move_out_planned_then_confirmed,
    emigration_removes_at_the_date,
    household_split_merge_head_and_composition,
    birth_and_death,
    ex_officio_record_removal_and_correction,
    foreign_residents,
    as_of_queries,
    concurrent_clerks_conflict,
    check_catches_a_tampered_projection,
    check_catches_an_edited_ledger_entry,
    check_catches_a_removed_record_brought_back,
    check_streams_through_little_memory,
    every_key_leads_with_the_tenant,
    individual_numbers_are_sealed_at_rest,
    households_without_a_head,
    relationships_as_the_standard_writes_them,
    corrections_of_every_item,
    move_out_takes_effect_by_itself,
    ex_officio_changes_are_marked,
    returning_residents_and_duplicates,
    cancellations,
    former_surnames,
    unnotified_move_ins,
    nationality_changes,
    article_46_and_47,
);
