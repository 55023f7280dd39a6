using System;
using System.IO;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Kernels;
using KernelGen.Sampling;
using KernelGen.Samples.Stories;
using KernelGen.Tokenization;

namespace KernelGen.Bench;

/// <summary>The shipped stories260K model, loaded once per benchmark process.</summary>
internal static class StoriesModel
{
    private static readonly Lazy<(Llama2cCheckpoint Checkpoint, LlamaTokenizer Tokenizer)> Files = new(Load);

    public static Llama2cCheckpoint Checkpoint => Files.Value.Checkpoint;

    public static LlamaTokenizer Tokenizer => Files.Value.Tokenizer;

    /// <summary>The kernel sets the suites compare: the three the runtime offers, and attention left out.</summary>
    public const string Generated = "generated", Generic = "generic", Reference = "reference", None = "none (decoder alone)";

    /// <summary>A greedy generator on the named kernels.</summary>
    public static TextGenerator CreateGreedyGenerator(string kernels) =>
        new(CreateSession(kernels), Tokenizer, Sampler.Greedy(Checkpoint.Shape.Vocab));

    /// <summary>A session on the named kernels; fails rather than measure generic kernels under the name "generated".</summary>
    public static DecoderSession CreateSession(string kernels) => new LlamaDecoder(Checkpoint).CreateSession(CreateKernels(kernels));

    /// <summary>The named kernels for stories260K.</summary>
    public static AttentionKernels CreateKernels(string kernels)
    {
        if (kernels == None)
        {
            return new NoAttention(Checkpoint.Shape);
        }

        var choice = kernels switch
        {
            Generated => KernelChoice.Generated,
            Generic => KernelChoice.Generic,
            Reference => KernelChoice.Reference,
            _ => throw new ArgumentException($"Unknown kernels '{kernels}'.", nameof(kernels)),
        };
        _ = Stories260K.Shape;   // runs the module initializer that registers the generated kernels
        var attention = KernelSelection.Create(Checkpoint.Shape, choice, out string? fallback);
        if (fallback is not null)
        {
            throw new InvalidOperationException("Generated kernels were not found: " + fallback);
        }

        return attention;
    }

    private static (Llama2cCheckpoint, LlamaTokenizer) Load()
    {
        string folder = FindModels();
        var checkpoint = Llama2cCheckpoint.Load(Path.Combine(folder, "stories260K.bin"));
        return (checkpoint, LlamaTokenizer.Load(Path.Combine(folder, "tok512.bin"), checkpoint.Shape.Vocab));
    }

    /// <summary>
    /// models/ next to the program (the sample's build copies it there), else the repository's own
    /// models/ found by walking up from the program or the working directory (BenchmarkDotNet runs
    /// benchmarks from a generated folder).
    /// </summary>
    private static string FindModels()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "models");
                if (File.Exists(Path.Combine(candidate, "stories260K.bin")) && File.Exists(Path.Combine(candidate, "tok512.bin")))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("models/stories260K.bin was not found next to the benchmark or in any folder above it.");
    }
}
