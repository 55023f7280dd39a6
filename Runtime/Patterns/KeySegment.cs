namespace KernelGen.Kernels;

/// <summary>
/// Keys a query attends, for decode: <see cref="Count"/> positions starting at <see cref="Start"/>,
/// <see cref="Step"/> apart (1 for a contiguous run, the stride for strided keys).
/// </summary>
public readonly record struct KeySegment(int Start, int Count, int Step);
