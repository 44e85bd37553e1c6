using Microsoft.Extensions.AI;
using Therese.Server.Llm.Reasoning;

namespace Therese.Tests.Reasoning;

/// <summary>The inline think-tag parser, fed every way a stream can cut its text: at every character, in chunks of 1 to 9.</summary>
public sealed class ThinkTagParserTests
{
    /// <summary>R: reasoning, T: answer text, X: the text so far was reasoning (a stray closing tag).</summary>
    private static List<(char Kind, string Text)> Parse(IEnumerable<string> chunks, bool opened = false, bool apiReasoning = false)
    {
        var parser = new ThinkTagParser(opened);
        if (apiReasoning) parser.NoteApiReasoning();
        var contents = chunks.SelectMany(parser.Feed).ToList();
        contents.AddRange(parser.Flush());
        var result = new List<(char Kind, string Text)>();
        foreach (var content in contents)
        {
            var (kind, text) = content switch
            {
                TextReasoningContent r => ('R', r.Text),
                TextContent t => ('T', t.Text),
                TextWasReasoningContent => ('X', ""),
                _ => throw new InvalidOperationException(content.GetType().Name),
            };
            if (result.Count > 0 && result[^1].Kind == kind && kind != 'X') result[^1] = (kind, result[^1].Text + text);
            else result.Add((kind, text));
        }
        return result;
    }

    /// <summary>Every way of cutting the text: at each single position, and in chunks of each size from 1 to 9.</summary>
    private static IEnumerable<IReadOnlyList<string>> Cuts(string text)
    {
        yield return [text];
        for (var i = 1; i < text.Length; i++) yield return [text[..i], text[i..]];
        for (var size = 1; size <= 9; size++) yield return Therese.FakeLlm.FakeText.Chunks(text, size);
    }

    private static void Expect(string text, (char, string)[] expected, bool opened = false, bool apiReasoning = false)
    {
        foreach (var cut in Cuts(text))
            Assert.True(expected.SequenceEqual(Parse(cut, opened, apiReasoning)),
                $"cut [{string.Join(" | ", cut)}] gave {string.Join(", ", Parse(cut, opened, apiReasoning))}");
    }

    [Fact]
    public void A_block_at_the_start_is_reasoning_and_the_text_after_it_the_answer() =>
        Expect("  \n<think>\nJe pèse le pour et le contre.\n</think>\n\nBonjour !",
            [('R', "Je pèse le pour et le contre.\n"), ('T', "Bonjour !")]);

    [Fact]
    public void An_unclosed_block_is_all_reasoning() =>
        Expect("<think>Toujours en train de réfléchir", [('R', "Toujours en train de réfléchir")]);

    [Fact]
    public void A_stray_closing_tag_says_the_text_so_far_was_reasoning() =>
        Expect("Hmm, voyons…</think>\n\nBonjour !", [('T', "Hmm, voyons…"), ('X', ""), ('T', "Bonjour !")]);

    [Fact]
    public void When_the_prompt_opened_the_block_the_answer_starts_as_reasoning() =>
        Expect("Je réfléchis.</think>Réponse.", [('R', "Je réfléchis."), ('T', "Réponse.")], opened: true);

    [Fact]
    public void A_tag_inside_code_or_once_the_answer_has_begun_stays_text()
    {
        Expect("Écrivez `</think>` pour fermer.\n```xml\n</think>\n```\nVoilà.", [('T', "Écrivez `</think>` pour fermer.\n```xml\n</think>\n```\nVoilà.")]);
        Expect("<think>a</think>Le code <think> et </think> reste du texte.", [('R', "a"), ('T', "Le code <think> et </think> reste du texte.")]);
        Expect("Avant</think>après </think> encore", [('T', "Avant"), ('X', ""), ('T', "après </think> encore")]);
    }

    [Fact]
    public void Text_that_only_looks_like_a_tag_is_given_back_whole()
    {
        Expect("<thinking>x</thinking>", [('T', "<thinking>x</thinking>")]);
        Expect("Bonjour <b>toi</b> <", [('T', "Bonjour <b>toi</b> <")]);
        Expect("a </thin", [('T', "a </thin")]);
    }

    [Fact]
    public void A_tagged_copy_of_reasoning_the_server_sent_in_its_own_field_is_dropped() =>
        Expect("<think>copie</think>\nRéponse", [('T', "Réponse")], apiReasoning: true);
}
