using System;

namespace KernelGen.Caching;

/// <summary>
/// How one layer's KV cache maps token positions to storage slots.
/// </summary>
/// <remarks>
/// A dense layer keeps every position: slot = position, capacity = the context length.
/// A sliding-window layer (optionally with attention sinks, StreamingLLM's "first tokens") keeps
/// <see cref="SinkTokens"/> fixed slots for positions 0..g-1 and a ring of <see cref="Window"/>
/// slots for the rest, so its memory stays at g + w however long the sequence grows.
/// </remarks>
public readonly record struct KvCacheLayout
{
    private KvCacheLayout(int capacity, int window, int sinkTokens)
    {
        Capacity = capacity;
        Window = window;
        SinkTokens = sinkTokens;
    }

    /// <summary>Slots in this layer, per KV head.</summary>
    public int Capacity { get; }

    /// <summary>Ring size for a rolling layer; 0 for a dense one.</summary>
    public int Window { get; }

    /// <summary>Positions 0..SinkTokens-1 that a rolling layer keeps for ever.</summary>
    public int SinkTokens { get; }

    /// <summary>True when positions wrap around a ring of <see cref="Window"/> slots.</summary>
    public bool IsRolling => Window > 0;

    /// <summary>A layer that stores every position up to <paramref name="maxSeqLen"/>.</summary>
    public static KvCacheLayout Dense(int maxSeqLen)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSeqLen);
        return new KvCacheLayout(maxSeqLen, 0, 0);
    }

    /// <summary>A layer that keeps the first <paramref name="sinkTokens"/> positions and a ring of the last <paramref name="window"/>.</summary>
    public static KvCacheLayout Rolling(int window, int sinkTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        ArgumentOutOfRangeException.ThrowIfNegative(sinkTokens);
        return new KvCacheLayout(checked(window + sinkTokens), window, sinkTokens);
    }

    /// <summary>The slot that holds <paramref name="position"/>.</summary>
    public int SlotOf(int position) =>
        !IsRolling || position < SinkTokens ? position : SinkTokens + (position - SinkTokens) % Window;

    /// <summary>
    /// True when <paramref name="position"/> is still held once positions up to <paramref name="newest"/>
    /// have been written (a rolling layer forgets what fell out of its window).
    /// </summary>
    public bool Holds(int position, int newest) =>
        position <= newest && (!IsRolling || position < SinkTokens || newest - position < Window);
}
