namespace KernelGen.Kernels;

/// <summary>
/// Keys a tile of queries attends, for prefill: positions [Start, Start + Count). Query i attends
/// key j of the range when <see cref="MinDistance"/> ≤ i − j ≤ <see cref="MaxDistance"/>; a key
/// block whose every pair satisfies that is computed without a mask.
/// </summary>
public readonly record struct KeyRange(int Start, int Count, int MinDistance, int MaxDistance);
