using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Therese.Server.Storage.Migrations
{
    /// <summary>
    /// SQLite FTS5 indexes of conversation titles and of finished messages (a streaming answer is indexed
    /// once it ends, so checkpoints cost nothing), kept by triggers and keyed by the tables' rowid.
    /// The tokenizer folds case and removes accents: « ÉTÉ » finds « été ».
    /// </summary>
    public partial class FullTextSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE messages_fts USING fts5(content, tokenize = 'unicode61 remove_diacritics 2');
                INSERT INTO messages_fts(rowid, content) SELECT rowid, "Content" FROM messages WHERE "Status" <> 'streaming';
                CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new."Status" <> 'streaming'
                BEGIN
                    INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new."Content");
                END;
                CREATE TRIGGER messages_fts_update AFTER UPDATE OF "Content", "Status" ON messages WHEN new."Status" <> 'streaming'
                BEGIN
                    INSERT OR REPLACE INTO messages_fts(rowid, content) VALUES (new.rowid, new."Content");
                END;
                CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
                BEGIN
                    DELETE FROM messages_fts WHERE rowid = old.rowid;
                END;

                CREATE VIRTUAL TABLE conversations_fts USING fts5(title, tokenize = 'unicode61 remove_diacritics 2');
                INSERT INTO conversations_fts(rowid, title) SELECT rowid, "Title" FROM conversations;
                CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations
                BEGIN
                    INSERT INTO conversations_fts(rowid, title) VALUES (new.rowid, new."Title");
                END;
                CREATE TRIGGER conversations_fts_update AFTER UPDATE OF "Title" ON conversations
                BEGIN
                    INSERT OR REPLACE INTO conversations_fts(rowid, title) VALUES (new.rowid, new."Title");
                END;
                CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations
                BEGIN
                    DELETE FROM conversations_fts WHERE rowid = old.rowid;
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete;
                DROP TRIGGER conversations_fts_insert; DROP TRIGGER conversations_fts_update; DROP TRIGGER conversations_fts_delete;
                DROP TABLE messages_fts; DROP TABLE conversations_fts;
                """);
        }
    }
}
