using System;
using System.Linq;
using KernelGen.Sampling;
using Xunit;

namespace KernelGen.Decoding.Tests;

public sealed class SamplerTests
{
    [Fact]
    public void GreedyPicksTheLargestLogit() =>
        Assert.Equal(2, Sampler.Greedy(4).Sample(new[] { 0.1f, -3f, 7.5f, 7.4f }));

    [Fact]
    public void GreedyTiesGoToTheLowestId()
    {
        Assert.Equal(1, Sampler.ArgMax(new[] { 0f, 5f, 5f, 5f }));
        Assert.Equal(0, Sampler.ArgMax(new[] { 2f, 2f }));
        Assert.Equal(0, Sampler.ArgMax(new[] { 1f }));
    }

    [Fact]
    public void GreedyLeavesTheLogitsAlone()
    {
        float[] logits = [1f, 2f, 3f];
        Sampler.Greedy(3).Sample(logits);
        Assert.Equal([1f, 2f, 3f], logits);
    }

    [Fact]
    public void XorShiftMatchesRunC()
    {
        // random_u32 / random_f32 from run.c, state 42.
        var random = new XorShiftRandom(42);
        Assert.Equal(new uint[] { 1456360119, 3359763283, 3393612768, 4054632243, 3283045847 }, Enumerable.Range(0, 5).Select(_ => random.NextUInt32()).ToArray());
        random = new XorShiftRandom(42);
        Assert.Equal(new[] { 0.339085221f, 0.782255828f, 0.790136993f, 0.944042623f, 0.764393628f }, Enumerable.Range(0, 5).Select(_ => random.NextSingle()).ToArray());
    }

    [Fact]
    public void TheSameSeedGivesTheSameTokens()
    {
        int[] Draw(ulong seed, float topP)
        {
            var sampler = new Sampler(50, 0.9f, topP, seed);
            var logitsSource = new Random(99);
            return Enumerable.Range(0, 200).Select(_ =>
            {
                var logits = Enumerable.Range(0, 50).Select(_ => (float)logitsSource.NextDouble() * 4).ToArray();
                return sampler.Sample(logits);
            }).ToArray();
        }

        Assert.Equal(Draw(7, 0.9f), Draw(7, 0.9f));
        Assert.Equal(Draw(7, 0f), Draw(7, 0f));
        Assert.NotEqual(Draw(7, 0f), Draw(8, 0f));
    }

    [Fact]
    public void MultinomialFollowsTheCumulativeDistribution()
    {
        float[] p = [0.1f, 0.6f, 0.3f];
        Assert.Equal(0, Sampler.SampleMultinomial(p, 0f));
        Assert.Equal(0, Sampler.SampleMultinomial(p, 0.09f));
        Assert.Equal(1, Sampler.SampleMultinomial(p, 0.1f));
        Assert.Equal(2, Sampler.SampleMultinomial(p, 0.71f));
        Assert.Equal(2, Sampler.SampleMultinomial(p, 0.99999f));
    }

    [Fact]
    public void TopPDrawsOnlyFromTheNucleus()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05 (in shuffled order): top-p 0.7 keeps the two likeliest.
        float[] probabilities = [0.15f, 0.5f, 0.05f, 0.3f];
        var sampler = new Sampler(4, 1f, 0.7f, 1);
        Assert.Equal(1, sampler.SampleTopP(probabilities, 0f));
        Assert.Equal(1, sampler.SampleTopP(probabilities, 0.6f));    // r = 0.6 * 0.8 = 0.48 < 0.5
        Assert.Equal(3, sampler.SampleTopP(probabilities, 0.65f));   // r = 0.52
        Assert.Equal(3, sampler.SampleTopP(probabilities, 0.9999f));

        var counts = new int[4];
        var logits = probabilities.Select(p => MathF.Log(p)).ToArray();
        for (int i = 0; i < 5000; i++)
        {
            counts[sampler.Sample(logits.ToArray())]++;
        }

        Assert.Equal(0, counts[0]);
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[1], 2800, 3450);   // 5000 · 0.5/0.8 = 3125
    }

    [Fact]
    public void TopPTiesAreOrderedByIdSoRunsRepeat()
    {
        float[] probabilities = [0.25f, 0.25f, 0.25f, 0.25f];
        var sampler = new Sampler(4, 1f, 0.5f, 1);
        // Equal probabilities sort by id; the mass first exceeds 0.5 at the third, so the nucleus is ids 0..2.
        Assert.Equal(0, sampler.SampleTopP(probabilities, 0f));
        Assert.Equal(2, sampler.SampleTopP(probabilities, 0.99f));
    }

    [Fact]
    public void TemperatureSharpensOrFlattens()
    {
        float[] logits = [2f, 1f, 0f];
        var cold = logits.ToArray();
        var hot = logits.ToArray();
        foreach (ref float l in cold.AsSpan())
        {
            l /= 0.5f;
        }

        foreach (ref float l in hot.AsSpan())
        {
            l /= 2f;
        }

        Sampler.Softmax(cold);
        Sampler.Softmax(hot);
        Assert.True(cold[0] > hot[0]);
        Assert.Equal(1f, cold.Sum(), 5);
        Assert.Equal(1f, hot.Sum(), 5);
    }

    [Theory]
    [InlineData(-0.1f, 0.9f)]
    [InlineData(float.NaN, 0.9f)]
    [InlineData(float.PositiveInfinity, 0.9f)]
    [InlineData(1f, -0.1f)]
    [InlineData(1f, 1.1f)]
    [InlineData(1f, float.NaN)]
    public void RejectsInvalidParameters(float temperature, float topP) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(10, temperature, topP, 1));

    [Fact]
    public void RejectsSeedZeroAndWrongLogitCounts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new XorShiftRandom(0));
        Assert.Throws<ArgumentException>(() => Sampler.Greedy(4).Sample(new float[3]));
    }
}
