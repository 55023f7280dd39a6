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
}
