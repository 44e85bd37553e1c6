using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Therese.Server.Llm.Local;

/// <summary>
/// Says which llama.cpp library cannot be loaded, and why. LLamaSharp only reports that loading failed,
/// so the libraries of the best matching folder are opened again here, in dependency order, and the first
/// error of the system loader (dlerror on Linux) is kept: "libgomp.so.1: cannot open shared object file…".
/// </summary>
internal static class NativeLibraryProbe
{
    /// <summary>Dependencies first: each library needs the ones before it.</summary>
    private static readonly string[] Libraries = ["ggml-base", "ggml-cpu", "ggml", "llama"];

    /// <summary>A French sentence naming the library that fails to load and the loader's reason.</summary>
    public static string Diagnose() => Diagnose(Path.Combine(AppContext.BaseDirectory, "runtimes"));

    internal static string Diagnose(string runtimesDirectory)
    {
        var (os, prefix, extension) = Platform();
        var folders = CpuFolders().Select(level => Path.Combine(runtimesDirectory, os, "native", level)).Append(Path.Combine(runtimesDirectory, os, "native"));
        var folder = folders.FirstOrDefault(f => File.Exists(Path.Combine(f, $"{prefix}llama{extension}")));
        if (folder is null)
        {
            // Variants this processor cannot run (the noavx one is missing): say so, rather than "no library".
            var native = Path.Combine(runtimesDirectory, os, "native");
            var unusable = Directory.Exists(native)
                ? Directory.GetDirectories(native).Where(d => File.Exists(Path.Combine(d, $"{prefix}llama{extension}"))).Select(Path.GetFileName).Order().ToList()
                : [];
            if (unusable.Count > 0)
                return $"aucune des variantes de llama.cpp présentes ({string.Join(", ", unusable)}) ne convient à ce processeur, {CpuFeatures()}. " +
                    "La variante « noavx », prévue pour lui, manque à cette installation : téléchargez THÉRÈSE à nouveau et remplacez son dossier.";
            return $"aucune bibliothèque {prefix}llama{extension} pour {os} dans {runtimesDirectory}. " +
                "Le paquet LLamaSharp.Backend.Cpu manque à cette installation de THÉRÈSE.";
        }

        foreach (var library in Libraries)
        {
            var file = Path.Combine(folder, $"{prefix}{library}{extension}");
            if (!File.Exists(file)) continue;
            try
            {
                // Loaded libraries stay loaded: LLamaSharp would open the same files again anyway.
                NativeLibrary.Load(file);
            }
            catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
            {
                // .NET wraps the loader's message in advice about strace and LD_DEBUG; the loader's own line comes last.
                var reason = ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? ex.Message;
                var hint = reason.Contains("libgomp", StringComparison.Ordinal)
                    ? " Installez la bibliothèque OpenMP de GCC (sous Debian ou Ubuntu : apt-get install libgomp1)."
                    : reason.Contains("GLIBC", StringComparison.Ordinal)
                        ? " La bibliothèque C de ce système est trop ancienne (glibc 2.34 au moins est nécessaire)."
                        : "";
                return $"{Path.GetFileName(file)} ne se charge pas ({Path.GetRelativePath(runtimesDirectory, file)}) : {reason}{hint}";
            }
        }
        return $"les bibliothèques de {Path.GetRelativePath(runtimesDirectory, folder)} se chargent, mais LLamaSharp n’a pas pu s’en servir " +
            "(versions de LLamaSharp et de LLamaSharp.Backend.Cpu différentes ?).";
    }

    private static (string Os, string Prefix, string Extension) Platform()
    {
        var arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        if (OperatingSystem.IsWindows()) return (arm ? "win-arm64" : "win-x64", "", ".dll");
        if (OperatingSystem.IsMacOS()) return (arm ? "osx-arm64" : "osx-x64", "lib", ".dylib");
        var musl = RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase);
        return (arm ? "linux-arm64" : musl ? "linux-musl-x64" : "linux-x64", "lib", ".so");
    }

    /// <summary>What this processor lacks among the instructions the variants are built for, in French.</summary>
    private static string CpuFeatures() =>
        !Avx.IsSupported ? "qui n’a pas les instructions AVX"
        : !Avx2.IsSupported ? "qui a les instructions AVX mais pas AVX2"
        : !Avx512F.IsSupported ? "qui a les instructions AVX2 mais pas AVX-512"
        : "qui a pourtant les instructions AVX, AVX2 et AVX-512";

    /// <summary>The folders LLamaSharp picks from, best first, as it does by CPU features.</summary>
    private static IEnumerable<string> CpuFolders()
    {
        if (Avx512F.IsSupported) yield return "avx512";
        if (Avx2.IsSupported) yield return "avx2";
        if (Avx.IsSupported) yield return "avx";
        yield return "noavx";
    }
}
