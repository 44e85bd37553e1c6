using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Therese.Server.Storage.Migrations
{
    /// <summary>
    /// A message's ordered parts (reasoning, text…) as JSON, null when it is its text alone: every message saved
    /// before stays readable as it is, its text its one part.
    /// </summary>
    public partial class MessageParts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Parts",
                table: "messages",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Parts",
                table: "messages");
        }
    }
}
