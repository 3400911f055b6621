import GRDB

extension CheckBridgeDatabase {
    /// The schema, as named append-only migrations: never edit one that has shipped.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'read', 'ingest')),
                    key_hash TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE TABLE check_groups (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE checks (
                    id TEXT PRIMARY KEY NOT NULL,
                    group_id TEXT NOT NULL REFERENCES check_groups(id) ON DELETE RESTRICT,
                    name TEXT NOT NULL,
                    token TEXT NOT NULL UNIQUE,
                    rules TEXT NOT NULL,
                    default_status TEXT NOT NULL,
                    preset TEXT,
                    schedule TEXT,
                    failure_threshold INTEGER NOT NULL DEFAULT 1,
                    enabled INTEGER NOT NULL DEFAULT 1,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX checks_group ON checks(group_id);
                CREATE TABLE results (
                    id INTEGER PRIMARY KEY,
                    check_id TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
                    status TEXT NOT NULL,
                    source TEXT NOT NULL,
                    received_at INTEGER NOT NULL,
                    occurred_at INTEGER,
                    subject TEXT NOT NULL DEFAULT '',
                    excerpt TEXT NOT NULL DEFAULT '',
                    rule_index INTEGER,
                    dedupe_key TEXT,
                    raw BLOB,
                    raw_content_type TEXT,
                    raw_size INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX results_by_check ON results(check_id, id);
                CREATE UNIQUE INDEX results_dedupe ON results(check_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
                """)
        }
        migrator.registerMigration("v2-unmatched-mail") { db in
            try db.execute(sql: """
                CREATE TABLE unmatched_mail (
                    id INTEGER PRIMARY KEY,
                    received_at INTEGER NOT NULL,
                    sender TEXT NOT NULL DEFAULT '',
                    recipients TEXT NOT NULL,
                    subject TEXT NOT NULL DEFAULT '',
                    message_id TEXT,
                    raw BLOB NOT NULL,
                    raw_size INTEGER NOT NULL,
                    assigned_check_id TEXT,
                    assigned_result_id INTEGER
                );
                CREATE INDEX unmatched_mail_open ON unmatched_mail(assigned_check_id, id);
                """)
        }
        migrator.registerMigration("v3-psa-channels") { db in
            try db.execute(sql: """
                CREATE TABLE channels (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    enabled INTEGER NOT NULL DEFAULT 1,
                    connection TEXT NOT NULL,
                    sealed_secrets BLOB NOT NULL,
                    ticket TEXT NOT NULL,
                    customer TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    open_on_warning INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE ticket_links (
                    id INTEGER PRIMARY KEY,
                    check_id TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    reference TEXT NOT NULL UNIQUE,
                    psa_ticket_id INTEGER,
                    state TEXT NOT NULL,
                    opened_at INTEGER,
                    closed_at INTEGER,
                    last_error TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX ticket_links_pair ON ticket_links(check_id, channel_id, id);
                CREATE TABLE psa_operations (
                    id INTEGER PRIMARY KEY,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    check_id TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
                    link_id INTEGER NOT NULL REFERENCES ticket_links(id) ON DELETE CASCADE,
                    result_id INTEGER,
                    step TEXT NOT NULL,
                    state TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX psa_operations_pair ON psa_operations(check_id, channel_id, state, id);
                CREATE INDEX psa_operations_due ON psa_operations(state, next_attempt_at);
                """)
        }
        migrator.registerMigration("v4-psa-links-and-assets") { db in
            // Links belong to both ends: deleting a group, check or channel takes its links along.
            // The by-channel indexes serve customers.preview and the cascade of a channel delete.
            try db.execute(sql: """
                CREATE TABLE group_psa_links (
                    group_id TEXT NOT NULL REFERENCES check_groups(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    customer_id INTEGER NOT NULL,
                    customer_name TEXT NOT NULL,
                    PRIMARY KEY (group_id, channel_id)
                );
                CREATE INDEX group_psa_links_by_channel ON group_psa_links(channel_id, customer_id);
                CREATE TABLE check_assets (
                    check_id TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    asset_number TEXT NOT NULL,
                    psa_asset_id INTEGER NOT NULL,
                    psa_asset_name TEXT NOT NULL,
                    PRIMARY KEY (check_id, channel_id)
                );
                CREATE INDEX check_assets_by_channel ON check_assets(channel_id);
                """)
        }
        migrator.registerMigration("v5-results-chained-by-check") { db in
            // A check's results were found through an index on (check_id, id). Each check's newest
            // entries sit on a page of their own, so a group commit of N results for N checks wrote
            // N index pages (and checkpoints wrote them again): most of the disk traffic of ingest.
            // Instead each result names the check's result before it, and `check_heads` keeps each
            // check's newest result: a commit writes the table's last pages and the heads' few pages.
            // Ids are never reused (AUTOINCREMENT), so `previous_id` can only point to an older row
            // of the same check, or to one deleted since. `check_id` has no foreign key: deleting a
            // check deletes its results along the chain (`ResultChain.deleteAll`), since without the
            // index SQLite would scan the whole table for each deleted check.
            try db.execute(sql: """
                CREATE TABLE results_chained (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    check_id TEXT NOT NULL,
                    previous_id INTEGER,
                    status TEXT NOT NULL,
                    source TEXT NOT NULL,
                    received_at INTEGER NOT NULL,
                    occurred_at INTEGER,
                    subject TEXT NOT NULL DEFAULT '',
                    excerpt TEXT NOT NULL DEFAULT '',
                    rule_index INTEGER,
                    dedupe_key TEXT,
                    raw BLOB,
                    raw_content_type TEXT,
                    raw_size INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO results_chained (id, check_id, previous_id, status, source, received_at, occurred_at,
                                             subject, excerpt, rule_index, dedupe_key, raw, raw_content_type, raw_size)
                    SELECT id, check_id, LAG(id) OVER (PARTITION BY check_id ORDER BY id), status, source,
                           received_at, occurred_at, subject, excerpt, rule_index, dedupe_key, raw,
                           raw_content_type, raw_size
                    FROM results;
                CREATE TABLE check_heads (
                    check_id TEXT PRIMARY KEY NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
                    last_result_id INTEGER NOT NULL,
                    non_successes INTEGER NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO check_heads (check_id, last_result_id, non_successes)
                    SELECT r.check_id, MAX(r.id), SUM(r.id > COALESCE(s.last_success, 0))
                    FROM results r
                    LEFT JOIN (SELECT check_id, MAX(id) AS last_success FROM results
                               WHERE status = 'success' GROUP BY check_id) s ON s.check_id = r.check_id
                    GROUP BY r.check_id;
                DROP TABLE results;
                ALTER TABLE results_chained RENAME TO results;
                CREATE UNIQUE INDEX results_dedupe ON results(check_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
                """)
        }
        return migrator
    }
}
