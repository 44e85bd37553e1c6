using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Therese.Server.Storage.Migrations
{
    /// <summary>
    /// Imports remember where a conversation came from (ImportKey); the audit trail of team mode. The full-text
    /// indexes delete for real (FTS5 secure-delete: a deleted message's words leave the index at once, instead
    /// of waiting for a merge), and one VACUUM rewrites a database written before THÉRÈSE deleted securely, so
    /// that what was deleted earlier leaves no bytes in its free pages either.
    /// </summary>
    public partial class DataRights : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ImportKey",
                table: "conversations",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_log",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    ActorId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ActorEmail = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TargetId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    TargetLabel = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Address = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_log", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_conversations_OwnerId_ImportKey",
                table: "conversations",
                columns: new[] { "OwnerId", "ImportKey" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_At",
                table: "audit_log",
                column: "At");

            migrationBuilder.Sql("""
                INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1);
                INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('secure-delete', 1);
                """);
            migrationBuilder.Sql("VACUUM;", suppressTransaction: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 0);
                INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('secure-delete', 0);
                """);

            migrationBuilder.DropTable(
                name: "audit_log");

            migrationBuilder.DropIndex(
                name: "IX_conversations_OwnerId_ImportKey",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "ImportKey",
                table: "conversations");
        }
    }
}
