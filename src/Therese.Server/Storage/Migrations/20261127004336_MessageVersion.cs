using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Therese.Server.Storage.Migrations
{
    /// <inheritdoc />
    public partial class MessageVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_ConversationId_Position",
                table: "messages");

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            // Earlier answers: number the versions at each place by age (this also separates the rows that
            // concurrent sends once wrote to the same place, so the unique index below can hold).
            migrationBuilder.Sql("""
                UPDATE messages SET "Version" = (
                    SELECT COUNT(*) FROM messages AS earlier
                    WHERE earlier."ConversationId" = messages."ConversationId" AND earlier."Position" = messages."Position"
                      AND (earlier."CreatedAt" < messages."CreatedAt" OR (earlier."CreatedAt" = messages."CreatedAt" AND earlier."Id" <= messages."Id")));
                """);

            migrationBuilder.CreateIndex(
                name: "IX_messages_ConversationId_Position_Version",
                table: "messages",
                columns: new[] { "ConversationId", "Position", "Version" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_ConversationId_Position_Version",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "messages");

            migrationBuilder.CreateIndex(
                name: "IX_messages_ConversationId_Position",
                table: "messages",
                columns: new[] { "ConversationId", "Position" });
        }
    }
}
