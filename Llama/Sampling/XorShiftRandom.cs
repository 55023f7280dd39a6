using System;

namespace KernelGen.Sampling;

/// <summary>
/// run.c's random number generator: xorshift64* (Marsaglia 2003; Vigna 2016's multiplier), so a
/// seed gives the same coins here as in llama2.c.
/// </summary>
public sealed class XorShiftRandom
{
    private ulong _state;

    /// <summary>Starts the sequence at <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seed"/> is 0: xorshift would stay at 0 for ever.</exception>
    public XorShiftRandom(ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfZero(seed);
        _state = seed;
    }

    /// <summary>The current state; a new generator seeded with it continues the same sequence.</summary>
    public ulong State => _state;

    /// <summary>The next 32 random bits (run.c's <c>random_u32</c>).</summary>
    public uint NextUInt32()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return (uint)((_state * 0x2545F4914F6CDD1DUL) >> 32);
    }

    /// <summary>A float in [0, 1) with 24 random bits (run.c's <c>random_f32</c>).</summary>
    public float NextSingle() => (NextUInt32() >> 8) / 16777216.0f;
}
