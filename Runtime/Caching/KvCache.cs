using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KernelGen.Caching;

/// <summary>
/// Keys and values of every processed token, for every layer and KV head.
/// </summary>
/// <remarks>
/// Layout: per layer, one array of keys and one of values, each
/// <c>[KvHeads][Capacity][HeadDim]</c>, head_dim contiguous. One KV head's keys therefore stream
/// from memory in position order, which is what a decode step reads: with grouped or multi-query
/// attention each of those bytes serves every query head of its group (Shazeer 2019).
/// All memory is allocated here, once; kernels never allocate.
/// </remarks>
public sealed class KvCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;
    private readonly KvCacheLayout[] _layouts;
    private readonly int[] _lengths;

    /// <summary>A cache whose every layer is dense and holds <paramref name="maxSeqLen"/> positions.</summary>
    public KvCache(int layers, int kvHeads, int headDim, int maxSeqLen)
        : this(kvHeads, headDim, Repeat(KvCacheLayout.Dense(maxSeqLen), layers))
    {
    }

    /// <summary>A cache with one layout per layer (dense or rolling).</summary>
    public KvCache(int kvHeads, int headDim, IReadOnlyList<KvCacheLayout> layouts)
    {
        ArgumentNullException.ThrowIfNull(layouts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kvHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        if (layouts.Count == 0)
        {
            throw new ArgumentException("A KV cache needs at least one layer.", nameof(layouts));
        }

        KvHeads = kvHeads;
        HeadDim = headDim;
        _layouts = new KvCacheLayout[layouts.Count];
        _keys = new float[layouts.Count][];
        _values = new float[layouts.Count][];
        _lengths = new int[layouts.Count];
        for (int layer = 0; layer < layouts.Count; layer++)
        {
            var layout = layouts[layer];
            long floats = (long)kvHeads * layout.Capacity * headDim;
            if (floats > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(layouts),
                    $"Layer {layer}: {kvHeads} KV heads x {layout.Capacity} positions x head_dim {headDim} = {floats} floats is more than one array can hold.");
            }

            _layouts[layer] = layout;
            _keys[layer] = new float[floats];
            _values[layer] = new float[floats];
        }
    }

    /// <summary>Number of layers.</summary>
    public int Layers => _layouts.Length;

    /// <summary>Key/value heads per layer.</summary>
    public int KvHeads { get; }

    /// <summary>Floats per key (and per value).</summary>
    public int HeadDim { get; }

    /// <summary>Bytes held by keys and values together.</summary>
    public long Bytes
    {
        get
        {
            long total = 0;
            foreach (var keys in _keys)
            {
                total += 2L * keys.Length * sizeof(float);
            }

            return total;
        }
    }

    /// <summary>The position-to-slot layout of <paramref name="layer"/>.</summary>
    public KvCacheLayout Layout(int layer) => _layouts[layer];

    /// <summary>Positions written to <paramref name="layer"/> so far (the next position to write).</summary>
    public int Length(int layer) => _lengths[layer];

    /// <summary>Forgets every position in every layer; memory is kept for reuse.</summary>
    public void Reset() => Array.Clear(_lengths);

    /// <summary>One KV head's keys, <c>[Capacity][HeadDim]</c>.</summary>
    public Span<float> Keys(int layer, int kvHead) => Slice(_keys[layer], layer, kvHead);

    /// <summary>One KV head's values, <c>[Capacity][HeadDim]</c>.</summary>
    public Span<float> Values(int layer, int kvHead) => Slice(_values[layer], layer, kvHead);

    /// <summary>The first key of <paramref name="kvHead"/>, for kernels that index by slot without bounds checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float KeysRef(int layer, int kvHead) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_keys[layer]), (nint)kvHead * _layouts[layer].Capacity * HeadDim);

    /// <summary>The first value of <paramref name="kvHead"/>, for kernels that index by slot without bounds checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float ValuesRef(int layer, int kvHead) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values[layer]), (nint)kvHead * _layouts[layer].Capacity * HeadDim);

    /// <summary>
    /// Stores the keys and values of <paramref name="count"/> consecutive tokens starting at
    /// <paramref name="start"/>; <paramref name="keys"/> and <paramref name="values"/> are
    /// <c>[count][KvHeads * HeadDim]</c>, as the projections produce them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(int layer, int start, int count, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        CheckAppend(layer, start, count);
        int kvDim = KvHeads * HeadDim;
        if (keys.Length < count * kvDim || values.Length < count * kvDim)
        {
            throw new ArgumentException($"Keys and values for {count} tokens need {count * kvDim} floats each; got {keys.Length} and {values.Length}.");
        }

        var layout = _layouts[layer];
        for (int t = 0; t < count; t++)
        {
            int slot = layout.SlotOf(start + t);
            for (int head = 0; head < KvHeads; head++)
            {
                int source = t * kvDim + head * HeadDim;
                int target = (head * layout.Capacity + slot) * HeadDim;
                keys.Slice(source, HeadDim).CopyTo(_keys[layer].AsSpan(target, HeadDim));
                values.Slice(source, HeadDim).CopyTo(_values[layer].AsSpan(target, HeadDim));
            }
        }

        _lengths[layer] = start + count;
    }

    /// <summary>
    /// Checks that <paramref name="count"/> tokens at <paramref name="start"/> can be written to
    /// <paramref name="layer"/>: no gap after what is cached (a gap would leave unwritten keys to
    /// attend to), and room for them in a dense layer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CheckAppend(int layer, int start, int count)
    {
        if ((uint)layer >= (uint)Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"Layer {layer} is outside this cache's {Layers} layers.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (start > _lengths[layer])
        {
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Position {start} would leave a gap: layer {layer} holds positions 0..{_lengths[layer] - 1} only.");
        }

        var layout = _layouts[layer];
        if (!layout.IsRolling && (long)start + count > layout.Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count),
                $"Positions {start}..{start + count - 1} do not fit: layer {layer} holds {layout.Capacity} positions (the context length).");
        }

        if (count > layout.MaxAppend)
        {
            throw new ArgumentOutOfRangeException(nameof(count),
                $"Layer {layer} keeps a rolling window; at most {layout.MaxAppend} tokens can be written at once, not {count}.");
        }

        if ((long)start + count > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Positions past {int.MaxValue} cannot be addressed.");
        }
    }

    private Span<float> Slice(float[] array, int layer, int kvHead)
    {
        int length = _layouts[layer].Capacity * HeadDim;
        return array.AsSpan(kvHead * length, length);
    }

    private static KvCacheLayout[] Repeat(KvCacheLayout layout, int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        var all = new KvCacheLayout[layers];
        Array.Fill(all, layout);
        return all;
    }
}
