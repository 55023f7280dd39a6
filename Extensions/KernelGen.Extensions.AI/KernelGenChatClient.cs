using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using KernelGen.Decoding;
using Microsoft.Extensions.AI;

namespace KernelGen.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> over a KernelGen <see cref="TextGenerator"/>: the conversation is
/// formatted by a <see cref="ChatTemplate"/>, generated with <see cref="TextGenerator.GenerateAsync"/>,
/// and streamed back as text updates.
/// </summary>
/// <remarks>
/// <para><see cref="ChatOptions"/> map to <see cref="GenerationOptions"/>: <c>MaxOutputTokens</c> →
/// <c>MaxNewTokens</c>, <c>Temperature</c>, <c>TopP</c>, <c>TopK</c>, <c>Seed</c>, and
/// <c>StopSequences</c> added to the template's own; <c>Instructions</c> become a system message
/// before the others. Unset options take <see cref="DefaultOptions"/>' values. Tools, response
/// formats and penalties are not supported and are ignored.</para>
/// <para>One request runs at a time (the model has one KV cache); concurrent requests wait their turn.
/// Each request starts from an empty cache and prefills the whole conversation.</para>
/// </remarks>
public sealed class KernelGenChatClient : IChatClient
{
    private readonly TextGenerator _generator;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly ChatClientMetadata _metadata;

    /// <summary>Creates a chat client.</summary>
    /// <param name="generator">The loaded model, its tokenizer and session; used by this client alone from now on.</param>
    /// <param name="template">How messages become the prompt.</param>
    /// <param name="modelId">The name reported as the model's id (e.g. the checkpoint's file name).</param>
    public KernelGenChatClient(TextGenerator generator, ChatTemplate template, string? modelId = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(template);
        _generator = generator;
        Template = template;
        ModelId = modelId ?? "kernelgen";
        _metadata = new ChatClientMetadata("KernelGen", providerUri: null, defaultModelId: ModelId);
    }

    /// <summary>
    /// A chat client over <paramref name="checkpoint"/>: the generated kernels compiled for its shape
    /// when there are some (else the generic ones), its own tokenizer unless one is given, and the
    /// given template or else the one its <c>tokenizer.chat_template</c> matches.
    /// </summary>
    /// <param name="checkpoint">The loaded model.</param>
    /// <param name="template">The prompt template; null to recognize the checkpoint's.</param>
    /// <param name="tokenizer">The tokenizer; null for the one the checkpoint embeds.</param>
    /// <param name="pool">The threads the model runs on (<c>new WorkerPool(n)</c>); null for one per processor.</param>
    /// <param name="logger">Receives the kernel-selection events; null logs nothing.</param>
    /// <exception cref="ArgumentException">No template was given and the checkpoint's is missing or not a known one; or there is no tokenizer.</exception>
    public static KernelGenChatClient Create(Checkpoints.ModelCheckpoint checkpoint, ChatTemplate? template = null, Tokenization.LlamaTokenizer? tokenizer = null,
        Threading.WorkerPool? pool = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        template ??= ChatTemplate.Recognize(checkpoint.ChatTemplate) ?? throw new ArgumentException(
            checkpoint.ChatTemplate is null
                ? $"'{checkpoint.FilePath}' states no chat template (tokenizer.chat_template); name one: ChatTemplate.ChatML, Llama2 or Zephyr."
                : $"The chat template of '{checkpoint.FilePath}' is none of ChatML, Llama 2 and Zephyr; name the one to use.", nameof(template));
        tokenizer ??= checkpoint.Tokenizer ?? throw new ArgumentException(
            $"'{checkpoint.FilePath}' embeds no tokenizer ({checkpoint.TokenizerProblem}); pass one.", nameof(tokenizer));
        var kernels = KernelSelection.Create(checkpoint.Shape, KernelChoice.Generated, out _, checkpoint.LayerPatterns, pool, logger);
        var session = new LlamaDecoder(checkpoint).CreateSession(kernels, pool: pool);
        var generator = new TextGenerator(session, tokenizer, Sampling.Sampler.Greedy(checkpoint.Shape.Vocab));
        return new KernelGenChatClient(generator, template, System.IO.Path.GetFileNameWithoutExtension(checkpoint.FilePath));
    }

    /// <summary>The prompt template.</summary>
    public ChatTemplate Template { get; }

    /// <summary>The model id reported in responses.</summary>
    public string ModelId { get; }

    /// <summary>What a request gets for each option it leaves unset (by default: 256 new tokens, greedy).</summary>
    public GenerationOptions DefaultOptions { get; init; } = GenerationOptions.Default;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = messages.ToList();
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            conversation.Insert(0, new ChatMessage(ChatRole.System, instructions));
        }

        string prompt = Template.Format(conversation);
        var generation = ToGenerationOptions(options);
        string responseId = Guid.NewGuid().ToString("N");
        string messageId = Guid.NewGuid().ToString("N");

        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (string piece in _generator.GenerateAsync(prompt, generation, cancellationToken).ConfigureAwait(false))
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ResponseId = responseId, MessageId = messageId, ModelId = ModelId };
            }

            var result = _generator.LastCompletion;
            var finish = result?.StopReason is GenerationStopReason.MaxNewTokens or GenerationStopReason.ContextFull ? ChatFinishReason.Length : ChatFinishReason.Stop;
            var usage = new UsageDetails
            {
                InputTokenCount = result?.PromptTokens,
                OutputTokenCount = result?.NewTokens,
                TotalTokenCount = result is { } r ? r.PromptTokens + r.NewTokens : null,
            };
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)])
            {
                ResponseId = responseId,
                MessageId = messageId,
                ModelId = ModelId,
                FinishReason = finish,
            };
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>The <see cref="GenerationOptions"/> a request with <paramref name="options"/> runs with.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (negative tokens, a seed of 0, ...).</exception>
    public GenerationOptions ToGenerationOptions(ChatOptions? options)
    {
        var defaults = DefaultOptions;
        var stops = new List<string>(Template.StopSequences);
        stops.AddRange(defaults.StopSequences);
        if (options?.StopSequences is { } extra)
        {
            stops.AddRange(extra.Where(s => !string.IsNullOrEmpty(s)));
        }

        ulong? seed = defaults.Seed;
        if (options?.Seed is long requested)
        {
            seed = requested > 0 ? (ulong)requested
                : throw new ArgumentOutOfRangeException(nameof(options), requested, $"ChatOptions.Seed must be a positive number, but is {requested}.");
        }

        var generation = defaults with
        {
            MaxNewTokens = options?.MaxOutputTokens ?? defaults.MaxNewTokens,
            Temperature = options?.Temperature ?? defaults.Temperature,
            TopP = options?.TopP ?? defaults.TopP,
            TopK = options?.TopK ?? defaults.TopK,
            Seed = seed,
            StopSequences = stops.Distinct(StringComparer.Ordinal).ToArray(),
        };
        generation.Validate();
        return generation;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        if (serviceType == typeof(TextGenerator))
        {
            return _generator;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose() => _turn.Dispose();
}
