using System;
using System.Collections.Generic;
using KernelGen.Kernels;

namespace KernelGen.Bench.Sparse;

/// <summary>The compiled sparse benchmark models by pattern name and context length.</summary>
internal static class SparseKernels
{
    private static readonly Dictionary<(string Pattern, int Length), Func<AttentionKernels>> Factories = new()
    {
        [("Dense", 1024)] = Dense1024.CreateKernels,
        [("Strided", 1024)] = Strided1024.CreateKernels,
        [("Fixed", 1024)] = Fixed1024.CreateKernels,
        [("SlidingWindow", 1024)] = SlidingWindow1024.CreateKernels,
        [("Dense", 2048)] = Dense2048.CreateKernels,
        [("Strided", 2048)] = Strided2048.CreateKernels,
        [("Fixed", 2048)] = Fixed2048.CreateKernels,
        [("SlidingWindow", 2048)] = SlidingWindow2048.CreateKernels,
        [("Dense", 4096)] = Dense4096.CreateKernels,
        [("Strided", 4096)] = Strided4096.CreateKernels,
        [("Fixed", 4096)] = Fixed4096.CreateKernels,
        [("SlidingWindow", 4096)] = SlidingWindow4096.CreateKernels,
        [("Dense", 8192)] = Dense8192.CreateKernels,
        [("Strided", 8192)] = Strided8192.CreateKernels,
        [("Fixed", 8192)] = Fixed8192.CreateKernels,
        [("SlidingWindow", 8192)] = SlidingWindow8192.CreateKernels,
        [("Dense", 16384)] = Dense16384.CreateKernels,
        [("Strided", 16384)] = Strided16384.CreateKernels,
        [("Fixed", 16384)] = Fixed16384.CreateKernels,
        [("SlidingWindow", 16384)] = SlidingWindow16384.CreateKernels,
    };

    public static AttentionKernels Create(string pattern, int length) => Factories[(pattern, length)]();
}
