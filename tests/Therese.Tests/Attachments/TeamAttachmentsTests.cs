using System.Net;
using Therese.Tests.Accounts;

namespace Therese.Tests.Attachments;

/// <summary>Team mode: an attachment belongs to the person who sent it; anyone else gets 404 wherever they ask.</summary>
public sealed class TeamAttachmentsTests : TeamServerTest
{
    [Fact]
    public async Task Someone_elses_attachment_does_not_exist_for_you()
    {
        var admin = await SignInAsync(AdminEmail, AdminPassword);
        var claire = await NewMemberAsync(admin, "claire@mairie-exemple.fr");
        var paul = await NewMemberAsync(admin, "paul@mairie-exemple.fr");
        var pdf = await Uploads.AddAsync(claire, TestFiles.Pdf(1), "paie.pdf");

        foreach (var path in new[] { $"/api/attachments/{pdf.Id()}", $"/api/attachments/{pdf.Id()}/content" })
        {
            using var response = await paul.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using (var delete = await paul.DeleteAsync($"/api/attachments/{pdf.Id()}")) Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        using (var send = await paul.PostAsync("/api/chat/stream", Json(new { content = "Lis", attachments = new[] { pdf.Id() } })))
        {
            Assert.Equal(HttpStatusCode.NotFound, send.StatusCode);
            Assert.Equal("not_found", await CodeOf(send));
        }
        // The same bytes uploaded by Paul are his own attachment (the file itself is stored once).
        var his = await Uploads.AddAsync(paul, TestFiles.Pdf(1), "paie.pdf");
        Assert.NotEqual(pdf.Id(), his.Id());
        using (var own = await claire.GetAsync($"/api/attachments/{pdf.Id()}/content")) Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }
}
