using System;

namespace KernelGen.Sampling;

/// <summary>A token's probability and id, ordered most probable first and, on equal probability, lowest id first.</summary>
internal readonly record struct ProbabilityIndex(float Probability, int Index) : IComparable<ProbabilityIndex>
{
    // run.c sorts with qsort, which leaves ties in no particular order; the id makes ours deterministic.
    public int CompareTo(ProbabilityIndex other) =>
        Probability > other.Probability ? -1 :
        Probability < other.Probability ? 1 :
        Index.CompareTo(other.Index);
}
