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
/// <c>[KvHeads][Capacity][HeadDim]</c> numbers in the cache's <see cref="Format"/> (4, 2 or 1
/// bytes each), head_dim contiguous; an int8 cache adds <c>[KvHeads][Capacity]</c> float scales
/// for keys and for values. One KV head's keys therefore stream
/// from memory in position order, which is what a decode step reads: with grouped or multi-query
/// attention each of those bytes serves every query head of its group (Shazeer 2019).
/// All memory is allocated here, once; kernels never allocate.
/// <para>A layer whose layout has <see cref="KvCacheLayout.KeyBoundsBlock"/> (a QueryAware layer)
/// also keeps Quest's metadata (Tang et al. 2024): per KV head and block of b keys, the
/// per-channel minimum and maximum of the block's keys, <c>[KvHeads][Blocks][2][HeadDim]</c> in
/// the cache's own format, recomputed from the stored keys on every write. The bounds are of the
/// numbers the cache holds (the keys as the kernels read them), so they hold exactly for the
/// scores the kernels compute. f32, bf16 and f16 store them exactly (the minimum and maximum of
/// stored numbers are themselves representable); int8 stores each bound row with its own float
/// scale, the minimum rounded down and the maximum rounded up, so a bound only ever widens. At
/// b = 16 they cost 2/16 of the key bytes: 6.25% of the keys and values (int8: a little less).</para>
/// </remarks>
public sealed class KvCache
{
    private readonly byte[][] _keys;
    private readonly byte[][] _values;
    private readonly float[][] _keyScales;
    private readonly float[][] _valueScales;
    private readonly KvCacheLayout[] _layouts;
    private readonly int[] _lengths;
    private readonly byte[][] _keyBounds;
    private readonly float[][] _keyBoundScales;
    private readonly float[] _boundRow;
    private readonly float[] _boundMin;
    private readonly float[] _boundMax;

    /// <summary>A cache whose every layer is dense and holds <paramref name="maxSeqLen"/> positions.</summary>
    public KvCache(int layers, int kvHeads, int headDim, int maxSeqLen, KvCacheFormat format = KvCacheFormat.Float32)
        : this(kvHeads, headDim, Repeat(KvCacheLayout.Dense(maxSeqLen), layers), format)
    {
    }

    /// <summary>A cache with one layout per layer (dense or rolling), storing numbers as <paramref name="format"/> says.</summary>
    public KvCache(int kvHeads, int headDim, IReadOnlyList<KvCacheLayout> layouts, KvCacheFormat format = KvCacheFormat.Float32)
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
        Format = format;
        ElementBytes = KvCacheFormats.ElementBytes(format);
        bool scaled = KvCacheFormats.IsScaled(format);
        _layouts = new KvCacheLayout[layouts.Count];
        _keys = new byte[layouts.Count][];
        _values = new byte[layouts.Count][];
        _keyScales = new float[layouts.Count][];
        _valueScales = new float[layouts.Count][];
        _lengths = new int[layouts.Count];
        _keyBounds = new byte[layouts.Count][];
        _keyBoundScales = new float[layouts.Count][];
        _boundRow = new float[headDim];
        _boundMin = new float[headDim];
        _boundMax = new float[headDim];
        for (int layer = 0; layer < layouts.Count; layer++)
        {
            var layout = layouts[layer];
            long numbers = (long)kvHeads * layout.Capacity * headDim;
            if (numbers * ElementBytes > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(layouts),
                    $"Layer {layer}: {kvHeads} KV heads x {layout.Capacity} positions x head_dim {headDim} = {numbers} numbers of {ElementBytes} bytes is more than one array can hold.");
            }

            _layouts[layer] = layout;
            _keys[layer] = new byte[numbers * ElementBytes];
            _values[layer] = new byte[numbers * ElementBytes];

            // Unscaled formats share one empty array: kernels take a reference to it and never read it.
            _keyScales[layer] = scaled ? new float[(long)kvHeads * layout.Capacity] : NoScales;
            _valueScales[layer] = scaled ? new float[(long)kvHeads * layout.Capacity] : NoScales;

            // Key bounds: two rows (minimum, maximum) per block, only for the layers that select by them.
            long boundRows = layout.KeyBoundsBlock > 0 ? 2L * kvHeads * KeyBoundBlocks(layout) : 0;
            _keyBounds[layer] = boundRows > 0 ? new byte[boundRows * headDim * ElementBytes] : NoBounds;
            _keyBoundScales[layer] = boundRows > 0 && scaled ? new float[boundRows] : NoScales;
        }
    }

    private static readonly float[] NoScales = new float[1];
    private static readonly byte[] NoBounds = new byte[1];

    /// <summary>How keys and values are stored.</summary>
    public KvCacheFormat Format { get; }

    /// <summary>Bytes per stored number: 4, 2, 2 or 1.</summary>
    public int ElementBytes { get; }

    /// <summary>Number of layers.</summary>
    public int Layers => _layouts.Length;

    /// <summary>Key/value heads per layer.</summary>
    public int KvHeads { get; }

    /// <summary>Floats per key (and per value).</summary>
    public int HeadDim { get; }

    /// <summary>Bytes held by keys and values together, their per-position scales included (int8).</summary>
    public long Bytes
    {
        get
        {
            long total = 0;
            for (int layer = 0; layer < _keys.Length; layer++)
            {
                total += _keys[layer].LongLength + _values[layer].LongLength;
                if (_keyScales[layer] != NoScales)
                {
                    total += (_keyScales[layer].LongLength + _valueScales[layer].LongLength) * sizeof(float);
                }
            }

            return total;
        }
    }

    /// <summary>Bytes held by the key bounds of QueryAware layers (their scales included), beside <see cref="Bytes"/>.</summary>
    public long KeyBoundsBytes
    {
        get
        {
            long total = 0;
            for (int layer = 0; layer < _keyBounds.Length; layer++)
            {
                if (_keyBounds[layer] != NoBounds)
                {
                    total += _keyBounds[layer].LongLength + (_keyBoundScales[layer] != NoScales ? _keyBoundScales[layer].LongLength * sizeof(float) : 0);
                }
            }

            return total;
        }
    }

    /// <summary>
    /// The first key-bound row of <paramref name="kvHead"/> in a layer that keeps them:
    /// <c>[Blocks][2][HeadDim]</c> numbers in the cache's format, row 2·b the channels' minimum over
    /// block b's keys and row 2·b + 1 their maximum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref byte KeyBoundsRef(int layer, int kvHead) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_keyBounds[layer]), (nint)kvHead * 2 * KeyBoundBlocks(_layouts[layer]) * HeadDim * ElementBytes);

    /// <summary>The scales of <paramref name="kvHead"/>'s key-bound rows, <c>[Blocks][2]</c>, in a scaled (int8) cache; otherwise a reference never read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float KeyBoundScalesRef(int layer, int kvHead) =>
        ref (_keyBoundScales[layer] == NoScales
            ? ref MemoryMarshal.GetArrayDataReference(NoScales)
            : ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_keyBoundScales[layer]), (nint)kvHead * 2 * KeyBoundBlocks(_layouts[layer])));

    /// <summary>
    /// The per-channel bounds of block <paramref name="block"/>'s keys (positions b·block … up to
    /// the latest written), widened (and scaled) back to float: what the selection computes with.
    /// </summary>
    public void ReadKeyBounds(int layer, int kvHead, int block, Span<float> minimum, Span<float> maximum)
    {
        if ((uint)layer >= (uint)Layers || _layouts[layer].KeyBoundsBlock == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"Layer {layer} keeps no key bounds (it is not a QueryAware layer of this cache).");
        }

        int blocks = KeyBoundBlocks(_layouts[layer]);
        if ((uint)kvHead >= (uint)KvHeads || (uint)block >= (uint)blocks)
        {
            throw new ArgumentOutOfRangeException(nameof(block), $"KV head {kvHead}, block {block} is outside layer {layer}'s {KvHeads} KV heads x {blocks} blocks.");
        }

        int row = (kvHead * blocks + block) * 2, rowBytes = HeadDim * ElementBytes;
        bool scaled = _keyBoundScales[layer] != NoScales;
        KvCacheFormats.Decode(Format, _keyBounds[layer].AsSpan(row * rowBytes, rowBytes), scaled ? _keyBoundScales[layer][row] : 1f, minimum.Slice(0, HeadDim));
        KvCacheFormats.Decode(Format, _keyBounds[layer].AsSpan((row + 1) * rowBytes, rowBytes), scaled ? _keyBoundScales[layer][row + 1] : 1f, maximum.Slice(0, HeadDim));
    }

    /// <summary>The position-to-slot layout of <paramref name="layer"/>.</summary>
    public KvCacheLayout Layout(int layer) => _layouts[layer];

    /// <summary>Positions written to <paramref name="layer"/> so far (the next position to write).</summary>
    public int Length(int layer) => _lengths[layer];

    /// <summary>Forgets every position in every layer; memory is kept for reuse.</summary>
    public void Reset() => Array.Clear(_lengths);

    /// <summary>One KV head's keys, <c>[Capacity][HeadDim]</c>; a <see cref="KvCacheFormat.Float32"/> cache only (others: <see cref="ReadKey"/>).</summary>
    public Span<float> Keys(int layer, int kvHead) => MemoryMarshal.Cast<byte, float>(Slice(_keys[layer], layer, kvHead, nameof(Keys)));

    /// <summary>One KV head's values, <c>[Capacity][HeadDim]</c>; a <see cref="KvCacheFormat.Float32"/> cache only (others: <see cref="ReadValue"/>).</summary>
    public Span<float> Values(int layer, int kvHead) => MemoryMarshal.Cast<byte, float>(Slice(_values[layer], layer, kvHead, nameof(Values)));

    /// <summary>The first key of <paramref name="kvHead"/> in a <see cref="KvCacheFormat.Float32"/> cache, for kernels that index by slot without bounds checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float KeysRef(int layer, int kvHead) => ref Unsafe.As<byte, float>(ref KeyBytesRef(layer, kvHead));

    /// <summary>The first value of <paramref name="kvHead"/> in a <see cref="KvCacheFormat.Float32"/> cache, for kernels that index by slot without bounds checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float ValuesRef(int layer, int kvHead) => ref Unsafe.As<byte, float>(ref ValueBytesRef(layer, kvHead));

    /// <summary>The first byte of <paramref name="kvHead"/>'s keys, <c>[Capacity][HeadDim]</c> numbers of <see cref="ElementBytes"/>, in any format.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref byte KeyBytesRef(int layer, int kvHead) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_keys[layer]), (nint)kvHead * _layouts[layer].Capacity * HeadDim * ElementBytes);

    /// <summary>The first byte of <paramref name="kvHead"/>'s values, in any format.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref byte ValueBytesRef(int layer, int kvHead) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values[layer]), (nint)kvHead * _layouts[layer].Capacity * HeadDim * ElementBytes);

    /// <summary>
    /// The first key scale of <paramref name="kvHead"/>, <c>[Capacity]</c>, in a scaled (int8) cache;
    /// in any other a reference kernels may hold but never read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float KeyScalesRef(int layer, int kvHead) => ref ScalesRef(_keyScales[layer], layer, kvHead);

    /// <summary>The first value scale of <paramref name="kvHead"/>; see <see cref="KeyScalesRef"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float ValueScalesRef(int layer, int kvHead) => ref ScalesRef(_valueScales[layer], layer, kvHead);

    /// <summary>The key in <paramref name="slot"/> of <paramref name="kvHead"/>, widened (and scaled) back to float: what the kernels compute with.</summary>
    public void ReadKey(int layer, int kvHead, int slot, Span<float> target) =>
        Read(_keys[layer], _keyScales[layer], layer, kvHead, slot, target);

    /// <summary>The value in <paramref name="slot"/> of <paramref name="kvHead"/>, widened (and scaled) back to float.</summary>
    public void ReadValue(int layer, int kvHead, int slot, Span<float> target) =>
        Read(_values[layer], _valueScales[layer], layer, kvHead, slot, target);

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
        int rowBytes = HeadDim * ElementBytes;
        for (int t = 0; t < count; t++)
        {
            int slot = layout.SlotOf(start + t);
            for (int head = 0; head < KvHeads; head++)
            {
                int source = t * kvDim + head * HeadDim;
                int row = head * layout.Capacity + slot;
                if (Format == KvCacheFormat.Float32)
                {
                    keys.Slice(source, HeadDim).CopyTo(MemoryMarshal.Cast<byte, float>(_keys[layer].AsSpan(row * rowBytes, rowBytes)));
                    values.Slice(source, HeadDim).CopyTo(MemoryMarshal.Cast<byte, float>(_values[layer].AsSpan(row * rowBytes, rowBytes)));
                    continue;
                }

                // Appends quantize as they write: the cache never holds a float copy.
                float keyScale = KvCacheFormats.Encode(Format, keys.Slice(source, HeadDim), _keys[layer].AsSpan(row * rowBytes, rowBytes));
                float valueScale = KvCacheFormats.Encode(Format, values.Slice(source, HeadDim), _values[layer].AsSpan(row * rowBytes, rowBytes));
                if (_keyScales[layer] != NoScales)
                {
                    _keyScales[layer][row] = keyScale;
                    _valueScales[layer][row] = valueScale;
                }
            }
        }

        bool appended = start == _lengths[layer];
        _lengths[layer] = start + count;
        if (layout.KeyBoundsBlock > 0)
        {
            UpdateKeyBounds(layer, start, count, appended);
        }
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

    private Span<byte> Slice(byte[] array, int layer, int kvHead, string caller)
    {
        if (Format != KvCacheFormat.Float32)
        {
            throw new InvalidOperationException(
                $"{caller} gives floats, but this cache stores {Format}; read rows with ReadKey/ReadValue or the byte references.");
        }

        int length = _layouts[layer].Capacity * HeadDim * ElementBytes;
        return array.AsSpan(kvHead * length, length);
    }

    private ref float ScalesRef(float[] scales, int layer, int kvHead) =>
        ref (scales == NoScales
            ? ref MemoryMarshal.GetArrayDataReference(scales)
            : ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scales), (nint)kvHead * _layouts[layer].Capacity));

    private void Read(byte[] numbers, float[] scales, int layer, int kvHead, int slot, Span<float> target)
    {
        if ((uint)layer >= (uint)Layers || (uint)kvHead >= (uint)KvHeads || (uint)slot >= (uint)_layouts[layer].Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(slot),
                $"Layer {layer}, KV head {kvHead}, slot {slot} is outside this cache ({Layers} layers x {KvHeads} KV heads x {((uint)layer < (uint)Layers ? _layouts[layer].Capacity : 0)} slots).");
        }

        if (target.Length < HeadDim)
        {
            throw new ArgumentException($"A row needs {HeadDim} floats; the target holds {target.Length}.", nameof(target));
        }

        int row = kvHead * _layouts[layer].Capacity + slot;
        float scale = scales == NoScales ? 1f : scales[row];
        KvCacheFormats.Decode(Format, numbers.AsSpan(row * HeadDim * ElementBytes, HeadDim * ElementBytes), scale, target.Slice(0, HeadDim));
    }

    private static int KeyBoundBlocks(KvCacheLayout layout) => (layout.Capacity + layout.KeyBoundsBlock - 1) / layout.KeyBoundsBlock;

    /// <summary>
    /// Updates the bounds of every block that positions [start, start + count) touch, from the keys
    /// as stored (so a bound is of the numbers the kernels read), each block once per write. Exact
    /// bounds (f32, bf16, f16) of an append fold the new keys into the block's stored ones; int8's
    /// outward bounds, and a rewrite of positions already held, recompute from the block's first
    /// key, so re-rounding never widens a bound and an overwritten key leaves none behind.
    /// </summary>
    private void UpdateKeyBounds(int layer, int start, int count, bool appended)
    {
        var layout = _layouts[layer];
        int b = layout.KeyBoundsBlock, blocks = KeyBoundBlocks(layout), rowBytes = HeadDim * ElementBytes;
        int end = start + count;
        byte[] bounds = _keyBounds[layer];
        float[] boundScales = _keyBoundScales[layer];
        for (int head = 0; head < KvHeads; head++)
        {
            for (int block = start / b; block * b < end; block++)
            {
                var minimum = _boundMin.AsSpan();
                var maximum = _boundMax.AsSpan();
                int row = (head * blocks + block) * 2;
                int first = block * b, last = Math.Min(end, (block + 1) * b);
                if (boundScales == NoScales && appended && start > first)
                {
                    // Exact bounds (unscaled formats) of the block's earlier keys: fold in only the new ones.
                    KvCacheFormats.Decode(Format, bounds.AsSpan(row * rowBytes, rowBytes), 1f, minimum);
                    KvCacheFormats.Decode(Format, bounds.AsSpan((row + 1) * rowBytes, rowBytes), 1f, maximum);
                    first = start;
                }
                else
                {
                    minimum.Fill(float.PositiveInfinity);
                    maximum.Fill(float.NegativeInfinity);
                }

                for (int position = first; position < last; position++)
                {
                    Read(_keys[layer], _keyScales[layer], layer, head, position, _boundRow);
                    for (int d = 0; d < HeadDim; d++)
                    {
                        minimum[d] = MathF.Min(minimum[d], _boundRow[d]);
                        maximum[d] = MathF.Max(maximum[d], _boundRow[d]);
                    }
                }

                var minimumTarget = bounds.AsSpan(row * rowBytes, rowBytes);
                var maximumTarget = bounds.AsSpan((row + 1) * rowBytes, rowBytes);
                if (boundScales == NoScales)
                {
                    // The minimum and maximum of stored numbers are stored numbers: these round to themselves.
                    KvCacheFormats.Encode(Format, minimum, minimumTarget);
                    KvCacheFormats.Encode(Format, maximum, maximumTarget);
                }
                else
                {
                    boundScales[row] = EncodeOutward(minimum, minimumTarget, up: false);
                    boundScales[row + 1] = EncodeOutward(maximum, maximumTarget, up: true);
                }
            }
        }
    }

    /// <summary>
    /// int8 with one scale per row, rounded outward: every decoded number s·q is ≤ its value
    /// (<paramref name="up"/> false, a minimum) or ≥ it (a maximum), so a bound stays a bound.
    /// The scale is max|x| / 126, one level of headroom so that rounding outward never leaves ±127.
    /// </summary>
    private static float EncodeOutward(ReadOnlySpan<float> values, Span<byte> target, bool up)
    {
        var q = MemoryMarshal.Cast<byte, sbyte>(target);
        float max = 0;
        foreach (float x in values)
        {
            max = MathF.Max(max, MathF.Abs(x));
        }

        if (max == 0 || !float.IsFinite(max))
        {
            // All zeros are exact with scale 0; a non-finite bound cannot be scaled, so none is given (±127 · ∞).
            for (int i = 0; i < values.Length; i++)
            {
                q[i] = (sbyte)(max == 0 ? 0 : up ? KvInt8.Levels : -KvInt8.Levels);
            }

            return max == 0 ? 0f : float.PositiveInfinity;
        }

        float scale = max / (KvInt8.Levels - 1), inverse = (KvInt8.Levels - 1) / max;
        for (int i = 0; i < values.Length; i++)
        {
            int level = (int)(up ? MathF.Ceiling(values[i] * inverse) : MathF.Floor(values[i] * inverse));
            while (up ? scale * level < values[i] : scale * level > values[i])
            {
                level += up ? 1 : -1;
            }

            q[i] = (sbyte)Math.Clamp(level, -KvInt8.Levels, KvInt8.Levels);
        }

        return scale;
    }

    private static KvCacheLayout[] Repeat(KvCacheLayout layout, int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        var all = new KvCacheLayout[layers];
        Array.Fill(all, layout);
        return all;
    }
}
