using System;
using Microsoft.ML.OnnxRuntime;

namespace KernelGen.Bench.Peers;

/// <summary>
/// ONNX Runtime's <c>GroupQueryAttention</c> as a decode kernel: one new token attends a KV cache
/// of up to <see cref="Capacity"/> positions that ORT owns as <c>past_key</c>/<c>past_value</c>.
/// </summary>
/// <remarks>
/// Every tensor is a preallocated managed array that ORT reads and writes in place (an OrtValue
/// over pinned memory), and an <see cref="OrtIoBinding"/> holds them, so a step costs the
/// operator and the run call — no marshalling, no copies. <c>present_key</c>/<c>present_value</c>
/// are bound to the very buffers of <c>past_key</c>/<c>past_value</c>: ORT's CPU kernel sees the
/// shared buffer and writes the new key and value at the token's position instead of copying the
/// whole cache into a fresh output.
/// </remarks>
public sealed class OnnxDecodePeer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue[] _tensors;
    private readonly float[] _query;
    private readonly float[] _key;
    private readonly float[] _value;
    private readonly float[] _output;
    // [KvHeads][Capacity][HeadDim]: BNSH for batch 1, the layout of our KvCache per layer.
    private readonly float[] _pastKeys;
    private readonly float[] _pastValues;
    private readonly int[] _seqlensK = new int[1];
    private readonly int[] _totalLength = new int[1];
    private int _length;

    /// <summary>Builds the model, the session and every buffer for a cache of <paramref name="capacity"/> positions.</summary>
    public OnnxDecodePeer(int heads, int kvHeads, int headDim, int capacity, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Heads = heads;
        KvHeads = kvHeads;
        HeadDim = headDim;
        Capacity = capacity;
        _query = new float[heads * headDim];
        _key = new float[kvHeads * headDim];
        _value = new float[kvHeads * headDim];
        _output = new float[heads * headDim];
        _pastKeys = new float[(long)kvHeads * capacity * headDim];
        _pastValues = new float[(long)kvHeads * capacity * headDim];

        _session = OnnxSessions.Create(OnnxAttentionGraph.GroupQueryAttention(heads, kvHeads, headDim, withPast: true), threads);
        var query = OrtValue.CreateTensorValueFromMemory(_query, new long[] { 1, 1, heads * headDim });
        var key = OrtValue.CreateTensorValueFromMemory(_key, new long[] { 1, 1, kvHeads * headDim });
        var value = OrtValue.CreateTensorValueFromMemory(_value, new long[] { 1, 1, kvHeads * headDim });
        var output = OrtValue.CreateTensorValueFromMemory(_output, new long[] { 1, 1, heads * headDim });
        var pastKeys = OrtValue.CreateTensorValueFromMemory(_pastKeys, new long[] { 1, kvHeads, capacity, headDim });
        var pastValues = OrtValue.CreateTensorValueFromMemory(_pastValues, new long[] { 1, kvHeads, capacity, headDim });
        var seqlensK = OrtValue.CreateTensorValueFromMemory(_seqlensK, new long[] { 1 });
        var totalLength = OrtValue.CreateTensorValueFromMemory(_totalLength, Array.Empty<long>());
        _tensors = new[] { query, key, value, output, pastKeys, pastValues, seqlensK, totalLength };

        _binding = _session.CreateIoBinding();
        _binding.BindInput("query", query);
        _binding.BindInput("key", key);
        _binding.BindInput("value", value);
        _binding.BindInput("past_key", pastKeys);
        _binding.BindInput("past_value", pastValues);
        _binding.BindInput("seqlens_k", seqlensK);
        _binding.BindInput("total_sequence_length", totalLength);
        _binding.BindOutput("output", output);
        _binding.BindOutput("present_key", pastKeys);
        _binding.BindOutput("present_value", pastValues);
    }

    /// <summary>Query heads.</summary>
    public int Heads { get; }

    /// <summary>Key/value heads.</summary>
    public int KvHeads { get; }

    /// <summary>Floats per head.</summary>
    public int HeadDim { get; }

    /// <summary>Positions the cache holds.</summary>
    public int Capacity { get; }

    /// <summary>Positions written so far (the next position to decode).</summary>
    public int Length => _length;

    /// <summary>The next step's query, <c>[Heads][HeadDim]</c>; fill it before <see cref="Decode(int)"/>.</summary>
    public Span<float> Query => _query;

    /// <summary>The next step's key, <c>[KvHeads][HeadDim]</c>.</summary>
    public Span<float> Key => _key;

    /// <summary>The next step's value, <c>[KvHeads][HeadDim]</c>.</summary>
    public Span<float> Value => _value;

    /// <summary>The last step's output, <c>[Heads][HeadDim]</c>.</summary>
    public ReadOnlySpan<float> Output => _output;

    /// <summary>One KV head's cached keys, <c>[Capacity][HeadDim]</c>.</summary>
    public ReadOnlySpan<float> Keys(int kvHead) => _pastKeys.AsSpan(kvHead * Capacity * HeadDim, Capacity * HeadDim);

    /// <summary>One KV head's cached values, <c>[Capacity][HeadDim]</c>.</summary>
    public ReadOnlySpan<float> Values(int kvHead) => _pastValues.AsSpan(kvHead * Capacity * HeadDim, Capacity * HeadDim);

    /// <summary>
    /// Writes the keys and values of <paramref name="count"/> tokens at positions
    /// <paramref name="start"/>.. straight into the cache, as <c>KvCache.Write</c> does:
    /// rows <c>[count][KvHeads·HeadDim]</c> scattered to <c>[KvHeads][position][HeadDim]</c>.
    /// </summary>
    public void Load(int start, int count, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        CheckPositions(start, count);
        int kvDim = KvHeads * HeadDim;
        ArgumentOutOfRangeException.ThrowIfLessThan(keys.Length, count * kvDim, nameof(keys));
        ArgumentOutOfRangeException.ThrowIfLessThan(values.Length, count * kvDim, nameof(values));
        for (int t = 0; t < count; t++)
        {
            for (int head = 0; head < KvHeads; head++)
            {
                int source = t * kvDim + head * HeadDim;
                long target = ((long)head * Capacity + start + t) * HeadDim;
                keys.Slice(source, HeadDim).CopyTo(_pastKeys.AsSpan((int)target, HeadDim));
                values.Slice(source, HeadDim).CopyTo(_pastValues.AsSpan((int)target, HeadDim));
            }
        }

        _length = start + count;
    }

    /// <summary>
    /// The token at <paramref name="position"/>, with <see cref="Query"/>, <see cref="Key"/> and
    /// <see cref="Value"/> already filled: ORT stores its key and value at that position, then
    /// attends positions 0..position. The result is in <see cref="Output"/>.
    /// </summary>
    public void Decode(int position)
    {
        CheckPositions(position, 1);
        _seqlensK[0] = position;
        _totalLength[0] = position + 1;
        _session.RunWithBinding(_runOptions, _binding);
        _length = position + 1;
    }

    /// <summary>The same step with the kernel contract's arguments (copies them in and the output out).</summary>
    public void Decode(int position, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output)
    {
        query.CopyTo(_query);
        key.CopyTo(_key);
        value.CopyTo(_value);
        Decode(position);
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

    private void CheckPositions(int start, int count)
    {
        if (start < 0 || start > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Position {start} would leave a gap: the cache holds positions 0..{_length - 1}.");
        }

        if ((long)start + count > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Positions {start}..{start + count - 1} do not fit a cache of {Capacity} positions.");
        }
    }
}
