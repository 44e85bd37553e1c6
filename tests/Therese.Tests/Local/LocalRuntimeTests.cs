using Therese.Server.Llm.Local;
using Therese.TinyGguf;
using Xunit.Abstractions;

namespace Therese.Tests.Local;

public sealed class LocalRuntimeTests(ITestOutputHelper output)
{
    [Fact]
    public void Threads_default_to_physical_cores_not_hyperthreads()
    {
        const string twoCoresFourThreads = """
            processor	: 0
            physical id	: 0
            core id		: 0

            processor	: 1
            physical id	: 0
            core id		: 1

            processor	: 2
            physical id	: 0
            core id		: 0

            processor	: 3
            physical id	: 0
            core id		: 1
            """;
        const string twoSockets = "physical id\t: 0\ncore id\t: 0\n\nphysical id\t: 1\ncore id\t: 0\n";

        Assert.Equal(2, CpuCores.CountCores(twoCoresFourThreads));
        Assert.Equal(2, CpuCores.CountCores(twoSockets));
        Assert.Null(CpuCores.CountCores("processor\t: 0\nBogoMIPS\t: 48.00\n"));
        Assert.InRange(CpuCores.PhysicalCores, 1, Environment.ProcessorCount);
    }

    [Fact]
    public void A_native_library_that_cannot_load_is_named_with_the_loaders_reason()
    {
        var runtimes = Path.Combine(Path.GetTempPath(), "therese-runtimes-" + Guid.NewGuid().ToString("N"));
        var folder = Path.Combine(runtimes, "linux-x64", "native", "noavx");
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "libggml-base.so"), string.Concat(Enumerable.Repeat("pas une bibliothèque ", 200)));
            File.WriteAllText(Path.Combine(folder, "libllama.so"), "pas une bibliothèque");

            var diagnosis = NativeLibraryProbe.Diagnose(runtimes);
            var missing = NativeLibraryProbe.Diagnose(Path.Combine(runtimes, "absent"));
            output.WriteLine(diagnosis);
            output.WriteLine(missing);

            Assert.StartsWith("libggml-base.so ne se charge pas (linux-x64/noavx", diagnosis.Replace("/native", ""));
            Assert.EndsWith("libggml-base.so: invalid ELF header", diagnosis);
            Assert.Contains("LLamaSharp.Backend.Cpu", missing);
        }
        finally
        {
            Directory.Delete(runtimes, recursive: true);
        }
    }

    [Fact]
    public void The_tiny_model_is_deterministic_and_small()
    {
        var folder = Path.Combine(Path.GetTempPath(), "therese-tiny-" + Guid.NewGuid().ToString("N"));
        try
        {
            TinyModel.Write(Path.Combine(folder, "a.gguf"));
            TinyModel.Write(Path.Combine(folder, "b.gguf"));
            TinyModel.Write(Path.Combine(folder, "c.gguf"), new TinyModelOptions { Seed = 2 });

            var a = File.ReadAllBytes(Path.Combine(folder, "a.gguf"));
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(folder, "b.gguf")));
            Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(folder, "c.gguf")));
            Assert.InRange(a.Length, 1 << 20, 6 << 20);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
