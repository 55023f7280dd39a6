using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelGen.Checkpoints;
using KernelGen.Caching;
using KernelGen.Decoding;
using KernelGen.Sampling;
using KernelGen.Threading;
using KernelGen.Tokenization;

namespace KernelGen.Samples.Stories;

/// <summary>The story CLI: parse the command line, load the model, generate, report.</summary>
public static class StoryApp
{
    /// <summary>Exit code for a bad command line.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a run that could not start: a missing or malformed checkpoint or tokenizer, a prompt too long (the same code as a bad command line: the input was wrong).</summary>
    public const int RunError = 2;

    /// <summary>Exit code when the story could not be written (stdout closed or full).</summary>
    public const int OutputError = 1;

    /// <summary>
    /// Exit code for an error KernelGen did not expect (a bug): the same code as a bad command line,
    /// with one line that says so instead of a stack trace.
    /// </summary>
    public const int InternalError = 2;

    /// <summary>The embedded default model, copied next to the program by the build.</summary>
    public static string DefaultModelPath => Path.Combine(AppContext.BaseDirectory, "models", "stories260K.bin");

    /// <summary>The embedded default tokenizer, copied next to the program by the build; used for llama2.c checkpoints when no <c>--tokenizer</c> is given.</summary>
    public static string DefaultTokenizerPath => Path.Combine(AppContext.BaseDirectory, "models", "tok512.bin");

    /// <summary>Runs the CLI. The story goes to <paramref name="stdout"/> as raw bytes; reports and errors go to <paramref name="stderr"/>.</summary>
    /// <returns>0 on success, <see cref="UsageError"/> for a bad command line, <see cref="RunError"/> for a bad checkpoint, tokenizer or prompt, <see cref="OutputError"/> when the story could not be written.</returns>
    public static int Run(IReadOnlyList<string> args, Stream stdout, TextWriter stderr) => Run(args, null, stdout, stderr);

    /// <summary>
    /// Runs the CLI with the command line's raw bytes beside its strings: the prompt is encoded from
    /// its argument's own bytes, so a prompt that is not valid UTF-8 gives the same tokens as those
    /// bytes through <see cref="TextGenerator.Generate(ReadOnlySpan{byte}, int, Stream)"/>.
    /// </summary>
    /// <param name="args">The arguments as .NET decoded them.</param>
    /// <param name="rawArgs">The same arguments as bytes (<see cref="CommandLineBytes.Read"/>), or null to encode the strings as UTF-8.</param>
    /// <param name="stdout">Receives the story as raw bytes.</param>
    /// <param name="stderr">Receives reports and errors.</param>
    /// <returns>0 on success, <see cref="UsageError"/> for a bad command line, <see cref="RunError"/> for a bad checkpoint, tokenizer or prompt, <see cref="OutputError"/> when the story could not be written, <see cref="InternalError"/> for a bug.</returns>
    public static int Run(IReadOnlyList<string> args, IReadOnlyList<byte[]>? rawArgs, Stream stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            return RunChecked(args, rawArgs, stdout, stderr);
        }
        catch (Exception e)
        {
            // Every expected failure is reported where it arises; reaching here is a bug.
            stderr.WriteLine($"stories: internal error, a bug in KernelGen (please report it with the command line): {e.GetType().Name}: {e.Message}");
            return InternalError;
        }
    }

    private static int RunChecked(IReadOnlyList<string> args, IReadOnlyList<byte[]>? rawArgs, Stream stdout, TextWriter stderr)
    {
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
            return Generate(options, PromptBytes(options.Prompt, args, rawArgs), stdout, stderr);
        }
        catch (Exception e) when (e is CheckpointException or TokenizerException or PromptTooLongException)
        {
            stderr.WriteLine("stories: " + e.Message);
            return RunError;
        }
        catch (IOException e)
        {
            stderr.WriteLine("stories: cannot write the story: " + e.Message);
            return OutputError;
        }
        catch (OutOfMemoryException e)
        {
            // A valid model too large for this machine (its weights or its KV cache at full context).
            stderr.WriteLine("stories: not enough memory for this model: " + e.Message);
            return RunError;
        }
    }

    /// <summary>
    /// The prompt's bytes: those of the argument it came from when the raw command line is known and
    /// that argument decodes to the prompt (so invalid UTF-8 stays as typed), else its UTF-8 encoding.
    /// </summary>
    /// <param name="prompt">The prompt as parsed from <paramref name="args"/>.</param>
    /// <param name="args">The arguments as strings.</param>
    /// <param name="rawArgs">The same arguments as bytes, or null.</param>
    public static byte[] PromptBytes(string prompt, IReadOnlyList<string> args, IReadOnlyList<byte[]>? rawArgs)
    {
        if (rawArgs is not null && rawArgs.Count == args.Count && prompt.Length > 0)
        {
            for (int i = args.Count - 1; i >= 0; i--)
            {
                if (string.Equals(args[i], prompt, StringComparison.Ordinal) && Encoding.UTF8.GetString(rawArgs[i]) == prompt)
                {
                    return rawArgs[i];
                }
            }
        }

        return Encoding.UTF8.GetBytes(prompt);
    }

    private static int Generate(StoryOptions options, byte[] prompt, Stream stdout, TextWriter stderr)
    {
        string modelPath = options.ModelPath ?? DefaultModelPath;
        var checkpoint = ModelCheckpoint.Load(modelPath);
        var shape = checkpoint.Shape;
        var (tokenizer, tokenizerSource) = ChooseTokenizer(options, checkpoint);
        var pool = options.Threads is int threads ? new WorkerPool(threads) : null;
        var layerPatterns = checkpoint.LayerPatterns;
        if (options.QueryAware is { } queryAware)
        {
            try
            {
                queryAware.CheckFits(shape);
            }
            catch (ArgumentException e)
            {
                stderr.WriteLine($"stories: --query-aware {queryAware} does not fit the model (context {shape.MaxSeqLen}): {e.Message}");
                return UsageError;
            }

            layerPatterns = Enumerable.Repeat(queryAware, shape.Layers).ToArray();
        }

        var kernels = KernelSelection.Create(shape, options.Kernels, out string? fallbackReason, layerPatterns, pool);
        ulong seed = options.Seed ?? ClockSeed();
        var sampler = new Sampler(shape.Vocab, options.Temperature, options.TopP, seed);
        var decoder = new LlamaDecoder(checkpoint);
        var session = decoder.CreateSession(kernels, pool: pool, kvCache: options.KvCache);
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
        if (options.QueryAware is { } selection)
        {
            stderr.WriteLine($"attention {selection} on every layer (decode; prefill dense)");
        }
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kv cache  {KvCacheFormats.ShortName(session.CacheFormat)}: {session.CacheBytes} bytes ({session.CacheBytes / (1024.0 * 1024.0):F2} MiB) for {session.ContextLength} positions"));
        stderr.WriteLine(options.Temperature == 0
            ? "sampling  greedy (temperature 0)"
            : string.Create(CultureInfo.InvariantCulture, $"sampling  temperature {options.Temperature}, top-p {options.TopP}, seed {seed}"));

        stderr.WriteLine($"threads   {(pool ?? WorkerPool.Shared).Workers}{(pool is null ? " (one per processor)" : "")}");
        var result = generator.Generate(prompt, StepsFor(options, prompt, tokenizer, generator.Session.ContextLength), stdout);

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

    /// <summary>
    /// run.c's step count: <c>--steps</c> as given, or for <c>--n-predict N</c> the prompt's forced
    /// positions plus N (capped at the context; −1 fills it).
    /// </summary>
    private static int StepsFor(StoryOptions options, byte[] prompt, LlamaTokenizer tokenizer, int context)
    {
        if (options.NewTokens is not int newTokens)
        {
            return options.Steps;
        }

        if (newTokens < 0)
        {
            return context;
        }

        // The first sampled token comes from the prompt's last position: P prompt tokens (BOS
        // included) take P − 1 forced steps, then each step samples one.
        if (tokenizer.MinTokenCount(prompt.Length) > context)
        {
            return context;  // far too long: the generator refuses it without encoding it
        }

        long promptTokens = tokenizer.Encode(prompt).Length;   // the bytes the generator encodes
        long steps = promptTokens - 1 + newTokens;
        return steps <= 0 ? 1 : (int)Math.Min(steps, context);
    }

    /// <summary>A seed from the clock, as run.c takes one when none is given; never 0.</summary>
    private static ulong ClockSeed() => (ulong)Math.Max(1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
}
