namespace Therese.Server.Tools;

/// <summary>The tools one answer offers the model, and where to call them.</summary>
public sealed record AnswerTools(IReadOnlyList<OfferedTool> Offered, ToolServers Servers)
{
    public OfferedTool? Find(string modelName) => Offered.FirstOrDefault(t => t.ModelName == modelName);
}
