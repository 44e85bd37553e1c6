using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Therese.Server.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ConversationSearchKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SearchKey",
                table: "conversations",
                type: "TEXT",
                maxLength: 400,
                nullable: false,
                defaultValue: "");

            // Conversations saved before this column: lower case is the best SQL alone can do (accents stay).
            migrationBuilder.Sql("UPDATE conversations SET \"SearchKey\" = lower(\"Title\");");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SearchKey",
                table: "conversations");
        }
    }
}
