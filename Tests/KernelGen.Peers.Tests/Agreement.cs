using System;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.Peers.Tests;

/// <summary>How two attention outputs are compared.</summary>
internal static class Agreement
{
    /// <summary>Largest ‖actual − expected‖∞ / ‖expected‖∞ allowed.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>‖actual − expected‖∞ / ‖expected‖∞; every output must be finite.</summary>
    public static double RelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"output {i} is {actual[i]}");
            scale = Math.Max(scale, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }

        return error / scale;
    }

    /// <summary>Asserts <paramref name="actual"/> equals <paramref name="expected"/> within <see cref="Tolerance"/>; logs the error.</summary>
    public static void Equal(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, ITestOutputHelper log)
    {
        double error = RelativeError(expected, actual);
        log.WriteLine($"{what}: relative error {error:E2}");
        Assert.True(error <= Tolerance, $"{what}: relative error {error:E2} > {Tolerance:E0}");
    }
}
