using System;
using System.IO;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KernelGen.Decoding;

namespace KernelGen.Bench;

/// <summary>
/// The golden run end to end: greedy "Once upon a time", 256 forward passes (tokenizing, the
/// decoder, attention, argmax and decoding each token to bytes), on each kind of attention kernel.
/// One operation is one token, so Op/s is tokens per second, comparable with run.c's "achieved tok/s".
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TokensPerSecondConfig))]
public class EndToEndBenchmarks
{
    private const int Steps = 256;
    private static readonly byte[] Prompt = "Once upon a time"u8.ToArray();
    private TextGenerator _generator = null!;

    /// <summary>The attention kernels under test.</summary>
    [Params(StoriesModel.Generated, StoriesModel.Generic, StoriesModel.Reference)]
    public string Kernels { get; set; } = StoriesModel.Generated;

    /// <summary>Builds the generator and checks that it prints the golden story, so a fast wrong answer cannot be measured.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _generator = StoriesModel.CreateGreedyGenerator(Kernels);
        var output = new MemoryStream();
        _generator.Generate(Prompt, Steps, output);
        string sha = Convert.ToHexStringLower(SHA256.HashData(output.ToArray()));
        if (sha != "a3213f9ea026d75bf2993355ae334822d7c9d34328964c711ab030d3148e6cef")
        {
            throw new InvalidOperationException($"The {Kernels} run does not print the golden story (sha256 {sha}).");
        }
    }

    /// <summary>256 greedy steps; the story's bytes go to a null stream.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public int GreedyGolden256() => _generator.Generate(Prompt, Steps, Stream.Null).Positions;
}
