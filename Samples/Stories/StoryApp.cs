using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using KernelGen.Checkpoints;
using KernelGen.Caching;
using KernelGen.Decoding;
using KernelGen.Sampling;
using KernelGen.Tokenization;

namespace KernelGen.Samples.Stories;

/// <summary>The story CLI: parse the command line, load the model, generate, report.</summary>
public static class StoryApp
{
    /// <summary>Exit code for a bad command line.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a run that failed (a missing or invalid file, a prompt too long).</summary>
    public const int RunError = 1;

    /// <summary>The embedded default model, copied next to the program by the build.</summary>
    public static string DefaultModelPath => Path.Combine(AppContext.BaseDirectory, "models", "stories260K.bin");

    /// <summary>The embedded default tokenizer, copied next to the program by the build; used for llama2.c checkpoints when no <c>--tokenizer</c> is given.</summary>
    public static string DefaultTokenizerPath => Path.Combine(AppContext.BaseDirectory, "models", "tok512.bin");

    /// <summary>Runs the CLI. The story goes to <paramref name="stdout"/> as raw bytes; reports and errors go to <paramref name="stderr"/>.</summary>
    /// <returns>0 on success, <see cref="UsageError"/> for a bad command line, <see cref="RunError"/> when the run failed.</returns>
    public static int Run(IReadOnlyList<string> args, Stream stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var options = StoryOptions.Parse(args, out string? error);
        if (options is null)
        {
            stderr.WriteLine("stories: " + error);
            stderr.WriteLine();
            stderr.WriteLine(StoryOptions.Usage);
            return UsageError;
        }

        if (options.ShowHelp)
        {
            stdout.Write(Encoding.UTF8.GetBytes(StoryOptions.Usage + "\n"));
            stdout.Flush();
            return 0;
        }

        try
        {
            return Generate(options, stdout, stderr);
        }
        catch (Exception e) when (e is CheckpointException or TokenizerException or PromptTooLongException)
        {
            stderr.WriteLine("stories: " + e.Message);
            return RunError;
        }
        catch (IOException e)
        {
            stderr.WriteLine("stories: cannot write the story: " + e.Message);
            return RunError;
        }
    }

    private static int Generate(StoryOptions options, Stream stdout, TextWriter stderr)
    {
        string modelPath = options.ModelPath ?? DefaultModelPath;
        var checkpoint = ModelCheckpoint.Load(modelPath);
        var shape = checkpoint.Shape;
        var (tokenizer, tokenizerSource) = ChooseTokenizer(options, checkpoint);
        var kernels = KernelSelection.Create(shape, options.Kernels, out string? fallbackReason, checkpoint.LayerPatterns);
        ulong seed = options.Seed ?? ClockSeed();
        var sampler = new Sampler(shape.Vocab, options.Temperature, options.TopP, seed);
        var decoder = new LlamaDecoder(checkpoint);
        var session = decoder.CreateSession(kernels, kvCache: options.KvCache);
        var generator = new TextGenerator(session, tokenizer, sampler) { PrefillPrompt = options.Prefill };

        stderr.WriteLine($"model     {modelPath}: {shape}; classifier {(checkpoint.Weights.SharedClassifier ? "shared with the embedding" : "separate")}");
        if (checkpoint.Format != CheckpointFormat.Llama2C)
        {
            stderr.WriteLine($"format    {checkpoint.Description}; {checkpoint.Settings}");
        }

        stderr.WriteLine($"tokenizer {tokenizerSource}: {tokenizer.VocabSize} tokens");
        if (fallbackReason is not null)
        {
            stderr.WriteLine($"note      generated kernels not used: {fallbackReason}; running generic kernels");
        }

        stderr.WriteLine($"kernels   {kernels.Name}: {kernels.Description}");
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kv cache  {KvCacheFormats.ShortName(session.CacheFormat)}: {session.CacheBytes} bytes ({session.CacheBytes / (1024.0 * 1024.0):F2} MiB) for {session.ContextLength} positions"));
        stderr.WriteLine(options.Temperature == 0
            ? "sampling  greedy (temperature 0)"
            : string.Create(CultureInfo.InvariantCulture, $"sampling  temperature {options.Temperature}, top-p {options.TopP}, seed {seed}"));

        var result = generator.Generate(options.Prompt, options.Steps, stdout);

        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tokens    {result.Positions} forward passes ({result.PromptTokens} prompt tokens incl. BOS{(options.Prefill ? ", prefilled" : "")}){(result.StoppedOnBos ? ", stopped at BOS" : "")}"));
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"speed     {result.TokensPerSecond:F0} tok/s (run.c's measure: the {Math.Max(0, result.Positions - 1)} passes after the first); whole run {result.TotalMilliseconds:F1} ms"));
        return 0;
    }

    /// <summary>
    /// <c>--tokenizer</c> when given; otherwise the one a GGUF file embeds; otherwise, for a llama2.c
    /// checkpoint, the embedded tok512.bin. A Hugging Face folder needs <c>--tokenizer</c>.
    /// </summary>
    private static (LlamaTokenizer Tokenizer, string Source) ChooseTokenizer(StoryOptions options, ModelCheckpoint checkpoint)
    {
        if (options.TokenizerPath is not null)
        {
            return (LlamaTokenizer.Load(options.TokenizerPath, checkpoint.Shape.Vocab), options.TokenizerPath);
        }

        if (checkpoint.Tokenizer is not null)
        {
            return (checkpoint.Tokenizer, checkpoint.FilePath + " (embedded)");
        }

        if (checkpoint.Format == CheckpointFormat.Llama2C)
        {
            return (LlamaTokenizer.Load(DefaultTokenizerPath, checkpoint.Shape.Vocab), DefaultTokenizerPath);
        }

        throw new TokenizerException(checkpoint.FilePath, "tokenizer",
            $"No tokenizer for '{checkpoint.FilePath}': {checkpoint.TokenizerProblem}.");
    }

    /// <summary>A seed from the clock, as run.c takes one when none is given; never 0.</summary>
    private static ulong ClockSeed() => (ulong)Math.Max(1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
}
