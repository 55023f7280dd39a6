using System;
using KernelGen.Kernels;
using KernelGen.Runtime.Tests.Models;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// Each CI leg runs the kernel tests with one SIMD width (see .ci/run). These tests check that the
/// leg really runs the width it claims — a switch that silently did nothing would fail here — and
/// log the widths so the CI output shows them.
/// </summary>
[Trait("Category", "Simd")]
public class SimdLegTests
{
    private readonly ITestOutputHelper _output;

    public SimdLegTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void PolicyWidth_IsTheLegsWidth()
    {
        string? forced = Environment.GetEnvironmentVariable(SimdPolicy.OverrideVariable);
        string? expected = Environment.GetEnvironmentVariable("KERNELGEN_EXPECT_SIMD");
        _output.WriteLine($"SIMD leg: {SimdPolicy.Describe()}; {SimdPolicy.OverrideVariable}={forced ?? "(unset)"}, KERNELGEN_EXPECT_SIMD={expected ?? "(unset)"}");

        Assert.Equal(string.IsNullOrEmpty(forced) ? SimdPolicy.AcceleratedBits : SimdPolicy.Select(forced), SimdPolicy.Bits);
        if (!string.IsNullOrEmpty(expected))
        {
            Assert.Equal(SimdPolicy.Select(expected), SimdPolicy.Bits);
        }
    }

    [Fact]
    public void GeneratedKernels_TakeTheWidestPathTheirHeadDimHas()
    {
        // head_dim 64 has all four paths; head_dim 8 has no Vector512 path (8 floats < 16).
        string wide = SimdPolicy.PathName(SimdPolicy.Bits);
        string narrow = SimdPolicy.PathName(Math.Min(SimdPolicy.Bits, 256));
        var kernels64 = MqaHeadDim64.CreateKernels();
        var kernels8 = GqaHeadDim8.CreateKernels();
        _output.WriteLine(kernels64.Description);
        _output.WriteLine(kernels8.Description);

        Assert.EndsWith("SIMD path " + wide, kernels64.Description);
        Assert.EndsWith("SIMD path " + narrow, kernels8.Description);
    }
}
