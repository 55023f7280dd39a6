using System;
using System.IO;
using KernelGen.Checkpoints;
using KernelGen.Samples.Stories;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The story CLI runs a GGUF file (with its own vocabulary) and a Hugging Face folder (with <c>--tokenizer</c>) and prints run.c's story for stories260K in either.</summary>
public sealed class StoryAppFormatTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void GgufModelUsesItsEmbeddedTokenizer()
    {
        string path = _directory.File("stories260K.gguf");
        GgufWriter.Write(path, Llama2cCheckpoint.Load(TestFiles.ModelPath).Weights, DecoderSettings.Llama2C, LlamaTokenizer.Load(TestFiles.TokenizerPath, 512));
        var (code, stdout, stderr) = Run("--model", path, "Once upon a time");
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), stdout);
        Assert.Contains("format    GGUF v3", stderr, StringComparison.Ordinal);
        Assert.Contains("(embedded): 512 tokens", stderr, StringComparison.Ordinal);
        Assert.Contains("kernels   generated (Stories260K):", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void HuggingFaceFolderRunsWithALlama2CTokenizer()
    {
        string folder = _directory.File("stories-hf");
        SafeTensorsWriter.Write(folder, Llama2cCheckpoint.Load(TestFiles.ModelPath).Weights, DecoderSettings.Llama2C, "BF16");
        var (code, stdout, stderr) = Run("--model", folder, "--tokenizer", TestFiles.TokenizerPath, "-n", "40", "Once upon a time");
        Assert.Equal(0, code);
        Assert.NotEmpty(stdout);
        Assert.Contains("rotate-half", stderr, StringComparison.Ordinal);
        Assert.Contains("BF16 widened to F32", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void HuggingFaceFolderWithoutATokenizerIsAClearError()
    {
        string folder = _directory.File("stories-hf");
        SafeTensorsWriter.Write(folder, Llama2cCheckpoint.Load(TestFiles.ModelPath).Weights, DecoderSettings.Llama2C);
        var (code, stdout, stderr) = Run("--model", folder, "hi");
        Assert.Equal(StoryApp.RunError, code);
        Assert.Empty(stdout);
        Assert.Contains("--tokenizer", stderr, StringComparison.Ordinal);
        Assert.Contains("tokenizer.json is not read", stderr, StringComparison.Ordinal);
    }

    private static (int Code, byte[] Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        int code = StoryApp.Run(args, stdout, stderr);
        return (code, stdout.ToArray(), stderr.ToString());
    }
}
