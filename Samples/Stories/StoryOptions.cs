using System;
using System.Collections.Generic;
using System.Globalization;
using KernelGen.Decoding;
using KernelGen.Sampling;

namespace KernelGen.Samples.Stories;

/// <summary>The story CLI's command line, parsed and checked.</summary>
public sealed record StoryOptions
{
    /// <summary>Forward passes when <c>--steps</c> is not given (run.c's default).</summary>
    public const int DefaultSteps = 256;

    /// <summary>Nucleus mass when <c>--top-p</c> is not given (run.c's default).</summary>
    public const float DefaultTopP = 0.9f;

    /// <summary>The text to continue; empty starts from BOS alone.</summary>
    public string Prompt { get; init; } = "";

    /// <summary>The checkpoint (llama2.c <c>.bin</c>, GGUF file, or Hugging Face safetensors folder), or null for the embedded default model.</summary>
    public string? ModelPath { get; init; }

    /// <summary>A llama2.c tokenizer file, or null for the model's own (GGUF) or the embedded default (llama2.c).</summary>
    public string? TokenizerPath { get; init; }

    /// <summary>Forward passes, prompt included; 0 means the whole context.</summary>
    public int Steps { get; init; } = DefaultSteps;

    /// <summary>0 for greedy decoding.</summary>
    public float Temperature { get; init; }

    /// <summary>Nucleus mass, used when <see cref="Temperature"/> is above 0.</summary>
    public float TopP { get; init; } = DefaultTopP;

    /// <summary>Random seed, or null to take one from the clock (and report it).</summary>
    public ulong? Seed { get; init; }

    /// <summary>The attention kernels to run.</summary>
    public KernelChoice Kernels { get; init; } = KernelChoice.Generated;

    /// <summary>Process the prompt through the kernels' prefill path in blocks (same output).</summary>
    public bool Prefill { get; init; }

    /// <summary>Tokens to generate after the prompt (llama.cpp's <c>--n-predict</c>), or null to count <see cref="Steps"/> instead; −1 fills the context.</summary>
    public int? NewTokens { get; init; }

    /// <summary>Threads the model runs on, the calling one included; null for one per processor.</summary>
    public int? Threads { get; init; }

    /// <summary>How the KV cache stores keys and values (<c>--kv-cache</c>); null for the kernels' default (f32).</summary>
    public KvCacheFormat? KvCache { get; init; }

    /// <summary>
    /// <c>--query-aware BLOCK:BUDGET[:SINKS[:WINDOW]]</c>: every layer attends by query-aware block
    /// selection (Quest) instead of the checkpoint's patterns; null to keep them.
    /// </summary>
    public KernelGen.Patterns.AttentionPattern? QueryAware { get; init; }

    /// <summary>Sinks <c>--query-aware</c> keeps when it names none (StreamingLLM's four).</summary>
    public const int DefaultQueryAwareSinks = 4;

    /// <summary>True when <c>--help</c> was given.</summary>
    public bool ShowHelp { get; init; }

    /// <summary>The usage text.</summary>
    public const string Usage =
        """
        Usage: stories [options] [--] [prompt]

        Writes a story that continues the prompt, with a Llama-family model (by default the embedded
        stories260K) and KernelGen's attention kernels. The story goes to stdout, byte for byte as
        llama2.c's run.c prints it; what ran and how fast goes to stderr.

          prompt                   text to continue, as one argument (quote it); empty starts from BOS
          -m, --model PATH         a llama2.c checkpoint (.bin: float32, or the int8 export runq.c runs),
                                   a GGUF file (.gguf: F32/F16/BF16, Q8_0/Q4_0/Q5_0/Q4_K/Q5_K/Q6_K
                                   weights, kept quantized), or a Hugging Face folder
                                   (config.json + model.safetensors)
                                   (default: the embedded stories260K.bin)
          -z, --tokenizer PATH     llama2.c tokenizer file (default: the GGUF file's own vocabulary,
                                   or the embedded tok512.bin for a llama2.c model; a Hugging Face
                                   folder needs one: its tokenizer.json is not read)
          -n, --steps N            forward passes, prompt included; 0 = the whole context (default 256)
              --n-predict N        instead of --steps: N tokens after the prompt; -1 = until the context is full
          -t, --temperature T      0 = greedy, always the likeliest token (default 0); also --temp
          -p, --top-p P            nucleus sampling mass in [0, 1] when T > 0; 0 or 1 = off (default 0.9)
          -s, --seed N             random seed, a positive integer (default: from the clock)
              --threads N          threads to run on, this one included (default: one per processor)
          -k, --kernels KIND       generated | generic | reference (default generated; generic when no
                                   compiled model class fits the checkpoint)
              --kv-cache FORMAT    f32 | bf16 | f16 | q8: how the KV cache stores keys and values
                                   (default f32, the run.c-exact story; the others read fewer bytes)
              --query-aware B:N[:G[:W]]  every layer selects, per decode query, the blocks of B keys whose
                                   key bounds score highest (Quest), attending at most N keys: G sinks
                                   (default 4), the last W (default B, a multiple of B) and the best
                                   blocks; prefill stays dense. Runs the generic or reference kernels
              --prefill            run the prompt through the kernels' prefill path in blocks
                                   (the same story; run.c's clock then starts after the prompt)
          -h, --help               show this text

        Exit codes: 0 done; 2 a bad option, or a missing or malformed checkpoint or tokenizer, or a
        prompt longer than the context; 1 the story could not be written (stdout closed).

        Examples: stories "Once upon a time"
                  stories --model model.gguf "Once upon a time"
                  stories --model hf-folder --tokenizer tok.bin "Once upon a time"
        """;

    /// <summary>Parses <paramref name="args"/>; on failure returns null and says why in <paramref name="error"/>.</summary>
    public static StoryOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new StoryOptions();
        string? prompt = null;
        bool optionsEnded = false;
        bool sawSteps = false, sawNewTokens = false;
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (optionsEnded || arg == "-" || !arg.StartsWith('-'))
            {
                if (prompt is not null)
                {
                    error = $"Unexpected argument '{arg}': give the prompt as one argument, in quotes.";
                    return null;
                }

                prompt = arg;
                continue;
            }

            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }

            // --name=value or --name value.
            string name = arg;
            string? value = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (name is "-h" or "--help")
            {
                options = options with { ShowHelp = true };
                continue;
            }

            if (name == "--prefill" && value is null)
            {
                options = options with { Prefill = true };
                continue;
            }

            if (!ValueOptions.Contains(name))
            {
                error = $"Unknown option '{name}'; --help lists the options.";
                return null;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    error = $"Option {name} needs a value.";
                    return null;
                }

                value = args[++i];
            }

            switch (name)
            {
                case "-m" or "--model":
                    if (!RequireText(name, value, out error))
                    {
                        return null;
                    }

                    options = options with { ModelPath = value };
                    break;
                case "-z" or "--tokenizer":
                    if (!RequireText(name, value, out error))
                    {
                        return null;
                    }

                    options = options with { TokenizerPath = value };
                    break;
                case "-n" or "--steps":
                    sawSteps = true;
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int steps) || steps < 0)
                    {
                        error = $"{name} must be a whole number of at least 0, not '{value}'.";
                        return null;
                    }

                    options = options with { Steps = steps };
                    break;
                case "--n-predict":
                    if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int newTokens) || newTokens < -1)
                    {
                        error = $"{name} must be a whole number of at least 0 (or -1 for the whole context), not '{value}'.";
                        return null;
                    }

                    options = options with { NewTokens = newTokens };
                    sawNewTokens = true;
                    break;
                case "--threads":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int threads) || threads < 1 || threads > MaxThreads)
                    {
                        error = $"{name} must be a whole number from 1 to {MaxThreads}, not '{value}'.";
                        return null;
                    }

                    options = options with { Threads = threads };
                    break;
                case "-t" or "--temperature" or "--temp":
                    if (!TryParseFloat(value, out float temperature) || temperature < 0 || (temperature > 0 && temperature < Sampler.MinTemperature))
                    {
                        error = $"{name} must be 0 (greedy) or a number of at least {Sampler.MinTemperature.ToString(CultureInfo.InvariantCulture)}, not '{value}'.";
                        return null;
                    }

                    options = options with { Temperature = temperature };
                    break;
                case "-p" or "--top-p":
                    if (!TryParseFloat(value, out float topP) || topP < 0 || topP > 1)
                    {
                        error = $"{name} must be a number from 0 to 1, not '{value}'.";
                        return null;
                    }

                    options = options with { TopP = topP };
                    break;
                case "-s" or "--seed":
                    if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed) || seed == 0)
                    {
                        error = $"{name} must be a positive whole number, not '{value}'.";
                        return null;
                    }

                    options = options with { Seed = seed };
                    break;
                case "--kv-cache":
                    if (!KernelGen.Caching.KvCacheFormats.TryParse(value, out var format))
                    {
                        error = $"{name} must be f32, bf16, f16 or q8, not '{value}'.";
                        return null;
                    }

                    options = options with { KvCache = format };
                    break;
                case "--query-aware":
                    if (!TryParseQueryAware(value, out var pattern, out error))
                    {
                        error = $"{name} {error}";
                        return null;
                    }

                    options = options with { QueryAware = pattern };
                    break;
                case "-k" or "--kernels":
                    KernelChoice? kernels = value switch
                    {
                        "generated" => KernelChoice.Generated,
                        "generic" => KernelChoice.Generic,
                        "reference" => KernelChoice.Reference,
                        _ => null,
                    };
                    if (kernels is null)
                    {
                        error = $"{name} must be generated, generic or reference, not '{value}'.";
                        return null;
                    }

                    options = options with { Kernels = kernels.Value };
                    break;
                default:
                    error = $"Unknown option '{name}'.";
                    return null;
            }
        }

        if (sawSteps && sawNewTokens)
        {
            error = "Give --steps (forward passes, prompt included) or --n-predict (tokens after the prompt), not both.";
            return null;
        }

        return options with { Prompt = prompt ?? "" };
    }

    /// <summary>Most threads <c>--threads</c> accepts.</summary>
    public const int MaxThreads = 1024;

    /// <summary>The options that take a value, every spelling.</summary>
    private static readonly HashSet<string> ValueOptions = new(StringComparer.Ordinal)
    {
        "-m", "--model", "-z", "--tokenizer", "-n", "--steps", "--n-predict", "-t", "--temperature", "--temp",
        "-p", "--top-p", "-s", "--seed", "-k", "--kernels", "--threads", "--kv-cache", "--query-aware",
    };

    /// <summary>Reads <c>BLOCK:BUDGET[:SINKS[:WINDOW]]</c>; the pattern's own rules (KG0020, KG0033, KG0034) judge the numbers.</summary>
    private static bool TryParseQueryAware(string value, out KernelGen.Patterns.AttentionPattern? pattern, out string? error)
    {
        pattern = null;
        string[] parts = value.Split(':');
        var numbers = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i]))
            {
                error = $"must be BLOCK:BUDGET[:SINKS[:WINDOW]] in whole numbers, such as 16:256, not '{value}'.";
                return false;
            }
        }

        if (parts.Length is < 2 or > 4)
        {
            error = $"must be BLOCK:BUDGET[:SINKS[:WINDOW]], such as 16:256, not '{value}'.";
            return false;
        }

        try
        {
            pattern = KernelGen.Patterns.AttentionPattern.QueryAware(numbers[0], numbers[1],
                parts.Length > 2 ? numbers[2] : DefaultQueryAwareSinks, parts.Length > 3 ? numbers[3] : numbers[0]);
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            error = $"'{value}': {e.Message}";
            return false;
        }
    }

    private static bool RequireText(string name, string value, out string? error)
    {
        error = value.Length == 0 ? $"{name} needs a path, not an empty string." : null;
        return error is null;
    }

    private static bool TryParseFloat(string text, out float value) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);
}
