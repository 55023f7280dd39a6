using System;

namespace KernelGen.Bench;

/// <summary>Benchmark inputs: the same pseudo-random values in every run and every process.</summary>
public static class RandomInputs
{
    /// <summary>Uniform values in [-1, 1) from a fixed seed.</summary>
    public static float[] Uniform(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }
}
