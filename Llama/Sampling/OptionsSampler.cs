using System;
using System.Runtime.CompilerServices;

namespace KernelGen.Sampling;

/// <summary>
/// The sampler behind <see cref="Decoding.GenerationOptions"/>: greedy at temperature 0; without top-k,
/// exactly <see cref="Sampler"/> (run.c's softmax, nucleus and coins); with top-k, the k likeliest
/// tokens, then the nucleus among them, then a coin weighted by their probabilities.
/// </summary>
/// <remarks>Scratch allocated in the constructor; <see cref="Sample"/> allocates nothing. Not thread-safe.</remarks>
internal sealed class OptionsSampler
{
    private readonly Sampler _sampler;             // temperature, top-p and coins when top-k is off
    private readonly ProbabilityIndex[] _top;      // [topK] the likeliest tokens, a min-heap while selecting
    private readonly int _topK;

    public OptionsSampler(int vocabSize, float temperature, float topP, int topK, ulong seed)
    {
        _sampler = new Sampler(vocabSize, temperature, topP, seed);
        _topK = topK > 0 && topK < vocabSize ? topK : 0;
        _top = _topK > 0 && temperature > 0 ? new ProbabilityIndex[_topK] : Array.Empty<ProbabilityIndex>();
    }

    /// <summary>Picks a token; at a temperature above 0 the logits become probabilities in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Sample(Span<float> logits)
    {
        if (_sampler.Temperature == 0f || _top.Length == 0)
        {
            return _sampler.Sample(logits);
        }

        float inverse = 1f / _sampler.Temperature;
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] *= inverse;
        }

        Sampler.Softmax(logits);
        int k = SelectTop(logits);
        var top = _top.AsSpan(0, k);
        top.Sort();  // descending probability, lower id first on ties

        float mass = 0f;
        foreach (var candidate in top)
        {
            mass += candidate.Probability;
        }

        // The nucleus among the k: the likeliest tokens whose share of the k's mass first exceeds top-p.
        int last = k - 1;
        float topP = _sampler.TopP;
        if (topP > 0f && topP < 1f)
        {
            float cumulative = 0f;
            for (int i = 0; i < k; i++)
            {
                cumulative += top[i].Probability;
                if (cumulative > topP * mass)
                {
                    last = i;
                    break;
                }
            }

            mass = 0f;
            for (int i = 0; i <= last; i++)
            {
                mass += top[i].Probability;
            }
        }

        float coin = _sampler.Random.NextSingle() * mass;
        float cdf = 0f;
        for (int i = 0; i <= last; i++)
        {
            cdf += top[i].Probability;
            if (coin < cdf)
            {
                return top[i].Index;
            }
        }

        return top[last].Index;  // rounding
    }

    /// <summary>The k largest probabilities into <see cref="_top"/> (unordered), by a min-heap of size k: O(n log k).</summary>
    private int SelectTop(ReadOnlySpan<float> probabilities)
    {
        int k = _top.Length, count = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            var candidate = new ProbabilityIndex(probabilities[i], i);
            if (count < k)
            {
                _top[count] = candidate;
                SiftUp(count++);
            }
            else if (Worse(_top[0], candidate))
            {
                _top[0] = candidate;
                SiftDown(0, k);
            }
        }

        return count;
    }

    // "a ranks below b": lower probability, or equal probability and higher id (so ties keep the lower id).
    private static bool Worse(ProbabilityIndex a, ProbabilityIndex b) =>
        a.Probability < b.Probability || (a.Probability == b.Probability && a.Index > b.Index);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Worse(_top[i], _top[parent]))
            {
                return;
            }

            (_top[i], _top[parent]) = (_top[parent], _top[i]);
            i = parent;
        }
    }

    private void SiftDown(int i, int count)
    {
        while (true)
        {
            int left = 2 * i + 1, worst = i;
            if (left < count && Worse(_top[left], _top[worst]))
            {
                worst = left;
            }

            if (left + 1 < count && Worse(_top[left + 1], _top[worst]))
            {
                worst = left + 1;
            }

            if (worst == i)
            {
                return;
            }

            (_top[i], _top[worst]) = (_top[worst], _top[i]);
            i = worst;
        }
    }
}
