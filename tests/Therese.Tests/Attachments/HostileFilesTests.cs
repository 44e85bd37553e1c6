using System.Net;

namespace Therese.Tests.Attachments;

/// <summary>
/// Malformed and hostile files: each is refused with a French 4xx naming what is wrong, the server keeps serving (a
/// normal file is read right after), and nothing is stored.
/// </summary>
public sealed class HostileFilesTests : ServerTest
{
    public static TheoryData<string, string, int, string, string> Files => new()
    {
        { "truncated", "rapport.pdf", 422, "unreadable_file", "incomplet" },
        { "encrypted", "bulletin.pdf", 422, "unreadable_file", "mot de passe" },
        { "cyclic-xref", "boucle.pdf", 422, "unreadable_file", "" },
        { "zip-bomb", "ventes.xlsx", 422, "unreadable_file", "décompressé" },
        { "docx-800-mb-part", "statuts.docx", 422, "unreadable_file", "décompressé" },
        { "many-entries", "classeur.xlsx", 422, "unreadable_file", "trop d’éléments" },
        { "polyglot", "photo.png", 415, "unsupported_type", "polyglotte" },
        { "exe-renamed-pdf", "rapport.pdf", 415, "unsupported_type", "programme" },
        { "svg-with-script", "logo.svg", 415, "unsupported_type", "SVG" },
        { "png-50000-x-50000", "plan.png", 422, "unreadable_file", "50\u202f000 × 50\u202f000" },
        { "empty", "vide.pdf", 422, "unreadable_file", "vide" },
    };

    private static byte[] Make(string which) => which switch
    {
        "truncated" => TestFiles.TruncatedPdf(),
        "encrypted" => TestFiles.EncryptedPdf(),
        "cyclic-xref" => TestFiles.CyclicXrefPdf(),
        "zip-bomb" => TestFiles.ZipBomb(),
        "docx-800-mb-part" => TestFiles.DocxWithHugePart(800),
        "many-entries" => TestFiles.ManyEntries(),
        "polyglot" => TestFiles.Polyglot(),
        "exe-renamed-pdf" => TestFiles.Executable(),
        "svg-with-script" => TestFiles.SvgWithScript(),
        "png-50000-x-50000" => TestFiles.HugePngHeader(),
        "empty" => [],
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Is_refused_in_french_and_the_server_keeps_serving(string which, string name, int status, string code, string inDetail)
    {
        var bytes = Make(which);
        using var response = await Uploads.PostAsync(Http, bytes, name, claimedType: "application/pdf");
        await AttachmentsApiTests.AssertProblem(response, (HttpStatusCode)status, code, inDetail);

        // Still serving: a real file is read, and nothing of the refused one was kept.
        var fine = await Uploads.AddAsync(Http, TestFiles.Pdf(1), "ok.pdf");
        Assert.Equal("application/pdf", fine.GetProperty("media_type").GetString());
        using var list = await Http.GetAsync("/api/conversations");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.DoesNotContain(Host.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reader_past_its_memory_cap_is_killed_and_the_file_refused()
    {
        await using var tight = await ThereseHost.StartAsync(settings: new Dictionary<string, string?> { ["Therese:Attachments:ReaderMemoryMegabytes"] = "128" });
        using var http = tight.CreateClient();
        // 7,000 × 7,000 pixels: within the pixel cap, but about 200 MB once decoded.
        using var response = await Uploads.PostAsync(http, TestFiles.Png(7000, 7000), "affiche.png");
        await AttachmentsApiTests.AssertProblem(response, HttpStatusCode.UnprocessableEntity, "unreadable_file", "mémoire");
        Assert.Contains(tight.Logs.Lines, l => l.Contains("was killed", StringComparison.Ordinal));
        var fine = await Uploads.AddAsync(http, TestFiles.Png(100, 100), "ok.png");
        Assert.Equal("image/png", fine.GetProperty("media_type").GetString());
    }
}
