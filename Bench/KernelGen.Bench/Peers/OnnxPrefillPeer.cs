using System;
using Microsoft.ML.OnnxRuntime;

namespace KernelGen.Bench.Peers;

/// <summary>
/// ONNX Runtime's <c>GroupQueryAttention</c> as a prefill kernel: a prompt of
/// <see cref="Count"/> tokens, causal, with no cache before it. ORT writes the prompt's keys and
/// values to <c>present_key</c>/<c>present_value</c> (the cache a decoder would go on with) and
/// attends each token to itself and the ones before it.
/// </summary>
/// <remarks>
/// As in <see cref="OnnxDecodePeer"/>, all tensors are preallocated arrays bound once through an
/// <see cref="OrtIoBinding"/>, so a run costs the operator and the call only.
/// </remarks>
public sealed class OnnxPrefillPeer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue[] _tensors;
    private readonly float[] _query;
    private readonly float[] _keys;
    private readonly float[] _values;
    private readonly float[] _output;
    // [KvHeads][Count][HeadDim]
    private readonly float[] _presentKeys;
    private readonly float[] _presentValues;

    /// <summary>Builds the model, the session and every buffer for prompts of <paramref name="count"/> tokens.</summary>
    public OnnxPrefillPeer(int heads, int kvHeads, int headDim, int count, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Heads = heads;
        KvHeads = kvHeads;
        HeadDim = headDim;
        Count = count;
        _query = new float[count * heads * headDim];
        _keys = new float[count * kvHeads * headDim];
        _values = new float[count * kvHeads * headDim];
        _output = new float[count * heads * headDim];
        _presentKeys = new float[kvHeads * count * headDim];
        _presentValues = new float[kvHeads * count * headDim];

        _session = OnnxSessions.Create(OnnxAttentionGraph.GroupQueryAttention(heads, kvHeads, headDim, withPast: false), threads);
        var query = OrtValue.CreateTensorValueFromMemory(_query, new long[] { 1, count, heads * headDim });
        var keys = OrtValue.CreateTensorValueFromMemory(_keys, new long[] { 1, count, kvHeads * headDim });
        var values = OrtValue.CreateTensorValueFromMemory(_values, new long[] { 1, count, kvHeads * headDim });
        var output = OrtValue.CreateTensorValueFromMemory(_output, new long[] { 1, count, heads * headDim });
        var presentKeys = OrtValue.CreateTensorValueFromMemory(_presentKeys, new long[] { 1, kvHeads, count, headDim });
        var presentValues = OrtValue.CreateTensorValueFromMemory(_presentValues, new long[] { 1, kvHeads, count, headDim });
        // The prompt is the whole sequence: total length = count, seqlens_k = count - 1.
        var seqlensK = OrtValue.CreateTensorValueFromMemory(new[] { count - 1 }, new long[] { 1 });
        var totalLength = OrtValue.CreateTensorValueFromMemory(new[] { count }, Array.Empty<long>());
        _tensors = new[] { query, keys, values, output, presentKeys, presentValues, seqlensK, totalLength };

        _binding = _session.CreateIoBinding();
        _binding.BindInput("query", query);
        _binding.BindInput("key", keys);
        _binding.BindInput("value", values);
        _binding.BindInput("seqlens_k", seqlensK);
        _binding.BindInput("total_sequence_length", totalLength);
        _binding.BindOutput("output", output);
        _binding.BindOutput("present_key", presentKeys);
        _binding.BindOutput("present_value", presentValues);
    }

    /// <summary>Query heads.</summary>
    public int Heads { get; }

    /// <summary>Key/value heads.</summary>
    public int KvHeads { get; }

    /// <summary>Floats per head.</summary>
    public int HeadDim { get; }

    /// <summary>Tokens in the prompt.</summary>
    public int Count { get; }

    /// <summary>The prompt's queries, <c>[Count][Heads][HeadDim]</c>; fill before <see cref="Prefill()"/>.</summary>
    public Span<float> Query => _query;

    /// <summary>The prompt's keys, <c>[Count][KvHeads][HeadDim]</c>.</summary>
    public Span<float> Keys => _keys;

    /// <summary>The prompt's values, <c>[Count][KvHeads][HeadDim]</c>.</summary>
    public Span<float> Values => _values;

    /// <summary>The last run's output, <c>[Count][Heads][HeadDim]</c>.</summary>
    public ReadOnlySpan<float> Output => _output;

    /// <summary>One KV head's keys as ORT cached them, <c>[Count][HeadDim]</c>.</summary>
    public ReadOnlySpan<float> PresentKeys(int kvHead) => _presentKeys.AsSpan(kvHead * Count * HeadDim, Count * HeadDim);

    /// <summary>One KV head's values as ORT cached them, <c>[Count][HeadDim]</c>.</summary>
    public ReadOnlySpan<float> PresentValues(int kvHead) => _presentValues.AsSpan(kvHead * Count * HeadDim, Count * HeadDim);

    /// <summary>Causal attention over the prompt in <see cref="Query"/>, <see cref="Keys"/>, <see cref="Values"/>.</summary>
    public void Prefill() => _session.RunWithBinding(_runOptions, _binding);

    /// <summary>The same with the kernel contract's arguments (copies them in and the output out).</summary>
    public void Prefill(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, Span<float> output)
    {
        query.CopyTo(_query);
        keys.CopyTo(_keys);
        values.CopyTo(_values);
        Prefill();
        _output.CopyTo(output);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _binding.Dispose();
        foreach (var tensor in _tensors)
        {
            tensor.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }
}
