using System;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace KernelGen.Sampling;

/// <summary>
/// Picks the next token from logits exactly as run.c's <c>sample</c>: greedy argmax at temperature 0,
/// otherwise softmax(logits / temperature) and a coin from <see cref="XorShiftRandom"/>, drawn from
/// the whole distribution or, when 0 &lt; top-p &lt; 1, from the nucleus (Holtzman et al. 2019).
/// </summary>
/// <remarks>Owns its scratch (allocated once); <see cref="Sample"/> allocates nothing. Not thread-safe.</remarks>
public sealed class Sampler
{
    private readonly ProbabilityIndex[] _candidates;   // top-p scratch, [vocab]

    /// <summary>Creates a sampler.</summary>
    /// <param name="vocabSize">Logits per call.</param>
    /// <param name="temperature">0 for greedy; otherwise logits are divided by it before the softmax, and it must be at least <see cref="MinTemperature"/>.</param>
    /// <param name="topP">Nucleus mass in [0, 1]; 0 or 1 samples from the whole distribution (as run.c does).</param>
    /// <param name="seed">Random seed, not 0. Only used when <paramref name="temperature"/> is above 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range or not a number.</exception>
    public Sampler(int vocabSize, float temperature, float topP, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        if (!float.IsFinite(temperature) || temperature < 0 || (temperature > 0 && temperature < MinTemperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                string.Create(CultureInfo.InvariantCulture, $"Temperature must be 0 (greedy) or a finite number of at least {MinTemperature}, but is {temperature}."));
        }

        if (!float.IsFinite(topP) || topP < 0 || topP > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(topP), topP,
                string.Create(CultureInfo.InvariantCulture, $"Top-p must be between 0 and 1, but is {topP}."));
        }

        VocabSize = vocabSize;
        Temperature = temperature;
        TopP = topP;
        Seed = seed;
        Random = new XorShiftRandom(seed);
        _candidates = new ProbabilityIndex[vocabSize];
    }

    /// <summary>
    /// The smallest temperature above 0 accepted (1e-6). Below it logits / temperature overflows
    /// float32 for ordinary logits (1e-38 turns a logit of 4 into infinity, and the softmax into NaN),
    /// and the distribution is greedy to within float precision anyway: use 0 for greedy.
    /// </summary>
    public const float MinTemperature = 1e-6f;

    /// <summary>A greedy sampler: always the most likely token, lowest id on ties.</summary>
    public static Sampler Greedy(int vocabSize) => new(vocabSize, 0f, 0f, 1);

    /// <summary>Logits per call.</summary>
    public int VocabSize { get; }

    /// <summary>0 for greedy.</summary>
    public float Temperature { get; }

    /// <summary>Nucleus mass; 0 or 1 means no nucleus.</summary>
    public float TopP { get; }

    /// <summary>The seed the random sequence started from.</summary>
    public ulong Seed { get; }

    /// <summary>The coin source.</summary>
    public XorShiftRandom Random { get; }

    /// <summary>
    /// Picks a token. At a temperature above 0 the logits are turned into probabilities in place,
    /// as in run.c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Sample(Span<float> logits)
    {
        if (logits.Length != VocabSize)
        {
            throw new ArgumentException($"Expected {VocabSize} logits, got {logits.Length}.", nameof(logits));
        }

        if (Temperature == 0f)
        {
            return ArgMax(logits);
        }

        for (int i = 0; i < logits.Length; i++)
        {
            // A logit too large for the division (|l| > 3.4e32 at the smallest temperature) saturates
            // instead of becoming infinity, whose softmax would be NaN.
            float scaled = logits[i] / Temperature;
            logits[i] = float.IsPositiveInfinity(scaled) ? float.MaxValue : scaled;
        }

        Softmax(logits);
        float coin = Random.NextSingle();
        return TopP <= 0f || TopP >= 1f ? SampleMultinomial(logits, coin) : SampleTopP(logits, coin);
    }

    /// <summary>The index of the largest value; the first one on ties (run.c's <c>sample_argmax</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("No values to pick from.", nameof(values));
        }

        int best = 0;
        float max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > max)
            {
                max = values[i];
                best = i;
            }
        }

        return best;
    }

    /// <summary>Softmax in place, in run.c's order: subtract the maximum, exponentiate, divide by the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(Span<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        float max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > max)
            {
                max = values[i];
            }
        }

        float sum = 0f;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = MathF.Exp(values[i] - max);
            sum += values[i];
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }

    /// <summary>The first index whose running sum of probabilities passes <paramref name="coin"/> (run.c's <c>sample_mult</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int SampleMultinomial(ReadOnlySpan<float> probabilities, float coin)
    {
        float cdf = 0f;
        for (int i = 0; i < probabilities.Length; i++)
        {
            cdf += probabilities[i];
            if (coin < cdf)
            {
                return i;
            }
        }

        return probabilities.Length - 1;  // rounding left the sum just under the coin
    }

    /// <summary>
    /// Nucleus sampling, as run.c's <c>sample_topp</c>: keep the most probable tokens whose mass first
    /// exceeds top-p, then draw among them in proportion to their probabilities. Tokens below
    /// (1 − top-p)/(n − 1) cannot be in the nucleus and are dropped before sorting.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int SampleTopP(ReadOnlySpan<float> probabilities, float coin)
    {
        int n = probabilities.Length;
        float cutoff = (1.0f - TopP) / (n - 1);
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (probabilities[i] >= cutoff)
            {
                _candidates[kept++] = new ProbabilityIndex(probabilities[i], i);
            }
        }

        if (kept == 0)
        {
            // Only when the probabilities are not a distribution (NaN): fall back to the whole set.
            return SampleMultinomial(probabilities, coin);
        }

        var candidates = _candidates.AsSpan(0, kept);
        candidates.Sort();

        float cumulative = 0f;
        int last = kept - 1;
        for (int i = 0; i < kept; i++)
        {
            cumulative += candidates[i].Probability;
            if (cumulative > TopP)
            {
                last = i;
                break;
            }
        }

        float r = coin * cumulative;
        float cdf = 0f;
        for (int i = 0; i <= last; i++)
        {
            cdf += candidates[i].Probability;
            if (r < cdf)
            {
                return candidates[i].Index;
            }
        }

        return candidates[last].Index;
    }
}
