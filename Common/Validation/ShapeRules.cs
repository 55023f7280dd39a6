using System.Collections.Generic;
using System.Globalization;

namespace KernelGen.Validation;

/// <summary>
/// The rules a model shape must satisfy, written once and linked into both the source generator
/// (which reports them as compile errors on the attribute) and the runtime (which throws for a
/// checkpoint or a shape built in code).
/// </summary>
internal static class ShapeRules
{
    /// <summary>KG0001: a size that must be positive is zero or negative.</summary>
    public const string NonPositiveSize = "KG0001";

    /// <summary>KG0002: <c>Dim</c> is not a multiple of <c>Heads</c>.</summary>
    public const string DimNotDivisibleByHeads = "KG0002";

    /// <summary>KG0003: <c>Heads</c> is not a multiple of <c>KvHeads</c>.</summary>
    public const string HeadsNotDivisibleByKvHeads = "KG0003";

    /// <summary>KG0004: the head dimension is odd, so rotary embedding pairs do not fit.</summary>
    public const string OddHeadDim = "KG0004";

    /// <summary>KG0005: <c>MaxSeqLen</c> is larger than a KV cache can address.</summary>
    public const string MaxSeqLenOutOfRange = "KG0005";

    /// <summary>KG0006: the head dimension is larger than the kernels support.</summary>
    public const string HeadDimOutOfRange = "KG0006";

    /// <summary>
    /// Longest context a KV cache supports. Positions are <see cref="int"/> and one KV head's
    /// keys for the whole context must fit one array (capacity × head_dim &lt; 2^31).
    /// </summary>
    public const int MaxSupportedSeqLen = 1 << 20;

    /// <summary>Largest head dimension a KV head slice of the cache can hold at the longest context.</summary>
    public const int MaxSupportedHeadDim = 1024;

    /// <summary>
    /// Checks a model shape. <paramref name="kvHeads"/>, <paramref name="hiddenDim"/> and
    /// <paramref name="vocab"/> are checked only when the matching <c>*Set</c> flag says the value was
    /// given; an unset <c>KvHeads</c> means <c>Heads</c>.
    /// </summary>
    /// <returns>Every violation, in field order; empty when the shape is valid.</returns>
    public static List<RuleViolation> Check(
        int dim, int layers, int heads, int kvHeads, int hiddenDim, int vocab, int maxSeqLen,
        bool kvHeadsSet = true, bool hiddenDimSet = true, bool vocabSet = true)
    {
        var violations = new List<RuleViolation>();
        RequirePositive(violations, "Dim", dim);
        RequirePositive(violations, "Layers", layers);
        RequirePositive(violations, "Heads", heads);
        if (kvHeadsSet)
        {
            RequirePositive(violations, "KvHeads", kvHeads);
        }
        else
        {
            kvHeads = heads;
        }

        if (hiddenDimSet)
        {
            RequirePositive(violations, "HiddenDim", hiddenDim);
        }

        if (vocabSet)
        {
            RequirePositive(violations, "Vocab", vocab);
        }

        RequirePositive(violations, "MaxSeqLen", maxSeqLen);

        if (dim > 0 && heads > 0)
        {
            if (dim % heads != 0)
            {
                violations.Add(new RuleViolation(
                    DimNotDivisibleByHeads, "Dim",
                    Format("Dim ({0}) must be a multiple of Heads ({1}): every head takes Dim / Heads dimensions", dim, heads)));
            }
            else
            {
                int headDim = dim / heads;
                if (headDim % 2 != 0)
                {
                    violations.Add(new RuleViolation(
                        OddHeadDim, "Heads",
                        Format("the head dimension Dim / Heads = {0} / {1} = {2} is odd; rotary position embedding rotates pairs of dimensions, so it must be even", dim, heads, headDim)));
                }
                else if (headDim > MaxSupportedHeadDim)
                {
                    violations.Add(new RuleViolation(
                        HeadDimOutOfRange, "Heads",
                        Format("the head dimension Dim / Heads = {0} / {1} = {2} is larger than {3}, the largest KernelGen supports", dim, heads, headDim, MaxSupportedHeadDim)));
                }
            }
        }

        if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0)
        {
            violations.Add(new RuleViolation(
                HeadsNotDivisibleByKvHeads, kvHeadsSet ? "KvHeads" : "Heads",
                Format("Heads ({0}) must be a multiple of KvHeads ({1}): each key/value head serves a whole group of query heads", heads, kvHeads)));
        }

        if (maxSeqLen > MaxSupportedSeqLen)
        {
            violations.Add(new RuleViolation(
                MaxSeqLenOutOfRange, "MaxSeqLen",
                Format("MaxSeqLen ({0}) is larger than {1}, the longest context a KernelGen KV cache supports", maxSeqLen, MaxSupportedSeqLen)));
        }

        return violations;
    }

    private static void RequirePositive(List<RuleViolation> violations, string field, int value)
    {
        if (value <= 0)
        {
            violations.Add(new RuleViolation(NonPositiveSize, field, Format("{0} must be positive, but is {1}", field, value)));
        }
    }

    internal static string Format(string format, params object[] args) =>
        string.Format(CultureInfo.InvariantCulture, format, args);
}
