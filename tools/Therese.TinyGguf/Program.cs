using Therese.TinyGguf;

// dotnet run --project tools/Therese.TinyGguf -- OUT.gguf [--arch NAME] [--seed N] [--context N]
var path = (string?)null;
var options = new TinyModelOptions();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--arch" when i + 1 < args.Length: options = options with { Architecture = args[++i] }; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out var seed): options = options with { Seed = seed }; i++; break;
        case "--context" when i + 1 < args.Length && uint.TryParse(args[i + 1], out var context): options = options with { ContextLength = context }; i++; break;
        case var arg when !arg.StartsWith("--", StringComparison.Ordinal) && path is null: path = arg; break;
        default:
            Console.Error.WriteLine($"Unknown argument: {args[i]}");
            path = null;
            i = args.Length;
            break;
    }
}

if (path is null)
{
    Console.Error.WriteLine("Usage: Therese.TinyGguf OUT.gguf [--arch NAME] [--seed N] [--context N]");
    return 2;
}

TinyModel.Write(path, options);
Console.WriteLine($"{Path.GetFullPath(path)} ({new FileInfo(path).Length / 1024.0 / 1024.0:0.00} MB, architecture {options.Architecture})");
return 0;
