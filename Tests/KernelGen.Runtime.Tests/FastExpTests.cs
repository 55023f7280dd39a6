using System;
using System.Runtime.Intrinsics;
using KernelGen.Kernels;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>The softmax's exp is accurate to about 1e-7 relative at every width, and sends −∞ to exactly 0.</summary>
public class FastExpTests
{
    [Fact]
    public void MatchesMathExp_AtEveryWidth_OverTheSoftmaxRange()
    {
        var random = new Random(3);
        double worst = 0;
        for (int trial = 0; trial < 20000; trial++)
        {
            float x = (float)(random.NextDouble() * 100 - 90);   // softmax inputs are ≤ 0; a little above too
            double expected = Math.Exp(x);
            foreach (float actual in new[]
            {
                FastExp.Exp(Vector512.Create(x)).GetElement(3),
                FastExp.Exp(Vector256.Create(x)).GetElement(5),
                FastExp.Exp(Vector128.Create(x)).GetElement(1),
            })
            {
                if (expected > 1e-37)
                {
                    worst = Math.Max(worst, Math.Abs(actual - expected) / expected);
                }
                else
                {
                    Assert.True(actual >= 0 && actual < 1e-36f, $"exp({x}) = {actual}");
                }
            }
        }

        Assert.True(worst < 3e-7, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void EdgeValues()
    {
        Assert.Equal(0f, FastExp.Exp(Vector256.Create(float.NegativeInfinity)).GetElement(0));
        Assert.Equal(0f, FastExp.Exp(Vector512.Create(-1000f)).GetElement(0));
        Assert.Equal(0f, FastExp.Exp(Vector128.Create(float.NegativeInfinity)).GetElement(0));
        Assert.Equal(1f, FastExp.Exp(Vector256<float>.Zero).GetElement(7));
        Assert.True(float.IsFinite(FastExp.Exp(Vector256.Create(500f)).GetElement(0)));
    }

    [Fact]
    public void SoftmaxExp_MatchesMathExp_AtEveryWidth_FromTheUnderflowBoundTo88()
    {
        var random = new Random(5);
        double worst = 0;
        for (int trial = 0; trial < 40000; trial++)
        {
            // Mostly the softmax's x − max ≤ 0; the positive side is checked up to the documented 88.
            float x = trial % 4 == 0 ? (float)(random.NextDouble() * 88) : (float)(random.NextDouble() * -90);
            double expected = Math.Exp(x);
            foreach (float actual in new[]
            {
                FastExp.SoftmaxExp(Vector512.Create(x)).GetElement(7),
                FastExp.SoftmaxExp(Vector256.Create(x)).GetElement(2),
                FastExp.SoftmaxExp(Vector128.Create(x)).GetElement(3),
            })
            {
                if (expected > 1e-37)
                {
                    worst = Math.Max(worst, Math.Abs(actual - expected) / expected);
                }
                else
                {
                    Assert.True(actual >= 0 && actual < 1e-36f, $"SoftmaxExp({x}) = {actual}");
                }
            }
        }

        // With FMA the reduction x·log2(e) − n is rounded once; without it (the DOTNET_EnableFMA=0 leg)
        // the product is rounded first, an absolute error of up to |t|·2^-24 in the exponent t ≤ 127.
        double bound = System.Runtime.Intrinsics.X86.Fma.IsSupported ? 3e-7 : 8e-6;
        Assert.True(worst < bound, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void SoftmaxExp_EdgeValues()
    {
        Assert.Equal(0f, FastExp.SoftmaxExp(Vector256.Create(float.NegativeInfinity)).GetElement(0));
        Assert.Equal(0f, FastExp.SoftmaxExp(Vector512.Create(float.NegativeInfinity)).GetElement(15));
        Assert.Equal(0f, FastExp.SoftmaxExp(Vector128.Create(float.NegativeInfinity)).GetElement(1));
        Assert.Equal(0f, FastExp.SoftmaxExp(Vector256.Create(-88f)).GetElement(3));
        Assert.Equal(0f, FastExp.SoftmaxExp(Vector512.Create(-1e30f)).GetElement(0));
        Assert.Equal(1f, FastExp.SoftmaxExp(Vector256<float>.Zero).GetElement(7));
        Assert.Equal(1f, FastExp.SoftmaxExp(Vector512<float>.Zero).GetElement(0));
        Assert.Equal(1f, FastExp.SoftmaxExp(Vector128<float>.Zero).GetElement(2));

        // Mixed lanes: a masked lane vanishes without disturbing its neighbours.
        var mixed = FastExp.SoftmaxExp(Vector256.Create(0f, float.NegativeInfinity, -1f, -100f, -20f, -0.5f, -87f, -3f));
        Assert.Equal(1f, mixed.GetElement(0));
        Assert.Equal(0f, mixed.GetElement(1));
        Assert.Equal(0f, mixed.GetElement(3));
        Assert.Equal(Math.Exp(-1), mixed.GetElement(2), 6);
        Assert.Equal(Math.Exp(-3), mixed.GetElement(7), 6);
    }
}
