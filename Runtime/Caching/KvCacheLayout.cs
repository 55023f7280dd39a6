using System;
using System.Runtime.CompilerServices;

namespace KernelGen.Caching;

/// <summary>
/// How one layer's KV cache maps token positions to storage slots.
/// </summary>
/// <remarks>
/// <para>A dense layer keeps every position: slot = position, capacity = the context length.</para>
/// <para>A rolling layer serves a sliding-window pattern, optionally with attention sinks
/// (StreamingLLM's first tokens): it keeps <see cref="SinkTokens"/> fixed slots for positions
/// 0..g−1 and a ring of <see cref="RingSize"/> slots for the rest, so its memory stays at
/// g + w (+ a prefill slack) however long the sequence grows. Positions stay absolute (rotary
/// embedding uses them as they are); only storage wraps.</para>
/// <para>The ring is <see cref="Window"/> + slack long so that a prefill chunk of up to slack + 1
/// tokens can be written before it is attended without overwriting keys its first query still
/// needs: writing [s, s+C) must leave [s−w+1, s] in place, so ring ≥ w + C − 1.</para>
/// </remarks>
public readonly record struct KvCacheLayout
{
    private KvCacheLayout(int capacity, int window, int sinkTokens, int ringSize)
    {
        Capacity = capacity;
        Window = window;
        SinkTokens = sinkTokens;
        RingSize = ringSize;
    }

    /// <summary>Slots in this layer, per KV head.</summary>
    public int Capacity { get; }

    /// <summary>The attention window a rolling layer serves; 0 for a dense layer.</summary>
    public int Window { get; }

    /// <summary>Positions 0..SinkTokens−1 that a rolling layer keeps for ever.</summary>
    public int SinkTokens { get; }

    /// <summary>Slots in the ring of a rolling layer; 0 for a dense layer.</summary>
    public int RingSize { get; }

    /// <summary>
    /// Keys per block of the per-channel key bounds this layer keeps (a QueryAware layer's
    /// <c>BlockSize</c>); 0 when it keeps none. See <see cref="KvCache.KeyBoundsRef"/>.
    /// </summary>
    public int KeyBoundsBlock { get; private init; }

    /// <summary>True when positions wrap around a ring.</summary>
    public bool IsRolling => RingSize > 0;

    /// <summary>Most tokens one write may append: the ring's slack + 1 for a rolling layer, otherwise unlimited.</summary>
    public int MaxAppend => IsRolling ? RingSize - Window + 1 : int.MaxValue;

    /// <summary>A layer that stores every position up to <paramref name="maxSeqLen"/>.</summary>
    public static KvCacheLayout Dense(int maxSeqLen)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSeqLen);
        return new KvCacheLayout(maxSeqLen, 0, 0, 0);
    }

    /// <summary>
    /// A layer that keeps the first <paramref name="sinkTokens"/> positions and a ring for the last
    /// <paramref name="window"/>, with <paramref name="prefillSlack"/> extra slots for prefill chunks.
    /// </summary>
    public static KvCacheLayout Rolling(int window, int sinkTokens, int prefillSlack)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        ArgumentOutOfRangeException.ThrowIfNegative(sinkTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(prefillSlack);
        int ring = checked(window + prefillSlack);
        return new KvCacheLayout(checked(sinkTokens + ring), window, sinkTokens, ring);
    }

    /// <summary>
    /// This dense layout, also keeping, per KV head and block of <paramref name="blockSize"/> keys,
    /// the per-channel minimum and maximum of the keys (Quest's metadata for query-aware selection).
    /// </summary>
    public KvCacheLayout WithKeyBounds(int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        if (IsRolling)
        {
            throw new InvalidOperationException("Key bounds are kept for dense layers only: a rolling layer forgets the blocks they would describe.");
        }

        return this with { KeyBoundsBlock = blockSize };
    }

    /// <summary>The slot that holds <paramref name="position"/>.</summary>
    public int SlotOf(int position) =>
        !IsRolling || position < SinkTokens ? position : SinkTokens + (position - SinkTokens) % RingSize;

    /// <summary>
    /// True when <paramref name="position"/> is still held once positions up to <paramref name="newest"/>
    /// have been written (a rolling layer forgets what fell out of its ring).
    /// </summary>
    public bool Holds(int position, int newest) =>
        position >= 0 && position <= newest && (!IsRolling || position < SinkTokens || newest - position < RingSize);

    /// <summary>
    /// Splits the contiguous positions [<paramref name="position"/>, position + <paramref name="count"/>)
    /// into runs of contiguous slots (three at most: sinks, ring, wrapped ring). Returns how many
    /// runs it wrote; each run is (first slot, first position, length).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int ToSlotRuns(int position, int count, Span<SlotRun> runs)
    {
        if (count <= 0)
        {
            return 0;
        }

        if (!IsRolling || position + count <= SinkTokens)
        {
            runs[0] = new SlotRun(position, position, count);
            return 1;
        }

        int written = 0;
        if (position < SinkTokens)
        {
            int sinks = SinkTokens - position;
            runs[written++] = new SlotRun(position, position, sinks);
            position += sinks;
            count -= sinks;
        }

        int slot = SlotOf(position);
        int untilWrap = SinkTokens + RingSize - slot;
        if (count <= untilWrap)
        {
            runs[written++] = new SlotRun(slot, position, count);
        }
        else
        {
            runs[written++] = new SlotRun(slot, position, untilWrap);
            runs[written++] = new SlotRun(SinkTokens, position + untilWrap, count - untilWrap);
        }

        return written;
    }
}
