using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using KernelGen.Decoding;
using KernelGen.IO;
using KernelGen.Logging;
using KernelGen.Patterns;
using KernelGen.Tokenization;
using Microsoft.Extensions.Logging;

namespace KernelGen.Checkpoints;

/// <summary>
/// A Llama-family checkpoint of any supported format, loaded and checked: weights in the layout the
/// decoder runs, the decoder settings the file states, and the tokenizer when the file embeds one.
/// </summary>
/// <remarks>
/// <see cref="Load(string)"/> recognizes the format: a folder is a Hugging Face safetensors checkpoint
/// (<c>config.json</c> beside <c>model.safetensors</c> or its shards), a file that starts with
/// "GGUF" or is named <c>*.gguf</c> is GGUF, a <c>.safetensors</c> file is safetensors with the <c>config.json</c> beside it,
/// a file that starts with "ak42" and version 2 is llama2.c's int8 export, anything else is a llama2.c legacy checkpoint. Every format is read into the same float32
/// payload (F16 and BF16 widened once, here), so one decoder runs them all, except quantized GGUF
/// files, whose matrices stay in their blocks (<see cref="LlamaWeights.IsQuantized"/>).
/// </remarks>
public sealed class ModelCheckpoint
{
    internal ModelCheckpoint(string path, CheckpointFormat format, LlamaWeights weights, DecoderSettings settings, LlamaTokenizer? tokenizer, string? tokenizerProblem, string description)
    {
        FilePath = path;
        Format = format;
        Weights = weights;
        Settings = settings;
        Tokenizer = tokenizer;
        TokenizerProblem = tokenizerProblem;
        Description = description;
    }

    /// <summary>The file or folder the checkpoint was read from, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The format it was stored in.</summary>
    public CheckpointFormat Format { get; }

    /// <summary>The model's parameters.</summary>
    public LlamaWeights Weights { get; }

    /// <summary>The model's shape.</summary>
    public ModelShape Shape => Weights.Shape;

    /// <summary>Rotary base and layout, RMSNorm epsilon and sliding window, as the file states them.</summary>
    public DecoderSettings Settings { get; }

    /// <summary>The tokenizer the file embeds (GGUF), or null.</summary>
    public LlamaTokenizer? Tokenizer { get; }

    /// <summary>When <see cref="Tokenizer"/> is null, why: no vocabulary in the file, or one KernelGen cannot run.</summary>
    public string? TokenizerProblem { get; }

    /// <summary>
    /// The prompt template the file states (GGUF <c>tokenizer.chat_template</c>, a Jinja template), or
    /// null. KernelGen does not run Jinja; KernelGen.Extensions.AI recognizes the common templates by it.
    /// </summary>
    public string? ChatTemplate { get; internal init; }

    /// <summary>What was read, for logs: "GGUF v3, 48 tensors (F16 → F32)".</summary>
    public string Description { get; }

    /// <summary>Each layer's attention pattern: a sliding window on every layer when the settings have one shorter than the context, else null (dense).</summary>
    public IReadOnlyList<AttentionPattern>? LayerPatterns => Settings.LayerPatterns(Shape);

    /// <summary>Reads the checkpoint at <paramref name="path"/>, recognizing its format (see the remarks).</summary>
    /// <exception cref="CheckpointException">The file or folder is missing, unreadable or invalid; the message names the file and the key, field or tensor.</exception>
    public static ModelCheckpoint Load(string path) => Load(path, logger: null);

    /// <summary>Reads the checkpoint at <paramref name="path"/> as <see cref="Load(string)"/> does, and logs what was read and how long it took.</summary>
    /// <param name="path">The file or folder.</param>
    /// <param name="logger">Receives one Information event (<c>CheckpointLoaded</c>), plus <c>NoEmbeddedTokenizer</c> for a GGUF file whose vocabulary cannot be used; null logs nothing.</param>
    /// <exception cref="CheckpointException">The file or folder is missing, unreadable or invalid; the message names the file and the key, field or tensor.</exception>
    public static ModelCheckpoint Load(string path, ILogger? logger)
    {
        long start = Stopwatch.GetTimestamp();
        var checkpoint = LoadAnyFormat(path);
        if (logger is not null && logger.IsEnabled(LogLevel.Information))
        {
            KernelGenLog.CheckpointLoaded(logger, checkpoint.Format.ToString(), path, Stopwatch.GetElapsedTime(start).TotalMilliseconds, checkpoint.Shape, checkpoint.Description);
            if (checkpoint.Format == CheckpointFormat.Gguf && checkpoint.Tokenizer is null && checkpoint.TokenizerProblem is { } problem)
            {
                KernelGenLog.NoEmbeddedTokenizer(logger, path, problem);
            }
        }

        return checkpoint;
    }

    private static ModelCheckpoint LoadAnyFormat(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return SafeTensorsCheckpointReader.Load(path);
        }

        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".safetensors.index.json", StringComparison.OrdinalIgnoreCase))
        {
            return SafeTensorsCheckpointReader.Load(path);
        }

        if (path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || StartsWithGgufMagic(path))
        {
            return GgufCheckpointReader.Load(path);
        }

        if (Llama2CInt8Checkpoint.IsInt8Export(path))
        {
            return Llama2CInt8Checkpoint.Load(path);
        }

        return FromLlama2C(Llama2cCheckpoint.Load(path));
    }

    /// <summary>Wraps a loaded llama2.c checkpoint (run.c's settings, no embedded tokenizer).</summary>
    public static ModelCheckpoint FromLlama2C(Llama2cCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new ModelCheckpoint(checkpoint.FilePath, CheckpointFormat.Llama2C, checkpoint.Weights, DecoderSettings.Llama2C, null,
            "a llama2.c checkpoint has no tokenizer inside; give one with --tokenizer", "llama2.c legacy checkpoint");
    }

    private static bool StartsWithGgufMagic(string path)
    {
        try
        {
            using var stream = RegularFile.Open(path, problem => new IOException(problem), bufferSize: 1);
            Span<byte> magic = stackalloc byte[4];
            return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("GGUF"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;   // the llama2.c reader reports the file's problem in its own words
        }
    }
}
